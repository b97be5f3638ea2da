"""Unit types, selectable by name: an utterance (words, phones, emotion) -> emotion-suffixed unit tokens.

Each unit type lives in its own module (phoneme, bpc, syllable, initfinal); this module only dispatches by name,
adds the emotion suffix (units/suffix.py) and owns the non-speech rule.

Non-speech rule: an utterance whose transcript has no words (IEMOCAP has 31 marker-only ones, e.g.
"[LAUGHTER]", in the 4-class set) keeps its emotion and gets one unit NSN_<emo> (non-speech) for the
phonetic unit types. Reason: the audio still carries emotion (laughter, sighs), CTC needs a target to learn
it, and an empty target would give the vote nothing to count. The utterance unit is unaffected.
Phones come in three sets, told apart by their spelling (phone_set): English ARPAbet (CMUdict's G2P), Mandarin
pinyin (pinyin.py) and IPA (ipa_g2p.py: German, Arabic, English with --g2p espeak). phoneme, bpc and syllable
units take any of them: ARPAbet as always (the paper's English units do not change), IPA and pinyin through
units/ipa.py (IPA phones; BPC classes of the same names, defined on IPA features; syllables by maximal onset over
sonority, Mandarin's by its pinyin syllables). initfinal needs pinyin; utterance and pooled need no transcript.
"""
from dataclasses import dataclass
from typing import List, Sequence

from fairseq_emo.units.bpc import bpc_mapping, bpc_units, DEFAULT_BPC_SET
from fairseq_emo.units.initfinal import initfinal_units, INITIALS
from fairseq_emo.units.ipa import arpabet_to_ipa, clean, conventional, ipa_bpc_units, ipa_syllable_units, pinyin_to_ipa
from fairseq_emo.units.phoneme import phoneme_units, PHONES, strip_stress
from fairseq_emo.units.suffix import add_emotion, check_body, DELIMITER, NONSPEECH_BODY, UTTERANCE_BODY
from fairseq_emo.units.syllable import phonetic_syllable_units, pyphen_syllable_units, SYLLABIFIERS

UNIT_TYPES = ("phoneme", "bpc", "syllable", "utterance", "pooled", "initfinal")
# Unit types labelled by one UTT_<emo> token per utterance: the paper's utterance unit (CTC on that token) and the
# same-backbone classifier `pooled` (cross-entropy on the mean-pooled encoder output: fairseq_emo/decoding/pooled.py). They
# share labels and dictionary; the objective is the fine-tune's criterion (scripts/run_folds.sh sets it).
WHOLE_UTTERANCE = ("utterance", "pooled")
# Training recipes of the pooled classifier, beside the units' own (the default): 'light' = a classifier's usual
# fine-tune (light masking, no frozen phase), configs/paper_pooled-light.yaml. The variant name is pooled-<recipe>.
POOLED_RECIPES = ("light",)
# the fairseq criterion that makes a fine-tune the pooled classifier (fairseq_plugin/pooled_criterion.py); here,
# with the unit types, so that the recipe's plan names it without importing torch
POOLED_CRITERION = "emotion_pooled_ce"


def unit_type(variant: str) -> str:
    """A variant name -> its unit type: 'bpc-cv2' -> 'bpc', 'pooled-light' -> 'pooled'. Its option is not
    checked (a recorded run's BPC set file may be gone since): UnitSpec.from_variant checks the whole name."""
    return variant.partition("-")[0]


@dataclass(frozen=True)
class UnitSpec:
    """Which units to make: type plus its options (BPC set, syllabifier)."""
    unit: str
    bpc_set: str = DEFAULT_BPC_SET
    syllabifier: str = "phonetic"
    pooled_recipe: str = ""     # pooled only: '' = the units' recipe, or one of POOLED_RECIPES

    def __post_init__(self):
        if self.unit not in UNIT_TYPES:
            raise ValueError(f"unknown unit type {self.unit!r}; choose one of {', '.join(UNIT_TYPES)}")
        bpc_mapping(self.bpc_set)   # an unknown name, or a user-defined file that does not validate, stops here
        if self.syllabifier not in SYLLABIFIERS:
            raise ValueError(f"unknown syllabifier {self.syllabifier!r}; choose one of {', '.join(SYLLABIFIERS)}")
        if self.pooled_recipe and (self.unit != "pooled" or self.pooled_recipe not in POOLED_RECIPES):
            raise ValueError(f"pooled recipe {self.pooled_recipe!r}: only pooled-<recipe> with a recipe of "
                             f"{', '.join(POOLED_RECIPES)} exists")

    @property
    def variant(self) -> str:
        """Directory-safe name of type + non-default options: 'bpc', 'bpc-cv2', 'syllable-pyphen'."""
        if self.unit == "bpc" and self.bpc_set != DEFAULT_BPC_SET:
            return f"bpc-{self.bpc_set}"
        if self.unit == "syllable" and self.syllabifier != "phonetic":
            return f"syllable-{self.syllabifier}"
        if self.pooled_recipe:
            return f"pooled-{self.pooled_recipe}"
        return self.unit

    @classmethod
    def from_variant(cls, name: str) -> "UnitSpec":
        """The inverse of .variant: 'bpc' -> default BPC set, 'bpc-cv2', 'syllable-pyphen', 'pooled-light'. Directory and unit
        names downstream (manifests, exp dirs) are variants, so a variant name must be the canonical one."""
        unit, option = unit_type(name), name.partition("-")[2]
        if unit == "bpc" and option:
            spec = cls(unit, bpc_set=option)
        elif unit == "syllable" and option:
            spec = cls(unit, syllabifier=option)
        elif unit == "pooled" and option:
            spec = cls(unit, pooled_recipe=option)
        elif option:
            raise ValueError(f"unit {name!r}: only bpc-<set>, syllable-<syllabifier> and pooled-<recipe> variants "
                             f"exist")
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



