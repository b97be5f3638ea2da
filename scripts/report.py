#!/usr/bin/env python3
"""Tables 1-3 and Figure 4 of the paper from a finished run, per fold scheme and read against the paper;
prints one RESULT line per run (unit variant, scheme, seed).

  python scripts/report.py --exp exp/demo        # -> exp/demo/report/{results.json, report.md, *.png}
  python scripts/report.py --from-results exp/demo/report/results.json [--out DIR]
      # report.md and the figures again from a results.json alone (e.g. after changing a table's layout)
"""
import argparse
import os
import sys

from fairseq_emo.core import layout
from fairseq_emo.reporting import render
from fairseq_emo.core.atomic import WriteError
from fairseq_emo.reporting.report import rerender, write_report
from fairseq_emo.reporting.results import load
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--exp", help="exp/<corpus>")
    source.add_argument("--from-results", help="a results.json written by this script: render its views again")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", default="", help="with --from-results: where the views go (default: beside it)")
    args = parser.parse_args(argv)
    try:
        if args.from_results:
            path = rerender(args.from_results, args.out)
            results = load(args.from_results)
        else:
            results = write_report(args.exp, args.split)
            path = os.path.join(layout.report_dir(args.exp), layout.REPORT)
    except (FileNotFoundError, ValueError, KeyError, WriteError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for left in results["left_out"].values():
        for x in left:
            print(f"note: {x['run']} {x['fold']} left out of the report: {x['why']}", file=sys.stderr)
    print("\n".join(render.result_lines(results)))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
