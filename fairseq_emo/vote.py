"""The vote: the emotions of an utterance's decoded units -> one emotion for the utterance.

Rules (tested; README "The vote"):
1. majority: the emotion carried by most decoded units wins;
2. a tie is broken by the summed posterior mass of the tied emotions (when known), then by the fixed order
   of EMOTIONS (neu, hap, ang, sad);
3. an empty hypothesis (the model emitted only blanks) is decided by the posterior mass alone; without it,
   by the fixed order (neu first: the largest class of IEMOCAP's 4-class set).
Input: a list of emotion codes (and optionally {emotion: mass}). Output: one emotion code.
Also: WA (overall accuracy) and UA (mean per-class recall) from per-class counts.
"""
from collections import Counter
from typing import Dict, Mapping, Optional, Sequence

from fairseq_emo.emotions import EMOTIONS


def vote(unit_emotions: Sequence[str], emotion_mass: Optional[Mapping[str, float]] = None) -> str:
    """['hap', 'hap', 'neu'] -> 'hap'."""
    mass = emotion_mass or {}
    counts = Counter(e for e in unit_emotions if e in EMOTIONS)
    if counts:
        best = max(counts.values())
        candidates = [e for e in EMOTIONS if counts[e] == best]
    else:
        candidates = list(EMOTIONS)
    # max() keeps the first of equal keys, so EMOTIONS order is the last tie-break.
    return max(candidates, key=lambda e: mass.get(e, 0.0))


def weighted_and_unweighted_accuracy(correct: Mapping[str, float], total: Mapping[str, float]) -> Dict[str, float]:
    """Per-class correct/total counts -> {'WA': %, 'UA': %}; UA averages the classes present in the reference."""
    n = sum(total.get(e, 0) for e in EMOTIONS)
    present = [e for e in EMOTIONS if total.get(e, 0) > 0]
    wa = 100.0 * sum(correct.get(e, 0) for e in EMOTIONS) / n if n else float("nan")
    ua = 100.0 * sum(correct.get(e, 0) / total[e] for e in present) / len(present) if present else float("nan")
    return {"WA": wa, "UA": ua}
