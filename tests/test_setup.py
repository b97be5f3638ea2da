"""The set-up's no-root path (a cluster account): missing Debian tools are reported with the stages that need them,
and setup goes on. Fast tier: nothing is installed."""
import os
import subprocess

from conftest import REPO


def test_missing_tools_without_apt_are_reported_and_setup_goes_on(tmp_path):
    # a PATH with none of the tools (only `id`, which the script asks), and apt-get ruled out as for a non-root user
    (tmp_path / "bin").mkdir()
    os.symlink("/usr/bin/id", tmp_path / "bin" / "id")
    env = {"PATH": str(tmp_path / "bin"), "FAIRSEQ_EMO_NO_APT": "1"}
    proc = subprocess.run(["/bin/bash", os.path.join(REPO, "third_party", "install_debian_tools.sh")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "espeak-ng missing: the demo corpus" in proc.stderr
    assert "sudo apt-get update && sudo apt-get install -y" in proc.stderr
    if not os.access("/usr/lib/sctk/bin/sclite", os.X_OK):  # the Debian path is found without PATH
        assert "sctk missing: run.sh stage 6" in proc.stderr


def test_tools_on_path_are_used_as_they_are(tmp_path):
    (tmp_path / "bin").mkdir()
    os.symlink("/usr/bin/id", tmp_path / "bin" / "id")
    for tool in ("sclite", "espeak-ng"):       # e.g. a cluster module's builds
        (tmp_path / "bin" / tool).write_text("#!/bin/sh\n")
        (tmp_path / "bin" / tool).chmod(0o755)
    proc = subprocess.run(["/bin/bash", os.path.join(REPO, "third_party", "install_debian_tools.sh")],
                          capture_output=True, text=True, env={"PATH": str(tmp_path / "bin"), "FAIRSEQ_EMO_NO_APT": "1"})
    assert proc.returncode == 0 and proc.stderr == ""


def test_setup_help_and_arguments():
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "setup.sh"), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "Without root" in proc.stdout and "VENV=" in proc.stdout
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "setup.sh"), "--user"], capture_output=True, text=True)
    assert proc.returncode == 2 and "no arguments" in proc.stderr
