"""The vote: the emotions of an utterance's decoded units -> one emotion for the utterance.

Rules (tested; docs/recipe.md "The vote"; RULE_TEXT says them in the reports, so change both together):
1. majority: the emotion carried by most decoded units wins;
2. a tie is broken by the summed posterior mass of the tied emotions (when known), then by the fixed class
   order (emotions.CLASSES: neu, hap, ang, sad, then the other classes);
3. an empty hypothesis (the model emitted only blanks) is decided by the posterior mass alone; without it,
   by the fixed order (neu first: the largest class of IEMOCAP's 4-class set).
Input: a list of emotion codes (and optionally {emotion: mass}, whose keys are the model's label set). Output: one
emotion code. Any label set works: the classes come from the data (emotions.label_set), never from a constant.
`vote_with_rule` also says which rule decided ('majority', 'tie', 'empty'), and `strict_majority` is the pure
majority rule (no winner on a tie or an empty hypothesis: such an utterance counts as wrong), which the report
shows beside the main figure so that a model emitting nothing cannot hide behind the fallbacks.
`vote_hypotheses`: a decoded trn file (+ units.jsonl posteriors) -> one VoteResult per utterance;
`weighted_votes`: the posterior-weighted variant from units.jsonl; `write_predictions`: pred.txt.
Also: WA (overall accuracy), UA (mean per-class recall) and macro-F1 from per-class counts or a confusion matrix.
"""
import json
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Tuple

from fairseq_emo.core.atomic import write_text
from fairseq_emo.core.emotions import CLASSES, EMOTION_NAMES, EMOTIONS, label_set
from fairseq_emo.decoding.trn import read_trn, utt_of
from fairseq_emo.units.suffix import split_token

RULES = ("majority", "tie", "empty")  # which rule decided an utterance
NO_WINNER = "none"  # strict majority without a winner
# The rules in one sentence each, for the reports (results.json carries them with the numbers they produced).
RULE_TEXT = ("majority vote of the decoded units (ties: posterior mass, then "
             + " > ".join(EMOTION_NAMES[e] for e in EMOTIONS) + "; empty hypotheses: posterior mass)")


def rule_text(classes=EMOTIONS) -> str:
    """RULE_TEXT for a label set (the four-class text is RULE_TEXT, unchanged)."""
    return RULE_TEXT.replace(" > ".join(EMOTION_NAMES[e] for e in EMOTIONS),
                             " > ".join(EMOTION_NAMES[e] for e in classes))
STRICT_TEXT = ("strict majority: only a unique majority counts; an utterance whose units tie, or whose hypothesis "
               "is empty, is wrong")


@dataclass
class VoteResult:
    emotion: str        # the vote (rules 1-3)
    rule: str           # 'majority' (a unique winner), 'tie' (broken by mass/order), 'empty' (no units)
    strict: str         # the pure majority rule: the unique winner, or NO_WINNER
    n_units: int        # emotion-suffixed units counted


def vote(unit_emotions: Sequence[str], emotion_mass: Optional[Mapping[str, float]] = None) -> str:
    """['hap', 'hap', 'neu'] -> 'hap'."""
    mass = emotion_mass or {}
    counts = Counter(e for e in unit_emotions if e in CLASSES)
    if counts:
        best = max(counts.values())
        candidates = [e for e in CLASSES if counts[e] == best]
    else:   # nothing decoded: the model's classes (the keys of its mass), else the paper's four
        candidates = list(label_set(mass)) if mass else list(EMOTIONS)
    # max() keeps the first of equal keys, so the class order is the last tie-break.
    return max(candidates, key=lambda e: mass.get(e, 0.0))


def vote_with_rule(unit_emotions: Sequence[str],
                   emotion_mass: Optional[Mapping[str, float]] = None) -> Tuple[str, str]:
    """-> (the vote, the rule that decided it)."""
    counts = Counter(e for e in unit_emotions if e in CLASSES)
    if not counts:
        return vote(unit_emotions, emotion_mass), "empty"
    best = max(counts.values())
    rule = "majority" if sum(1 for v in counts.values() if v == best) == 1 else "tie"
    return vote(unit_emotions, emotion_mass), rule


def strict_majority(unit_emotions: Sequence[str]) -> str:
    """The emotion of strictly the most units, else NO_WINNER (tie or empty)."""
    emotion, rule = vote_with_rule(unit_emotions)
    return emotion if rule == "majority" else NO_WINNER


