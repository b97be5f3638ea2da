"""Unit types, selectable by name: an utterance (words, phones, emotion) -> emotion-suffixed unit tokens.

Each unit type lives in its own module (phoneme, bpc, syllable, initfinal); this module only dispatches by name,
adds the emotion suffix (units/suffix.py) and owns the non-speech rule.

Non-speech rule: an utterance whose transcript has no words (IEMOCAP has 31 marker-only ones, e.g.
"[LAUGHTER]", in the 4-class set) keeps its emotion and gets one unit NSN_<emo> (non-speech) for the
phonetic unit types. Reason: the audio still carries emotion (laughter, sighs), CTC needs a target to learn
it, and an empty target would give the vote nothing to count. The utterance unit is unaffected.
phoneme, bpc and syllable units need English (ARPAbet) phones; initfinal needs Mandarin pinyin phones
(fairseq_emo/pinyin.py); utterance and pooled need no transcript at all.
"""
from dataclasses import dataclass
from typing import List, Sequence

from fairseq_emo.units.bpc import DEFAULT_BPC_SET, bpc_mapping, bpc_units
from fairseq_emo.units.initfinal import INITIALS, initfinal_units
from fairseq_emo.units.phoneme import PHONES, phoneme_units
from fairseq_emo.units.suffix import DELIMITER, add_emotion, check_body
from fairseq_emo.units.syllable import SYLLABIFIERS, phonetic_syllable_units, pyphen_syllable_units

UNIT_TYPES = ("phoneme", "bpc", "syllable", "utterance", "pooled", "initfinal")
NONSPEECH_BODY = "NSN"
UTTERANCE_BODY = "UTT"
# Unit types labelled by one UTT_<emo> token per utterance: the paper's utterance unit (CTC on that token) and the
# same-backbone classifier `pooled` (cross-entropy on the mean-pooled encoder output: fairseq_emo/pooled.py). They
# share labels and dictionary; the objective is the fine-tune's criterion (scripts/run_folds.sh sets it).
WHOLE_UTTERANCE = ("utterance", "pooled")


@dataclass(frozen=True)
class UnitSpec:
    """Which units to make: type plus its options (BPC set, syllabifier)."""
    unit: str
    bpc_set: str = DEFAULT_BPC_SET
    syllabifier: str = "phonetic"

    def __post_init__(self):
        if self.unit not in UNIT_TYPES:
            raise ValueError(f"unknown unit type {self.unit!r}; choose one of {', '.join(UNIT_TYPES)}")
        bpc_mapping(self.bpc_set)   # an unknown name, or a user-defined file that does not validate, stops here
        if self.syllabifier not in SYLLABIFIERS:
            raise ValueError(f"unknown syllabifier {self.syllabifier!r}; choose one of {', '.join(SYLLABIFIERS)}")

    @property
    def variant(self) -> str:
        """Directory-safe name of type + non-default options: 'bpc', 'bpc-cv2', 'syllable-pyphen'."""
        if self.unit == "bpc" and self.bpc_set != DEFAULT_BPC_SET:
            return f"bpc-{self.bpc_set}"
        if self.unit == "syllable" and self.syllabifier != "phonetic":
            return f"syllable-{self.syllabifier}"
        return self.unit

    @classmethod
    def from_variant(cls, name: str) -> "UnitSpec":
        """The inverse of .variant: 'bpc' -> default BPC set, 'bpc-cv2', 'syllable-pyphen'. Directory and unit
        names downstream (manifests, exp dirs) are variants, so a variant name must be the canonical one."""
        unit, _, option = name.partition("-")
        if unit == "bpc" and option:
            spec = cls(unit, bpc_set=option)
        elif unit == "syllable" and option:
            spec = cls(unit, syllabifier=option)
        elif option:
            raise ValueError(f"unit {name!r}: only bpc-<set> and syllable-<syllabifier> variants exist")
        else:
            spec = cls(unit)
        if spec.variant != name:
            raise ValueError(f"unit {name!r} is the default variant: write {spec.variant!r}")
        return spec

    def inventory(self) -> List[str]:
        """Unit bodies known without looking at data (phoneme and BPC sets); syllables are open-ended."""
        if self.unit == "phoneme":
            return list(PHONES) + [NONSPEECH_BODY]
        if self.unit == "bpc":
            return sorted(set(bpc_mapping(self.bpc_set).values())) + [NONSPEECH_BODY]
        if self.unit in WHOLE_UTTERANCE:
            return [UTTERANCE_BODY]
        if self.unit == "initfinal":
            return list(INITIALS) + [NONSPEECH_BODY]
        return [NONSPEECH_BODY]


def unit_bodies(spec: UnitSpec, words: Sequence[str], word_phones: Sequence[Sequence[str]]) -> List[str]:
    """An utterance's words and phones-per-word -> unit bodies without emotion."""
    if spec.unit in WHOLE_UTTERANCE:
        return [UTTERANCE_BODY]
    if not words:
        return [NONSPEECH_BODY]
    if not any(word_phones) and not (spec.unit == "syllable" and spec.syllabifier == "pyphen"):
        # words without phones (a language with no G2P here, e.g. EmoDB's German texts) must not pass as
        # non-speech: that would train every such utterance on one NSN unit, silently
        raise ValueError(f"{len(words)} word(s) but no phones")
    if spec.unit == "phoneme":
        bodies = phoneme_units(word_phones)
    elif spec.unit == "bpc":
        bodies = bpc_units(phoneme_units(word_phones), spec.bpc_set)
    elif spec.unit == "initfinal":
        bodies = initfinal_units(word_phones)
    elif spec.syllabifier == "pyphen":
        bodies = pyphen_syllable_units(words)
    else:
        bodies = phonetic_syllable_units(word_phones)
    return bodies or [NONSPEECH_BODY]


def emotion_units(spec: UnitSpec, words: Sequence[str], word_phones: Sequence[Sequence[str]], emotion: str,
                  delimiter: str = DELIMITER) -> List[str]:
    """Unit tokens with the emotion suffix: ['HH_hap', 'AH_hap', ...]."""
    return [add_emotion(check_body(b, delimiter), emotion, delimiter)
            for b in unit_bodies(spec, words, word_phones)]
