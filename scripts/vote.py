#!/usr/bin/env python3
"""Majority vote of decoded units into one emotion per utterance (rules: fairseq_emo/vote.py).

  python scripts/vote.py --hyp decode_test/emo/hyp.trn --out pred.txt [--ref decode_test/ref_emotions.txt]
      [--units-json decode_test/units.jsonl] [--weighted]
Writes '<utt_id> <emotion>' per utterance. --units-json supplies the posterior mass used for ties and empty
hypotheses (without it: the fixed order neutral, happy, angry, sad). --weighted adds a posterior-weighted vote
(each unit counts its posterior), reported beside the majority vote. With --ref prints 'WA <percent>',
'UA <percent>' and the confusion matrix (rows = target, columns = predicted).
"""
import argparse
import json
import os
import sys

from fairseq_emo.units.suffix import split_token
from fairseq_emo.vote import (accuracy_from_confusion, confusion, format_confusion, posterior_weighted_vote,
                              read_emotions, vote_hypotheses)


def report(name, reference, predicted):
    matrix = confusion(reference, predicted)
    acc = accuracy_from_confusion(matrix)
    print(f"{name}WA {acc['WA']:.1f}\n{name}UA {acc['UA']:.1f}")
    print(format_confusion(matrix))


def _write(path, predicted):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        f.writelines(f"{u} {e}\n" for u, e in predicted.items())
    os.replace(tmp, path)


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
        _write(args.out, predicted)
        if reference is not None:
            report("", reference, predicted)
            fallback = {rule: sum(1 for r in results.values() if r.rule == rule) for rule in ("tie", "empty")}
            print(f"decided by fallback: {fallback['tie']} tie(s), {fallback['empty']} empty hypothesis(es) "
                  f"of {len(results)}")
            if args.weighted:
                with open(args.units_json, encoding="utf-8") as f:
                    details = {r["utt_id"]: r for r in map(json.loads, f)}
                weighted = {u: posterior_weighted_vote([split_token(x["unit"])[1] for x in details[u]["units"]],
                                                       [x["posterior"] for x in details[u]["units"]],
                                                       details[u]["emotion_mass"]) for u in results}
                print("posterior-weighted vote:")
                report("weighted ", reference, weighted)
                _write(args.out + ".weighted", weighted)
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
