#!/usr/bin/env python3
"""Cross-corpus report: exp/cross/<corpus>/<unit>/ -> exp/cross/{results.json, report.md} (the paper's Tables 4
and 5, UA, confusion matrices) and one RESULT line per cell, in the cross-validation report's format:
  RESULT corpus=<target> unit=<unit> folds=cross-corpus WA=.. UA=..  (n=.., trained_on=iemocap/all, ..., empty=..)
(empty: hypotheses with no unit, decided by posterior mass).

  python scripts/report_cross_corpus.py --cross exp/cross
  python scripts/report_cross_corpus.py --from-results exp/cross/results.json [--out DIR]   # report.md again
  python scripts/report_cross_corpus.py --matrix exp     # every exp/cross*/results.json -> exp/cross-matrix/
      (one row per training corpus, one column per target, per unit type; the eGeMAPS baselines too)
"""
import argparse
import os
import sys

from fairseq_emo.core import layout
from fairseq_emo.reporting import render
from fairseq_emo.core.atomic import WriteError
from fairseq_emo.reporting.cross_report import rerender, write_cross_report, write_matrix
from fairseq_emo.reporting.results import load
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cross", help="the cross-corpus results folder (exp/cross)")
    source.add_argument("--from-results", help="a results.json written by this script: render report.md again")
    source.add_argument("--matrix", metavar="EXP_ROOT", help="the train x test matrix over exp/cross*/")
    parser.add_argument("--out", default="", help="with --from-results: where report.md goes (default: beside it)")
    args = parser.parse_args(argv)
    try:
        if args.matrix:
            write_matrix(args.matrix)
            print(f"matrix -> {os.path.join(layout.cross_matrix_dir(args.matrix), layout.REPORT)}")
            return 0
        if args.from_results:
            path = rerender(args.from_results, args.out)
            results = load(args.from_results)
        else:
            results = write_cross_report(args.cross)
            path = os.path.join(args.cross, layout.REPORT)
    except (FileNotFoundError, ValueError, KeyError, OSError, WriteError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("\n".join(render.cross_result_lines(results)))
    for cell in results["left_out"]:
        print(f"left out: {cell}", file=sys.stderr)
    print(f"report -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
