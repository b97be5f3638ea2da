#!/usr/bin/env python3
"""Greedy CTC decoding of a fold split with a fine-tuned checkpoint -> trn files (with and without emotion),
units.jsonl (unit timelines with posteriors) and ref_emotions.txt.

  python scripts/decode.py --checkpoint exp/demo/bpc/fold1/checkpoints/checkpoint_last.pt \
      --data manifests/demo/bpc/speaker/fold1 --split test --out exp/demo/bpc/fold1/decode_test
  python scripts/decode.py --fold-exp exp/demo/bpc/fold1        # reads DONE for checkpoint and data
  python scripts/decode.py --checkpoint exp/iemocap/bpc.all/fold1/checkpoints/checkpoint_last.pt \
      --data manifests/emodb/eval manifests/ksu/eval --out exp/cross/emodb/bpc exp/cross/ksu/bpc
      # test-only sets (cross-corpus): one model, several sets, paired in order; the model loads once
The dictionary comes from --dict-dir, else from --data when it holds a dict.*.txt, else from the checkpoint's
folder (run_folds.sh copies it there). A test-only set has no reference units: its trn references are empty
and only the emotion vote is meaningful.
"""
import argparse
import glob
import os
import sys

from fairseq_emo.cli import positive_int  # the same argparse check as fairseq-emo predict --batch-size
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="fine-tuned checkpoint (default with --fold-exp: the one in DONE)")
    parser.add_argument("--data", nargs="+", help="fold directory with {split}.tsv/.utt/.<labels> and the dictionary "
                                                  "(several: one --out each)")
    parser.add_argument("--fold-exp", help="a fold's training dir (exp/<corpus>/<unit>/fold<k>)")
    parser.add_argument("--dict-dir", help="folder with dict.<labels>.txt (default: see above)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", nargs="+", help="output dir (default <fold-exp>/decode_<split>)")
    parser.add_argument("--batch-size", type=positive_int, default=8)
    parser.add_argument("--device", default="cuda" if __import__("torch").cuda.is_available() else "cpu")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    import fairseq  # noqa: F401  (before the plugin, so that it registers)
    from fairseq_emo.core import layout
    from fairseq_emo.core.atomic import WriteError
    from fairseq_emo.evaluation.decode import decode_to_dir
    from fairseq_emo.training.fine_tuned import load_model
    from fairseq_emo.core.layout import read_done

    try:
        checkpoint, data_dirs = args.checkpoint, args.data or []
        if args.fold_exp:
            done = read_done(args.fold_exp)
            checkpoint, data_dirs = checkpoint or done["test_checkpoint"], data_dirs or [done["data"]]
        if not checkpoint or not data_dirs:
            parser.error("give --checkpoint and --data, or --fold-exp")
        outs = args.out or [layout.decode_dir(args.fold_exp or os.path.dirname(os.path.dirname(checkpoint)),
                                              args.split)]
        if len(outs) != len(data_dirs):
            parser.error(f"{len(data_dirs)} --data dir(s) but {len(outs)} --out dir(s): give one --out per --data")
        dict_dir = args.dict_dir or (data_dirs[0] if glob.glob(os.path.join(data_dirs[0], "dict.*.txt"))
                                     else os.path.dirname(os.path.abspath(checkpoint)))
        model, task = load_model(checkpoint, dict_dir, args.device)
        for data, out in zip(data_dirs, outs):
            info = decode_to_dir(model, task, checkpoint, data, out, args.split, args.batch_size, args.device,
                                 progress=not args.no_progress)
            print(f"decoded {info['utterances']} utterances ({info['audio_seconds']:.1f} s of audio) in "
                  f"{info['decode_seconds']:.1f} s (real-time factor "
                  f"{info['decode_seconds'] / max(info['audio_seconds'], 1e-9):.3f}; {info['empty_hypotheses']} "
                  f"empty hypotheses) -> {out}")
    except (FileNotFoundError, ValueError, WriteError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
