"""Real fairseq-hydra-train runs of the tiny config through the plugin (CPU, a few updates)."""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import REPO, TINY_FIXTURE_ARGS, TINY_FIXTURE_OVERRIDES, run_folds, run_script

pytestmark = pytest.mark.e2e  # real training / recipe runs: the end-to-end tier

FAIRSEQ_HYDRA_TRAIN = os.path.join(os.path.dirname(sys.executable), "fairseq-hydra-train")


def valid_records(log_path):
    records = []
    with open(log_path) as f:
        for line in f:
            if "[valid][INFO] - {" in line:
                records.append(json.loads(line.split(" - ", 1)[1]))
    return records


def train_records(log_path):
    with open(log_path) as f:
        return [json.loads(line.split(" - ", 1)[1]) for line in f if "[train_inner][INFO] - {" in line]


def test_tiny_training_logs_emotion_metrics_and_writes_checkpoint(demo_manifests, tiny_w2v, tiny_finetuned):
    # the session's shared training (conftest.tiny_finetuned: bpc fold 1, 12 updates), inspected here
    out = Path(tiny_finetuned).parent.parent
    assert (out / "checkpoints" / "checkpoint_last.pt").is_file() and (out / "DONE").is_file()
    assert "checkpoint_rule=final" in (out / "DONE").read_text()
    assert "fairseq-hydra-train" in (out / "cmd.sh").read_text()
    losses = [float(r["loss"]) for r in train_records(out / "train.log")]
    assert len(losses) == 12 and all(math.isfinite(x) for x in losses)
    valid = valid_records(out / "train.log")[-1]
    assert float(valid["valid_uer_emo"]) >= 0.0 and float(valid["valid_uer_noemo"]) >= 0.0
    assert 0.0 <= float(valid["valid_emo_wa"]) <= 100.0 and 0.0 <= float(valid["valid_emo_ua"]) <= 100.0
    # emotion-free unit errors can never exceed the errors that also count the emotion
    assert float(valid["valid_uer_noemo"]) <= float(valid["valid_uer_emo"])
    # common.tensorboard_logdir works (tensorboardX from the [tensorboard] extra), and the run did not complain
    assert list((out / "hydra" / "tb" / "train").glob("events.out.tfevents.*"))
    assert list((out / "hydra" / "tb" / "valid").glob("events.out.tfevents.*"))
    # a rerun with the same command skips the finished fold
    proc = run_folds(*TINY_FIXTURE_ARGS, "--w2v", tiny_w2v, "--manifests", demo_manifests, "--exp", out.parent.parent,
                     "--", *TINY_FIXTURE_OVERRIDES)
    assert proc.returncode == 0 and "finished earlier, skipped" in proc.stderr, proc.stderr


def test_fine_tuned_checkpoint_loads_through_the_plugin(tiny_finetuned):
    ckpt = tiny_finetuned
    dictionary = Path(ckpt).parent / "dict.bpc.txt"
    probe = ("import fairseq, fairseq_emo.training.fairseq_plugin\n"
             "from fairseq import checkpoint_utils\n"
             f"models, cfg, task = checkpoint_utils.load_model_ensemble_and_task([{str(ckpt)!r}])\n"
             "print(type(task).__name__, len(task.target_dictionary))\n")
    env = {k: v for k, v in os.environ.items() if k != "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"}
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    n_units = len(dictionary.read_text().splitlines())
    assert n_units % 4 == 0 and res.stdout.split()[-2:] == ["EmotionUnitFinetuningTask", str(4 + n_units)]  # + specials
    # torch's own default still refuses to unpickle the same file: the shim is confined to fairseq's loads
    with pytest.raises(Exception):
        torch.load(str(ckpt))


def test_freezing_keeps_wav2vec_weights_until_freeze_updates(demo_manifests, tiny_w2v, tiny_finetuned, tmp_path):
    proc = run_folds("--corpus", "demo", "--units", "bpc", "--train-folds", "3", "--config", "tiny", "--w2v", tiny_w2v,
                     "--manifests", demo_manifests, "--exp", tmp_path / "demo", "--", "model.freeze_finetune_updates=100",
                     "optimization.max_update=4")
    assert proc.returncode == 0, proc.stderr
    pretrained = torch.load(tiny_w2v, weights_only=False)["model"]
    tuned = torch.load(str(tmp_path / "demo/bpc/fold3/checkpoints/checkpoint_last.pt"), weights_only=False)["model"]
    prefix = "w2v_encoder.w2v_model."
    compared = 0
    for name, value in tuned.items():
        if name.startswith(prefix) and name[len(prefix):] in pretrained:
            assert torch.equal(value, pretrained[name[len(prefix):]]), f"{name} changed while frozen"
            compared += 1
    assert compared > 20
    proj = [n for n in tuned if n.startswith("w2v_encoder.proj")]
    assert proj, "no output projection in the fine-tuned model"
    # and with freeze_finetune_updates=0 (the tiny config's; the session's shared training) the transformer moves
    moved = torch.load(tiny_finetuned, weights_only=False)["model"]
    name = prefix + "encoder.layers.0.fc1.weight"
    assert not torch.equal(moved[name], pretrained[name[len(prefix):]])


