#!/usr/bin/env python3
"""Write synthetic (espeak-ng) stand-ins for the cross-corpus test sets, each in its release's layout:
EmoDB (German, 16 kHz), KSUEmotions (Arabic, 16 kHz, WAV and FLAC), Mandarin Affective Speech (8 kHz, with
transcripts). See fairseq_emo/data/demo_corpora.py.

  python scripts/make_demo_corpora.py --out data/xdemo     # -> data/xdemo/{EmoDB,KSUEmotions,MandarinAffectiveSpeech}
"""
import argparse
import sys

from fairseq_emo.data.demo_corpora import make_emodb_tree, make_ksu_tree, make_mandarin_tree
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder that will hold the three corpus folders")
    parser.add_argument("--per-emotion", type=int, default=4, help="utterances per speaker and emotion (default 4)")
    parser.add_argument("--mandarin-rate", type=int, default=8000, help="sample rate of the Mandarin files")
    args = parser.parse_args(argv)
    try:
        paths = [make_emodb_tree(args.out, args.per_emotion), make_ksu_tree(args.out, args.per_emotion),
                 make_mandarin_tree(args.out, args.per_emotion, rate=args.mandarin_rate)]
    except (RuntimeError, FileExistsError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("\n".join(f"demo corpus -> {p}" for p in paths))
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
