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
import json
import os
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="fine-tuned checkpoint (default with --fold-exp: the one in DONE)")
    parser.add_argument("--data", nargs="+", help="fold directory with {split}.tsv/.utt/.<labels> and the dictionary "
                                                  "(several: one --out each)")
    parser.add_argument("--fold-exp", help="a fold's training dir (exp/<corpus>/<unit>/fold<k>)")
    parser.add_argument("--dict-dir", help="folder with dict.<labels>.txt (default: see above)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", nargs="+", help="output dir (default <fold-exp>/decode_<split>)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="cuda" if __import__("torch").cuda.is_available() else "cpu")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    import fairseq  # noqa: F401  (before the plugin, so that it registers)
    from fairseq_emo import layout
    from fairseq_emo.decode import load_model
    from fairseq_emo.fold_run import read_done

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
            decode_one(model, task, checkpoint, data, out, args)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def decode_one(model, task, checkpoint, data, out, args) -> None:
    """One split of one data dir -> out/ (trn pairs, units.jsonl, ref_emotions.txt; decode.json last)."""
    from fairseq_emo import layout
    from fairseq_emo.audio import FAIRSEQ_SAMPLE_RATE
    from fairseq_emo.decode import decode_split, read_split, write_outputs

    entries = read_split(data, args.split, task.cfg.labels)
    start = time.perf_counter()
    results = decode_split(model, task, entries, args.batch_size, args.device, not args.no_progress)
    seconds = time.perf_counter() - start
    if os.path.isfile(os.path.join(out, layout.DECODED)):
        os.remove(os.path.join(out, layout.DECODED))  # outputs are replaced now: not finished until rewritten
    write_outputs(out, results)
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
          f"(real-time factor {seconds / max(audio, 1e-9):.3f}; {empty} empty hypotheses) -> {out}")


if __name__ == "__main__":
    sys.exit(main())