def test_interrupted_fold_resumes_from_its_last_checkpoint(demo_manifests, tiny_w2v, tmp_path):
    # (that a finished fold is skipped: test_tiny_training_... and test_finished_fold_asked_with_another_command...)
    common = ["--corpus", "demo", "--units", "bpc", "--config", "tiny", "--w2v", tiny_w2v,
              "--manifests", demo_manifests, "--exp", tmp_path / "demo"]
    env = dict(os.environ, PYTHON=sys.executable)
    cmd = ["bash", os.path.join(REPO, "scripts", "run_folds.sh"), *map(str, common), "--train-folds", "6", "--",
           "optimization.max_update=20", "checkpoint.save_interval_updates=2"]
    loop = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    last = tmp_path / "demo" / "bpc" / "fold6" / "checkpoints" / "checkpoint_last.pt"
    deadline = time.time() + 240
    while not last.exists() and time.time() < deadline and loop.poll() is None:
        time.sleep(0.5)
    time.sleep(1.0)
    os.killpg(loop.pid, signal.SIGKILL)  # the whole loop and fairseq, mid-run
    loop.wait()
    assert last.exists(), "no checkpoint_last.pt appeared before the kill"
    assert not (tmp_path / "demo" / "bpc" / "fold6" / "DONE").exists()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "bpc fold6: resuming from" in proc.stderr
    log = (tmp_path / "demo" / "bpc" / "fold6" / "train.log").read_text()
    resumed = [line for line in log.splitlines() if "Loaded checkpoint" in line]
    assert resumed and "@ 0 updates" not in resumed[-1]
    first_update_after_resume = int(train_records_after(log, "=== attempt")[0]["num_updates"])
    assert first_update_after_resume > 1
    assert (tmp_path / "demo" / "bpc" / "fold6" / "DONE").exists()


def train_records_after(log_text, marker):
    tail = log_text.rsplit(marker, 1)[1]
    return [json.loads(l.split(" - ", 1)[1]) for l in tail.splitlines() if "[train_inner][INFO] - {" in l]


@pytest.fixture()
def broken_fold(demo_manifests, tmp_path):
    src = os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1")
    dst = tmp_path / "fold"
    shutil.copytree(src, dst)
    return dst


def train_directly(data, w2v, tmp_path):
    cmd = [FAIRSEQ_HYDRA_TRAIN, "--config-dir", os.path.join(REPO, "configs"), "--config-name", "tiny",
           f"task.data={data}", f"model.w2v_path={w2v}", f"common.user_dir={os.path.join(REPO, 'fairseq_emo')}",
           f"checkpoint.save_dir={tmp_path / 'ckpt'}", f"hydra.run.dir={tmp_path / 'hydra'}"]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_unknown_label_token_is_a_clear_error_before_training(broken_fold, tiny_w2v, tmp_path):
    lines = (broken_fold / "train.bpc").read_text().splitlines()
    lines[2] = lines[2] + " SCHWA_hap"
    (broken_fold / "train.bpc").write_text("\n".join(lines) + "\n")
    proc = run_script("check_fold.py", "--data", broken_fold, "--labels", "bpc", "--w2v", tiny_w2v, check=False)
    assert proc.returncode == 2 and "train.bpc:3: not in dict.bpc.txt: SCHWA_hap" in proc.stderr
    res = train_directly(broken_fold, tiny_w2v, tmp_path)
    assert res.returncode != 0 and "train.bpc:3: not in dict.bpc.txt: SCHWA_hap" in res.stdout + res.stderr
    assert not (tmp_path / "ckpt" / "checkpoint_last.pt").exists()


def test_label_count_mismatch_is_a_clear_error(broken_fold, tiny_w2v, tmp_path):
    lines = (broken_fold / "train.bpc").read_text().splitlines()
    (broken_fold / "train.bpc").write_text("\n".join(lines[:-1]) + "\n")
    n = len((broken_fold / "train.tsv").read_text().splitlines()) - 1
    proc = run_script("check_fold.py", "--data", broken_fold, "--labels", "bpc", check=False)
    assert proc.returncode == 2 and f"has {n - 1} label lines but" in proc.stderr and f"lists {n} utterances" in proc.stderr
    res = train_directly(broken_fold, tiny_w2v, tmp_path)
    assert res.returncode != 0 and f"has {n - 1} label lines" in res.stdout + res.stderr


