#!/usr/bin/env python3
"""Check a fold directory and the pre-trained checkpoint before training; prints one line per problem:
labels against manifest and dictionary, every audio file readable, finite and long enough, ids fit for sclite,
and (with --config, composed with the run's overrides) the pre-trained checkpoint's own config against the run's
model._name and task.normalize, and every utterance against dataset.max_tokens and task.max_sample_size (fairseq
would drop a longer training utterance with one warning, or crop it, although the recipe promises neither).

  python scripts/check_fold.py --data manifests/demo/bpc/speaker/fold1 --labels bpc --w2v exp/w2v_tiny.pt \
      [--config tiny [--max-update-out FILE] [-- backbone=lv60 ...]]
--max-update-out FILE writes the composed optimization.max_update (run_folds.sh compares it with a checkpoint it
would resume).
Exit 0 when training can start; 2 with the reasons otherwise (the fold loop calls this before fairseq).
"""
import argparse
import os
import sys

from fairseq_emo.data.label_check import LabelCheckError, check_audio, check_split
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="fold directory")
    parser.add_argument("--labels", required=True, help="label extension: phoneme, bpc, syllable, utterance")
    parser.add_argument("--w2v", help="pre-trained wav2vec 2.0 checkpoint (model.w2v_path)")
    parser.add_argument("--splits", default="train,valid,test")
    parser.add_argument("--config", help="the run's config name: utterance lengths against it; with --w2v: the "
                                         "backbone settings")
    parser.add_argument("--max-update-out", help="write the composed optimization.max_update to this file")
    parser.add_argument("overrides", nargs="*", help="the run's hydra overrides (after --)")
    args = parser.parse_args(argv)
    problems = []
    w2v_ok = args.w2v is not None and os.path.isfile(args.w2v)
    if args.w2v is not None and not w2v_ok:
        problems.append(f"model.w2v_path {args.w2v}: no such file (libri960_big.pt, or make one with "
                        f"scripts/make_w2v_checkpoint.py)")
    cfg = None
    if args.config:
        try:
            cfg = compose(args.config, args.overrides, args.w2v if w2v_ok else "/unused")
        except ValueError as err:
            problems.append(str(err))
    if cfg is not None and w2v_ok:
        problems += check_backbone(args.w2v, cfg)
    if cfg is not None and args.max_update_out:
        with open(args.max_update_out, "w", encoding="utf-8") as f:
            f.write(f"{int(cfg.optimization.max_update)}\n")
    counts = []
    for split in args.splits.split(","):
        try:
            counts.append(f"{split}={check_split(args.data, args.labels, split)}")
            check_audio(args.data, split)
            if cfg is not None:
                problems += check_lengths(args.data, split, cfg)
        except LabelCheckError as err:
            problems.append(str(err))
    if problems:
        print("error: " + "\nerror: ".join(problems), file=sys.stderr)
        return 2
    print(f"{args.data}: {' '.join(counts)} utterances, labels, dictionary and audio consistent")
    return 0


def compose(config: str, overrides, w2v: str):
    """The run's config as fairseq-hydra-train composes it (hydra.* overrides, launcher settings, left out);
    ValueError naming the override when it cannot be composed: fairseq-hydra-train would stop on it too, after the
    queue wait on Slurm, so the fold loop stops it here."""
    from fairseq_emo.training.recipe_config import compose_recipe

    keep = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        return compose_recipe(config, keep + ["task.data=/unused", f"model.w2v_path={w2v}",
                                              "common.user_dir=/unused"], with_defaults=True)
    except Exception as err:   # hydra's own errors: an unknown key, a bad value, a missing config group
        raise ValueError(f"configs/{config}.yaml with the overrides {' '.join(keep) or '(none)'} cannot be composed "
                         f"({type(err).__name__}: {str(err).splitlines()[0]}); fix the override after --") from None


def check_lengths(data: str, split: str, cfg) -> list:
    """Every utterance of {split}.tsv within dataset.max_tokens (max_tokens_valid for valid/test) and
    task.max_sample_size: fairseq drops a longer training utterance with one warning and crops to
    max_sample_size; the recipe must do neither silently."""
    limit_name = "max_tokens" if split == "train" else "max_tokens_valid"
    limit = cfg.dataset.get(limit_name) or cfg.dataset.get("max_tokens")
    crop = cfg.task.get("max_sample_size")
    with open(os.path.join(data, f"{split}.tsv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    problems = []
    for lineno, entry in enumerate(lines[1:], start=2):
        relpath, frames = entry.split("\t")
        for name, value in ((f"dataset.{limit_name}", limit), ("task.max_sample_size", crop)):
            if value and int(frames) > int(value):
                problems.append(f"{data}/{split}.tsv:{lineno}: {relpath} has {int(frames)} samples "
                                f"({int(frames) / 16000:.1f} s), more than {name}={int(value)}: fairseq would "
                                f"{'crop' if 'sample' in name else 'drop'} it. Raise {name} (after --) or split "
                                f"the utterance")
    return problems


def check_backbone(w2v: str, cfg) -> list:
    """The composed config's model._name and task.normalize against the checkpoint (fairseq_emo/training/pretrained.py)."""
    from fairseq_emo.training import pretrained

    try:
        info = pretrained.check(w2v, str(cfg.model._name), bool(cfg.task.normalize))
    except ValueError as err:
        return [str(err)]
    print(f"{w2v}: {info.kind} checkpoint, normalize={info.normalize}: matches model._name={cfg.model._name}, "
          f"task.normalize={cfg.task.normalize}")
    return []


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
