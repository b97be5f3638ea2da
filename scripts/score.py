#!/usr/bin/env python3
"""Unit error rates with SCTK sclite (or the Python re-implementation), one pair or a whole fold run.

  python scripts/score.py --ref REF.trn --hyp HYP.trn [--scorer sclite|python] [--out DIR]
      prints  N=<ref tokens> Corr=<%> Sub=<%> Del=<%> Ins=<%> Err=<%>
  python scripts/score.py --exp exp/demo/bpc [--split test]
      scores emo/ and noemo/ of every fold's decode_<split>/, keeps sclite's reports there, prints one row per
      fold and the pooled row (counts summed over folds), and writes <exp>/scores_<split>.tsv
"""
import argparse
import glob
import os
import re
import sys

from fairseq_emo.scoring import SCLITE_INSTALL, Counts, score, sclite_command


def fold_rows(exp: str, split: str, scorer: str):
    folds = sorted(glob.glob(os.path.join(exp, "fold*", f"decode_{split}")),
                   key=lambda p: int(re.search(r"fold(\d+)", p).group(1)))
    if not folds:
        raise FileNotFoundError(f"no {exp}/fold*/decode_{split}/ (run scripts/decode.py first)")
    rows = []
    for d in folds:
        fold = os.path.basename(os.path.dirname(d))
        for view in ("emo", "noemo"):
            total, _ = score(os.path.join(d, view, "ref.trn"), os.path.join(d, view, "hyp.trn"), scorer,
                             os.path.join(d, view), name=f"{scorer}")
            rows.append((fold, view, total))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref")
    parser.add_argument("--hyp")
    parser.add_argument("--exp", help="a unit's training dir holding fold*/decode_<split>/")
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
        if args.exp:
            rows = fold_rows(args.exp, args.split, args.scorer)
            lines = ["fold\tview\tN\tCorr\tSub\tDel\tIns\tErr\tn_corr\tn_sub\tn_del\tn_ins"]
            pooled = {"emo": Counts(), "noemo": Counts()}
            for fold, view, c in rows + [("pooled", v, None) for v in ("emo", "noemo")]:
                if c is None:
                    c = pooled[view]
                else:
                    pooled[view] = pooled[view] + c
                print(f"{label}{fold:7s} {'with' if view == 'emo' else 'without'} emotion: {c.line()}")
                p = c.percent
                lines.append(f"{fold}\t{view}\t{c.n}\t{p(c.corr):.2f}\t{p(c.sub):.2f}\t{p(c.dele):.2f}\t"
                             f"{p(c.ins):.2f}\t{p(c.errors):.2f}\t{c.corr}\t{c.sub}\t{c.dele}\t{c.ins}")
            out = os.path.join(args.exp, f"scores_{args.split}.tsv")
            with open(out, "w") as f:
                f.write("\n".join(lines) + "\n")
            print(f"-> {out}")
        else:
            if not (args.ref and args.hyp):
                parser.error("give --ref and --hyp, or --exp")
            total, _ = score(args.ref, args.hyp, args.scorer, args.out)
            print(label + total.line())
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
