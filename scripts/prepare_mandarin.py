#!/usr/bin/env python3
"""Mandarin Affective Speech (LDC2007S09) -> OUTDIR/utterances.tsv (4 classes; elation = happy), with pinyin
initials/finals from the Chinese transcripts, printing per-class counts (the paper's Table 4) and per speaker.

  python scripts/prepare_mandarin.py --mas /data/LDC2007S09 --out data/mandarin
  python scripts/prepare_mandarin.py --mas /data/LDC2007S09 --out data/mandarin-relabel --rate-policy relabel \
      --no-transcripts          # the paper's "tested directly on 8 kHz audio" comparison

The layout is an assumption written down in fairseq_emo/corpora/mandarin.py; --path-pattern, --transcripts and
--speakers adapt it to a copy that differs. Audio that is not 16 kHz mono is converted once (--rate-policy).
"""
import argparse
import sys

from fairseq_emo.corpora.mandarin import PATH_PATTERN, read_mandarin
from fairseq_emo.corpora.prepare_cli import add_output_args, audio_options, finish
from fairseq_emo import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mas", required=True, help="the release folder (holding data/ and docs/)")
    add_output_args(parser)
    parser.add_argument("--transcripts", default="", help="'<item> <Chinese text>' lines "
                                                          "(default MAS/docs/transcripts.txt)")
    parser.add_argument("--no-transcripts", action="store_true",
                        help="read audio and labels only (enough for cross-corpus testing, not for training)")
    parser.add_argument("--speakers", default="", help="'<speaker> <F|M>' lines (default MAS/docs/speakers.txt "
                                                       "if present)")
    parser.add_argument("--path-pattern", default=PATH_PATTERN,
                        help="regex for audio paths relative to MAS/data with groups speaker, emotion, item "
                             f"(default {PATH_PATTERN})")
    parser.add_argument("--exclude-items", help="regex of item ids to leave out (e.g. the paragraphs)")
    args = parser.parse_args(argv)
    try:
        result = read_mandarin(args.mas, audio_options(args), None if args.no_transcripts else args.transcripts,
                               args.speakers, args.path_pattern, args.exclude_items)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return finish(result, args, args.mas)


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
