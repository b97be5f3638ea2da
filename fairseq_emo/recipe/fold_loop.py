"""The fold loop's decisions (scripts/run_folds.sh runs the loop and the fairseq-hydra-train command itself):
a fold and the command that would train it -> what to do with it, how its attempt starts, what its end means.

  start    trained already with this command (skipped), with another one (refused; --force moves it aside
           after checking the new training can start), queued or submitted on Slurm, or to be trained here
  prepare  the fold's data checked (scripts/check_fold.py), cmd.sh written, how the attempt starts:
           fresh | resume | finished (at its max_update) | conflict (trained toward another max_update: FAILED)
  finish   DONE with the fold's record inside its test checkpoint, or FAILED with the log's tail
  summary  one line for the loop, and its exit status: 0 all done, 1 some failed, 3 some were trained with
           another command (refused), 4 folds are on Slurm
A fold is one plan line 'name|unit|labels|config|data|out|seed|k' (plan.folds_plan).
"""
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.core.repo import REPO_ROOT
from fairseq_emo.recipe.options import CommandLine, RecipeError
from fairseq_emo.recipe.plan import folds_plan, log
from fairseq_emo.training import slurm
from fairseq_emo.training.fold_run import complete, resume_state, same_command

SCRIPT = "run_folds.sh"
CHECK_FOLD = os.path.join(REPO_ROOT, "scripts", "check_fold.py")
ON_SLURM = ("submitted", "queued")
FAILED_TAIL_LINES = 30


@dataclass
class Fold:
    name: str
    unit: str
    labels: str
    config: str
    data: str
    out: str
    seed: str
    k: str

    @classmethod
    def parse(cls, spec: str) -> "Fold":
        return cls(*spec.split("|"))

    def path(self, name: str) -> str:
        return os.path.join(self.out, name)


def _check(fold: Fold, plan: Dict, max_update_out: str) -> subprocess.CompletedProcess:
    """scripts/check_fold.py on the fold's data with the run's config and overrides."""
    return subprocess.run([sys.executable, CHECK_FOLD, "--data", fold.data, "--labels", fold.labels, "--w2v",
                           plan["w2v"], "--config", fold.config, "--max-update-out", max_update_out, "--",
                           *plan["extra"]], capture_output=True, text=True)


def _check_ahead(fold: Fold, plan: Dict) -> subprocess.CompletedProcess:
    """The fold's check before a decision that is hard to undo (moving a trained fold aside, sbatch); its
    complaint is shown; nothing is left behind in the fold."""
    scratch = f"{fold.out}.check-{os.getpid()}"
    check = _check(fold, plan, scratch)
    if os.path.exists(scratch):
        os.remove(scratch)
    if check.returncode != 0:
        sys.stderr.write(check.stderr)
    return check


def _job_command(line: CommandLine, fold: Fold, plan: Dict) -> List[str]:
    """The Slurm job of one fold: this script with --launcher local --decode for that fold alone."""
    command = ["env", f"PYTHON={sys.executable}", "bash", os.path.join(REPO_ROOT, "scripts", SCRIPT),
               "--corpus", line.get("--corpus", "demo"), "--units", fold.unit,
               "--scheme-dir", line.get("--scheme-dir", "speaker"), "--train-folds", fold.k, "--w2v", plan["w2v"],
               "--manifests", plan["manifests"], "--exp", plan["exp"], "--launcher", "local", "--decode"]
    command += (["--config", line.get("--config")] if line.get("--config") else [])
    command += (["--seeds", fold.seed] if fold.seed else []) + (["--keep-optimizer"] if plan["keep_optimizer"] else [])
    return command + ["--"] + list(plan["extra"])


