"""Emotion per unit: which units carry the emotion. units.jsonl lines (reference units with their emotion suffix,
decoded units) -> for each reference unit body, the decoded units aligned to it (sclite's alignment of the
bodies, scoring.alignment: matches and substitutions) and how many of those carry the utterance's true emotion;
the same per emotion and per class of units (vowels, consonants: decision_rules.vowel_test).

The paper motivates phonetic units by consonant and vowel regions carrying different emotion information; this
measures it on a model's own decodes. Shares come with the counts behind them and two 95 % intervals: `ci`, by
bootstrap over the test speakers (stats.speaker_bootstrap_shares: a speaker's units are not independent of each
other, so this is the interval to read; with one test speaker there is nothing to resample and `ci` is the Wilson
interval), and `wilson`, which treats every unit as independent (narrower). Bodies seen fewer than MIN_COUNT
times are left out of the top and bottom lists (not of the table). Not defined for utterance/pooled units (one
token) and test-only sets (no reference units).
"""
import math
from typing import Dict, List, Optional, Sequence

from fairseq_emo.core.emotions import label_set
from fairseq_emo.decoding.scoring import alignment
from fairseq_emo.evaluation.decision_rules import vowel_test
from fairseq_emo.units import unit_type, WHOLE_UTTERANCE
from fairseq_emo.units.suffix import split_token

MIN_COUNT = 10
TOP = 5


def wilson(k: int, n: int) -> List[float]:
    """95 % Wilson score interval of k successes in n, in %."""
    if n == 0:
        return [0.0, 0.0]
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1)]


def _share(k: int, n: int, ci: Optional[List[float]] = None) -> Dict:
    return {"n": n, "true": k, "share": round(100 * k / n, 1) if n else None, "ci": ci or wilson(k, n),
            "wilson": wilson(k, n)}


def unit_emotion(lines: Sequence[Dict], variant: str, classes: Optional[Dict[str, List[str]]] = None) -> Optional[Dict]:
    """-> {bodies: {body: share}, emotions: {emo: share}, classes: {vowel|consonant: {emo|all: share}},
    top: [...], bottom: [...]} or None (no reference units, or utterance/pooled units)."""

    if unit_type(variant) in WHOLE_UTTERANCE or not any(line.get("ref") for line in lines):
        return None
    is_vowel = vowel_test(variant, classes)   # the BPC classes the fold recorded, not today's set file
    body_counts: Dict[str, List[int]] = {}
    emotions = label_set(line["ref_emotion"] for line in lines)   # the run's label set, from its references
    body_emotion_counts: Dict[str, Dict[str, List[int]]] = {e: {} for e in emotions}
    emotion_counts = {e: [0, 0] for e in emotions}
    class_counts = {c: {e: [0, 0] for e in emotions + ("all",)} for c in ("vowel", "consonant")}
    by_speaker: Dict[str, Dict[str, List[int]]] = {}   # the same counts per test speaker, for the bootstrap
    for line in lines:
        mine = by_speaker.setdefault(line["speaker"], {})
        ref = [split_token(t) for t in line["ref"]]
        hyp = [split_token(u["unit"]) for u in line["units"]]
        true = line["ref_emotion"]
        for i, j in alignment([b for b, _ in ref], [b for b, _ in hyp]):
            if i is None or j is None:
                continue
            body, carries = ref[i][0], int(hyp[j][1] == true)
            keys = [f"body {body}", f"emotion {true}", "all"]
            for counts in (body_counts.setdefault(body, [0, 0]), emotion_counts[true],
                           body_emotion_counts[true].setdefault(body, [0, 0])):
                counts[0] += carries
                counts[1] += 1
            kind = is_vowel(body) if is_vowel else None
            if kind is not None:
                cls = "vowel" if kind else "consonant"
                for key in (true, "all"):
                    class_counts[cls][key][0] += carries
                    class_counts[cls][key][1] += 1
                    keys.append(f"class {cls} {key}")
            for key in keys:
                counts = mine.setdefault(key, [0, 0])
                counts[0] += carries
                counts[1] += 1
    # scipy (stats.py): only for the intervals, so reading units.jsonl stays light
    from fairseq_emo.evaluation.stats import BOOTSTRAP_RESAMPLES, speaker_bootstrap_shares

    speakers = sorted(s for s, per in by_speaker.items() if per)
    boot = speaker_bootstrap_shares({s: by_speaker[s] for s in speakers}) if len(speakers) > 1 else {}
    bodies = {b: _share(k, n, boot.get(f"body {b}")) for b, (k, n) in sorted(body_counts.items())}
    frequent = sorted((b for b, s in bodies.items() if s["n"] >= MIN_COUNT), key=lambda b: -bodies[b]["share"])
    overall = [sum(emotion_counts[e][0] for e in emotions), sum(emotion_counts[e][1] for e in emotions)]
    def ranked(counts: Dict[str, List[int]]) -> List[str]:
        kept = [b for b, (_, n) in counts.items() if n >= MIN_COUNT]
        return sorted(kept, key=lambda b: (-counts[b][0] / counts[b][1], b))
    by_emotion = {e: ranked(body_emotion_counts[e]) for e in emotions}
    per_emotion = {e: {"top": [[b, _share(*body_emotion_counts[e][b])["share"], body_emotion_counts[e][b][1]]
                               for b in r[:TOP]],
                       "bottom": [[b, _share(*body_emotion_counts[e][b])["share"], body_emotion_counts[e][b][1]]
                                  for b in r[-TOP:][::-1]]} for e, r in by_emotion.items()}
    interval = (f"bootstrap over the {len(speakers)} test speakers ({BOOTSTRAP_RESAMPLES} resamples, seed 0, "
                f"percentile)" if boot else "Wilson (one test speaker: nothing to resample)")
    return {"bodies": bodies, "emotions": {e: _share(*emotion_counts[e], boot.get(f"emotion {e}")) for e in emotions},
            "all": _share(*overall, boot.get("all")),
            "classes": {c: {e: _share(*v, boot.get(f"class {c} {e}")) for e, v in d.items()}
                        for c, d in class_counts.items()} if is_vowel else None,
            "top": frequent[:TOP], "bottom": frequent[-TOP:][::-1], "min_count": MIN_COUNT, "interval": interval,
            "per_emotion": per_emotion}
