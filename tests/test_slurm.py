"""The Slurm path: the client and the job settings checked before anything runs; one job per fold that trains and
decodes; resubmission and status from the recorded job ids. A stand-in sbatch/squeue (tests/fake_slurm) records
the calls and runs each job at once on this machine."""
import os
import shutil
import subprocess
import sys

import pytest

import corpus_trees
from conftest import REPO, require_tool
from fairseq_emo.training import slurm

FAKE = os.path.join(REPO, "tests", "fake_slurm")


def env_with(path_dirs, **extra):
    env = dict(os.environ, PYTHON=sys.executable, **extra)
    env["PATH"] = os.pathsep.join(path_dirs + [os.path.dirname(sys.executable), "/usr/bin", "/bin"])
    return env


def run_sh(*args, env):
    return subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), *map(str, args)], capture_output=True,
                          text=True, env=env)


def test_without_a_slurm_client_nothing_runs_and_the_message_says_why(tmp_path):
    assert shutil.which("sbatch", path="/usr/bin:/bin") is None  # this machine has no Slurm
    proc = run_sh("--launcher", "slurm", "--work", tmp_path, env=env_with([]))
    assert proc.returncode == 2 and "needs the Slurm client" in proc.stderr and "--launcher local" in proc.stderr
    assert not (tmp_path / "data").exists()  # checked before stage 0
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run_folds.sh"), "--launcher", "slurm", "--w2v",
                           __file__, "--exp", tmp_path / "exp"], capture_output=True, text=True, env=env_with([]))
    assert proc.returncode == 2 and "sbatch and squeue is not on PATH" in proc.stderr


def test_slurm_settings_are_checked_and_turned_into_sbatch_options(tmp_path):
    good = tmp_path / "a.yaml"
    good.write_text("partition: gpu\naccount:\ntime: 1-00:00:00\ngpus: 1\nmem: 64G\nextra: ['--exclude=n07']\n")
    assert slurm.sbatch_args(slurm.load_settings(str(good))) == [
        "--partition=gpu", "--time=1-00:00:00", "--gpus=1", "--mem=64G", "--requeue", "--signal=B:USR1@300",
        "--exclude=n07"]
    for text, message in (("time: soon\n", "time: 'soon' is not a valid value"), ("gpu: 1\n", "unknown key 'gpu'"),
                          ("extra: --x\n", "extra must be a list")):
        bad = tmp_path / "b.yaml"
        bad.write_text(text)
        with pytest.raises(ValueError, match=message):
            slurm.load_settings(str(bad))
    from fairseq_emo.recipe.plan import check_slurm
    from fairseq_emo.recipe.options import RecipeError

    os.environ["PATH"] = FAKE + os.pathsep + os.environ["PATH"]
    try:
        with pytest.raises(RecipeError, match="there: default"):
            check_slurm("nosuch")
    finally:
        os.environ["PATH"] = os.environ["PATH"].split(os.pathsep, 1)[1]
    # the repository's own settings are valid
    assert "--gpus=1" in slurm.sbatch_args(slurm.load_settings(os.path.join(REPO, "configs", "slurm", "default.yaml")))


