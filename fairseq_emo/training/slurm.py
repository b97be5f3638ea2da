"""Slurm for the fold loop: settings (configs/slurm/<name>.yaml) -> checked sbatch arguments; a fold's job
(training and its decode on the node that trained it) -> submitted with sbatch, its id kept in the fold; the id
-> the job's state (squeue, then sacct); an experiment dir -> the state of every fold (`fairseq-emo status`).

Nothing here waits for a job: submission returns at once, and a later run of the same command asks the
recorded job's state: queued or running jobs are left alone, a job that ended without DONE (failed, timed out,
preempted and not requeued, cancelled) is submitted again and fairseq resumes from checkpoint_last.pt.

The fold loop asks it through the recipe (fairseq_emo/recipe/fold_loop.py); `fairseq-emo status` prints status().
"""
import os
import re
import shlex
import shutil
import subprocess
import time
from typing import Dict, List, Optional

from fairseq_emo.core import layout
from fairseq_emo.core.repo import REPO_ROOT

CLIENT = ("sbatch", "squeue")  # sacct is optional: without it an ended job is simply 'ended'
ACTIVE = ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED", "REQUEUE_HOLD",
          "REQUEUE_FED", "SIGNALING", "STAGE_OUT")
KEYS = {"partition": r"[A-Za-z0-9_.,-]+", "account": r"[A-Za-z0-9_.-]+", "qos": r"[A-Za-z0-9_.-]+",
        "time": r"(\d+-)?\d{1,2}(:\d{2}){0,2}|\d+", "gpus": r"\d+", "cpus_per_task": r"[1-9]\d*",
        "mem": r"\d+[KMGT]?", "constraint": r"[A-Za-z0-9_.&|()!*-]+"}
FLAGS = {"partition": "--partition", "account": "--account", "qos": "--qos", "time": "--time", "gpus": "--gpus",
         "cpus_per_task": "--cpus-per-task", "mem": "--mem", "constraint": "--constraint"}


def missing_client() -> List[str]:
    return [c for c in CLIENT if shutil.which(c) is None]


def load_settings(path: str) -> Dict:
    """configs/slurm/<name>.yaml -> {key: value} (strings), every value checked; errors name the file and key."""
    if not os.path.isfile(path):
        folder = os.path.dirname(path)
        names = sorted(n[:-5] for n in os.listdir(folder) if n.endswith(".yaml")) if os.path.isdir(folder) else []
        raise ValueError(f"{path}: no such Slurm settings file (--slurm-config NAME picks configs/slurm/NAME.yaml; "
                         f"there: {', '.join(names) or 'none'})")
    from omegaconf import OmegaConf

    raw = OmegaConf.to_container(OmegaConf.load(path))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected key: value lines")
    settings = {}
    for key, value in raw.items():
        if key == "extra":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.startswith("--") for v in value):
                raise ValueError(f"{path}: extra must be a list of sbatch options ('--opt=value'), got {value!r}")
            settings[key] = value
            continue
        if key not in KEYS:
            raise ValueError(f"{path}: unknown key {key!r}; known: {', '.join(KEYS)}, extra")
        if value is None or value == "":
            continue  # the cluster's default
        if not re.fullmatch(KEYS[key], str(value)):
            raise ValueError(f"{path}: {key}: {value!r} is not a valid value (e.g. time 1-00:00:00 or 24:00:00, "
                             f"gpus 1, mem 64G)")
        settings[key] = str(value)
    return settings


# Near its time limit a job is sent USR1 (sbatch --signal=B:USR1@REQUEUE_SECONDS) and requeues itself
# (scontrol requeue): the same job id starts again later, and fairseq resumes from checkpoint_last.pt (saved every
# save_interval_updates), so a fold longer than the partition's time limit still finishes.
REQUEUE_SECONDS = 300
REQUEUE_ARGS = ("--requeue", f"--signal=B:USR1@{REQUEUE_SECONDS}")


