#!/usr/bin/env python3
"""Benchmark (not a test): training speed and memory of the plugin vs fairseq's stock task and criterion.

Same tiny random wav2vec 2.0, same fold, same configs/tiny.yaml; A = task emotion_unit_finetuning + criterion
emotion_ctc, B = stock audio_finetuning + ctc. Runs alternate A B A B ... so drift hits both; validation and
checkpoint saving are off, so only training is measured. Prints updates/s (fairseq's train_ups over the run)
and peak RSS of each run, medians, and the ratio A/B (target >= 0.98).

  python bench/bench_train.py [--data manifests/demo/bpc/speaker/fold1] [--w2v CKPT]
  python bench/bench_train.py --quick --data DIR      # 4 updates, one round: CI checks it runs
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from fairseq_emo.training.fold_run import log_records

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = os.path.join(os.path.dirname(sys.executable), "fairseq-hydra-train")
VARIANTS = {
    "plugin": ["task._name=emotion_unit_finetuning", "criterion._name=emotion_ctc"],
    "stock": ["task._name=audio_finetuning", "criterion._name=ctc"],
}


def run_once(variant, data, w2v, updates, workdir):
    cmd = [TRAIN, "--config-dir", os.path.join(REPO, "configs"), "--config-name", "tiny", f"task.data={data}",
           f"model.w2v_path={w2v}", f"common.user_dir={os.path.join(REPO, 'fairseq_emo')}",
           f"optimization.max_update={updates}", "dataset.disable_validation=true", "checkpoint.no_save=true",
           f"hydra.run.dir={workdir}", "common.log_interval=1000", *VARIANTS[variant]]
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        log.seek(0)
        text = log.read()
    if status != 0:
        raise RuntimeError(f"{variant} run failed:\n{text[-3000:]}")
    summary = log_records(text.splitlines(), "train")[-1]
    return float(summary["train_ups"]), usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(REPO, "manifests/demo/bpc/speaker/fold1"))
    parser.add_argument("--w2v", help="pre-trained checkpoint (default: a random-init tiny one made here)")
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="4 updates, one round (a check, not a number)")
    args = parser.parse_args()
    if args.quick:
        args.updates, args.rounds = 4, 1
    if not os.path.exists(args.data):
        print(f"error: {args.data} not found (bash scripts/run.sh --stop-stage 2 makes it)", file=sys.stderr)
        return 2
    results = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as work:
        if args.w2v is None:
            from fairseq_emo.training.w2v_checkpoint import SIZES, save_random_checkpoint
            args.w2v = os.path.join(work, "w2v_tiny.pt")
            save_random_checkpoint(args.w2v, SIZES["tiny"])
        for r in range(args.rounds):
            for variant in VARIANTS:
                ups, rss = run_once(variant, os.path.abspath(args.data), os.path.abspath(args.w2v), args.updates,
                                    os.path.join(work, f"{variant}{r}"))
                results[variant].append((ups, rss))
                print(f"round {r + 1} {variant:6s}: {ups:6.2f} updates/s  peak RSS {rss:7.1f} MiB", flush=True)
    med = {v: (statistics.median(u for u, _ in xs), statistics.median(m for _, m in xs)) for v, xs in results.items()}
    for v, (ups, rss) in med.items():
        print(f"median {v:6s}: {ups:6.2f} updates/s  peak RSS {rss:7.1f} MiB")
    print(f"ratio plugin/stock updates/s: {med['plugin'][0] / med['stock'][0]:.3f} (target >= 0.98); "
          f"RSS ratio {med['plugin'][1] / med['stock'][1]:.3f}  [{args.updates} updates x {args.rounds} rounds, "
          f"tiny model, {args.data}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
