#!/usr/bin/env python3
"""Tables 1-3 and Figure 4 of the paper from a finished run; prints one RESULT line per unit type.

  python scripts/report.py --exp exp/demo        # -> exp/demo/report/report.md + PNGs
"""
import argparse
import os
import sys

from fairseq_emo.report import write_report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exp", required=True, help="exp/<corpus>")
    parser.add_argument("--split", default="test")
    args = parser.parse_args(argv)
    try:
        summaries = write_report(args.exp, args.split)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for s in summaries:
        for fold, why in s["left_out"]:
            print(f"note: {s['unit']} {fold} left out of the report: {why}", file=sys.stderr)
        if not s.get("folds"):
            continue
        p = s["protocol"]
        print(f"RESULT corpus={p['corpus']} unit={s['unit']} folds={p['scheme']} WA={s['accuracy']['WA']:.1f} "
              f"UA={s['accuracy']['UA']:.1f}  (n={s['n']}, {len(s['folds'])} folds, config={p['config']}, "
              f"checkpoint=final)")
    print(f"report: {os.path.join(args.exp, 'report', 'report.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
