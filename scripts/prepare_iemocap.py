#!/usr/bin/env python3
"""IEMOCAP (or the demo corpus, same layout) -> OUTDIR/utterances.tsv, printing per-class and per-speaker counts.

  python scripts/prepare_iemocap.py --iemocap /data/IEMOCAP_full_release --out data/iemocap

Unusable kept turns (no transcript line, missing/unreadable wav, not 16 kHz mono) stop the run with a list;
--skip-bad turns them into counted skips, written to OUTDIR/skipped.tsv.
"""
import argparse
import os
import sys

from fairseq_emo.corpora.iemocap import read_iemocap
from fairseq_emo.table import summarize, write_table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iemocap", required=True, help="IEMOCAP_full_release (or the folder holding it)")
    parser.add_argument("--out", required=True, help="output folder for utterances.tsv")
    parser.add_argument("--skip-bad", action="store_true",
                        help="skip unusable turns (counted, listed in OUTDIR/skipped.tsv) instead of stopping")
    args = parser.parse_args(argv)

    try:
        result = read_iemocap(args.iemocap)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    skipped_path = os.path.join(args.out, "skipped.tsv")
    if result.problems:
        listing = "\n".join(f"  {p.utt_id}: {p.reason} ({p.path})" for p in result.problems[:20])
        more = f"\n  ... and {len(result.problems) - 20} more" if len(result.problems) > 20 else ""
        if not args.skip_bad:
            print(f"error: {len(result.problems)} labelled 4-class turn(s) cannot be used:\n{listing}{more}\n"
                  f"Fix them, or rerun with --skip-bad to skip them (listed in {skipped_path}).", file=sys.stderr)
            return 2
        with open(skipped_path, "w", encoding="utf-8") as f:
            f.write("utt_id\treason\tpath\n")
            f.writelines(f"{p.utt_id}\t{p.reason}\t{p.path}\n" for p in result.problems)
        print(f"skipped {len(result.problems)} unusable turn(s), listed in {skipped_path}:\n{listing}{more}")
    elif os.path.exists(skipped_path):
        os.remove(skipped_path)  # our own output from an earlier run; stale now
    table = os.path.join(args.out, "utterances.tsv")
    write_table(table, result.utterances)
    dropped = ", ".join(f"{k}={v}" for k, v in sorted(result.dropped_labels.items()))
    print(f"corpus: {result.corpus}  ({args.iemocap} -> {table})")
    print(summarize(result.utterances))
    print(f"dropped by the 4-class label policy: {dropped or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