def phone_set(word_phones: Sequence[Sequence[str]]) -> str:
    """Which set a table's phones are in, from their spelling: ARPAbet is upper-case letters with stress digits
    ('AH0'), pinyin lower-case initials and finals whose tone digit is always written ('ao3'), IPA has neither
    (no digits, no upper-case letters). A mix is an error."""
    kinds = set()
    for p in (p for word in word_phones for p in word):
        if p[:1].isupper():
            kinds.add("arpabet")
        elif p[-1:].isdigit() or (p.isascii() and p.isalpha() and p in INITIALS):
            kinds.add("pinyin?" if not p[-1:].isdigit() else "pinyin")
        else:
            kinds.add("ipa")
    if "pinyin?" in kinds:   # a bare initial-like letter (m, n, l, f, s): pinyin beside finals, IPA otherwise
        kinds.discard("pinyin?")
        kinds.add("pinyin" if "pinyin" in kinds else "ipa")
    if len(kinds) > 1:
        raise ValueError(f"phones mix {' and '.join(sorted(kinds))} spellings")
    return kinds.pop() if kinds else "arpabet"


def ipa_tokens(word_phones: Sequence[Sequence[str]], phones_in: str) -> List[List[str]]:
    """Phones per word in any set -> IPA tokens per word (units/ipa.py), under its cross-language conventions
    (`conventional`: IPA tables are written so by the G2P; tables written before are split here the same way)."""

    if phones_in == "arpabet":
        return [arpabet_to_ipa([strip_stress(p) for p in word]) for word in word_phones]
    if phones_in == "ipa":
        return [conventional([clean(p) for p in word], "") for word in word_phones]
    return [conventional([t for syllable in _ipa_syllables_of_pinyin(word) for t in syllable], "zh")
            for word in word_phones]


def _pinyin_syllables(word: Sequence[str]):
    """['n', 'i3', 'h', 'ao3'] -> [('n', 'i3'), ('h', 'ao3')]; a final alone is a zero-initial syllable."""
    out, initial = [], ""
    for p in word:
        if p in INITIALS:
            initial = p
        else:
            out.append((initial, p))
            initial = ""
    return out


def unit_bodies(spec: UnitSpec, words: Sequence[str], word_phones: Sequence[Sequence[str]]) -> List[str]:
    """An utterance's words and phones-per-word (any phone set) -> unit bodies without emotion."""
    if spec.unit in WHOLE_UTTERANCE:
        return [UTTERANCE_BODY]
    if not words:
        return [NONSPEECH_BODY]
    if not any(word_phones) and not (spec.unit == "syllable" and spec.syllabifier == "pyphen"):
        # words without phones (a language with no G2P here, e.g. EmoDB's German texts) must not pass as
        # non-speech: that would train every such utterance on one NSN unit, silently
        raise ValueError(f"{len(words)} word(s) but no phones")
    phones_in = phone_set(word_phones)
    if spec.unit == "initfinal":
        if phones_in != "pinyin":
            raise ValueError(f"initfinal units need Mandarin pinyin phones, these are {phones_in}")
        bodies = initfinal_units(word_phones)
    elif spec.unit == "syllable" and spec.syllabifier == "pyphen":
        if phones_in != "arpabet":   # pyphen's patterns are en_US: another language's words would be misread
            raise ValueError(f"syllable-pyphen hyphenates English words; these phones are {phones_in}: use the "
                             f"phonetic syllabifier (syllables over IPA)")
        bodies = pyphen_syllable_units(words)
    elif phones_in == "arpabet":   # the paper's English units, exactly as before
        if spec.unit == "phoneme":
            bodies = phoneme_units(word_phones)
        elif spec.unit == "bpc":
            bodies = bpc_units(phoneme_units(word_phones), spec.bpc_set)
        else:
            bodies = phonetic_syllable_units(word_phones)
    else:

        tokens = ipa_tokens(word_phones, phones_in)
        if spec.unit == "phoneme":
            bodies = [t for word in tokens for t in word]
        elif spec.unit == "bpc":
            bodies = ipa_bpc_units([t for word in tokens for t in word], spec.bpc_set)
        elif phones_in == "pinyin":   # a Mandarin syllable is its pinyin syllable
            bodies = ["".join(syllable) for word in word_phones for syllable in _ipa_syllables_of_pinyin(word)]
        else:
            bodies = ipa_syllable_units(tokens)
    return bodies or [NONSPEECH_BODY]


def _ipa_syllables_of_pinyin(word: Sequence[str]) -> List[List[str]]:
    """One word's pinyin phones -> the IPA tokens of each of its syllables."""

    return [pinyin_to_ipa(initial, final) for initial, final in _pinyin_syllables(word)]


def emotion_units(spec: UnitSpec, words: Sequence[str], word_phones: Sequence[Sequence[str]], emotion: str,
                  delimiter: str = DELIMITER) -> List[str]:
    """Unit tokens with the emotion suffix: ['HH_hap', 'AH_hap', ...]."""
    return [add_emotion(check_body(b, delimiter), emotion, delimiter)
            for b in unit_bodies(spec, words, word_phones)]
