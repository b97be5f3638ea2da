"""Mandarin initial/final units: pinyin phones per syllable (from fairseq_emo/data/pinyin.py) -> toneless units.

Input: [['n', 'i3'], ['h', 'ao3'], ['ai4']]. Output: ['n', 'i', 'h', 'ao', 'ai'].
Tones are removed, as stress is for English phonemes: the unit says what was articulated, the emotion suffix
says how. A zero-initial syllable contributes its final only (see pinyin.py).
"""
from typing import List, Sequence

# pypinyin's strict initials (y and w are not among them).
INITIALS = tuple("b p m f d t n l g k h j q x zh ch sh r z c s".split())


def strip_tone(phone: str) -> str:
    """'ao3' -> 'ao'; raises on a symbol that is not pinyin (e.g. an ARPAbet phone from an English table)."""
    base = phone.rstrip("012345")
    if not base or not base.isascii() or not base.islower() or not base.isalpha():
        raise ValueError(f"{phone!r} is not a pinyin initial or final")
    return base


def initfinal_units(word_phones: Sequence[Sequence[str]]) -> List[str]:
    return [strip_tone(p) for syllable in word_phones for p in syllable]