def start(line: CommandLine, spec: str, command: str) -> str:
    """-> skipped | differs | queued | submitted | submit-failed | train."""
    fold, plan = Fold.parse(spec), folds_plan(line, quiet=True)
    if layout.is_trained(fold.out):
        try:
            same = same_command(fold.out, command)
        except ValueError as err:   # a damaged DONE: said, and the fold counts as differing (refused, listed)
            print(f"error: {err}", file=sys.stderr)
            same = False
        if same:
            log(SCRIPT, f"{fold.name}: finished earlier, skipped ({fold.path(layout.DONE)})")
            return "skipped"
        if not plan["force"]:
            log(SCRIPT, f"{fold.name}: finished earlier with ANOTHER command (see {fold.path(layout.DONE)} and "
                        f"{fold.path(layout.COMMAND)}); its model is not what this command asks for. Pass --force to "
                        f"move it to fold{fold.k}.replaced-<time>/ and train again, or use another --exp")
            return "differs"
        # check first, move after: a fold whose new training cannot start keeps its trained model in place
        check = _check_ahead(fold, plan)
        if check.returncode != 0:
            log(SCRIPT, f"{fold.name}: --force: its data fails the check above, so the trained fold stays where "
                        f"it is")
            return "differs"
        old = f"{fold.out}.replaced-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
        os.rename(fold.out, old)
        log(SCRIPT, f"{fold.name}: --force: the fold trained with another command moved to {old}")
    os.makedirs(fold.out, exist_ok=True)
    if plan["launcher"] != "slurm":
        return "train"
    try:
        active = slurm.is_active(fold.out)
    except slurm.QueryFailed as err:   # never read as 'ended': a pending job must not be submitted twice
        print(f"error: {err}", file=sys.stderr)
        raise RecipeError(f"{fold.name}: the state of its Slurm job is unknown (above); nothing submitted") from None
    if active:
        log(SCRIPT, f"{fold.name}: its Slurm job {slurm.recorded_job(fold.out)} is queued or running, left alone")
        return "queued"
    # every check the login node can make (the fold's data and audio, the config composed with the overrides, the
    # pre-trained model) before sbatch: a bad override or fold must not wait in the queue to fail
    check = _check_ahead(fold, plan)
    if check.returncode != 0:
        _fail(fold, "not submitted: check_fold.py failed\n" + check.stderr,
              "FAILED before submission: its data or config fails the check above (nothing was queued)")
        return "submit-failed"
    # no lock here: the job takes the fold's lock when it starts (a second job of the same fold then skips it)
    try:
        settings = slurm.load_settings(os.path.join(REPO_ROOT, "configs", "slurm",
                                                    f"{line.get('--slurm-config', 'default')}.yaml"))
        job = slurm.submit(settings, fold.out, f"fe-{line.get('--corpus', 'demo')}-{fold.name.replace(' ', '-')}",
                           _job_command(line, fold, plan))
    except (RuntimeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        log(SCRIPT, f"{fold.name}: FAILED to submit (see above)")
        return "submit-failed"
    log(SCRIPT, f"{fold.name}: submitted as Slurm job {job} ({fold.path(layout.SLURM_SCRIPT)})")
    return "submitted"


def _fail(fold: Fold, text: str, message: str) -> None:
    write_text(fold.path(layout.FAILED), text if text.endswith("\n") else text + "\n")
    log(SCRIPT, f"{fold.name}: {message}")


def prepare(line: CommandLine, spec: str, command: str) -> str:
    """-> fresh | resume | finished; RecipeError (exit 1 in the script: the fold failed, the loop goes on)."""
    fold, plan = Fold.parse(spec), folds_plan(line, quiet=True)
    os.makedirs(fold.out, exist_ok=True)
    max_update_file = fold.path(layout.CHECK_MAX_UPDATE)
    check = _check(fold, plan, max_update_file)
    with open(fold.path(layout.TRAIN_LOG), "a", encoding="utf-8") as f:
        f.write(check.stdout)
    write_text(fold.path(layout.CHECK_ERR), check.stderr)
    if check.returncode != 0:
        sys.stderr.write(check.stderr)
        _fail(fold, "check_fold.py failed\n" + check.stderr, f"FAILED before training (see {fold.path(layout.FAILED)})")
        raise SystemExit(1)
    write_text(fold.path(layout.COMMAND), command + "\n")
    state, message = "fresh", ""
    if os.path.isdir(fold.path(layout.CHECKPOINTS)):
        target = None
        if os.path.isfile(max_update_file) and open(max_update_file, encoding="utf-8").read().strip():
            target = int(open(max_update_file, encoding="utf-8").read())
        try:
            state, message = resume_state(fold.path(layout.CHECKPOINTS), target)
        except Exception as err:   # noqa: BLE001  (any unreadable checkpoint: this fold fails, the loop goes on)
            with open(fold.path(layout.TRAIN_LOG), "a", encoding="utf-8") as f:
                f.write(f"{type(err).__name__}: {err}\n")
            log(SCRIPT, f"{fold.name}: FAILED to inspect {fold.path(layout.CHECKPOINTS)}")
            raise SystemExit(1)
    if os.path.exists(max_update_file):
        os.remove(max_update_file)
    if state == "conflict":
        _fail(fold, message, f"FAILED: {message}")
        raise SystemExit(1)
    if state == "finished":
        log(SCRIPT, f"{fold.name}: {message}; not trained again")
    elif state == "resume":
        log(SCRIPT, f"{fold.name}: {message}")
    else:
        if message:
            log(SCRIPT, f"{fold.name}: {message}")
        log(SCRIPT, f"{fold.name}: {fold.data} -> {fold.out}")
    with open(fold.path(layout.TRAIN_LOG), "a", encoding="utf-8") as f:
        f.write(f"=== attempt {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}: {command}\n")
    return state


def finish(line: CommandLine, spec: str, status: int, seconds: int) -> int:
    """The end of an attempt: DONE (the record into the test checkpoint first, then DONE) or FAILED. -> 0 | 1."""
    fold, plan = Fold.parse(spec), folds_plan(line, quiet=True)
    if status != 0 or not os.path.isfile(layout.test_checkpoint(fold.out)):
        with open(fold.path(layout.TRAIN_LOG), encoding="utf-8", errors="replace") as f:
            tail = f.read().splitlines()[-FAILED_TAIL_LINES:]
        _fail(fold, f"exit status {status}\n" + "\n".join(tail),
              f"FAILED (exit {status}; see {fold.path(layout.FAILED)}); continuing with the next fold")
        return 1
    for name in (layout.FAILED, layout.CHECK_ERR):
        if os.path.exists(fold.path(name)):
            os.remove(fold.path(name))
    # predict/decode can then run from the checkpoint dir alone
    shutil.copy(os.path.join(fold.data, f"dict.{fold.labels}.txt"), fold.path(layout.CHECKPOINTS))
    with open(fold.path(layout.COMMAND), encoding="utf-8") as f:
        command = f.read().rstrip("\n")
    job = os.environ.get("FAIRSEQ_EMO_SLURM_JOB", "")
    # wall_seconds: the last attempt only (earlier ones are in train.log); device: what torch sees, with
    # CUDA_VISIBLE_DEVICES deciding the card
    facts = {"config": fold.config, "w2v": plan["w2v"], "data": fold.data,
             "launcher": plan["launcher"] + (f" (slurm job {job})" if job else ""),
             "seed": fold.seed or "1 (fairseq default)", "gpu": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
             "jobs": str(plan["jobs"]), "wall_seconds": str(seconds), "command": command}
    import torch   # heavy: only when a fold finished

    facts["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    try:
        summary = complete(fold.out, facts, keep_optimizer=plan["keep_optimizer"])
    except ValueError as err:
        _fail(fold, str(err), f"FAILED: {err}")
        return 1
    log(SCRIPT, f"{fold.name}: {summary}")
    log(SCRIPT, f"{fold.name}: done")
    return 0


def summary(line: CommandLine, outcomes: List[str]) -> int:
    """'<out>=<outcome>' for every fold the loop met -> the loop's last line; its exit status."""
    plan = folds_plan(line, quiet=True)
    pairs = [o.rsplit("=", 1) for o in outcomes]
    failed = list(plan["missing"])
    differs = [out for out, state in pairs if state == "differs"]
    locked = sum(state == "locked" for _, state in pairs)
    submitted = sum(state == "submitted" for _, state in pairs)
    queued = sum(state == "queued" for _, state in pairs)
    for out, state in pairs:
        short = os.path.relpath(out, plan["exp"])
        if state == "differs":
            failed.append(f"{short}(another command)")
        elif not (layout.is_trained(out) or state in ON_SLURM + ("locked",)):
            failed.append(short)
    done = len(pairs) - len(failed) + len(plan["missing"]) - locked - submitted - queued
    text = f"finished: {done} of {len(pairs)} fold(s) done, {len(failed)} failed"
    text += f": {' '.join(failed)}" if failed else ""
    text += f", {locked} left to another runner" if locked else ""
    if submitted + queued:
        text += (f", on Slurm: {submitted} submitted now, {queued} queued or running earlier (run the same command "
                 f"again when they end; fairseq-emo status {plan['exp']})")
    log(SCRIPT, text)
    return 3 if differs else 4 if submitted + queued else 1 if failed else 0


def slurm_decode(fold_dir: str, exp: str, settings_name: str) -> None:
    """run.sh stage 5 with --launcher slurm: a trained fold's test decode as a GPU job (not the login node's
    work), unless the fold's job is still running."""
    try:
        active = slurm.is_active(fold_dir)
    except slurm.QueryFailed as err:
        print(f"error: {err}", file=sys.stderr)
        raise RecipeError(f"stage 5: {fold_dir}: the state of its Slurm job is unknown (above); nothing "
                          f"submitted") from None
    if active:
        log("run.sh", f"stage 5: {fold_dir}: its Slurm job is still running")
        return
    try:
        settings = slurm.load_settings(os.path.join(REPO_ROOT, "configs", "slurm", f"{settings_name}.yaml"))
        job = slurm.submit(settings, fold_dir, f"fe-decode-{os.path.relpath(fold_dir, exp)}",
                           [sys.executable, os.path.join(REPO_ROOT, "scripts", "decode.py"), "--fold-exp", fold_dir,
                            "--split", "test", "--no-progress"])
    except (RuntimeError, ValueError) as err:
        raise RecipeError(str(err)) from None
    log("run.sh", f"stage 5: {fold_dir}: decode submitted as Slurm job {job}")
