"""A fold's training directory as scripts/run_folds.sh leaves it: exp/<corpus>/<unit>/fold<k>/ -> its facts.
(Names and markers: layout.py.)

  DONE        'key=value' lines: config, w2v, data, launcher, seed, device, finished, wall_seconds, command,
              test_checkpoint, checkpoint_rule (written by `mark_done`), w2v_arch (the pre-trained model's
              architecture as the test checkpoint records it, written by `complete`)
  train.log   fairseq's log; with common.log_format=json its metric lines are '[<tag>][INFO] - {json}'
  checkpoints/ checkpoint_last.pt and fairseq's checkpoint_<epoch>_<update>.pt
One reader for both, used by decoding, the report and the benchmarks; and `resume_state`, which decides how a
fold's next attempt starts (the fold loop asks it: fairseq_emo/recipe/fold_loop.py).
"""
import glob
import json
import os
import re
import shutil
import time
from typing import Dict, Iterable, List, Optional, Tuple

from fairseq_emo.core import layout, safe_load
from fairseq_emo.core.atomic import write_text, write_with
from fairseq_emo.core.layout import read_done
from fairseq_emo.training import model_record
from fairseq_emo.training.model_record import RECORD_KEY


def log_records(lines: Iterable[str], tag: str) -> List[Dict]:
    """fairseq json log lines of one tag ('train_inner', 'train', 'valid') -> their dicts, in order."""
    marker = f"[{tag}][INFO] - {{"
    return [json.loads(line.split(" - ", 1)[1]) for line in lines if marker in line]


def checkpoint_progress(path: str) -> Optional[Tuple[int, int]]:
    """(updates done, the run's max_update) of a fairseq checkpoint, or None when it cannot be loaded
    (fairseq writes checkpoint_last.pt by a plain copy: an interrupted copy leaves a truncated file)."""
    try:
        state = safe_load.load(path, mmap=True)  # our own training's files
        return int(state["optimizer_history"][-1]["num_updates"]), int(state["cfg"]["optimization"]["max_update"])
    except Exception:  # truncated zip, unpickling errors, missing keys: all mean "not usable"
        return None


def resume_state(checkpoint_dir: str, target_max_update: Optional[int] = None) -> Tuple[str, str]:
    """-> (state, message): 'fresh' (nothing to resume), 'resume' (checkpoint_last.pt is loadable and
    unfinished), 'finished' (it is at its max_update: training again would add an update and change the test
    checkpoint), 'conflict' (it was trained toward another max_update than the command asks for,
    `target_max_update`: its learning-rate schedule was another, so neither resuming nor calling it finished
    gives the model the command describes). An unloadable checkpoint_last.pt is kept as checkpoint_last.pt.broken-<time> and replaced by
    the newest loadable checkpoint_<epoch>_<update>.pt, and the message says which."""
    last = os.path.join(checkpoint_dir, layout.TEST_CHECKPOINT)
    message = ""
    progress = checkpoint_progress(last) if os.path.isfile(last) else None
    if progress is None:
        periodic = sorted(glob.glob(os.path.join(glob.escape(checkpoint_dir), "checkpoint_*_*.pt")),
                          key=lambda p: int(re.search(r"_(\d+)\.pt$", p).group(1)), reverse=True)
        if os.path.isfile(last):
            broken = f"{last}.broken-{time.strftime('%Y%m%d%H%M%S')}"
            os.replace(last, broken)
            message = f"checkpoint_last.pt could not be loaded (kept as {os.path.basename(broken)}); "
        for candidate in periodic:
            progress = checkpoint_progress(candidate)
            if progress is not None:
                write_with(last, lambda tmp: shutil.copyfile(candidate, tmp))
                message += f"resuming from {os.path.basename(candidate)} (update {progress[0]})"
                break
        else:
            return "fresh", message + ("no loadable checkpoint: training starts again" if message else "")
    done, max_update = progress
    if target_max_update is not None and target_max_update != max_update:
        return "conflict", (f"{last} was trained toward max_update {max_update} (now at update {done}); this "
                            f"command asks for {target_max_update}, and the learning-rate schedule depends on it. "
                            f"Move {checkpoint_dir} away to train from scratch, or ask for max_update={max_update}")
    if done >= max_update:
        return "finished", (message + "; " if message else "") + \
            f"checkpoint_last.pt is at update {done} of {max_update}: finished"
    return "resume", message or f"resuming from checkpoint_last.pt (update {done} of {max_update})"


def backbone_architecture(state: Dict) -> Optional[str]:
    """A fine-tuned checkpoint's state -> its pre-trained model's architecture as the checkpoint records it (the
    pre-training config it keeps in model.w2v_args): 'wav2vec2 24x1024 layer_norm_first=False normalize=False'
    for libri960_big.pt; None where the checkpoint does not say. What the paper's model is, independent of its
    file name (paper.PAPER_ARCHITECTURE)."""
    try:
        w2v = state["cfg"]["model"]["w2v_args"]
        model, task = w2v["model"], w2v["task"]
        return (f"{model['_name']} {model['encoder_layers']}x{model['encoder_embed_dim']} "
                f"layer_norm_first={bool(model.get('layer_norm_first', False))} "
                f"normalize={bool(task.get('normalize', False))}")
    except (KeyError, TypeError):
        return None


