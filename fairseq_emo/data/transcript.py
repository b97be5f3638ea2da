"""Transcript policy: an IEMOCAP-style transcript line -> the list of words that get phonetic units.

Input: raw transcript text, e.g. "[LAUGHTER] Mr. Smith paid $5 -- well-known, isn't it?"
Output: lower-case words, e.g. ['mister', 'smith', 'paid', 'five', 'dollars', 'well', 'known', "isn't", 'it'].

Policy (docs/recipe.md "Transcript policy" says the same):
- non-speech markers in brackets (`[LAUGHTER]`, `[BREATHING]`, `[GARBAGE]`, any case; also `<...>`, `{...}`)
  are removed; they are not words. An utterance left with no words gets the non-speech unit (units/__init__.py).
- numbers, currency, ordinals and years are spelled out by g2p_en's normaliser; a few abbreviations are expanded.
- hyphens and dashes separate words ("well-known" -> "well known"): CMUdict has the parts, rarely the compound.
- apostrophes inside words are kept ("isn't", "i'm": CMUdict entries); quotes around words are removed.
- everything else that is not a letter (punctuation, accents after NFD) is dropped.
"""
import re
import unicodedata
from typing import List

from fairseq_emo.data.g2p import expand_numbers

MARKER = re.compile(r"\[[^\]]*\]|<[^>]*>|\{[^}]*\}")
# Expanded before punctuation is dropped, so that the period still marks them as abbreviations.
ABBREVIATIONS = [
    (re.compile(r"\bmrs\.", re.I), "missus"), (re.compile(r"\bmr\.", re.I), "mister"),
    (re.compile(r"\bms\.", re.I), "miz"), (re.compile(r"\bdr\.", re.I), "doctor"),
    (re.compile(r"\bst\.", re.I), "saint"), (re.compile(r"\bvs\.", re.I), "versus"),
    (re.compile(r"\betc\.", re.I), "et cetera"), (re.compile(r"\bi\.e\.", re.I), "that is"),
    (re.compile(r"\be\.g\.", re.I), "for example"), (re.compile(r"\bok\b", re.I), "okay"),
]
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def remove_markers(text: str) -> str:
    """'[LAUGHTER] yes [breathing]' -> ' yes ' ."""
    return MARKER.sub(" ", text)


def transcript_words(text: str) -> List[str]:
    """Raw transcript -> normalised words (possibly empty for marker-only utterances)."""
    text = remove_markers(text)
    for pattern, expansion in ABBREVIATIONS:
        text = pattern.sub(expansion, text)
    if any(c.isdigit() for c in text):
        text = expand_numbers(text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.lower().replace("-", " ").replace("\u2019", "'")
    # WORD keeps inner apostrophes only, so 'quoted' words lose their quotes and "'cause" becomes "cause".
    return WORD.findall(text)
