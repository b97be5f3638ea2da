#!/usr/bin/env python3
"""EmoDB -> OUTDIR/utterances.tsv (4 classes), printing per-class counts (the paper's Table 4) and per speaker.

  python scripts/prepare_emodb.py --emodb /data/EmoDB --out data/emodb

Layout assumed and label policy: fairseq_emo/corpora/emodb.py and fairseq_emo/emotions.py. Audio that is not
16 kHz mono is converted once into OUTDIR/wav16k (--rate-policy). Unusable files (bad name, unreadable audio)
stop the run with a list; --skip-bad skips them and lists them in OUTDIR/skipped.tsv.
"""
import argparse
import sys

from fairseq_emo.corpora.emodb import read_emodb
from fairseq_emo.corpora.prepare_cli import add_output_args, audio_options, finish


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emodb", required=True, help="the EmoDB release folder")
    add_output_args(parser)
    args = parser.parse_args(argv)
    try:
        result = read_emodb(args.emodb, audio_options(args))
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return finish(result, args, args.emodb)


if __name__ == "__main__":
    sys.exit(main())
