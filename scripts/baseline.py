#!/usr/bin/env python3
"""eGeMAPS + logistic-regression baseline on the recipe's folds (method: fairseq_emo/evaluation/baseline.py).

  python scripts/baseline.py --folds-dir manifests/demo/bpc/speaker --out exp/demo/baseline/speaker \
      [--cache exp/demo/baseline/egemaps_features.npz] [--train-folds "1 2"]
Per fold: OUT/fold<k>/pred.txt, ref_emotions.txt, baseline.json; a fold with baseline.json is done and skipped.
Prints 'BASELINE fold<k> <test group> WA ..' per fold. The report (scripts/report.py) shows it beside Table 1.

  python scripts/baseline.py --cross-train manifests/iemocap/bpc/all/fold1 --eval manifests/emodb/eval \
      --out exp/cross/emodb/baseline --cache exp/iemocap/baseline/egemaps_features.npz
The cross-corpus baseline: trained on every utterance of the training corpus (the all-utterance fold the
cross-corpus models train on), tested on a test-only set; the cross-corpus report shows it beside Table 5.
"""
import argparse
import os
import sys

from fairseq_emo.core import layout
from fairseq_emo.evaluation.baseline import METHOD, run_cross, run_fold
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds-dir", help="a scheme's manifest dir holding fold<k>/")
    parser.add_argument("--text", action="store_true", help="the lexical control instead: word 1-2-grams of the "
                        "transcripts + logistic regression on the same folds (fairseq_emo/evaluation/text_baseline.py)")
    parser.add_argument("--cross-train", help="cross-corpus: the training corpus's all-utterance fold dir")
    parser.add_argument("--eval", help="cross-corpus: the test-only set (make_manifests.py --eval-only)")
    parser.add_argument("--out", required=True, help="exp/<corpus>/baseline/<scheme dir>")
    parser.add_argument("--cache", help="feature cache (default OUT/../egemaps_features.npz)")
    parser.add_argument("--train-folds", help="fold numbers, e.g. '1 2' (default: every fold)")
    args = parser.parse_args(argv)
    if args.cross_train or args.eval:
        return cross(parser, args)
    if not args.folds_dir:
        parser.error("--folds-dir (or --cross-train with --eval) is required")
    if not os.path.isdir(args.folds_dir):
        print(f"error: {args.folds_dir}: no such fold directory (run make_manifests.py first)", file=sys.stderr)
        return 2
    found = [layout.fold_number(d) for d in layout.fold_dirs(args.folds_dir)]
    wanted = found
    if args.train_folds:
        try:
            wanted = [int(k) for k in args.train_folds.split()]
        except ValueError:
            print(f"error: --train-folds takes fold numbers, got {args.train_folds!r}", file=sys.stderr)
            return 2
        absent = [k for k in wanted if k not in found]
        if absent:
            print(f"error: fold(s) {absent} not in {args.folds_dir} (it has {found})", file=sys.stderr)
            return 2
    cache = args.cache or os.path.join(os.path.dirname(os.path.abspath(args.out)), layout.BASELINE_CACHE)
    try:
        for k in wanted:
            out = os.path.join(args.out, f"fold{k}")
            if os.path.isfile(os.path.join(out, layout.BASELINE_RECORD)):
                print(f"BASELINE fold{k}: done earlier, skipped ({out})")
                continue
            if args.text:
                from fairseq_emo.evaluation import text_baseline

                r = text_baseline.run_fold(os.path.join(args.folds_dir, f"fold{k}"), out)
            else:
                r = run_fold(os.path.join(args.folds_dir, f"fold{k}"), out, cache)
            print(f"BASELINE fold{k} test={r['test_group']} WA={100 * r['correct'] / max(1, r['test']):.1f} "
                  f"(n={r['test']}, train={r['train']}, {r['method']})")
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        from fairseq_emo.evaluation.text_baseline import NoTranscripts

        if isinstance(err, NoTranscripts):   # a corpus read without transcripts: nothing to control for
            print(f"note: text baseline skipped: {err}")
            return 0
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def cross(parser, args) -> int:
    if not (args.cross_train and args.eval) or args.folds_dir or args.train_folds:
        parser.error("the cross-corpus baseline takes --cross-train and --eval (and not --folds-dir/--train-folds)")
    if os.path.isfile(os.path.join(args.out, layout.BASELINE_RECORD)):
        print(f"BASELINE {args.out}: done earlier, skipped")
        return 0
    cache = args.cache or os.path.join(os.path.dirname(os.path.abspath(args.out)), layout.BASELINE_CACHE)
    try:
        r = run_cross(args.cross_train, args.eval, args.out, cache)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"BASELINE {r['train_corpus']} -> {r['test_group']} WA={100 * r['correct'] / max(1, r['test']):.1f} "
          f"(n={r['test']}, train={r['train']}, {METHOD})")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
