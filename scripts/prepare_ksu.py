#!/usr/bin/env python3
"""KSUEmotions -> OUTDIR/utterances.tsv (4 classes), printing per-class counts (the paper's Table 4) and per speaker.

  python scripts/prepare_ksu.py --ksu /data/KSUEmotions --out data/ksu

Layout assumed and label policy: fairseq_emo/corpora/ksu.py and fairseq_emo/emotions.py. Audio that is not
16 kHz mono is converted once into OUTDIR/wav16k (--rate-policy). Unusable files (bad name, unreadable audio)
stop the run with a list; --skip-bad skips them and lists them in OUTDIR/skipped.tsv.
"""
import argparse
import sys

from fairseq_emo.corpora.ksu import read_ksu
from fairseq_emo.corpora.prepare_cli import add_output_args, audio_options, finish


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ksu", required=True, help="the KSUEmotions release folder")
    add_output_args(parser)
    args = parser.parse_args(argv)
    try:
        result = read_ksu(args.ksu, audio_options(args))
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return finish(result, args, args.ksu)


if __name__ == "__main__":
    sys.exit(main())
