"""Syllable units, two syllabifiers.

- `phonetic` (default): each word's stress-free phones split by the maximal onset principle: between two
  vowels, the next syllable takes the longest consonant cluster that is a legal English onset (LEGAL_ONSETS).
  Syllables never cross word boundaries. Body = the syllable's phones joined, e.g. ['HH', 'AH'] -> 'HHAH'.
  A word without a vowel (e.g. 'hmm' -> HH M) is one syllable. Measured on IEMOCAP's real 4-class transcripts
  (CMUdict + g2p_en): 79.3k phonetic syllables against the paper's N = 78,943 (+0.4 %), while pyphen gives
  76.4k pieces (-3.2 %); so phonetic syllables are the closer match (docs/recipe.md, "Units").
- `pyphen`: orthographic syllables from pyphen's en_US hyphenation patterns (the design card's dependency),
  body = the letters of each piece, apostrophes removed ('isn't' -> 'isnt'). Hyphenation patterns do not
  split every syllable (they avoid one-letter pieces at word edges), so this gives fewer, larger units.
Input: phones per word (phonetic) or words (pyphen). Output: syllable bodies.
"""
import functools
from typing import List, Sequence

from fairseq_emo.units.phoneme import strip_stress, VOWELS

SYLLABIFIERS = ("phonetic", "pyphen")

LEGAL_ONSETS = frozenset(tuple(onset.split()) for onset in [
    # every single consonant except NG
    "B", "D", "G", "K", "P", "T", "CH", "JH", "DH", "F", "HH", "S", "SH", "TH", "V", "Z", "ZH", "M", "N",
    "L", "R", "W", "Y",
    # stop or fricative + liquid
    "P R", "P L", "B R", "B L", "T R", "D R", "K R", "K L", "G R", "G L", "F R", "F L", "TH R", "SH R",
    # s + consonant
    "S P", "S T", "S K", "S M", "S N", "S L", "S W", "S F",
    # consonant + glide (quick, twin, dwell, pure, beauty, cute, few, view, music, huge, argue)
    "T W", "D W", "K W", "G W", "TH W", "P Y", "B Y", "K Y", "G Y", "F Y", "V Y", "M Y", "HH Y",
    # three-consonant onsets
    "S P R", "S P L", "S T R", "S K R", "S K W", "S K L", "S P Y", "S K Y",
])


def _split_cluster(cluster: Sequence[str]) -> int:
    """Index in a between-vowel consonant cluster where the next syllable's (maximal legal) onset starts."""
    for start in range(len(cluster)):
        if tuple(cluster[start:]) in LEGAL_ONSETS:
            return start
    return len(cluster)  # no legal onset: every consonant stays in the coda


def syllabify_word(phones: Sequence[str]) -> List[List[str]]:
    """['EH', 'K', 'S', 'T', 'R', 'AH'] -> [['EH', 'K'], ['S', 'T', 'R', 'AH']]."""
    phones = [strip_stress(p) for p in phones]
    nuclei = [i for i, p in enumerate(phones) if p in VOWELS]
    if not nuclei:
        return [phones] if phones else []
    boundaries = [0]
    for left, right in zip(nuclei, nuclei[1:]):
        cluster = phones[left + 1:right]
        boundaries.append(left + 1 + _split_cluster(cluster))
    boundaries.append(len(phones))
    return [phones[a:b] for a, b in zip(boundaries, boundaries[1:])]


def phonetic_syllable_units(word_phones: Sequence[Sequence[str]]) -> List[str]:
    """Phones per word -> syllable bodies ('HHAH', 'LOW')."""
    return ["".join(syl) for word in word_phones for syl in syllabify_word(word)]


@functools.lru_cache(maxsize=1)
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US")


def pyphen_syllable_units(words: Sequence[str]) -> List[str]:
    """['hello', "isn't"] -> ['hel', 'lo', 'isnt'] (orthographic pieces, lower-case letters only)."""
    hyphenator = _hyphenator()
    bodies = []
    for word in words:
        letters = word.replace("'", "")
        if letters:
            bodies.extend(piece for piece in hyphenator.inserted(letters, hyphen="-").split("-") if piece)
    return bodies