def test_status_names_every_fold_state(tmp_path, monkeypatch):
    exp = tmp_path / "exp" / "demo" / "bpc"
    for k in range(1, 5):
        (exp / f"fold{k}").mkdir(parents=True)
    (exp / "fold1" / "slurm.job").write_text("4242 2026-12-01T00:00:00Z\n")
    (exp / "fold2" / "FAILED").write_text("exit status 1\nTraceback ...\n")
    (exp / "fold3" / "slurm.job").write_text("17 2026-12-01T00:00:00Z\n")
    queue = tmp_path / "queue"
    queue.write_text("4242 RUNNING\n")
    monkeypatch.setenv("PATH", FAKE + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("FAKE_SLURM_QUEUE", str(queue))
    lines = slurm.status(str(tmp_path / "exp" / "demo"))
    assert lines[:4] == ["bpc fold1: running (job 4242, RUNNING)", "bpc fold2: failed: exit status 1",
                         "bpc fold3: job 17 ended without DONE (ENDED): the next run submits it again; no job log at "
                         f"{exp / 'fold3' / 'slurm-17.out'}",
                         "bpc fold4: not started"]
    assert slurm.is_active(str(exp / "fold1")) and not slurm.is_active(str(exp / "fold3"))


def test_a_failing_squeue_is_an_error_never_an_ended_job(tmp_path, monkeypatch):
    """squeue failing (controller unreachable) while a job is pending: retried, then an error (exit 2 from
    `active`, which run_folds.sh turns into a stop); a job id squeue no longer knows is an ended job."""
    fold = tmp_path / "exp" / "demo" / "bpc" / "fold1"
    fold.mkdir(parents=True)
    (fold / "slurm.job").write_text("4242 2026-12-01T00:00:00Z\n")
    monkeypatch.setenv("PATH", FAKE + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("FAKE_SLURM_SQUEUE_FAIL", "1")
    monkeypatch.setenv("FAIRSEQ_EMO_SLURM_RETRY_SECONDS", "0")
    with pytest.raises(slurm.QueryFailed, match="failed 3 times.*Unable to contact slurm controller"):
        slurm.is_active(str(fold))
    # the fold loop: a refusal (exit 2 from `recipe fold-start`, which run_folds.sh turns into a stop) before
    # any sbatch, for training and for run.sh's stage-5 decode alike
    from fairseq_emo.recipe import fold_loop
    from fairseq_emo.recipe.options import RecipeError

    with pytest.raises(RecipeError, match="the state of its Slurm job is unknown"):
        fold_loop.slurm_decode(str(fold), str(tmp_path / "exp" / "demo"), "default")
    script = open(os.path.join(REPO, "scripts", "run_folds.sh")).read()
    assert 'action=$(recipe fold-start "$spec" "$(printf \'%q \' "${cmd[@]}")" "${args[@]}") || exit $?' in script
    monkeypatch.delenv("FAKE_SLURM_SQUEUE_FAIL")
    unknown = tmp_path / "squeue_unknown"
    unknown.mkdir()
    (unknown / "squeue").write_text("#!/bin/sh\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n")
    (unknown / "squeue").chmod(0o755)
    monkeypatch.setenv("PATH", str(unknown) + os.pathsep + FAKE + os.pathsep + os.environ["PATH"])
    assert slurm.job_state("4242") == "ENDED" and not slurm.is_active(str(fold))


@pytest.mark.e2e
def test_run_sh_on_slurm_trains_and_decodes_in_the_job_then_reports(tiny_w2v, tmp_path):
    """First run: one job per fold (training + its decode) is submitted and run.sh returns; the same command again
    scores, votes and reports without submitting anything; a fold whose job is queued is left alone. The corpus is
    a registered one beyond the paper's (RAVDESS stand-in), so this is also run.sh on a new corpus end to end."""
    require_tool("sctk", "apt-get install sctk")
    root, _ = corpus_trees.ravdess(str(tmp_path / "release"), actors=(1, 2, 3, 4, 5, 6))
    log, queue = tmp_path / "sbatch.log", tmp_path / "queue"
    env = env_with([FAKE], FAKE_SLURM_LOG=str(log), FAKE_SLURM_QUEUE=str(queue))
    common = ["--corpus", "ravdess", "--data", root, "--w2v", tiny_w2v, "--config", "tiny", "--units", "bpc",
              "--work", tmp_path, "--launcher", "slurm", "--", "optimization.max_update=12"]
    first = run_sh("--train-folds", "1", *common, env=env)
    assert first.returncode == 4, first.stderr[-3000:]   # submitted: run.sh and run_folds.sh both exit 4
    assert "folds are training on Slurm" in first.stderr and "RESULT" not in first.stdout
    calls = log.read_text().splitlines()
    assert len(calls) == 1 and "--gpus=1 --cpus-per-task=8 --mem=64G" in calls[0] and "--time=04:00:00" in calls[0]
    assert "--requeue --signal=B:USR1@300" in calls[0]
    fold = tmp_path / "exp" / "ravdess" / "bpc.speaker-k6" / "fold1"
    done = dict(l.split("=", 1) for l in (fold / "DONE").read_text().splitlines())
    assert done["launcher"] == "local (slurm job 1000)"
    assert (fold / "decode_test" / "decode.json").is_file()  # decoded inside the job
    assert "--launcher local --decode" in (fold / "job.sh").read_text() and (fold / "slurm-1000.out").is_file()
    second = run_sh("--train-folds", "1", *common, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    # a corpus of the registry end to end (stand-in RAVDESS: its table, 6 speaker groups, a report without paper
    # figures and with the eGeMAPS baseline)
    assert "RESULT corpus=ravdess unit=bpc folds=speaker-k6 " in second.stdout
    folds = sorted(os.listdir(tmp_path / "manifests" / "ravdess" / "bpc" / "speaker-k6"))
    assert folds[:6] == [f"fold{k}" for k in range(1, 7)]
    report = (tmp_path / "exp" / "ravdess" / "report" / "report.md").read_text()
    assert "The paper reports no figure for corpus `ravdess`" in report and "eGeMAPS" in report
    assert len(log.read_text().splitlines()) == 1 and "stage 5: " in second.stderr and "exists, skipped" in second.stderr
    # fold 2 has a queued job: left alone, not submitted again
    (fold.parent / "fold2").mkdir()
    (fold.parent / "fold2" / "slurm.job").write_text("4242 2026-12-01T00:00:00Z\n")
    queue.write_text("4242 PENDING\n")
    third = run_sh("--train-folds", "1 2", "--stop-stage", "4", *common, env=env)
    assert third.returncode == 4 and "queued or running, left alone" in third.stderr
    assert len(log.read_text().splitlines()) == 1
    status = run_sh("--status", *common, env=env)
    assert "bpc.speaker-k6 fold1: decoded" in status.stdout and "fold2: queued (job 4242, PENDING)" in status.stdout


def test_status_names_the_cause_of_a_failed_job_and_a_fold_training_here(tmp_path, monkeypatch):
    """A failed job's line says where to look (its log) and what the log's last error was; a fold whose LOCK a
    runner holds is 'training here', not 'not started'; status exits 1 when a fold failed."""
    import fcntl
    import subprocess

    exp = tmp_path / "exp" / "demo" / "bpc"
    for k in (1, 2):
        (exp / f"fold{k}").mkdir(parents=True)
    (exp / "fold1" / "slurm.job").write_text("77 2026-12-01T00:00:00Z\n")
    (exp / "fold1" / "FAILED").write_text("exit status 1\n")
    (exp / "fold1" / "slurm-77.out").write_text("[12:00:00] training\nValueError: bad value\nsome tail\n")
    (exp / "fold2" / "LOCK.pid").write_text("4321 node7 2026-12-08T00:00:00Z\n")
    monkeypatch.setenv("PATH", FAKE + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("FAKE_SLURM_QUEUE", str(tmp_path / "queue"))
    (tmp_path / "queue").write_text("")
    with open(exp / "fold2" / "LOCK", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)   # a runner of this machine is training fold 2
        lines = slurm.status(str(tmp_path / "exp" / "demo"))
        assert lines[0] == (f"bpc fold1: failed: exit status 1 (job 77); {exp / 'fold1' / 'slurm-77.out'}: "
                            f"ValueError: bad value")
        assert lines[1] == "bpc fold2: training here (pid 4321 on node7 since 2026-12-08T00:00:00Z)"
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "fairseq-emo"), "status",
                               str(tmp_path / "exp" / "demo")], capture_output=True, text=True,
                              env=dict(os.environ))
        assert proc.returncode == 1 and "fold1: failed" in proc.stdout
    assert slurm.status(str(tmp_path / "exp" / "demo"))[1] == "bpc fold2: not started"   # the lock is free


def test_a_job_near_its_time_limit_requeues_itself(tmp_path):
    """job.sh runs the fold's command in the background; USR1 (sbatch --signal=B:USR1@300) makes it call
    `scontrol requeue <its job id>` and keep waiting for the command, whose exit status is the job's."""
    import signal
    import subprocess
    import time

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text(f"#!/bin/sh\necho \"scontrol $*\" >> {tmp_path / 'calls'}\n")
    (bin_dir / "scontrol").chmod(0o755)
    script = tmp_path / "job.sh"
    script.write_text(slurm.job_script(["bash", "-c", "sleep 2; exit 3"]))
    proc = subprocess.Popen(["bash", str(script)], env=dict(os.environ, SLURM_JOB_ID="991",
                                                             PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(0.7)
    proc.send_signal(signal.SIGUSR1)
    out, _ = proc.communicate(timeout=30)
    assert (tmp_path / "calls").read_text().strip() == "scontrol requeue 991"
    assert "requeueing job 991" in out and proc.returncode == 3   # the command ran to its end
    assert "--requeue" in slurm.sbatch_args({}) and "--signal=B:USR1@300" in slurm.sbatch_args({})


@pytest.mark.e2e
def test_a_fold_that_fails_its_check_on_the_login_node_is_not_submitted(demo_manifests, tiny_w2v, tmp_path):
    """With --launcher slurm the fold's check (data, config composed with the overrides) runs before sbatch: an
    override the config cannot take is named, FAILED says nothing was queued, and sbatch is never called."""
    log = tmp_path / "sbatch.log"
    (tmp_path / "queue").write_text("")
    env = env_with([FAKE], FAKE_SLURM_LOG=str(log), FAKE_SLURM_QUEUE=str(tmp_path / "queue"))
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run_folds.sh"), "--corpus", "demo", "--units", "bpc",
                           "--train-folds", "1", "--config", "tiny", "--w2v", str(tiny_w2v), "--manifests",
                           str(demo_manifests), "--exp", str(tmp_path / "exp"), "--launcher", "slurm", "--",
                           "optimization.no_such_key=1"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "cannot be composed" in proc.stderr and "nothing was queued" in proc.stderr
    assert not log.exists() or "sbatch" not in log.read_text()
    assert "not submitted" in (tmp_path / "exp" / "bpc" / "fold1" / "FAILED").read_text()