def sbatch_args(settings: Dict) -> List[str]:
    return ([f"{FLAGS[k]}={v}" for k, v in settings.items() if k in FLAGS] + list(REQUEUE_ARGS)
            + list(settings.get("extra", [])))


def job_script(command: List[str]) -> str:
    """A fold's job: the command from the repository root, in the background so that the job's shell can take
    USR1 while it runs; on USR1 the job requeues itself (REQUEUE_SECONDS before its time limit)."""
    return ("#!/usr/bin/env bash\n# written by fairseq_emo/training/slurm.py: this fold's job, run by sbatch\n"
            f"set -uo pipefail\ncd {shlex.quote(REPO_ROOT)}\nexport FAIRSEQ_EMO_SLURM_JOB=${{SLURM_JOB_ID:-}}\n"
            "requeue() {\n  echo \"fairseq_emo: time limit near: requeueing job $SLURM_JOB_ID (the fold resumes "
            "from checkpoint_last.pt)\"\n  scontrol requeue \"$SLURM_JOB_ID\"\n}\ntrap requeue USR1\n"
            + " ".join(shlex.quote(c) for c in command) + " &\nchild=$!\n"
            "# wait returns early when USR1 arrives: wait again for the command (scancel ends both)\n"
            "while true; do wait \"$child\"; status=$?; kill -0 \"$child\" 2>/dev/null || exit \"$status\"; done\n")