def test_empty_label_line_is_reported(broken_fold):
    lines = (broken_fold / "train.bpc").read_text().splitlines()
    lines[4] = ""
    (broken_fold / "train.bpc").write_text("\n".join(lines) + "\n")
    proc = run_script("check_fold.py", "--data", broken_fold, "--labels", "bpc", check=False)
    assert proc.returncode == 2 and "train.bpc:5: empty label line" in proc.stderr


def test_missing_w2v_path_is_a_clear_error(broken_fold, tmp_path):
    res = train_directly(broken_fold, tmp_path / "nowhere.pt", tmp_path)
    assert res.returncode != 0 and "nowhere.pt: no such file" in res.stdout + res.stderr
    proc = run_folds("--units", "bpc", "--config", "tiny", "--w2v", tmp_path / "nowhere.pt")
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_in_process_compose_is_what_fairseq_hydra_train_composes():
    # the fast tier checks the configs through recipe_config.compose_recipe; this keeps it honest
    import yaml
    from omegaconf import OmegaConf

    from fairseq_emo.training.recipe_config import compose_recipe

    overrides = ["task.data=/data/fold1", "model.w2v_path=/models/libri960_big.pt", "common.user_dir=/x"]
    res = subprocess.run([FAIRSEQ_HYDRA_TRAIN, "--config-dir", os.path.join(REPO, "configs"), "--config-name",
                          "paper_bpc", "--cfg", "job", *overrides], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    in_process = yaml.safe_load(OmegaConf.to_yaml(compose_recipe("paper_bpc", overrides)))
    assert yaml.safe_load(res.stdout) == in_process


def test_submitit_launcher_path_and_seeds(demo_manifests, tiny_w2v, tmp_path):
    """The Slurm path (hydra-submitit-launcher) with submitit's local executor, two jobs at once: one fold under two
    seeds, each in its own directory with common.seed=<s>."""
    proc = run_folds("--corpus", "demo", "--units", "bpc", "--train-folds", "5", "--config", "tiny", "--w2v", tiny_w2v,
                     "--manifests", demo_manifests, "--exp", tmp_path / "demo", "--launcher", "submitit_local",
                     "--seeds", "1 2", "--", "model.freeze_finetune_updates=2", "optimization.max_update=4")
    assert proc.returncode == 0, proc.stderr
    weights = []
    for seed in (1, 2):
        fold = tmp_path / "demo" / f"bpc.seed{seed}" / "fold5"
        done = dict(line.split("=", 1) for line in (fold / "DONE").read_text().splitlines())
        assert done["seed"] == str(seed) and int(done["wall_seconds"]) >= 0 and done["device"] == "cpu"
        assert done["launcher"] == "submitit_local"
        assert f"common.seed={seed}" in (fold / "cmd.sh").read_text()
        assert "hydra/launcher=submitit_local" in (fold / "cmd.sh").read_text()
        log = (fold / "hydra" / "hydra_train.log").read_text()   # fairseq's log under the submitit launcher
        assert "Job completed successfully" in log
        assert re.search(r"unfreeze: update 2, lr [0-9.e-]+", log), log[-2000:]
        weights.append(torch.load(str(fold / "checkpoints" / "checkpoint_last.pt"), weights_only=False)["model"])
    name = "w2v_encoder.proj.weight"
    assert not torch.equal(weights[0][name], weights[1][name]), "two seeds gave the same output layer"
    proc = run_folds("--corpus", "demo", "--units", "bpc", "--seeds", "1 two", "--w2v", tiny_w2v)
    assert proc.returncode == 2 and "--seeds takes non-negative integers" in proc.stderr


def test_concurrent_folds_give_the_weights_of_sequential_ones(demo_manifests, tiny_w2v, tmp_path):
    # fold 9 alone, then folds 9 and 10 at once (--jobs 2), one thread per process in both runs: fold 9 ends with
    # the same weights either way
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    common = ["--corpus", "demo", "--units", "bpc", "--config", "tiny", "--w2v", tiny_w2v, "--manifests",
              demo_manifests]
    one = run_folds(*common, "--train-folds", "9", "--exp", tmp_path / "seq" / "demo", "--",
                    "optimization.max_update=6", env=env)
    two = run_folds(*common, "--train-folds", "9 10", "--exp", tmp_path / "par" / "demo", "--jobs", "2",
                    "--keep-optimizer", "--", "optimization.max_update=6", env=env)
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    a = torch.load(str(tmp_path / "seq/demo/bpc/fold9/checkpoints/checkpoint_last.pt"), weights_only=False)
    b = torch.load(str(tmp_path / "par/demo/bpc/fold9/checkpoints/checkpoint_last.pt"), weights_only=False)
    assert a["model"].keys() == b["model"].keys()
    assert all(torch.equal(a["model"][n], b["model"][n]) for n in a["model"]), "fold9 differs"
    assert a["last_optimizer_state"] is None and b["last_optimizer_state"] is not None  # --keep-optimizer
    for k in (9, 10):
        done = (tmp_path / "par/demo/bpc" / f"fold{k}" / "DONE").read_text()
        assert "jobs=2" in done
    # both folds ran at once: their training intervals (DONE: finish time and wall seconds) overlap
    from datetime import datetime
    spans = []
    for k in (9, 10):
        done = dict(l.split("=", 1) for l in (tmp_path / "par/demo/bpc" / f"fold{k}" / "DONE").read_text().splitlines())
        end = datetime.strptime(done["finished"], "%Y-%m-%dT%H:%M:%SZ").timestamp()
        spans.append((end - int(done["wall_seconds"]), end))
    assert min(e for _, e in spans) - max(s for s, _ in spans) >= 2, spans
    proc = run_folds(*common, "--exp", tmp_path / "x" / "demo", "--jobs", "0")
    assert proc.returncode == 2 and "--jobs takes a positive number" in proc.stderr


def test_finished_fold_asked_with_another_command_is_refused_until_force(demo_manifests, tiny_w2v, tiny_finetuned,
                                                                         tmp_path):
    # the session's trained fold, copied into another experiment dir (a moved exp/ is still the same training)
    fold = tmp_path / "demo" / "bpc" / "fold1"
    shutil.copytree(os.path.dirname(os.path.dirname(tiny_finetuned)), fold)
    common = [*TINY_FIXTURE_ARGS, "--w2v", tiny_w2v, "--manifests", demo_manifests, "--exp", tmp_path / "demo"]
    same = run_folds(*common, "--", *TINY_FIXTURE_OVERRIDES)
    assert same.returncode == 0 and "finished earlier, skipped" in same.stderr, same.stderr
    before = (fold / "DONE").read_text()
    other = run_folds(*common, "--", "optimization.max_update=5")
    assert other.returncode == 3 and "finished earlier with ANOTHER command" in other.stderr, other.stderr
    assert "0 of 1 fold(s) done, 1 failed: bpc/fold1(another command)" in other.stderr, other.stderr
    assert (fold / "DONE").read_text() == before          # nothing trained, nothing replaced
    # run.sh stops there: decoding, voting and reporting the old model would present it as this command's
    work = tmp_path / "work"
    shutil.copytree(demo_manifests, work / "manifests")
    shutil.copytree(fold, work / "exp" / "demo" / "bpc" / "fold1")
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), "--work", str(work), "--stage", "4",
                           "--train-units", "bpc", "--train-folds", "1", "--config", "tiny", "--w2v", tiny_w2v,
                           "--", "optimization.max_update=5"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHON=sys.executable))
    assert proc.returncode == 2 and "nothing is decoded or reported for this command" in proc.stderr, proc.stderr
    assert "RESULT" not in proc.stdout and not (work / "exp" / "demo" / "bpc" / "fold1" / "decode_test").exists()
    forced = run_folds(*common, "--force", "--", "optimization.max_update=5")
    assert forced.returncode == 0, forced.stderr
    old = list(tmp_path.glob("demo/bpc/fold1.replaced-*"))
    assert len(old) == 1 and (old[0] / "DONE").read_text() == before   # the earlier model is kept, moved
    assert "optimization.max_update=5" in (fold / "DONE").read_text()
    assert torch.load(str(fold / "checkpoints" / "checkpoint_last.pt"), weights_only=False)[
        "optimizer_history"][-1]["num_updates"] == 5


