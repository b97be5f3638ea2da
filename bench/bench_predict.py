#!/usr/bin/env python3
"""Benchmark (not a test): fairseq-emo predict on a 60-second file, CPU, tiny model and Large architecture;
with --long, peak memory of the streamed read on long files (16 kHz mono 20 min and 2 h, 96 kHz 6-channel
5 and 20 min), tiny model, with --plot.

For each size a random-init wav2vec 2.0 gets a fresh output layer through the plugin (bench_decode.py's builder)
and is saved as a fine-tuned checkpoint would be (no training); then the real command runs on 60 s of noise.
Prints the real-time factor the command reports and the peak RSS of the predict process.

  python bench/bench_predict.py [--sizes tiny large] [--seconds 60]
  python bench/bench_predict.py --long [--quick]      # --quick: 1 and 3 minutes instead (CI's quick mode)
  python bench/bench_predict.py --quick --data DIR    # tiny only, a 5-second file (CI's quick mode)
  python bench/bench_predict.py --files 40 [--batch-sizes 1 8] [--device cuda]   # files/s, batch 1 vs 8

--files N: N files of IEMOCAP-like lengths (1.5-12 s, seeded) in one command per batch size; files/s is N over
the decoding time the command reports (model loading excluded).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_decode import RATE, REPO, build  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["tiny", "large"])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--data", default=os.path.join(REPO, "manifests/demo/bpc/speaker/fold1"))
    parser.add_argument("--long", action="store_true", help="peak RSS on long and wide files (tiny model)")
    parser.add_argument("--files", type=int, default=0, help="files/s over N short files, per --batch-sizes")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny model and a 5-second file; with --long: "
                                                             "1- and 3-minute files (a check, not a number)")
    args = parser.parse_args()
    if args.quick and args.files:
        args.sizes, args.files = ["tiny"], min(args.files, 6)
    elif args.quick and not args.long:
        args.sizes, args.seconds = ["tiny"], 5.0
    if args.long:
        args.sizes = ["tiny"]
    import torch
    from fairseq import checkpoint_utils  # noqa: F401
    from omegaconf import OmegaConf
    from fairseq_emo.training.w2v_checkpoint import SIZES, save_random_checkpoint

    cli = os.path.join(os.path.dirname(sys.executable), "fairseq-emo")
    with tempfile.TemporaryDirectory() as work:
        audio = os.path.join(work, "minute.wav")
        soundfile.write(audio, (0.05 * np.random.default_rng(0).standard_normal(int(args.seconds * RATE)))
                        .astype(np.float32), RATE)
        for size in args.sizes:
            w2v = os.path.join(work, f"w2v_{size}.pt")
            save_random_checkpoint(w2v, SIZES[size])
            model, task = build(w2v, args.data, "bpc")
            ckpt_dir = os.path.join(work, f"ft_{size}")
            os.makedirs(ckpt_dir)
            # a fine-tuned checkpoint as fairseq writes one: cfg + model weights
            # (cfg as a plain container, as fairseq's save_state writes it: the safe loader admits no omegaconf)
            torch.save({"cfg": OmegaConf.to_container(build.last_cfg, resolve=True, enum_to_str=True), "model": model.state_dict(), "extra_state": {},
                        "optimizer_history": [{"criterion_name": "EmotionCtcCriterion", "optimizer_name": "FairseqAdam",
                                               "lr_scheduler_state": {"best": None}, "num_updates": 0}],
                        "last_optimizer_state": None}, os.path.join(ckpt_dir, "ckpt.pt"))
            for name in os.listdir(args.data):
                if name.startswith("dict."):
                    with open(os.path.join(args.data, name)) as src, open(os.path.join(ckpt_dir, name), "w") as dst:
                        dst.write(src.read())
            del model
            os.remove(w2v)
            ckpt = os.path.join(ckpt_dir, "ckpt.pt")
            if args.files:
                folder = os.path.join(work, "files")
                os.makedirs(folder, exist_ok=True)
                rng = np.random.default_rng(1)
                for k in range(args.files):
                    seconds = rng.uniform(1.5, 12.0)
                    soundfile.write(os.path.join(folder, f"utt{k:03d}.wav"),
                                    (0.05 * rng.standard_normal(int(seconds * RATE))).astype(np.float32), RATE)
                for batch in args.batch_sizes:
                    took, rss, err = _run(cli, ckpt, folder, work, ["--batch-size", str(batch), "--device",
                                                                    args.device])
                    line = [l for l in err.splitlines() if "real-time factor" in l]
                    decoding = float(line[-1].split(" in ")[1].split(" s ")[0]) if line else float("nan")
                    print(f"{size:5s}: batch {batch}: {args.files / decoding:.2f} files/s ({args.files} files, "
                          f"{line[-1] if line else err[-300:]}); peak RSS {rss:.0f} MiB", flush=True)
                continue
            if args.long:
                minutes = ((1, 3), (1, 3)) if args.quick else ((20, 120), (5, 20))
                for (rate, channels), lengths in zip(((RATE, 1), (96000, 6)), minutes):
                    for m in lengths:
                        path = os.path.join(work, f"long_{rate}_{channels}_{m}.wav")
                        _write_noise(path, rate, channels, m * 60)
                        took, rss, err = _run(cli, ckpt, path, work, ["--plot", os.path.join(work, "t.png")])
                        rtf = [l for l in err.splitlines() if "real-time factor" in l]
                        print(f"{size}: {m:4d} min at {rate} Hz x {channels} ch ({os.path.getsize(path) / 2**20:.0f} "
                              f"MiB file): peak RSS {rss:.0f} MiB, {took:.1f} s with --plot; "
                              f"{rtf[-1] if rtf else err[-300:]}", flush=True)
                        os.remove(path)
                continue
            took, rss, err = _run(cli, ckpt, audio, work, [])
            rtf_line = [l for l in err.splitlines() if "real-time factor" in l]
            print(f"{size:5s}: {rtf_line[-1] if rtf_line else err[-500:]}; whole command {took:.1f} s incl. loading; "
                  f"peak RSS {rss:.0f} MiB", flush=True)
    return 0


def _write_noise(path, rate, channels, seconds):
    """Noise written block by block (the benchmark itself must not hold hours of audio)."""
    rng = np.random.default_rng(0)
    with soundfile.SoundFile(path, "w", rate, channels, subtype="PCM_16") as f:
        for _ in range(int(seconds // 10)):
            f.write((0.05 * rng.standard_normal((rate * 10, channels))).astype(np.float32))


HELPER = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, "
          "stderr=open(os.environ['ERR_FILE'], 'w')); _, status, usage = os.wait4(p.pid, 0); "
          "print(status >> 8, usage.ru_maxrss)")


def _run(cli, ckpt, audio, work, extra):
    """-> (seconds, peak RSS MiB, stderr) of one predict command. Started from a small helper process: a child
    of this (large) process would report this process's high-water mark when it is higher (Linux keeps the
    mark across fork + exec)."""
    err_file = os.path.join(work, "predict.err")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-S", "-c", HELPER, cli, "predict", "--checkpoint", ckpt, audio,
                          "--no-progress", "--out", os.path.join(work, "out.jsonl"), *extra],
                         capture_output=True, text=True, env=dict(os.environ, ERR_FILE=err_file), check=True)
    took = time.perf_counter() - start
    status, maxrss = out.stdout.split()
    with open(err_file) as f:
        err = f.read()
    if status != "0":
        err += f" (exit {status})"
    return took, int(maxrss) / 1024, err


if __name__ == "__main__":
    sys.exit(main())
