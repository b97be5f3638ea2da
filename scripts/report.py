#!/usr/bin/env python3
"""Tables 1-3 and Figure 4 of the paper from a finished run, per fold scheme and read against the paper;
prints one RESULT line per run (unit variant, scheme, seed).

  python scripts/report.py --exp exp/demo        # -> exp/demo/report/{report.md, results.json, *.png}
"""
import argparse
import os
import sys

from fairseq_emo.atomic import WriteError
from fairseq_emo import layout
from fairseq_emo.report import result_line, write_report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exp", required=True, help="exp/<corpus>")
    parser.add_argument("--split", default="test")
    args = parser.parse_args(argv)
    try:
        summaries = write_report(args.exp, args.split)
    except (FileNotFoundError, ValueError, WriteError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for s in summaries:
        for fold, why in s["left_out"]:
            print(f"note: {s['run']} {fold} left out of the report: {why}", file=sys.stderr)
        if not s.get("folds"):
            continue
        print(result_line(s))
    print(f"report: {os.path.join(layout.report_dir(args.exp), 'report.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
