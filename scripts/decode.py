#!/usr/bin/env python3
"""Greedy CTC decoding of a fold split with a fine-tuned checkpoint -> trn files (with and without emotion),
units.jsonl (unit timelines with posteriors) and ref_emotions.txt.

  python scripts/decode.py --checkpoint exp/demo/bpc/fold1/checkpoints/checkpoint_last.pt \
      --data manifests/demo/bpc/speaker/fold1 --split test --out exp/demo/bpc/fold1/decode_test
  python scripts/decode.py --fold-exp exp/demo/bpc/fold1        # reads DONE for checkpoint and data
  python scripts/decode.py --checkpoint exp/iemocap/bpc.all/fold1/checkpoints/checkpoint_last.pt \
      --data manifests/emodb/eval --out exp/cross/emodb/bpc      # a test-only set (cross-corpus)
The dictionary comes from --dict-dir, else from --data when it holds a dict.*.txt, else from the checkpoint's
folder (run_folds.sh copies it there). A test-only set has no reference units: its trn references are empty
and only the emotion vote is meaningful.
"""
import argparse
import glob
import json
import os
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="fine-tuned checkpoint (default with --fold-exp: the one in DONE)")
    parser.add_argument("--data", help="fold directory with {split}.tsv/.utt/.<labels> and the dictionary")
    parser.add_argument("--fold-exp", help="a fold's training dir (exp/<corpus>/<unit>/fold<k>)")
    parser.add_argument("--dict-dir", help="folder with dict.<labels>.txt (default: see above)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", help="output dir (default <fold-exp>/decode_<split>)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="cuda" if __import__("torch").cuda.is_available() else "cpu")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    import fairseq  # noqa: F401  (before the plugin, so that it registers)
    from fairseq_emo.audio import FAIRSEQ_SAMPLE_RATE
    from fairseq_emo.decode import decode_split, load_model, read_split, write_outputs
    from fairseq_emo import layout
    from fairseq_emo.fold_run import read_done

    try:
        checkpoint, data = args.checkpoint, args.data
        if args.fold_exp:
            done = read_done(args.fold_exp)
            checkpoint, data = checkpoint or done["test_checkpoint"], data or done["data"]
        if not checkpoint or not data:
            parser.error("give --checkpoint and --data, or --fold-exp")
        out = args.out or layout.decode_dir(args.fold_exp or os.path.dirname(os.path.dirname(checkpoint)),
                                            args.split)
        dict_dir = args.dict_dir or (data if glob.glob(os.path.join(data, "dict.*.txt"))
                                     else os.path.dirname(os.path.abspath(checkpoint)))
        model, task = load_model(checkpoint, dict_dir, args.device)
        entries = read_split(data, args.split, task.cfg.labels)
        start = time.perf_counter()
        results = decode_split(model, task, entries, args.batch_size, args.device, not args.no_progress)
        seconds = time.perf_counter() - start
        if os.path.isfile(os.path.join(out, layout.DECODED)):
            os.remove(os.path.join(out, layout.DECODED))  # outputs are replaced now: not finished until rewritten
        write_outputs(out, results)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    audio = sum(e.frames for e in entries) / FAIRSEQ_SAMPLE_RATE
    empty = sum(1 for r in results if not r["units"])
    # written last: its presence means this decode finished; model_finished ties it to the training that made the
    # checkpoint, so run.sh and run_cross_corpus.sh decode a retrained fold again (layout.is_decoded)
    model_fold = layout.model_fold_of(checkpoint)
    info = {"checkpoint": os.path.abspath(checkpoint), "data": os.path.abspath(data), "split": args.split,
            "model_fold": model_fold, "model_finished": layout.trained_stamp(model_fold) if model_fold else None,
            "device": args.device, "batch_size": args.batch_size, "utterances": len(results),
            "audio_seconds": round(audio, 2), "decode_seconds": round(seconds, 2), "empty_hypotheses": empty}
    with open(os.path.join(out, layout.DECODED + ".tmp"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    os.replace(os.path.join(out, layout.DECODED + ".tmp"), os.path.join(out, layout.DECODED))
    print(f"decoded {len(results)} utterances ({audio:.1f} s of audio) in {seconds:.1f} s "
          f"(real-time factor {seconds / audio:.3f}; {empty} empty hypotheses) -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
