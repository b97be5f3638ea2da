"""Benchmarks cannot rot: each bench script's quick mode runs here (end-to-end tier) and must print its numbers."""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.e2e


def test_gpu_e2e_quick_cpu_mode_passes_every_stage(demo_tree, tiny_w2v, tmp_path):
    import shutil

    shutil.copyfile(tiny_w2v, tmp_path / "w2v_tiny.pt")   # the session's random-init model (the script keeps one)
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", os.path.join(REPO, "bench", "gpu_e2e.sh"), "--work", str(tmp_path), "--cpu",
                           "--data", os.path.dirname(demo_tree)],
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


def _bench(script, *args, timeout=600):
    proc = subprocess.run([sys.executable, os.path.join(REPO, "bench", script), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def test_bench_decode_quick_prints_speeds(demo_manifests):
    out = _bench("bench_decode.py", "--quick", "--data", os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1"))
    assert len(re.findall(r"^tiny  batch [18]: +[\d.]+ utterances/s, real-time factor [\d.]+", out, re.M)) == 2, out


def test_bench_predict_quick_prints_rtf_and_memory(demo_manifests):
    # one run of the files mode: files/s at batch 1 and 8, each with the real-time factor and peak RSS
    out = _bench("bench_predict.py", "--quick", "--files", "6", "--data",
                 os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1"))
    speeds = re.findall(r"^tiny : batch ([18]): ([\d.]+) files/s \(6 files, 6 of 6 file\(s\) done, .*real-time "
                        r"factor [\d.]+, cpu\)\); peak RSS \d+ MiB$", out, re.M)
    assert [b for b, _ in speeds] == ["1", "8"] and all(float(v) > 0 for _, v in speeds), out


def test_bench_train_quick_prints_the_plugin_to_stock_ratio(demo_manifests, tiny_w2v):
    out = _bench("bench_train.py", "--quick", "--w2v", tiny_w2v,
                 "--data", os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1"))
    assert re.search(r"^ratio plugin/stock updates/s: [\d.]+ \(target >= 0.98\)", out, re.M), out


def test_bench_gpu_train_quick_prints_hours_per_fold(tmp_path):
    out = _bench("bench_gpu_train.py", "--work", tmp_path, "--quick", "--json", tmp_path / "s.json")
    summary = json.load(open(tmp_path / "s.json"))
    assert "device: cpu" in out and summary["device"] == "cpu", out
    # the hours are computed from the measured speeds of both phases, and the study is 40 folds of them
    frozen, unfrozen = summary["runs"]
    assert frozen["ups_median"] > 0 and unfrozen["ups_median"] > 0
    expected = (10000 / frozen["ups_median"] + 5000 / unfrozen["ups_median"]) / 3600
    assert summary["hours_per_fold"] == pytest.approx(expected, abs=0.006)
    assert summary["hours_iemocap_study_40_folds"] == pytest.approx(40 * expected, abs=0.06)


def test_bench_loader_quick_mode_measures_the_recipes_batches(tmp_path):
    """bench_loader.py --quick: the recipe's own task and batching (paper_bpc.yaml) on IEMOCAP utterance lengths
    print batches/s and a padding fraction between 0 and 100 %."""
    proc = subprocess.run([sys.executable, os.path.join(REPO, "bench", "bench_loader.py"), "--quick", "--work",
                           str(tmp_path / "fold")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    row = re.search(r"^\s+0\s+(\d+)\s+([\d.]+)\s+[\d.]+s\s+[\d.]+\s+([\d.]+)%$", proc.stdout, re.M)
    assert row, proc.stdout
    assert int(row.group(1)) > 0 and float(row.group(2)) > 0 and 0 <= float(row.group(3)) < 100
    assert "40 utterances" in proc.stdout and (tmp_path / "fold" / "train.tsv").is_file()


def test_bench_demo_profiles_a_finished_run(tiny_finetuned, tmp_path):
    """bench_demo.py on the session's shared training (its train.log): the fold's phases, with updates > 0 and the
    phases summing to no more than the attempt took; without run.log there is no stage table."""
    fold = os.path.dirname(os.path.dirname(tiny_finetuned))            # <exp>/demo/bpc/fold1
    os.makedirs(tmp_path / "exp")
    os.symlink(os.path.dirname(os.path.dirname(fold)), tmp_path / "exp" / "demo")
    out = _bench("bench_demo.py", "--work", tmp_path)
    row = next(l for l in out.splitlines() if l.startswith("demo/bpc/fold1"))
    checks, start_up, set_up, updates, valid, ckpt, after = map(float, row.split()[1:])
    assert updates > 0 and valid >= 0 and ckpt > 0 and start_up > 0, row
    assert "stage " not in out and "all folds" in out
