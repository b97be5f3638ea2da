"""How a trained run is made again: a fold's recorded fairseq-hydra-train command -> the overrides and seed the user
gave; a run's facts -> the `bash scripts/run.sh ...` line that trains, decodes and reports it (RESULTS.md rows,
the model card of an export). The line is rebuilt from what the run recorded; --data (the corpus release on the
training machine) is not recorded and is written as DIR.
"""
import shlex
from typing import List, Optional, Sequence

from fairseq_emo.core import layout
from fairseq_emo.data.audio_cache import split_corpus
from fairseq_emo.data.corpora.registry import is_synthetic
from fairseq_emo.units import unit_type

DEMO_CONFIG = "demo"   # run.sh's config for the demo corpus (recipe/plan.py)


SCRIPT_KEYS = ("task.data=", "task.labels=", "model.w2v_path=", "common.user_dir=", "checkpoint.save_dir=")


def user_overrides(command: str) -> List[str]:
    """A fold's recorded fairseq-hydra-train command (DONE's `command`, cmd.sh) -> the hydra overrides the user added
    (run.sh/run_folds.sh `-- ...`), in order. The script's own arguments (config dir and name, fold data, labels,
    pre-trained model, plugin dir, output dirs, launcher, the --seeds seed) are left out; `common.seed` is a seed,
    reported as such (`seed_of`), not an override."""
    words = shlex.split(command)[1:] if command.strip() else []
    kept, seen, skip = [], set(), False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("--config-dir", "--config-name", "--config-path"):
            skip = True
            continue
        if w == "-m" or w.startswith(("hydra.run.dir=", "hydra.sweep.dir=", "hydra.sweep.subdir=", "hydra/launcher=",
                                      "common.seed=")):
            continue
        key = next((k for k in SCRIPT_KEYS if w.startswith(k)), None)
        if key and key not in seen:
            seen.add(key)
            continue
        kept.append(w)
    return kept


def seed_of(command: str, default: str = "1") -> str:
    """The training seed the command ran with: its last common.seed=, else fairseq's default (1)."""
    seeds = [w.split("=", 1)[1] for w in (shlex.split(command)[1:] if command.strip() else [])
             if w.startswith(("common.seed=", "+common.seed=", "++common.seed="))]
    return seeds[-1] if seeds else default


def run_sh_command(corpus: str, scheme_dir: str, variant: str, folds: Sequence[int], total_folds: Optional[int],
                   seed: Optional[int], config: str, overrides: Sequence[str], w2v: str = "") -> str:
    """A run's facts (the table's corpus name with its rate condition, its scheme dir, unit variant, the folds it
    trained of how many, seed, config, training overrides, pre-trained model) -> the run.sh line."""
    base, policy = split_corpus(corpus)
    words: List[str] = ["bash", "scripts/run.sh", "--corpus", base]
    if not is_synthetic(base):
        words += ["--data", "DIR", "--w2v", w2v or "CKPT"]
    if policy != "resample":
        words += ["--rate-policy", policy]
    scheme = layout.parse_scheme_dir(scheme_dir)
    words += ["--folds", scheme["scheme"]]
    if scheme["num_folds"]:
        words += ["--num-folds", str(scheme["num_folds"])]
    if scheme["valid_policy"] != layout.DEFAULT_VALID_POLICY:
        words += ["--valid-policy", scheme["valid_policy"]]
    if scheme.get("subset"):
        words += ["--subset", scheme["subset"]]
    words += ["--train-units", variant]
    words += ["--train-folds", "all" if total_folds and len(folds) == total_folds
              else " ".join(map(str, sorted(folds)))]
    if seed is not None:
        words += ["--seeds", str(seed)]
    own = f"paper_{variant}"   # a variant defined by its own config takes no --config
    default = DEMO_CONFIG if is_synthetic(base) else f"paper_{unit_type(variant)}"
    if config and config not in (own, default):
        words += ["--config", config]
    line = " ".join(shlex.quote(w) for w in words)
    return line + (" -- " + " ".join(map(shlex.quote, overrides)) if overrides else "")