def submit(settings: Dict, fold: str, name: str, command: List[str]) -> str:
    """Write <fold>/job.sh (the command, from the repository root) and sbatch it; -> the job id, also kept in
    <fold>/slurm.job ('<id> <time>'). The job's output goes to <fold>/slurm-<id>.out."""
    script = os.path.join(fold, layout.SLURM_SCRIPT)
    with open(script, "w", encoding="utf-8") as f:
        f.write(job_script(command))
    os.chmod(script, 0o755)
    args = ["sbatch", "--parsable", f"--job-name={name}", f"--output={os.path.join(fold, layout.SLURM_OUTPUT)}",
            *sbatch_args(settings), script]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"sbatch refused the job of {fold} (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[:500]}")
    job = proc.stdout.strip().split(";")[0]
    if not job.isdigit():
        raise RuntimeError(f"sbatch --parsable printed {proc.stdout.strip()!r}, not a job id")
    with open(os.path.join(fold, layout.SLURM_JOB), "w", encoding="utf-8") as f:
        f.write(f"{job} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
    return job


def recorded_job(fold: str) -> Optional[str]:
    path = os.path.join(fold, layout.SLURM_JOB)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        words = f.read().split()
    return words[0] if words else None


class QueryFailed(RuntimeError):
    """squeue could not say (the controller unreachable, a timeout): never read as 'the job ended'."""


QUERY_TRIES = 3            # squeue is asked this often before the run stops
QUERY_PAUSE_SECONDS = 5.0  # between tries (FAIRSEQ_EMO_SLURM_RETRY_SECONDS overrides it: the tests' stand-in)
# what squeue says of a job id the controller no longer knows (it has ended and been purged): an answer, not a failure
UNKNOWN_JOB = "Invalid job id"


def _squeue_state(job: str) -> str:
    """squeue's state of the job, '' when the controller no longer knows it; QueryFailed when squeue fails."""
    import time

    pause = float(os.environ.get("FAIRSEQ_EMO_SLURM_RETRY_SECONDS", QUERY_PAUSE_SECONDS))
    for attempt in range(1, QUERY_TRIES + 1):
        proc = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.strip().split("\n")[0].strip()
        if UNKNOWN_JOB in proc.stderr:
            return ""
        if attempt < QUERY_TRIES:
            time.sleep(pause)
    raise QueryFailed(f"squeue -j {job} failed {QUERY_TRIES} times (exit {proc.returncode}: "
                      f"{proc.stderr.strip()[:200] or 'no message'}); the job's state is unknown, so nothing is "
                      f"resubmitted: run the same command again when squeue answers")


def job_state(job: str) -> str:
    """squeue's state of a job that is still known to the controller, else sacct's, else 'ENDED'. A failing
    squeue is QueryFailed (after QUERY_TRIES tries), never 'ENDED': a pending job must not be submitted twice."""
    if shutil.which("squeue"):
        state = _squeue_state(job)
        if state:
            return state
    if shutil.which("sacct"):
        proc = subprocess.run(["sacct", "-n", "-X", "-P", "-j", job, "-o", "State"], capture_output=True, text=True)
        state = proc.stdout.strip().split("\n")[0].split()[0] if proc.returncode == 0 and proc.stdout.strip() else ""
        if state:
            return state
    return "ENDED"


def is_active(fold: str) -> bool:
    job = recorded_job(fold)
    return job is not None and job_state(job) in ACTIVE


def local_runner(fold: str) -> Optional[str]:
    """The runner training the fold on this machine ('pid N on HOST since T'), when one holds its LOCK."""
    import fcntl

    lock = os.path.join(fold, layout.LOCK)
    if not os.path.isfile(lock):
        return None
    with open(lock, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.path.join(fold, layout.LOCK_PID)
            words = open(holder, encoding="utf-8").read().split() if os.path.isfile(holder) else []
            return f"pid {words[0]} on {words[1]} since {words[2]}" if len(words) >= 3 else "pid unknown"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def job_log_cause(fold: str, job: Optional[str]) -> str:
    """Where a failed job's story is: its log's path and its last error line (else its last line)."""
    if not job:
        return ""
    log = os.path.join(fold, layout.SLURM_OUTPUT.replace("%j", job))
    if not os.path.isfile(log):
        return f"; no job log at {log}"
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    errors = [line for line in lines if re.search(r"error|Error|ERROR|FAILED|Traceback|Killed|CANCELLED", line)]
    last = (errors or lines or ["(empty)"])[-1]
    return f"; {log}: {last[:300]}"


def fold_state(fold: str) -> str:
    """One fold -> 'decoded', 'trained (not decoded)', 'training here (pid N on HOST since T)', 'queued (job N)',
    'running (job N)', 'failed: <first line> (job N); <its log>: <its last error line>', 'job N ended without DONE
    (<state>): resubmitted by the next run', 'not started'."""
    if layout.is_trained(fold):
        decoded = layout.is_decoded(layout.decode_dir(fold, "test"), fold)
        job = recorded_job(fold)
        if not decoded and job and job_state(job) in ACTIVE:
            return f"trained, decoding (job {job})"
        return "decoded" if decoded else "trained (not decoded)"
    runner = local_runner(fold)
    if runner:
        return f"training here ({runner})"
    job = recorded_job(fold)
    if job:
        state = job_state(job)
        if state in ACTIVE:
            return f"{'running' if state == 'RUNNING' else 'queued'} (job {job}, {state})"
    failed = os.path.join(fold, layout.FAILED)
    if os.path.isfile(failed):
        with open(failed, encoding="utf-8", errors="replace") as f:
            first = next((line.strip() for line in f if line.strip()), "")
        return f"failed: {first}" + (f" (job {job})" if job else "") + job_log_cause(fold, job)
    if job:
        return (f"job {job} ended without DONE ({job_state(job)}): the next run submits it again"
                + job_log_cause(fold, job))
    return "not started"


def status(exp: str) -> List[str]:
    """exp/<corpus> -> '<run> <fold>: <state>' for every fold of every run, and a count per state (`failed` among
    them when any failed: the callers exit 1 then)."""
    lines, counts = [], {}
    runs = [d for d in sorted(os.listdir(exp)) if os.path.isdir(os.path.join(exp, d)) and d not in layout.NOT_RUNS]
    for run in runs:
        for fold in layout.fold_dirs(os.path.join(exp, run)):
            state = fold_state(fold)
            lines.append(f"{run} {os.path.basename(fold)}: {state}")
            key = state.split(" (")[0].split(":")[0]
            counts[key] = counts.get(key, 0) + 1
    if not lines:
        raise FileNotFoundError(f"{exp}: no run with fold<k> folders (is it exp/<corpus>?)")
    return lines + ["total: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))]
