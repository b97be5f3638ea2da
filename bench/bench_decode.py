#!/usr/bin/env python3
"""Benchmark (not a test): decoding speed on CPU (or GPU) for the tiny model and the Large architecture.

Models are random-init wav2vec 2.0 (scripts/make_w2v_checkpoint.py sizes) with a fresh output layer over a
fold's dictionary, built through the plugin's task as fine-tuning would build them; audio is 4-second noise
files (speed does not depend on content). Prints utterances/s and real-time factor for batch sizes 1 and 8.

  python bench/bench_decode.py [--sizes tiny large] [--data manifests/demo/bpc/speaker/fold1] [--n 16]
  python bench/bench_decode.py --quick --data DIR      # tiny only, 2 one-second files: CI checks it runs
"""
import argparse
import dataclasses
import os
import sys
import tempfile
import time

import numpy as np
import soundfile

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE as RATE

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(w2v_path: str, data: str, labels: str):
    """Compose configs/tiny.yaml as fairseq-hydra-train would, then build task and model (fresh output layer)."""
    from fairseq import tasks

    from fairseq_emo.training.recipe_config import compose_recipe

    cfg = compose_recipe("tiny", [f"task.data={data}", f"task.labels={labels}", f"model.w2v_path={w2v_path}",
                                  f"common.user_dir={os.path.join(REPO, 'fairseq_emo')}"], with_defaults=True)
    task = tasks.setup_task(cfg.task)
    build.last_cfg = cfg  # bench_predict.py saves it with the weights, as fairseq's checkpoints do
    return task.build_model(cfg.model).eval(), task


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["tiny", "large"])
    parser.add_argument("--data", default=os.path.join(REPO, "manifests/demo/bpc/speaker/fold1"))
    parser.add_argument("--labels", default="bpc")
    parser.add_argument("--n", type=int, default=16, help="utterances per measurement")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny model, 2 one-second files (a check, not a number)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.n, args.seconds = ["tiny"], 2, 1.0
    from fairseq_emo.evaluation.decode import SplitEntry, decode_split
    from fairseq_emo.training.w2v_checkpoint import SIZES, save_random_checkpoint

    with tempfile.TemporaryDirectory() as work:
        rng = np.random.default_rng(0)
        entries = []
        for i in range(args.n):
            path = os.path.join(work, f"u{i}.wav")
            soundfile.write(path, (0.05 * rng.standard_normal(int(args.seconds * RATE))).astype(np.float32), RATE)
            entries.append(SplitEntry(path, int(args.seconds * RATE), f"u{i}", "spk", "neu", []))
        audio = args.n * args.seconds
        for size in args.sizes:
            ckpt = os.path.join(work, f"w2v_{size}.pt")
            save_random_checkpoint(ckpt, SIZES[size])
            model, task = build(ckpt, args.data, args.labels)
            # a reference of 10 units per second, as a labelled test split has: decoding also scores it with each
            # emotion (the CTC-likelihood rule's scores), which is part of what is timed
            units = [s for s in task.target_dictionary.symbols[task.target_dictionary.nspecial:] if s.endswith("_neu")]
            ref = [units[k % len(units)] for k in range(int(10 * args.seconds))]
            entries = [dataclasses.replace(e, ref=ref) for e in entries]
            model.to(args.device)
            decode_split(model, task, entries[:2], 1, args.device, progress=False)  # warm-up
            for batch in (1, 8):
                start = time.perf_counter()
                decode_split(model, task, entries, batch, args.device, progress=False)
                took = time.perf_counter() - start
                print(f"{size:5s} batch {batch}: {args.n / took:6.2f} utterances/s, real-time factor {took / audio:.4f} "
                      f"({args.n} x {args.seconds:.0f} s, {args.device})", flush=True)
            os.remove(ckpt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
