#!/usr/bin/env python3
"""Benchmark (not a test): the paper's training recipe on a GPU — Large wav2vec 2.0 (random weights, the
architecture and checkpoint format of libri960_big.pt), configs/paper_bpc.yaml (max_tokens 1M, fp16) —
updates/s in the frozen phase (first 10,000 updates: only the output layer trains) and after it, and peak GPU
memory; then the hours per fold and per study that these speeds imply.

Everything is made here: IEMOCAP-like utterance lengths (log-normal, median 3.5 s, clipped to 1-20 s) of
speech-shaped noise at 16 kHz with random BPC labels (speed does not depend on content), a random Large
checkpoint. Validation and checkpoint saving are off, so only training is timed; the first updates (CUDA set-up,
allocator growth) are left out of the medians.

  python bench/bench_gpu_train.py --work /tmp/gpu_bench [--frozen-updates 30 --unfrozen-updates 30]
  python bench/bench_gpu_train.py --size tiny --cpu --frozen-updates 6 --unfrozen-updates 6   # a dry run on CPU
  python bench/bench_gpu_train.py --work DIR --quick   # = tiny, CPU, 40 utterances, 3 + 3 updates: CI's check
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import soundfile

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE as RATE

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER_UPDATES = (10000, 5000)  # frozen, then unfrozen (max_update 15,000, freeze_finetune_updates 10,000)


def make_fold(fold: str, n: int, seed: int = 0, seconds=None) -> float:
    """n utterances of noise shaped like speech loudness, labels ~8 BPC tokens per second; returns hours.
    `seconds`: the utterances' lengths (default: n drawn from a log-normal around 3.5 s); bench_loader.py gives
    IEMOCAP's."""
    from fairseq_emo.core.emotions import EMOTIONS
    from fairseq_emo.units import UnitSpec

    rng = np.random.default_rng(seed)
    inventory = UnitSpec("bpc").inventory()
    wav_dir = os.path.join(fold, "wav")
    os.makedirs(wav_dir, exist_ok=True)
    if seconds is None:
        seconds = np.clip(rng.lognormal(np.log(3.5), 0.6, n), 1.0, 20.0)
    rows, labels = [], []
    for i, s in enumerate(seconds):
        frames = int(s * RATE)
        envelope = np.repeat(rng.uniform(0.05, 0.4, frames // 1600 + 1), 1600)[:frames]
        soundfile.write(os.path.join(wav_dir, f"u{i:04d}.wav"), (rng.standard_normal(frames) * envelope * 0.3)
                        .astype(np.float32), RATE, subtype="PCM_16")
        emo = EMOTIONS[i % 4]
        rows.append(f"u{i:04d}.wav\t{frames}")
        labels.append(" ".join(f"{b}_{emo}" for b in rng.choice(inventory[:-1], max(1, int(8 * s)))))
    for split in ("train", "valid"):
        with open(os.path.join(fold, f"{split}.tsv"), "w") as f:
            f.write(wav_dir + "\n" + "\n".join(rows) + "\n")
        with open(os.path.join(fold, f"{split}.bpc"), "w") as f:
            f.write("\n".join(labels) + "\n")
    with open(os.path.join(fold, "dict.bpc.txt"), "w") as f:
        f.write("".join(f"{b}_{e} 1\n" for b in inventory for e in EMOTIONS))
    return float(seconds.sum()) / 3600


class GpuMemory:
    """Peak of nvidia-smi's used memory (MiB), sampled every 200 ms in a thread, for the whole process tree."""

    def __init__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        while not self._stop.is_set():
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                     capture_output=True, text=True, timeout=5).stdout
                self.peak = max(self.peak, max(int(x) for x in out.split()))
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def train(fold: str, w2v: str, updates: int, frozen: bool, cpu: bool, log_path: str) -> dict:
    cmd = [sys.executable, "-m", "fairseq_cli.hydra_train", "--config-dir", os.path.join(REPO, "configs"),
           "--config-name", "paper_bpc", f"task.data={fold}", f"model.w2v_path={w2v}",
           f"common.user_dir={os.path.join(REPO, 'fairseq_emo')}", f"optimization.max_update={updates}",
           f"model.freeze_finetune_updates={100000 if frozen else 0}", "dataset.disable_validation=true",
           "checkpoint.no_save=true", "common.log_interval=1", f"hydra.run.dir={os.path.dirname(log_path)}/hydra"]
    if cpu:
        # tiny dims cannot take the recipe's channel masking (mask_channel_prob * dim / length < 1 crashes)
        cmd += ["common.fp16=false", "common.cpu=true", "dataset.max_tokens=200000", "dataset.num_workers=0",
                "model.apply_mask=false",
                "model.mask_channel_prob=0.0", "model.mask_prob=0.0"]
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    start = time.time()
    with open(log_path, "w") as log, GpuMemory() as memory:
        status = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.time() - start
    with open(log_path) as f:
        text = f.read()
    if status != 0:
        raise RuntimeError(f"training failed ({status}); log {log_path}:\n{text[-4000:]}")
    from fairseq_emo.training.fold_run import log_records
    inner = log_records(text.splitlines(), "train_inner")
    ups = [float(r["ups"]) for r in inner[3:]] or [float(r["ups"]) for r in inner]
    return {"updates": updates, "frozen": frozen, "ups_median": statistics.median(ups),
            "ups_all": [float(r["ups"]) for r in inner], "peak_gpu_mib": memory.peak,
            "bsz_median": statistics.median(float(r["bsz"]) for r in inner), "wall_s": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True)
    parser.add_argument("--size", default="large", help="w2v_checkpoint size (default large)")
    parser.add_argument("--utterances", type=int, default=600)
    parser.add_argument("--frozen-updates", type=int, default=30)
    parser.add_argument("--unfrozen-updates", type=int, default=30)
    parser.add_argument("--cpu", action="store_true", help="dry run without a GPU (fp16 off, small batches)")
    parser.add_argument("--json", help="also write the summary here")
    parser.add_argument("--quick", action="store_true", help="tiny model on CPU, 40 utterances, 3 + 3 updates "
                                                             "(a check that the script runs, not a number)")
    args = parser.parse_args()
    if args.quick:
        args.size, args.cpu, args.utterances, args.frozen_updates, args.unfrozen_updates = "tiny", True, 40, 3, 3

    import torch

    from fairseq_emo.training.w2v_checkpoint import SIZES, save_random_checkpoint
    os.makedirs(args.work, exist_ok=True)
    fold = os.path.join(args.work, "fold")
    hours = make_fold(fold, args.utterances)
    w2v = os.path.join(args.work, f"w2v_{args.size}.pt")
    save_random_checkpoint(w2v, SIZES[args.size])
    device = "cpu" if args.cpu else torch.cuda.get_device_name(0)
    print(f"device: {device}; torch {torch.__version__}; data {args.utterances} utterances, {hours:.2f} h",
          flush=True)
    runs = [train(fold, w2v, args.frozen_updates, True, args.cpu, os.path.join(args.work, "frozen", "train.log")),
            train(fold, w2v, args.unfrozen_updates, False, args.cpu, os.path.join(args.work, "unfrozen", "train.log"))]
    frozen, unfrozen = runs
    fold_hours = (PAPER_UPDATES[0] / frozen["ups_median"] + PAPER_UPDATES[1] / unfrozen["ups_median"]) / 3600
    summary = {"device": device, "torch": torch.__version__, "size": args.size, "runs": runs,
               "hours_per_fold": round(fold_hours, 2), "hours_iemocap_study_40_folds": round(40 * fold_hours, 1)}
    for r in runs:
        print(f"{'frozen' if r['frozen'] else 'unfrozen'}: {r['ups_median']:.2f} updates/s (median over updates "
              f"4-{len(r['ups_all'])}), median batch {r['bsz_median']:.0f} "
              f"utterances, peak GPU memory {r['peak_gpu_mib']} MiB (nvidia-smi), {r['wall_s']} s wall")
    print(f"estimate: {fold_hours:.2f} h per fold (10,000 frozen + 5,000 unfrozen updates, validation excluded); "
          f"{40 * fold_hours:.1f} h for 4 unit types x 10 folds on one such GPU")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
