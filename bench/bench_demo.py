#!/usr/bin/env python3
"""Where the README's main job spends its time: run.sh's stages and, per training, start-up, updates, validation
and checkpoint writes, from the logs a run leaves (docs/benchmarks.md, "The demo").

  python bench/bench_demo.py --work DIR --run [-- run.sh options]   # time `bash scripts/run.sh --work DIR ...`
  python bench/bench_demo.py --work DIR                             # profile a run already made in DIR

Input: a run.sh log (written to DIR/run.log with --run) and each fold's train.log (fairseq's timestamped lines).
Output: printed tables: wall time per stage; per training fold its checks (the loop taking it up -> its attempt:
check_fold.py's data and config checks), start-up (attempt line -> fairseq's first line:
python, hydra, imports), set-up (-> 'begin training epoch 1': model, data, the dry-run validation), update time
(the rest), validation, checkpoint writes and post-processing (fairseq's end -> DONE: stripping, copying);
sums per phase over all folds.
"""
import argparse
import datetime as dt
import glob
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAIRSEQ_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]\[([^\]]+)\]\[\w+\] - (.*)$")
ATTEMPT = re.compile(r"^=== attempt (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")
STAGE = re.compile(r"^\[(\d\d:\d\d:\d\d)\] run\.sh: (stage \d|done)")
FOLD_START = re.compile(r"^\[(\d\d:\d\d:\d\d)\] run_folds\.sh: \S+ fold\d+: \S+ -> (\S+)$")
WRITING = re.compile(r"writing took ([0-9.]+) seconds")


def _fairseq_time(stamp: str) -> float:
    # fairseq logs local time; the attempt line is UTC: both are read as the machine's own clock below
    return dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def fold_starts(run_log: str) -> dict:
    """run.sh's log -> {fold out dir: the clock time (s since midnight) the fold loop took it up}: the time of the
    log line before the fold's own (its checks run between the two)."""
    out, previous = {}, None
    with open(run_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            stamp = re.match(r"^\[(\d\d):(\d\d):(\d\d)\] ", line)
            if not stamp:
                continue
            clock = int(stamp.group(1)) * 3600 + int(stamp.group(2)) * 60 + int(stamp.group(3))
            m = FOLD_START.match(line.rstrip("\n"))
            if m and previous is not None:
                out[os.path.normpath(m.group(2))] = previous
            previous = clock
    return out


def fold_profile(train_log: str, done_time: float, taken_up: float = None) -> dict:
    """One fold's train.log (its last attempt) -> seconds per phase; `taken_up`: when the loop took the fold up
    (seconds since midnight, from run.sh's log), so that its checks before the attempt are counted."""
    with open(train_log, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    starts = [i for i, line in enumerate(lines) if ATTEMPT.match(line)]
    lines = lines[starts[-1]:] if starts else lines
    attempt = None
    if starts:
        utc = dt.datetime.strptime(ATTEMPT.match(lines[0]).group(1), "%Y-%m-%dT%H:%M:%SZ")
        attempt = utc.replace(tzinfo=dt.timezone.utc).timestamp()
    stamped = [(m.group(1), m.group(2), m.group(3)) for m in map(FAIRSEQ_LINE.match, lines) if m]
    if not stamped:
        return {}
    first, last = _fairseq_time(stamped[0][0]), _fairseq_time(stamped[-1][0])
    begin = next((_fairseq_time(t) for t, _, msg in stamped if msg.startswith("begin training epoch 1")), first)
    validation, writes, valid_start = 0.0, 0.0, None
    for t, name, msg in stamped:
        if msg.startswith("begin validation") and "dry-run" not in msg:
            valid_start = _fairseq_time(t)
        elif name == "valid" and valid_start is not None:
            validation += _fairseq_time(t) - valid_start
            valid_start = None
        m = WRITING.search(msg)
        if m:
            writes += float(m.group(1))
    training = last - begin
    check = 0.0
    if attempt and taken_up is not None:
        clock = dt.datetime.fromtimestamp(attempt, dt.timezone.utc)
        check = max(0.0, (clock.hour * 3600 + clock.minute * 60 + clock.second - taken_up) % 86400)
    return {"checks": check, "start-up": first - attempt if attempt else 0.0, "set-up": begin - first,
            "updates": training - validation - writes, "validation": validation, "checkpoint writes": writes,
            "after training": max(0.0, done_time - last) if done_time else 0.0}


def stage_times(run_log: str) -> list:
    """run.sh's log -> [(stage, seconds)] from its timestamped stage lines (a stage lasts until the next line)."""
    marks = []
    with open(run_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = STAGE.match(line)
            if m:
                marks.append((m.group(2), dt.datetime.strptime(m.group(1), "%H:%M:%S")))
    out = []
    for (name, t0), (_, t1) in zip(marks, marks[1:]):
        seconds = (t1 - t0).total_seconds() % 86400
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + seconds)
        else:
            out.append((name, seconds))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True, help="run.sh's --work folder")
    parser.add_argument("--run", action="store_true", help="run `bash scripts/run.sh --work DIR [options]` first")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="-- then run.sh's options")
    args = parser.parse_args(argv)
    run_log = os.path.join(args.work, "run.log")
    if args.run:
        options = args.options[1:] if args.options[:1] == ["--"] else args.options
        os.makedirs(args.work, exist_ok=True)
        t0 = time.time()
        with open(run_log, "w", encoding="utf-8") as log:
            code = subprocess.call(["bash", os.path.join(REPO, "scripts", "run.sh"), "--work", args.work, *options],
                                   stdout=log, stderr=subprocess.STDOUT)
        wall = time.time() - t0
        print(f"run.sh --work {args.work} {' '.join(options)}: exit {code}, {wall // 60:.0f} min {wall % 60:.0f} s")
        if code:
            return code
    if os.path.isfile(run_log):
        print("stage            seconds")
        for name, seconds in stage_times(run_log):
            print(f"{name:15s} {seconds:8.0f}")
    totals: dict = {}
    starts = fold_starts(run_log) if os.path.isfile(run_log) else {}
    widths = (6, 9, 7, 8, 6, 6, 6)
    print(f"{'fold':34s} {'checks':>6s} {'start-up':>9s} {'set-up':>7s} {'updates':>8s} {'valid':>6s} {'ckpt':>6s} "
          f"{'after':>6s}")
    for log in sorted(glob.glob(os.path.join(glob.escape(args.work), "exp", "*", "*", "fold*", "train.log"))):
        done = os.path.join(os.path.dirname(log), "DONE")
        profile = fold_profile(log, os.path.getmtime(done) if os.path.isfile(done) else 0.0,
                               starts.get(os.path.normpath(os.path.dirname(log))))
        if not profile:
            continue
        for k, v in profile.items():
            totals[k] = totals.get(k, 0.0) + v
        name = os.path.relpath(os.path.dirname(log), os.path.join(args.work, "exp"))
        print(f"{name:34s} " + " ".join(f"{v:{w}.1f}" for v, w in zip(profile.values(), widths)))
    if totals:
        print(f"{'all folds':34s} " + " ".join(f"{v:{w}.1f}" for v, w in zip(totals.values(), widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
