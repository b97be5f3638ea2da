"""Broad phonetic class units: named mappings from the 39 ARPAbet phones to classes.

Input: stress-free phones. Output: class names (unit bodies), one per phone.
The paper found BPCs best but left the optimal set open; these sets make that a sweep (`--bpc-set NAME`,
listed by `scripts/make_manifests.py --list-bpc-sets`). Every set covers all 39 phones (checked at import).
"""
from typing import Dict, List, Sequence

from fairseq_emo.units.phoneme import PHONES

_VOWELS = "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW"
_STOPS, _FRICATIVES, _AFFRICATES = "B D G K P T", "DH F HH S SH TH V Z ZH", "CH JH"
_NASALS, _APPROXIMANTS = "M N NG", "L R W Y"


def _classes(**members: str) -> Dict[str, str]:
    return {phone: name for name, phones in members.items() for phone in phones.split()}


BPC_SETS: Dict[str, Dict[str, str]] = {
    # Default: manner of articulation, 6 classes, the usual "broad phonetic classes" of ASR literature.
    "manner6": _classes(V=_VOWELS, STOP=_STOPS, FRIC=_FRICATIVES, AFFR=_AFFRICATES, NAS=_NASALS,
                        APPR=_APPROXIMANTS),
    # Sonority hierarchy, 5 classes (affricates with fricatives, liquids+glides): the coarsest set that still
    # separates the syllable's sonority profile, close to TIMIT broad-class studies.
    "sonority5": _classes(V=_VOWELS, GLIDE=_APPROXIMANTS, NAS=_NASALS, OBS=_FRICATIVES + " " + _AFFRICATES,
                          STOP=_STOPS),
    # Manner + voicing, 8 classes: voicing of obstruents carries pitch (F0) information, which emotion moves.
    "manner_voicing8": _classes(V=_VOWELS, VSTOP="B D G", USTOP="K P T", VFRIC="DH V Z ZH", UFRIC="F HH S SH TH",
                                AFFR=_AFFRICATES, NAS=_NASALS, APPR=_APPROXIMANTS),
    # Vowels split by place (front / central / back / diphthong) + the 5 consonant manners, 9 classes: the paper's
    # motivation is that emotion shifts vowel spectra (formants) differently per vowel.
    "vowel_place9": _classes(VFRONT="AE EH IH IY", VCENT="AH ER", VBACK="AA AO UH UW", VDIPH="AW AY EY OW OY",
                             STOP=_STOPS, FRIC=_FRICATIVES, AFFR=_AFFRICATES, NAS=_NASALS, APPR=_APPROXIMANTS),
    # Consonant / vowel, 2 classes: the lower bound of phonetic detail.
    "cv2": _classes(V=_VOWELS, C=" ".join([_STOPS, _FRICATIVES, _AFFRICATES, _NASALS, _APPROXIMANTS])),
}
DEFAULT_BPC_SET = "manner6"

for _name, _mapping in BPC_SETS.items():
    assert sorted(_mapping) == sorted(PHONES), f"BPC set {_name} does not cover exactly the 39 phones"


def bpc_mapping(set_name: str) -> Dict[str, str]:
    """Name -> {phone: class}; unknown names list the available ones."""
    if set_name not in BPC_SETS:
        raise ValueError(f"unknown BPC set {set_name!r}; available: {', '.join(BPC_SETS)}")
    return BPC_SETS[set_name]


def bpc_units(phones: Sequence[str], set_name: str = DEFAULT_BPC_SET) -> List[str]:
    """['HH', 'AH', 'L', 'OW'] -> ['FRIC', 'V', 'APPR', 'V'] (manner6)."""
    mapping = bpc_mapping(set_name)
    return [mapping[p] for p in phones]


def describe_bpc_sets() -> str:
    """One block per set: name, class count, and the phones of each class."""
    blocks = []
    for name, mapping in BPC_SETS.items():
        by_class: Dict[str, List[str]] = {}
        for phone in PHONES:
            by_class.setdefault(mapping[phone], []).append(phone)
        default = " (default)" if name == DEFAULT_BPC_SET else ""
        lines = [f"{name}{default}: {len(by_class)} classes"]
        lines += [f"  {cls:7s} {' '.join(phones)}" for cls, phones in by_class.items()]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
