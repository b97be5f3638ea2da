#!/usr/bin/env python3
"""Unit error rates with SCTK sclite (or the Python re-implementation), one pair or a whole run.

  python scripts/score.py --ref REF.trn --hyp HYP.trn [--scorer sclite|python] [--out DIR]
      prints  N=<ref tokens> Corr=<%> Sub=<%> Del=<%> Ins=<%> Err=<%>
  python scripts/score.py --run exp/demo/bpc [--split test]
      scores emo/ and noemo/ of every fold's decode_<split>/, keeps sclite's reports there, prints one row per
      fold and the `all` row (counts summed over folds), and writes <run>/scores_<split>.tsv
(the scoring and the table: fairseq_emo/decoding/scoring.py)
"""
import argparse
import sys

from fairseq_emo.core import layout
from fairseq_emo.decoding.scoring import SCLITE_INSTALL, score, score_run, sclite_command, write_scores_table
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref")
    parser.add_argument("--hyp")
    parser.add_argument("--run", help="a run's dir holding fold*/decode_<split>/ (exp/<corpus>/<run>)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--scorer", choices=("sclite", "python"), default="sclite")
    parser.add_argument("--out", help="where sclite's reports go (default: beside HYP)")
    args = parser.parse_args(argv)
    try:
        if args.scorer == "sclite":
            sclite_command()
    except FileNotFoundError:
        print(f"error: {SCLITE_INSTALL}", file=sys.stderr)
        return 2
    label = "" if args.scorer == "sclite" else "[python scorer, not sclite] "
    try:
        if args.run:
            rows = score_run(args.run, args.split, args.scorer)
            for fold, view, counts in rows:
                print(f"{label}{fold:7s} {'with' if view == 'emo' else 'without'} emotion: {counts.line()}")
            out = layout.scores_table(args.run, args.split)
            write_scores_table(out, rows)
            print(f"-> {out}")
        else:
            if not (args.ref and args.hyp):
                parser.error("give --ref and --hyp, or --run")
            total, _ = score(args.ref, args.hyp, args.scorer, args.out)
            print(label + total.line())
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
