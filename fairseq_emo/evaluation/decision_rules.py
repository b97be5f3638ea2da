"""Other ways to decide an utterance's emotion from the same decodes, no retraining: units.jsonl lines -> one
emotion per utterance per rule, so the paper's majority vote can be read against alternatives.

Rules (each falls back to the posterior mass when it has no unit to count, as the vote does):
- `majority`: the paper's vote (vote.vote: most units; ties by posterior mass, then the class order (emotions.CLASSES)). Headline.
- `posterior_mass`: the emotion with the most posterior mass summed over frames (what decides empty hypotheses).
- `posterior_weighted`: each unit counts its mean posterior instead of 1 (vote.posterior_weighted_vote).
- `duration`: each unit counts its duration (end - start): long vowels weigh more than short stops.
- `vowels_only` / `consonants_only`: the majority over vowel units only, or consonant units only (phonemes:
  ARPAbet vowels; BPC: the classes made of vowels only; initials/finals: finals vs initials). The paper motivates
  phonetic units by consonant and vowel regions carrying different emotion information: this is that claim
  measured on its own decodes. Not defined for syllables and utterance units (they are not one or the other).
- `ctc_likelihood`: the emotion whose emotion-suffixed reference sequence (utterance units: the one token) has the
  highest CTC log-likelihood under the model (ctc_score.py, computed by decode.py into units.jsonl). It reads the
  whole posterior matrix, so it decides every utterance; an utterance none of whose four sequences could be scored
  falls back to the posterior mass. It needs reference units: a run decoded without them has no such rule.
"""
from typing import Callable, Dict, List, Optional, Sequence

from fairseq_emo.core.emotions import CLASSES
from fairseq_emo.decoding.vote import posterior_weighted_vote, vote
from fairseq_emo.units import NONSPEECH_BODY, unit_type, UnitSpec
from fairseq_emo.units.bpc import bpc_mapping
from fairseq_emo.units.initfinal import INITIALS
from fairseq_emo.units.phoneme import VOWELS
from fairseq_emo.units.suffix import split_token

RULES = ("majority", "posterior_mass", "posterior_weighted", "duration", "vowels_only", "consonants_only",
         "ctc_likelihood")
SEGMENT_RULES = ("vowels_only", "consonants_only")


def vowel_test(variant: str, classes: Optional[Dict[str, List[str]]] = None
               ) -> Optional[Callable[[str], Optional[bool]]]:
    """A unit variant -> body -> True (a vowel), False (a consonant), None (the non-speech unit); None when the
    unit type has no vowel/consonant split (syllables, utterance units). `classes`: a BPC set's definition as the
    fold recorded it (fold.json's bpc_classes), which decides over the set file's current contents: a file edited
    after training must not change an old run's rules."""

    # a recorded definition needs no set file (it may be gone); otherwise the variant names a known set
    spec = UnitSpec("bpc") if classes and unit_type(variant) == "bpc" else UnitSpec.from_variant(variant)
    if spec.unit == "phoneme":
        vowels = VOWELS
    elif spec.unit == "bpc":
        mapping = ({p: c for c, phones in classes.items() for p in phones} if classes
                   else bpc_mapping(spec.bpc_set))
        vowels = {c for c in set(mapping.values()) if all(p in VOWELS for p, cls in mapping.items() if cls == c)}
    elif spec.unit == "initfinal":   # an initial is a consonant, a final carries the vowel
        return lambda body: None if body == NONSPEECH_BODY else body not in INITIALS
    else:
        return None
    return lambda body: None if body == NONSPEECH_BODY else body in vowels


def decide(line: Dict, rule: str, is_vowel: Optional[Callable[[str], Optional[bool]]] = None) -> str:
    """One units.jsonl line -> the emotion the rule gives."""
    units = [(*split_token(u["unit"]), u) for u in line["units"]]
    units = [(body, emo, u) for body, emo, u in units if emo in CLASSES]
    mass = line["emotion_mass"]
    if rule == "majority":
        return vote([emo for _, emo, _ in units], mass)
    if rule == "posterior_mass":
        return vote([], mass)
    if rule == "posterior_weighted":
        return posterior_weighted_vote([emo for _, emo, _ in units], [u["posterior"] for _, _, u in units], mass)
    if rule == "duration":
        weights = {e: 0.0 for e in CLASSES}
        for _, emo, u in units:
            weights[emo] += u["end"] - u["start"]
        return max(CLASSES, key=lambda e: weights[e]) if any(weights.values()) else vote([], mass)
    if rule in SEGMENT_RULES:
        if is_vowel is None:
            raise ValueError(f"rule {rule} needs a unit type with vowels and consonants")
        want = rule == "vowels_only"
        return vote([emo for body, emo, _ in units if is_vowel(body) is want], mass)
    if rule == "ctc_likelihood":
        scores = line.get("ctc_scores")
        if scores is None:
            raise ValueError(f"utterance {line['utt_id']}: no ctc_scores in its units.jsonl line (decoded before "
                             f"they were written, or without reference units): decode it again")
        if not scores:
            return vote([], mass)
        order = list(CLASSES)
        return max(order, key=lambda e: (scores.get(e, float("-inf")), -order.index(e)))
    raise ValueError(f"unknown decision rule {rule!r}; rules: {', '.join(RULES)}")


def decide_all(lines: Sequence[Dict], variant: str, classes: Optional[Dict[str, List[str]]] = None
               ) -> Dict[str, Dict[str, str]]:
    """units.jsonl lines of a run -> {rule: {utt_id: emotion}} for every rule the unit type allows (`classes`: the
    recorded BPC definition, vowel_test)."""
    is_vowel = vowel_test(variant, classes)
    rules: List[str] = [r for r in RULES if (is_vowel is not None or r not in SEGMENT_RULES)
                        and (r != "ctc_likelihood" or all("ctc_scores" in line for line in lines))]
    return {rule: {line["utt_id"]: decide(line, rule, is_vowel) for line in lines} for rule in rules}
