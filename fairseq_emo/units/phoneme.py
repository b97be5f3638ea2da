"""Phoneme units: ARPAbet phones with stress removed, the 39-phone set of CMUdict.

Input: phones per word with stress digits, e.g. [['HH', 'AH0', 'L', 'OW1']]. Output: ['HH', 'AH', 'L', 'OW'].
"""
from typing import List, Sequence

PHONES = (
    "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW "  # 15 vowels
    "B D G K P T CH JH DH F HH S SH TH V Z ZH M N NG L R W Y").split()
VOWELS = frozenset(PHONES[:15])


def strip_stress(phone: str) -> str:
    """'AH0' -> 'AH'; raises on a symbol outside the 39-phone set (a G2P or table error, not data to keep)."""
    base = phone.rstrip("012")
    if base not in PHONES:
        raise ValueError(f"{phone!r} is not an ARPAbet phone of the 39-phone set")
    return base


def phoneme_units(word_phones: Sequence[Sequence[str]]) -> List[str]:
    """Phones of all words, stress removed, word boundaries dropped."""
    return [strip_stress(p) for word in word_phones for p in word]
