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


def posterior_weighted_vote(unit_emotions: Sequence[str], unit_posteriors: Sequence[float],
                            emotion_mass: Optional[Mapping[str, float]] = None) -> str:
    """Each unit counts its posterior instead of 1; no units: the posterior mass decides, as in vote()."""
    weights = {e: 0.0 for e in EMOTIONS}
    for emo, posterior in zip(unit_emotions, unit_posteriors):
        if emo in weights:
            weights[emo] += posterior
    if not any(weights.values()):
        return vote([], emotion_mass)
    return max(EMOTIONS, key=lambda e: weights[e])


def weighted_and_unweighted_accuracy(correct: Mapping[str, float], total: Mapping[str, float]) -> Dict[str, float]:
    """Per-class correct/total counts -> {'WA': %, 'UA': %}; UA averages the classes present in the reference."""
    n = sum(total.get(e, 0) for e in EMOTIONS)
    present = [e for e in EMOTIONS if total.get(e, 0) > 0]
    wa = 100.0 * sum(correct.get(e, 0) for e in EMOTIONS) / n if n else float("nan")
    ua = 100.0 * sum(correct.get(e, 0) / total[e] for e in present) / len(present) if present else float("nan")
    return {"WA": wa, "UA": ua}


def read_emotions(path: str) -> Dict[str, str]:
    """'<utt_id> <emotion>' lines -> {utt_id: emotion}; errors name file and line."""
    out: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1] not in EMOTIONS:
                raise ValueError(f"{path}:{lineno}: expected '<utt_id> <emotion>' with emotion in "
                                 f"{', '.join(EMOTIONS)}, got {line.strip()!r}")
            if parts[0] in out:
                raise ValueError(f"{path}:{lineno}: utterance {parts[0]} appears twice")
            out[parts[0]] = parts[1]
    return out


def confusion(reference: Mapping[str, str], predicted: Mapping[str, str]):
    """Rows = target, columns = predicted, both in EMOTIONS order; every reference id must be predicted."""
    missing = [u for u in reference if u not in predicted]
    if missing:
        raise ValueError(f"{len(missing)} reference utterance(s) have no prediction, e.g. {missing[:3]}")
    matrix = [[0] * len(EMOTIONS) for _ in EMOTIONS]
    for utt, target in reference.items():
        matrix[EMOTIONS.index(target)][EMOTIONS.index(predicted[utt])] += 1
    return matrix


def accuracy_from_confusion(matrix) -> Dict[str, float]:
    correct = {e: matrix[i][i] for i, e in enumerate(EMOTIONS)}
    total = {e: sum(matrix[i]) for i, e in enumerate(EMOTIONS)}
    return weighted_and_unweighted_accuracy(correct, total)


def format_confusion(matrix) -> str:
    from fairseq_emo.emotions import EMOTION_NAMES

    names = [EMOTION_NAMES[e] for e in EMOTIONS]
    lines = ["target \\ predicted " + " ".join(f"{n:>8s}" for n in names)]
    for name, row in zip(names, matrix):
        lines.append(f"{name:19s}" + " ".join(f"{v:8d}" for v in row))
    return "\n".join(lines)
