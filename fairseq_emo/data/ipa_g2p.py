"""Multilingual grapheme-to-phoneme, offline: words of a language -> IPA phone tokens per word (units/ipa.py), with
where each word's pronunciation came from.

Backends:
- `espeak` (German de, English en, Modern Standard Arabic ar, and any other language espeak-ng has a voice for):
  the espeak-ng program (the Debian package scripts/setup.sh installs; deterministic, no network), twice per
  distinct word: `-q --ipa=1 --sep=' '` gives the IPA with phonemes separated (every line of it: a word espeak-ng
  splits into clauses keeps all its phones), and `-q -X` the trace that says whether the word was found in the
  voice's lexicon ("Found: 'word'") or spelled by its letter-to-sound rules (provenance: `lexicon` / `rules`). Decision: the program, not the phonemizer package: phonemizer drives
  the same espeak-ng library but hides that trace, so provenance could not be counted.
  Words are phonemized alone (no sentence context, as the English G2P does), so a word always gets the same
  phones. Stress marks are removed; a token espeak-ng writes as vowel + consonant (English r-coloured `ɑːɹ`,
  syllabic `əl`) is split in two, as CMUdict writes AA R.
- `pinyin` (Mandarin): characters -> pinyin by pinyin.py (pypinyin's dictionaries) -> IPA by units/ipa.py's
  pinyin tables. espeak-ng's Mandarin voice is not used: it reads characters with a small dictionary and falls
  back to spelling, and reads pinyin with tone digits as English letters ('ni3' -> n ɪ θ ɹ iː).
  Provenance: `lexicon` (pypinyin's dictionary; it has no rules fallback).
A word that yields no phone, or a phone units/ipa.py cannot classify, is an error naming the word and language.
Every word's tokens then follow units/ipa.py's cross-language conventions (`conventional`): affricates other than
tʃ dʒ as stop + fricative, German post-vocalic r vocalised to ɐ.
Arabic: espeak-ng reads unvocalised Arabic script with its own rules; the short vowels it supplies are its
guesses (KSUEmotions' transcripts, where they exist, are unvocalised too): a limit, stated in docs/recipe.md.
"""
import functools
import os
import shutil
import subprocess
from collections import Counter
from typing import Dict, List, Sequence, Tuple

from fairseq_emo.units.ipa import clean, conventional, describe, pinyin_to_ipa

VOICES = {"de": "de", "en": "en-us", "ar": "ar"}   # language (ISO 639-1, as the corpus registry) -> espeak voice
BACKENDS = {"de": "espeak", "en": "espeak", "ar": "espeak", "zh": "pinyin"}
SOURCES = ("lexicon", "rules")
ESPEAK_TIMEOUT_SECONDS = 60.0   # one word takes milliseconds; a hung espeak-ng must not stall prepare forever


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng (scripts/setup.sh does this as "
                           "root); IPA units of German, English (--g2p espeak) and Arabic need it")
    return path


def _split_vowel_consonant(token: str) -> List[str]:
    """'ɑːɹ' -> ['ɑː', 'ɹ'], 'əl' -> ['ə', 'l']; any other token unchanged."""

    try:
        describe(token)
        return [token]
    except ValueError:
        pass
    import unicodedata

    for k in range(1, len(token)):
        if unicodedata.category(token[k]) in ("Lm", "Mn"):   # never between a letter and its length or diacritic
            continue
        try:
            if describe(token[:k]).manner == "vowel" and describe(token[k:]).manner != "vowel":
                return [token[:k], token[k:]]
        except ValueError:
            continue
    return [token]


@functools.lru_cache(maxsize=200_000)
def espeak_word(word: str, language: str) -> Tuple[Tuple[str, ...], str]:
    """One word -> (IPA tokens, 'lexicon' | 'rules') by espeak-ng's voice for the language."""

    voice = VOICES.get(language, language)

    def espeak(*options: str) -> str:
        timeout = float(os.environ.get("FAIRSEQ_EMO_ESPEAK_TIMEOUT", ESPEAK_TIMEOUT_SECONDS))
        try:
            proc = subprocess.run([_espeak(), "-q", *options, "-v", voice, word], capture_output=True, text=True,
                                  check=False, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"espeak-ng -v {voice} gave no answer within {timeout:g} s on the word {word!r} "
                               f"(it hangs: check the espeak-ng install, e.g. `espeak-ng -v {voice} test`); "
                               f"stopped instead of waiting forever") from None
        if proc.returncode != 0:
            raise ValueError(f"espeak-ng -v {voice} failed on the word {word!r}: {proc.stderr.strip()}")
        return proc.stdout

    tokens = [t for raw in espeak("--ipa=1", "--sep= ").split() for t in _split_vowel_consonant(clean(raw)) if t]
    if not tokens:
        raise ValueError(f"espeak-ng -v {voice} gave no phones for the word {word!r}")
    found = any(line.startswith(f"Found: '{word.lower()}'") for line in espeak("-X").splitlines())
    return tuple(tokens), "lexicon" if found else "rules"


def pinyin_word(word: str) -> Tuple[str, ...]:
    """Chinese characters of one word -> IPA tokens (pinyin.py, then the pinyin -> IPA tables)."""
    from fairseq_emo.data.pinyin import syllables  # pypinyin loads its dictionaries at import: Mandarin only

    return tuple(t for _syl, initial, final in syllables(word) for t in pinyin_to_ipa(initial, final))


def words_to_ipa(words: Sequence[str], language: str) -> List[List[str]]:
    """Words of one language -> IPA tokens per word; every token classified (units/ipa.py) or an error naming the
    word."""

    backend = BACKENDS.get(language, "espeak")
    out = []
    for word in words:
        tokens = pinyin_word(word) if backend == "pinyin" else espeak_word(word, language)[0]
        if not tokens:
            raise ValueError(f"word {word!r} ({language}): the G2P gave no phones")
        for t in tokens:
            try:
                describe(t)
            except ValueError as err:
                raise ValueError(f"word {word!r} ({language}): {err}; it is in no phone set here") from None
        out.append(conventional(tokens, language))   # affricates and German r as every language writes them
    return out


def source_counts(word_lists: Sequence[Sequence[str]], language: str) -> Dict[str, Counter]:
    """Word tokens of a table -> {source: Counter(word)}: how each word's phones were found."""
    counts: Dict[str, Counter] = {s: Counter() for s in SOURCES}
    for words in word_lists:
        for w in words:
            source = "lexicon" if BACKENDS.get(language, "espeak") == "pinyin" else espeak_word(w, language)[1]
            counts[source][w] += 1
    return counts
