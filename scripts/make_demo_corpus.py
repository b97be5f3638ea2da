#!/usr/bin/env python3
"""Write the espeak-ng demo corpus in IEMOCAP_full_release's layout.

  python scripts/make_demo_corpus.py --out data/demo            # -> data/demo/IEMOCAP_full_release
"""
import argparse
import sys

from fairseq_emo.data.demo_corpus import make_demo_corpus
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder that will hold IEMOCAP_full_release/")
    parser.add_argument("--per-emotion", type=int, default=15,
                        help="utterances per speaker and emotion (default 15: 600 4-class turns in all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        path = make_demo_corpus(args.out, args.per_emotion, args.seed)
    except (RuntimeError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"demo corpus -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
