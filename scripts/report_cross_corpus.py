#!/usr/bin/env python3
"""Cross-corpus report: exp/cross/<corpus>/<unit>/ -> exp/cross/report.md (the paper's Tables 4 and 5, UA,
confusion matrices) and one RESULT line per cell, in the cross-validation report's format:
  RESULT corpus=<target> unit=<unit> folds=cross-corpus WA=.. UA=..  (n=.., trained_on=iemocap/all, ..., empty=..)
(empty: hypotheses with no unit, decided by posterior mass).

  python scripts/report_cross_corpus.py --cross exp/cross
"""
import argparse
import sys

from fairseq_emo.cross_report import collect, left_out, write_cross_report
from fairseq_emo.report import format_result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cross", required=True, help="the cross-corpus results folder (exp/cross)")
    args = parser.parse_args(argv)
    try:
        path = write_cross_report(args.cross)
        cells = collect(args.cross)
    except (FileNotFoundError, ValueError, KeyError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for corpus, units in sorted(cells.items()):
        for unit, cell in sorted(units.items()):
            p = cell["protocol"]
            print(format_result(corpus, unit, "cross-corpus", cell["WA"], cell["UA"], n=cell["n"],
                                trained_on=f"{p['train_corpus']}/{p['scheme']}", config=p["config"],
                                checkpoint="final", empty=cell["empty"]))
    for cell in left_out(args.cross):
        print(f"left out: {cell}", file=sys.stderr)
    print(f"report -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
