#!/usr/bin/env python3
"""The GPU study's data path on CPU: batches per second that the recipe's own dataset and collater (the plugin's
task, `configs/paper_bpc.yaml`: max_tokens 1M samples, fairseq's size-sorted batches) deliver with N loader
workers, on IEMOCAP's real utterance-length distribution, and the padding fraction of those batches.

  .venv/bin/python bench/bench_loader.py                      # 1200 utterances, workers 0 2 6
  .venv/bin/python bench/bench_loader.py --n 5531 --workers 6  # every length of the 4-class set (about 7 h of audio)
  .venv/bin/python bench/bench_loader.py --quick              # the test tier's check that it runs

Lengths: bench/data/iemocap_4class.tsv (EmoBox's public per-utterance durations of IEMOCAP's 5531 4-class
utterances), sampled without replacement with a fixed seed; the audio is noise with speech-like loudness steps
written as 16 kHz PCM16 wav (the loader's cost does not depend on content), labels about 8 BPC units per second.
Compare batches/s with the GPU's updates/s (docs/benchmarks.md: about 8 frozen and 5 unfrozen updates/s on one
H100/H200): a loader slower than that leaves the GPU waiting.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "bench"))
from bench_gpu_train import make_fold  # noqa: E402  (the fold writer the GPU benchmark uses)
LENGTHS = os.path.join(REPO, "bench", "data", "iemocap_4class.tsv")


def iemocap_seconds(n: int, seed: int = 0) -> np.ndarray:
    with open(LENGTHS, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]
    seconds = np.array([float(r[2]) for r in rows[1:]])
    return np.random.default_rng(seed).choice(seconds, size=min(n, len(seconds)), replace=False)


def measure(fold: str, workers: int, config: str = "paper_bpc") -> dict:
    """One epoch of the training split's batches as fairseq's trainer gets them -> batches/s and padding."""
    import fairseq  # noqa: F401  (before the plugin registers)
    from fairseq import tasks

    import fairseq_emo.training.fairseq_plugin  # noqa: F401  (the task)
    from fairseq_emo.training.recipe_config import compose_recipe

    cfg = compose_recipe(config, [f"task.data={fold}", "model.w2v_path=/unused", "common.user_dir=/unused",
                                  f"dataset.num_workers={workers}"], with_defaults=True)
    task = tasks.setup_task(cfg.task)
    task.load_dataset("train")
    dataset = task.dataset("train")
    itr = task.get_batch_iterator(dataset, max_tokens=cfg.dataset.max_tokens, max_sentences=cfg.dataset.batch_size,
                                  max_positions=(sys.maxsize, sys.maxsize), ignore_invalid_inputs=False,
                                  required_batch_size_multiple=cfg.dataset.required_batch_size_multiple, seed=1,
                                  num_workers=workers).next_epoch_itr(shuffle=True)
    start, batches, real, padded, sizes = time.perf_counter(), 0, 0, 0, []
    first = None
    for sample in itr:
        source = sample["net_input"]["source"]
        mask = sample["net_input"].get("padding_mask")
        batches += 1
        padded += source.numel()
        real += source.numel() - (int(mask.sum()) if mask is not None else 0)
        sizes.append(source.size(0))
        if first is None:
            first = time.perf_counter() - start
    seconds = time.perf_counter() - start
    return {"workers": workers, "batches": batches, "seconds": seconds, "batches_per_s": batches / seconds,
            "first_batch_s": first, "median_batch_utterances": float(np.median(sizes)),
            "padding_fraction": 1 - real / padded}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1200, help="utterances (lengths drawn from IEMOCAP's 5531)")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2, 6])
    parser.add_argument("--work", help="where the fold is written (default: a temporary folder)")
    parser.add_argument("--quick", action="store_true", help="40 utterances, 0 workers: that it runs")
    args = parser.parse_args(argv)
    import logging
    import warnings

    logging.disable(logging.INFO)   # fairseq's per-epoch iterator lines
    warnings.filterwarnings("ignore", message=".*pin_memory.*")   # no accelerator on a CPU measurement
    if args.quick:
        args.n, args.workers = 40, [0]
    work = args.work or tempfile.mkdtemp(prefix="bench_loader_")
    seconds = iemocap_seconds(args.n)
    t0 = time.perf_counter()
    make_fold(work, len(seconds), seconds=seconds)   # bench_gpu_train's writer, IEMOCAP's lengths
    print(f"fold: {len(seconds)} utterances, {seconds.sum() / 3600:.2f} h (IEMOCAP lengths: median "
          f"{np.median(seconds):.1f} s, max {seconds.max():.1f} s), written in {time.perf_counter() - t0:.0f} s "
          f"-> {work}")
    print(f"{'workers':>7} {'batches':>7} {'batches/s':>9} {'first batch':>11} {'utt/batch':>9} {'padding':>8}")
    for workers in args.workers:
        r = measure(work, workers)
        print(f"{r['workers']:>7d} {r['batches']:>7d} {r['batches_per_s']:>9.2f} {r['first_batch_s']:>10.2f}s "
              f"{r['median_batch_utterances']:>9.1f} {100 * r['padding_fraction']:>7.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
