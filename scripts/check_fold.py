#!/usr/bin/env python3
"""Check a fold directory and the pre-trained checkpoint before training; prints one line per problem:
labels against manifest and dictionary, every audio file readable and long enough, ids fit for sclite.

  python scripts/check_fold.py --data manifests/demo/bpc/speaker/fold1 --labels bpc --w2v exp/w2v_tiny.pt
Exit 0 when training can start; 2 with the reasons otherwise (the fold loop calls this before fairseq).
"""
import argparse
import os
import sys

from fairseq_emo.label_check import LabelCheckError, check_audio, check_split


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="fold directory")
    parser.add_argument("--labels", required=True, help="label extension: phoneme, bpc, syllable, utterance")
    parser.add_argument("--w2v", help="pre-trained wav2vec 2.0 checkpoint (model.w2v_path)")
    parser.add_argument("--splits", default="train,valid,test")
    args = parser.parse_args(argv)
    problems = []
    if args.w2v is not None and not os.path.isfile(args.w2v):
        problems.append(f"model.w2v_path {args.w2v}: no such file (libri960_big.pt, or make one with "
                        f"scripts/make_w2v_checkpoint.py)")
    counts = []
    for split in args.splits.split(","):
        try:
            counts.append(f"{split}={check_split(args.data, args.labels, split)}")
            check_audio(args.data, split)
        except LabelCheckError as err:
            problems.append(str(err))
    if problems:
        print("error: " + "\nerror: ".join(problems), file=sys.stderr)
        return 2
    print(f"{args.data}: {' '.join(counts)} utterances, labels, dictionary and audio consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
