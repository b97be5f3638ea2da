#!/usr/bin/env python3
"""Check a fold directory and the pre-trained checkpoint before training; prints one line per problem:
labels against manifest and dictionary, every audio file readable and long enough, ids fit for sclite, and
(with --config) the pre-trained checkpoint's own config against the run's model._name and task.normalize.

  python scripts/check_fold.py --data manifests/demo/bpc/speaker/fold1 --labels bpc --w2v exp/w2v_tiny.pt \
      [--config tiny [-- backbone=lv60 ...]]
Exit 0 when training can start; 2 with the reasons otherwise (the fold loop calls this before fairseq).
"""
import argparse
import os
import sys

from fairseq_emo.label_check import LabelCheckError, check_audio, check_split


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="fold directory")
    parser.add_argument("--labels", required=True, help="label extension: phoneme, bpc, syllable, utterance")
    parser.add_argument("--w2v", help="pre-trained wav2vec 2.0 checkpoint (model.w2v_path)")
    parser.add_argument("--splits", default="train,valid,test")
    parser.add_argument("--config", help="the run's config name; with --w2v: check the backbone settings")
    parser.add_argument("overrides", nargs="*", help="the run's hydra overrides (after --)")
    args = parser.parse_args(argv)
    problems = []
    if args.w2v is not None and not os.path.isfile(args.w2v):
        problems.append(f"model.w2v_path {args.w2v}: no such file (libri960_big.pt, or make one with "
                        f"scripts/make_w2v_checkpoint.py)")
    elif args.w2v is not None and args.config:
        problems += check_backbone(args.w2v, args.config, args.overrides)
    counts = []
    for split in args.splits.split(","):
        try:
            counts.append(f"{split}={check_split(args.data, args.labels, split)}")
            check_audio(args.data, split)
        except LabelCheckError as err:
            problems.append(str(err))
    if problems:
        print("error: " + "\nerror: ".join(problems), file=sys.stderr)
        return 2
    print(f"{args.data}: {' '.join(counts)} utterances, labels, dictionary and audio consistent")
    return 0


def check_backbone(w2v: str, config: str, overrides) -> list:
    """The composed config's model._name and task.normalize against the checkpoint (fairseq_emo/pretrained.py).
    hydra.* overrides (launcher settings) do not change them and are left out of the composition."""
    from fairseq_emo import pretrained
    from fairseq_emo.recipe_config import compose_recipe

    keep = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        cfg = compose_recipe(config, keep + ["task.data=/unused", f"model.w2v_path={w2v}", "common.user_dir=/unused"])
    except Exception as err:  # a bad override: fairseq-hydra-train will name it; the task still checks the backbone
        print(f"note: backbone settings not checked here ({type(err).__name__}: {str(err).splitlines()[0]})")
        return []
    try:
        info = pretrained.check(w2v, str(cfg.model._name), bool(cfg.task.normalize))
    except ValueError as err:
        return [str(err)]
    print(f"{w2v}: {info.kind} checkpoint, normalize={info.normalize}: matches model._name={cfg.model._name}, "
          f"task.normalize={cfg.task.normalize}")
    return []


if __name__ == "__main__":
    sys.exit(main())
