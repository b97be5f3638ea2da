#!/usr/bin/env python3
"""EmoDB -> OUTDIR/utterances.tsv (4 classes), printing per-class counts (the paper's Table 4) and per speaker.

  python scripts/prepare_emodb.py --emodb /data/EmoDB --out data/emodb

Layout assumed and label policy: fairseq_emo/corpora/emodb.py and fairseq_emo/emotions.py. Audio that is not
16 kHz mono is converted once into OUTDIR/wav16k (--rate-policy). Unusable files (bad name, unreadable audio)
stop the run with a list; --skip-bad skips them and lists them in OUTDIR/skipped.tsv.
"""
import sys

from fairseq_emo.corpora.emodb import read_emodb
from fairseq_emo.corpora.prepare_cli import run_reader
from fairseq_emo import interrupt


def main(argv=None) -> int:
    return run_reader(__doc__, "emodb", "the EmoDB release folder", read_emodb, argv)


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