def test_kill_9_of_run_sh_alone_takes_the_fold_loop_and_its_trainer_down(demo_manifests, tiny_w2v, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(demo_manifests, work / "manifests")
    fold = work / "exp" / "demo" / "bpc" / "fold1"
    proc = subprocess.Popen(["bash", os.path.join(REPO, "scripts", "run.sh"), "--work", str(work), "--stage", "4",
                             "--train-units", "bpc", "--train-folds", "1", "--config", "tiny", "--w2v", tiny_w2v,
                             "--", "optimization.max_update=100000"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHON=sys.executable))

    def ours():  # processes whose command line names this test's fold
        found = []
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and int(pid) != proc.pid and str(fold) in open(f"/proc/{pid}/cmdline").read():
                    found.append(pid)
            except OSError:
                continue
        return found

    deadline = time.time() + 120
    while time.time() < deadline and "=== attempt" not in (
            (fold / "train.log").read_text() if (fold / "train.log").exists() else ""):
        time.sleep(0.5)
    time.sleep(2)
    assert ours(), "the trainer did not start"
    os.kill(proc.pid, signal.SIGKILL)   # run.sh alone, not its process group
    proc.wait()
    deadline = time.time() + 20
    while ours() and time.time() < deadline:
        time.sleep(0.5)
    assert not ours(), "fold loop or trainer still running after run.sh was killed"