def vote_hypotheses(hyp_trn: str, units_jsonl: Optional[str] = None) -> Tuple[Dict[str, VoteResult], int]:
    """A trn WITH emotion suffixes (+ decode.py's units.jsonl for posterior mass) -> ({utt_id: VoteResult},
    number of hypothesis tokens without an emotion suffix, which are not counted)."""

    mass: Dict[str, Mapping[str, float]] = {}
    if units_jsonl:
        with open(units_jsonl, encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                try:
                    record = json.loads(line)
                    mass[record["utt_id"]] = record.get("emotion_mass")
                except (json.JSONDecodeError, KeyError) as err:
                    raise ValueError(f"{units_jsonl}:{lineno}: not a decode.py units record ({err})") from None
    results, unsuffixed = {}, 0
    for ident, tokens in read_trn(hyp_trn).items():
        emotions = [split_token(t)[1] for t in tokens]
        unsuffixed += sum(1 for e in emotions if e is None)
        counted = [e for e in emotions if e]
        utt = utt_of(ident)
        emotion, rule = vote_with_rule(counted, mass.get(utt))
        results[utt] = VoteResult(emotion, rule, emotion if rule == "majority" else NO_WINNER, len(counted))
    return results, unsuffixed


def posterior_weighted_vote(unit_emotions: Sequence[str], unit_posteriors: Sequence[float],
                            emotion_mass: Optional[Mapping[str, float]] = None) -> str:
    """Each unit counts its posterior instead of 1; no units: the posterior mass decides, as in vote()."""
    weights = {e: 0.0 for e in CLASSES}
    for emo, posterior in zip(unit_emotions, unit_posteriors):
        if emo in weights:
            weights[emo] += posterior
    if not any(weights.values()):
        return vote([], emotion_mass)
    return max(CLASSES, key=lambda e: weights[e])


def weighted_votes(units_jsonl: str, utterances: Sequence[str]) -> Dict[str, str]:
    """decode.py's units.jsonl -> {utt_id: posterior-weighted vote} for the given utterances (every one must
    have a record; the error names the file)."""

    with open(units_jsonl, encoding="utf-8") as f:
        details = {r["utt_id"]: r for r in map(json.loads, f)}
    missing = [u for u in utterances if u not in details]
    if missing:
        raise KeyError(f"{units_jsonl} has no record of {len(missing)} voted utterance(s), e.g. {missing[0]}")
    return {u: posterior_weighted_vote([split_token(x["unit"])[1] for x in details[u]["units"]],
                                       [x["posterior"] for x in details[u]["units"]], details[u]["emotion_mass"])
            for u in utterances}


def write_predictions(path: str, predicted: Mapping[str, str]) -> None:
    """{utt_id: emotion} -> '<utt_id> <emotion>' lines (pred.txt), written atomically."""
    write_text(path, "".join(f"{u} {e}\n" for u, e in predicted.items()))


def weighted_and_unweighted_accuracy(correct: Mapping[str, float], total: Mapping[str, float]) -> Dict[str, float]:
    """Per-class correct/total counts -> {'WA': %, 'UA': %}; UA averages the classes present in the reference."""
    n = sum(total.get(e, 0) for e in CLASSES)
    present = [e for e in CLASSES if total.get(e, 0) > 0]
    wa = 100.0 * sum(correct.get(e, 0) for e in CLASSES) / n if n else float("nan")
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
            if len(parts) != 2 or parts[1] not in CLASSES:
                raise ValueError(f"{path}:{lineno}: expected '<utt_id> <emotion>' with emotion a class code "
                                 f"({', '.join(CLASSES)}), got {line.strip()!r}")
            if parts[0] in out:
                raise ValueError(f"{path}:{lineno}: utterance {parts[0]} appears twice")
            out[parts[0]] = parts[1]
    return out


def classes_of(*labellings: Mapping[str, str]) -> Tuple[str, ...]:
    """{utt: emotion} mappings (reference, predictions) -> their label set (emotions.label_set): the rows and
    columns of their confusion matrix."""
    return label_set(e for labels in labellings for e in labels.values() if e != NO_WINNER)


def confusion(reference: Mapping[str, str], predicted: Mapping[str, str], classes: Optional[Sequence[str]] = None):
    """Rows = target, columns = predicted, both in `classes` order (default classes_of(reference, predicted): the
    paper's four for four-class data); every reference id must be predicted.
    A prediction of NO_WINNER (strict majority) is counted in no column: it is wrong for every class."""
    missing = [u for u in reference if u not in predicted]
    if missing:
        raise ValueError(f"{len(missing)} reference utterance(s) have no prediction, e.g. {missing[:3]}")
    classes = list(classes or classes_of(reference, predicted))
    matrix = [[0] * len(classes) for _ in classes]
    for utt, target in reference.items():
        if predicted[utt] != NO_WINNER:
            matrix[classes.index(target)][classes.index(predicted[utt])] += 1
    return matrix


def accuracy(reference: Mapping[str, str], predicted: Mapping[str, str]) -> Dict[str, float]:
    """{'WA': %, 'UA': %} over the reference utterances (NO_WINNER predictions count as wrong)."""
    correct = Counter(e for u, e in reference.items() if predicted[u] == e)
    total = Counter(reference.values())
    return weighted_and_unweighted_accuracy(correct, total)


def accuracy_from_confusion(matrix) -> Dict[str, float]:
    """A square confusion matrix (any label set) -> {'WA': %, 'UA': %}."""
    correct = {i: matrix[i][i] for i in range(len(matrix))}
    total = {i: sum(matrix[i]) for i in range(len(matrix))}
    n = sum(total.values())
    present = [i for i in total if total[i] > 0]
    return {"WA": 100.0 * sum(correct.values()) / n if n else float("nan"),
            "UA": 100.0 * sum(correct[i] / total[i] for i in present) / len(present) if present else float("nan")}


def macro_f1(matrix) -> float:
    """A square confusion matrix -> macro-F1 % over the classes present in the reference (a class never
    predicted has F1 0; as UA, classes absent from the reference are left out)."""
    scores = []
    for i, row in enumerate(matrix):
        if sum(row) == 0:
            continue
        predicted = sum(r[i] for r in matrix)
        precision = matrix[i][i] / predicted if predicted else 0.0
        recall = matrix[i][i] / sum(row)
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return 100.0 * sum(scores) / len(scores) if scores else float("nan")


def format_confusion(matrix, classes: Sequence[str] = EMOTIONS) -> str:
    names = [EMOTION_NAMES[e] for e in classes]
    lines = ["target \\ predicted " + " ".join(f"{n:>8s}" for n in names)]
    for name, row in zip(names, matrix):
        lines.append(f"{name:19s}" + " ".join(f"{v:8d}" for v in row))
    return "\n".join(lines)
