"""Mandarin G2P, offline: Chinese text -> pinyin syllables and their initial/final split (pypinyin's own
dictionaries, no download).

Output per syllable: 'hao3' -> ('hao3', 'h', 'ao3'). Tones are digits 1-4, 5 for the neutral tone; they are
dictionary tones (no tone sandhi: 一天 is yi1 tian1), which is harmless because the units drop tones.
Zero-initial syllables: pypinyin's strict mode is used, in which y and w are spelling, not initials
(yi -> final i, wo -> final uo, yue -> final ve with v for ü). Such a syllable is its final alone: no empty or
placeholder initial is invented, so every unit is something the speaker actually produced.
Punctuation and spaces are skipped; any other non-Chinese character (Latin letters, digits) is an error naming
it, because its reading cannot be known from the text (write numbers in characters in the transcript).
"""
import unicodedata
from typing import List, Tuple

from pypinyin import Style, lazy_pinyin


def _is_han(ch: str) -> bool:
    # CJK unified ideographs, extension A, compatibility ideographs, and 〇 (ling2, the zero written in numbers)
    return ("\u4e00" <= ch <= "\u9fff") or ("\u3400" <= ch <= "\u4dbf") or ("\uf900" <= ch <= "\ufaff") \
        or ch == "\u3007"


def hanzi_only(text: str) -> str:
    """The Chinese characters of a transcript; punctuation/spaces dropped, anything else an error."""
    kept = []
    for ch in text:
        if _is_han(ch):
            kept.append(ch)
        elif unicodedata.category(ch)[0] in "PZS" or ch.isspace():
            continue
        else:
            raise ValueError(f"character {ch!r} in {text!r} is not Chinese; its pinyin is unknown "
                             f"(write it in characters)")
    return "".join(kept)


def syllables(text: str) -> List[Tuple[str, str, str]]:
    """Chinese text -> [(syllable with tone, initial or '', final with tone)]; the whole string is converted at
    once so that pypinyin's phrase dictionary can pick the reading of polyphonic characters."""
    han = hanzi_only(text)
    if not han:
        return []
    full = lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True)
    initials = lazy_pinyin(han, style=Style.INITIALS, strict=True)
    finals = lazy_pinyin(han, style=Style.FINALS_TONE3, strict=True, neutral_tone_with_five=True)
    if not (len(full) == len(initials) == len(finals) == len(han)):
        raise ValueError(f"pypinyin returned {len(full)}/{len(initials)}/{len(finals)} readings for "
                         f"{len(han)} characters of {text!r}")
    return list(zip(full, initials, finals))


def words_and_phones(text: str) -> Tuple[List[str], List[List[str]]]:
    """-> (['ni3', 'hao3'], [['n', 'i3'], ['h', 'ao3']]) for the utterance table's words and phones columns."""
    sylls = syllables(text)
    return [s for s, _, _ in sylls], [[i, f] if i else [f] for _, i, f in sylls]
