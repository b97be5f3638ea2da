"""Benchmarks cannot rot: each bench script's quick mode runs here (end-to-end tier) and must print its numbers."""
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.e2e


def test_gpu_e2e_quick_cpu_mode_passes_every_stage(tmp_path):
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", os.path.join(REPO, "bench", "gpu_e2e.sh"), "--work", str(tmp_path), "--cpu"],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    stages = re.findall(r"^STAGE (\S+)\s+([\d.]+) s$", proc.stdout, re.M)
    assert [s for s, _ in stages] == ["checkpoint", "data", "train", "decode", "score", "baseline", "report"]
    assert "every stage passed on cpu" in proc.stdout
    assert (tmp_path / "exp" / "demo" / "report" / "results.json").is_file()


def test_bench_prepare_runs_to_its_end(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(REPO, "bench", "bench_prepare.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"units \+ manifests, 4 unit types x 10 folds: [\d.]+ s", proc.stdout)
