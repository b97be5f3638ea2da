#!/usr/bin/env python3
"""Majority vote of decoded units into one emotion per utterance (rules: fairseq_emo/decoding/vote.py).

  python scripts/vote.py --hyp decode_test/emo/hyp.trn --out pred.txt [--ref decode_test/ref_emotions.txt]
      [--units-json decode_test/units.jsonl] [--weighted]
Writes '<utt_id> <emotion>' per utterance. --units-json supplies the posterior mass used for ties and empty
hypotheses (without it: the fixed order neutral, happy, angry, sad). --weighted adds a posterior-weighted vote
(each unit counts its posterior), reported beside the majority vote. With --ref prints 'WA <percent>',
'UA <percent>', 'macro-F1 <percent>' and the confusion matrix (rows = target, columns = predicted, in the class
order of the data's label set).
"""
import argparse
import sys

from fairseq_emo.decoding.vote import (accuracy_from_confusion, classes_of, confusion, format_confusion, macro_f1,
                                       read_emotions, vote_hypotheses, weighted_votes, write_predictions)
from fairseq_emo.core import interrupt


def report(name, reference, predicted):
    classes = classes_of(reference, predicted)   # the data's label set: the paper's four, or every class seen
    matrix = confusion(reference, predicted, classes)
    acc = accuracy_from_confusion(matrix)
    print(f"{name}WA {acc['WA']:.1f}\n{name}UA {acc['UA']:.1f}\n{name}macro-F1 {macro_f1(matrix):.1f}")
    print(format_confusion(matrix, classes))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hyp", required=True, help="hypothesis trn WITH emotion suffixes")
    parser.add_argument("--out", required=True, help="predictions '<utt_id> <emotion>'")
    parser.add_argument("--ref", help="reference emotions '<utt_id> <emotion>'")
    parser.add_argument("--units-json", help="units.jsonl from decode.py (posteriors for ties/empty hypotheses)")
    parser.add_argument("--weighted", action="store_true", help="also the posterior-weighted vote (needs --units-json)")
    args = parser.parse_args(argv)
    if args.weighted and not args.units_json:
        parser.error("--weighted needs --units-json")
    try:
        results, unsuffixed = vote_hypotheses(args.hyp, args.units_json)
        predicted = {u: r.emotion for u, r in results.items()}
        if unsuffixed:
            print(f"note: {unsuffixed} hypothesis token(s) carry no emotion suffix and were not counted "
                  f"(is {args.hyp} the trn WITH emotion?)", file=sys.stderr)
        reference = read_emotions(args.ref) if args.ref else None
        if reference is not None:
            confusion(reference, predicted)  # every reference id predicted, before anything is written
        write_predictions(args.out, predicted)
        if reference is not None:
            report("", reference, predicted)
            fallback = {rule: sum(1 for r in results.values() if r.rule == rule) for rule in ("tie", "empty")}
            print(f"decided by fallback: {fallback['tie']} tie(s), {fallback['empty']} empty hypothesis(es) "
                  f"of {len(results)}")
            if args.weighted:
                weighted = weighted_votes(args.units_json, list(results))
                print("posterior-weighted vote:")
                report("weighted ", reference, weighted)
                write_predictions(args.out + ".weighted", weighted)
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
