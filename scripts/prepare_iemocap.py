#!/usr/bin/env python3
"""IEMOCAP (or the demo corpus, same layout) -> OUTDIR/utterances.tsv, printing per-class and per-speaker counts.

  python scripts/prepare_iemocap.py --iemocap /data/IEMOCAP_full_release --out data/iemocap

Unusable kept turns (no transcript line, missing/unreadable wav, not 16 kHz mono) stop the run with a list;
--skip-bad turns them into counted skips, written to OUTDIR/skipped.tsv.
"""
import argparse
import sys

from fairseq_emo.corpora.iemocap import read_iemocap
from fairseq_emo.corpora.prepare_cli import add_output_args, finish
from fairseq_emo import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iemocap", required=True, help="IEMOCAP_full_release (or the folder holding it)")
    add_output_args(parser, audio=False)
    args = parser.parse_args(argv)
    try:
        result = read_iemocap(args.iemocap)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return finish(result, args, args.iemocap, item="turn")


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
