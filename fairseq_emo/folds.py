"""Fold schemes: utterance table rows -> folds of (train, valid, test) utterance ids.

- speaker (default): one fold per speaker (IEMOCAP: 10), that speaker's utterances are the test set.
- dialog: one fold per dialog prefix (IEMOCAP: Ses01F_*, Ses01M_*, ...), as the authors' companion code split.
  This MIXES SPEAKERS: in IEMOCAP both actors of a session speak in both prefixes' dialogs, so the test
  speakers are also heard in training. Offered only to compare with numbers obtained that way.
- session: leave one session out (5 folds on IEMOCAP), the SUPERB / emotion2vec / EmoBox protocol.
Validation: a deterministic held-out slice of the training groups (never the test group), stratified by
(group, emotion), chosen by a seeded hash of the utterance id so that it does not depend on row order.
"""
import hashlib
from dataclasses import dataclass
from typing import Dict, List, Sequence

from fairseq_emo.table import Utterance

SCHEMES = ("speaker", "dialog", "session")


def group_of(utt: Utterance, scheme: str) -> str:
    """The held-out unit an utterance belongs to under a scheme."""
    if scheme == "speaker":
        return utt.speaker
    if scheme == "session":
        return utt.session
    if scheme == "dialog":
        return utt.dialog.split("_")[0]  # 'Ses01F_impro01' -> 'Ses01F': who wore the markers, not who speaks
    raise ValueError(f"unknown fold scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")


@dataclass
class Fold:
    index: int  # 1-based: fold1 .. foldK
    test_group: str
    train: List[Utterance]
    valid: List[Utterance]
    test: List[Utterance]


def _hash_key(seed: int, utt_id: str) -> str:
    return hashlib.sha1(f"{seed}:{utt_id}".encode()).hexdigest()


def _valid_slice(train_pool: Sequence[Utterance], scheme: str, fraction: float, seed: int) -> set:
    strata: Dict[tuple, List[Utterance]] = {}
    for u in train_pool:
        strata.setdefault((group_of(u, scheme), u.emotion), []).append(u)
    chosen = set()
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda u: _hash_key(seed, u.utt_id))
        chosen.update(u.utt_id for u in members[:int(round(fraction * len(members)))])
    if not chosen and train_pool:  # tiny corpora: fairseq still needs a non-empty valid set
        chosen.add(min(train_pool, key=lambda u: _hash_key(seed, u.utt_id)).utt_id)
    return chosen


def make_folds(utterances: Sequence[Utterance], scheme: str = "speaker", valid_fraction: float = 0.1,
               seed: int = 0) -> List[Fold]:
    """All folds of a scheme, ordered by test group name."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid fraction must be in (0, 1), got {valid_fraction}")
    groups = sorted({group_of(u, scheme) for u in utterances})
    if len(groups) < 2:
        raise ValueError(f"fold scheme {scheme!r} needs at least 2 groups, the table has {len(groups)}: {groups}")
    folds = []
    for index, test_group in enumerate(groups, start=1):
        test = [u for u in utterances if group_of(u, scheme) == test_group]
        pool = [u for u in utterances if group_of(u, scheme) != test_group]
        valid_ids = _valid_slice(pool, scheme, valid_fraction, seed)
        folds.append(Fold(index=index, test_group=test_group,
                          train=[u for u in pool if u.utt_id not in valid_ids],
                          valid=[u for u in pool if u.utt_id in valid_ids], test=test))
    return folds