def finalize(checkpoint_dir: str, keep_optimizer: bool = False, record: Optional[Dict] = None,
             described: Optional[Dict[str, str]] = None) -> str:
    """After DONE, keep what is used: checkpoint_last.pt (the test checkpoint) and the dictionary. The periodic
    and best checkpoints (kept only so that an interrupted fold could resume) are removed, and unless
    keep_optimizer the optimizer state is stripped from checkpoint_last.pt (for wav2vec 2.0 Large it is most of
    the file: fp32 master weights and Adam's two moments). The update count stays, so a rerun still knows the
    fold is finished. `described`, when given, gets the backbone's recorded architecture (`w2v_arch`).
    -> a one-line summary with the sizes."""
    import torch

    removed = 0
    for path in glob.glob(os.path.join(glob.escape(checkpoint_dir), "checkpoint_*_*.pt")) + \
            glob.glob(os.path.join(glob.escape(checkpoint_dir), "checkpoint_best.pt")):
        removed += os.path.getsize(path)
        os.remove(path)
    last = os.path.join(checkpoint_dir, layout.TEST_CHECKPOINT)
    before = os.path.getsize(last)
    if record is not None or not keep_optimizer:

        state = safe_load.load(last)  # our own training's file
        if described is not None:
            described["w2v_arch"] = backbone_architecture(state) or ""
        if not keep_optimizer:
            state["last_optimizer_state"] = None
        if record is not None:
            state[RECORD_KEY] = record  # the checkpoint describes itself (model_record.py)
        write_with(last, lambda tmp: torch.save(state, tmp))
    after = os.path.getsize(last)
    return (f"checkpoint_last.pt {before / 2**20:.1f} -> {after / 2**20:.1f} MiB"
            f"{' (optimizer state stripped)' if after < before else ''}; removed {removed / 2**20:.1f} MiB of "
            f"periodic/best checkpoints")


DONE_KEYS = ("config", "w2v", "data", "launcher", "seed", "device", "gpu", "jobs", "wall_seconds", "command")


def done_facts(fold_dir: str, facts: Dict[str, str]) -> Dict[str, str]:
    """The DONE file's content: the training facts run_folds.sh passes, the UTC `finished` stamp (which decodes
    are tied to: layout.is_decoded), the test checkpoint and the checkpoint rule; the command last."""
    unknown = sorted(set(facts) - set(DONE_KEYS))
    if unknown:
        raise ValueError(f"DONE: unknown key(s) {', '.join(unknown)}; known: {', '.join(DONE_KEYS)}")
    done = {k: facts.get(k, "") for k in DONE_KEYS if k != "command"}
    done.update(finished=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                test_checkpoint=layout.test_checkpoint(os.path.abspath(fold_dir)),
                checkpoint_rule=layout.CHECKPOINT_RULE, command=facts.get("command", ""))
    return done


def write_done(fold_dir: str, done: Dict[str, str]) -> str:
    """<fold>/DONE written atomically from done_facts(); -> its path."""
    path = os.path.join(fold_dir, layout.DONE)
    on_disk = layout.relative_done_paths(fold_dir, done)   # a copied or moved work dir reads its own model and data
    return write_text(path, "".join(f"{k}={v}\n" for k, v in on_disk.items()))


def mark_done(fold_dir: str, facts: Dict[str, str]) -> str:
    """Write <fold>/DONE (atomically) from the training facts. -> the DONE path."""
    return write_done(fold_dir, done_facts(fold_dir, facts))


def complete(fold_dir: str, facts: Dict[str, str], keep_optimizer: bool = False) -> str:
    """The end of a training, in the order that survives a kill at any point: the record goes into the test
    checkpoint first (finalize), DONE is written last, so DONE always means "finished, record inside". A kill
    before DONE leaves a checkpoint at max_update, which the next attempt finds finished and completes again.
    A command that is empty (the fold's cmd.sh vanished, e.g. the fold dir was deleted mid-training) is refused:
    DONE must say how the model was trained. -> finalize's summary."""

    if not facts.get("command", "").strip():
        raise ValueError(f"{fold_dir}: no training command to record (was the fold directory removed while it "
                         f"trained?); not marked done: train the fold again")
    done = done_facts(fold_dir, facts)
    checkpoints = os.path.dirname(layout.test_checkpoint(fold_dir))
    described: Dict[str, str] = {}
    summary = finalize(checkpoints, keep_optimizer=keep_optimizer, record=model_record.build(fold_dir, done),
                       described=described)
    done.update(described)   # w2v_arch: what the paper comparison checks, not the file name
    write_done(fold_dir, done)
    return summary


# Arguments that only say where things are (the program, the code, the fold's own output dirs): an experiment
# directory moved or a repository cloned elsewhere is still the same training.
_WHERE = ("hydra.run.dir=", "hydra.sweep.dir=", "checkpoint.save_dir=", "common.user_dir=", "--config-dir")


def _what_trains(command: str) -> List[str]:
    import shlex

    words = shlex.split(command)[1:]
    kept, skip = [], False
    for w in words:
        if skip:
            skip = False
        elif w == "--config-dir":
            skip = True
        elif not w.startswith(_WHERE):
            kept.append(w)
    return kept


def same_command(fold_dir: str, command: str) -> bool:
    """Was the finished fold trained with this command (config, data, labels, pre-trained model, seed, overrides;
    not where the program, code or outputs live)? A DONE written before commands were recorded has no
    `command` and counts as the same (nothing to compare with)."""
    recorded = read_done(fold_dir).get("command", "").strip()
    return not recorded or _what_trains(recorded) == _what_trains(command)
