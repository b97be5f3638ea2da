#!/usr/bin/env python3
"""KSUEmotions -> OUTDIR/utterances.tsv (4 classes), printing per-class counts (the paper's Table 4) and per speaker.

  python scripts/prepare_ksu.py --ksu /data/KSUEmotions --out data/ksu

Layout assumed and label policy: fairseq_emo/corpora/ksu.py and fairseq_emo/emotions.py. Audio that is not
16 kHz mono is converted once into OUTDIR/wav16k (--rate-policy). Unusable files (bad name, unreadable audio)
stop the run with a list; --skip-bad skips them and lists them in OUTDIR/skipped.tsv.
"""
import sys

from fairseq_emo.corpora.ksu import read_ksu
from fairseq_emo.corpora.prepare_cli import run_reader
from fairseq_emo import interrupt


def main(argv=None) -> int:
    return run_reader(__doc__, "ksu", "the KSUEmotions release folder", read_ksu, argv)


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
