"""Fold schemes: utterance table rows -> folds of (train, valid, test) utterance ids.

- speaker (default): one fold per speaker (IEMOCAP: 10), that speaker's utterances are the test set.
  With num_folds=K the speakers are dealt into K groups instead (Mandarin Affective Speech: 68 speakers,
  7 folds): sorted by (gender, speaker) and dealt round-robin, so each group mixes genders as the corpus does.
- dialog: one fold per dialog prefix (IEMOCAP: Ses01F_*, Ses01M_*, ...), as the authors' companion code split.
  This MIXES SPEAKERS: in IEMOCAP both actors of a session speak in both prefixes' dialogs, so the test
  speakers are also heard in training. Offered only to compare with numbers obtained that way.
- session: leave one session out (5 folds on IEMOCAP), the SUPERB / emotion2vec / EmoBox protocol.
- scenario: speaker and scenario held out together, the lexical control of IEMOCAP (make_scenario_folds). Its
  eight improvisation scenarios and three scripts recur in all five sessions, so on the other schemes every test
  utterance's scenario or script is in training and the words alone predict the emotion far above chance. Here a
  fold tests one SESSION (both its speakers: the speaker and the dialog partner are out of training) on one GROUP
  of scenario types, and trains on the other sessions' utterances of the other groups; the rest of the corpus
  (the test session's other scenarios, the other sessions' test scenarios) is in neither split of that fold.
  Scenario type = the dialog name's `impro<NN>` or `script<NN>` (Ses03M_impro05a -> impro05, Ses01F_script01_2
  and Ses05M_script01_1b -> script01). Folds = sessions x groups, at most MAX_SCENARIO_FOLDS (the paper's cost):
  IEMOCAP's 5 sessions x 2 groups = 10 folds, each utterance tested exactly once, each fold training on about 40 %
  of the corpus. The grouping (scenario_groups) is the partition of the types that keeps every group's emotion
  distribution and size closest to the whole table's: holding a scenario out shifts the label prior (IEMOCAP's
  impro02 is 86 % sad), and a balanced grouping keeps that shift small for the acoustic models. It is computed
  from the table, so the same table always gives the same groups; fold.json records them.
- all: one fold with every utterance in train/valid and an empty test set: the cross-corpus models of the
  paper's Section 4 ("re-trained on the entire dataset of IEMOCAP"), tested on other corpora.
- official: one fold, the release's own split (the table's split column: ESD train/evaluation/test, MSP-Podcast
  Train/Development/Test1): train, valid (the release's evaluation/development set, held out of training: its
  fold records validation policy `release`) and test as the release says; other split names (MSP-Podcast's
  Test2, Test3) are in no split, and counted.
- emobox: EmoBox's published folds (emobox.py: DIR = a checkout of EmoBox's data/ folder, --emobox-data), every
  file matched to the table by name and label; the validation slice is drawn from each fold's train file as here.
Validation: a deterministic slice of the training groups (never the test group), stratified by (group, emotion),
chosen by a seeded hash of the utterance id so that it does not depend on row order ('all': (speaker, emotion)).
Two policies for that slice (layout.VALID_POLICIES):
- monitor (default, the paper's protocol): the slice is drawn FROM the training utterances, which all stay in
  train. The paper fine-tunes on all nine other speakers ("re-trained on the entire dataset" for 'all') and
  tests the final checkpoint, so validation selects nothing; fairseq needs a valid subset, which here only
  draws the curve. Its figures are therefore training-set figures, not held-out ones.
- heldout: the slice is removed from train (train and valid disjoint), for studies that select checkpoints.
Subsets (a lexical control, select_subset): `improvised` keeps only IEMOCAP's improvised dialogs (Ses01F_impro03),
`scripted` only its scripted ones (Ses01F_script01_1), before the folds are made; the scheme directory carries the
name (speaker-improvised). In the scripted plays the same lines are spoken with different emotions across
sessions; the improvised scenarios recur in every session too, so on speaker folds the words still carry the
scenario (and its emotion) there: only the scenario scheme holds the scenario out.
"""
import hashlib
import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from fairseq_emo.core.layout import DEFAULT_VALID_POLICY, SCHEMES, SUBSETS, VALID_POLICIES
from fairseq_emo.data import emobox
from fairseq_emo.data.corpora.registry import emobox_name, iemocap_layout
from fairseq_emo.data.table import Utterance

NO_TEST_GROUP = "none"


def describe_test_group(scheme_dir_name: str) -> str:
    """What one fold tests, for the reports: 'speaker' -> 'one speaker'; 'speaker-k7' -> 'one of 7 groups of
    speakers'; 'all' -> 'nothing (every utterance trains)'."""
    base = scheme_dir_name.replace("-heldout", "")
    if base == "all":
        return "nothing (every utterance trains)"
    if base.startswith("scenario"):
        return "one session on one group of scenario types (speaker and scenario held out together)"
    if base == "official":
        return "the release's own test set (one fold)"
    if base.startswith("emobox"):
        return "EmoBox's published test set of the fold (the EmoBox protocol: its fold files, matched file by file)"
    if "-k" in base:
        b, k = base.split("-k", 1)
        return f"one of {k} groups of {b}s"
    return f"one {base}"


def describe_validation(policy: str, fraction: float, seed: int) -> str:
    """The validation policy (this module's docstring) in one sentence, for the reports."""
    if policy == RELEASE_POLICY:
        return ("validation policy `release`: the release's own evaluation/development set, held out of training "
                "(the official split)")
    if policy == "monitor":
        return (f"validation policy `monitor`: every utterance of the training groups trains; a {100 * fraction:.0f} "
                f"% slice of them (seed {seed}) is also the valid set, which only draws the curve (as the paper: all "
                f"other speakers fine-tune)")
    return (f"validation policy `heldout`: a {100 * fraction:.0f} % slice of the training groups (seed {seed}) is "
            f"held out of training for validation (NOT the paper's protocol)")
RELEASE_POLICY = "release"  # the valid set of the official scheme: the release's own, not a slice of ours
# the official scheme: a release's split names (lower case) -> the fold's split; other names are in none
OFFICIAL_ROLES = {"train": "train", "evaluation": "valid", "development": "valid", "dev": "valid",
                  "validation": "valid", "test": "test", "test1": "test"}


def group_of(utt: Utterance, scheme: str) -> str:
    """The held-out unit an utterance belongs to under a scheme (for 'all': its speaker, the valid strata)."""
    if scheme in ("speaker", "all"):
        return utt.speaker
    if scheme == "session":
        return utt.session
    if scheme == "dialog":
        return utt.dialog.split("_")[0]  # 'Ses01F_impro01' -> 'Ses01F': who wore the markers, not who speaks
    if scheme == "scenario":
        raise ValueError("the scenario scheme's groups depend on the whole table: use make_folds")
    if scheme == "official":
        return OFFICIAL_ROLES.get(utt.split.lower(), "none")
    raise ValueError(f"unknown fold scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")


@dataclass
class Fold:
    index: int  # 1-based: fold1 .. foldK
    test_group: str
    train: List[Utterance]
    valid: List[Utterance]
    test: List[Utterance]
    groups: Dict[str, str] = field(default_factory=dict)  # utt_id -> group (the unit kept out of training)
    valid_policy: str = DEFAULT_VALID_POLICY
    excluded: int = 0   # scenario scheme: utterances in neither train nor test (test session or test scenarios)
    scenario_groups: Optional[Dict[str, List[str]]] = None  # scenario scheme: group name -> its scenario types


def _hash_key(seed: int, utt_id: str) -> str:
    return hashlib.sha1(f"{seed}:{utt_id}".encode()).hexdigest()


def _valid_slice(train_pool: Sequence[Utterance], groups: Dict[str, str], fraction: float, seed: int) -> set:
    strata: Dict[tuple, List[Utterance]] = {}
    for u in train_pool:
        strata.setdefault((groups[u.utt_id], u.emotion), []).append(u)
    chosen = set()
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda u: _hash_key(seed, u.utt_id))
        chosen.update(u.utt_id for u in members[:int(round(fraction * len(members)))])
    if not chosen and train_pool:  # tiny corpora: fairseq still needs a non-empty valid set
        chosen.add(min(train_pool, key=lambda u: _hash_key(seed, u.utt_id)).utt_id)
    return chosen


def speaker_groups(utterances: Sequence[Utterance], num_folds: int) -> Dict[str, str]:
    """speaker -> 'g<j>' (j = 1..num_folds), dealt round-robin over speakers sorted by (gender, speaker)."""
    speakers = sorted({(u.gender, u.speaker) for u in utterances})
    if not 2 <= num_folds <= len(speakers):
        raise ValueError(f"{num_folds} speaker folds asked for, the table has {len(speakers)} speakers")
    width = len(str(num_folds))
    return {spk: f"g{k % num_folds + 1:0{width}d}" for k, (_, spk) in enumerate(speakers)}


SCENARIO_TYPE = re.compile(r"_(impro|script)(\d+)")  # Ses03M_impro05a -> impro05; Ses05M_script01_1b -> script01
MAX_SCENARIO_FOLDS = 10  # sessions x scenario groups: the paper's 10 folds


class NoScenarios(ValueError):
    """The table has no IEMOCAP-style scenario structure (improvisation/script dialogs in several sessions)."""


def scenario_type(dialog: str) -> Optional[str]:
    """An IEMOCAP dialog name -> its scenario type: 'Ses01F_impro03' -> 'impro03'; None when it names none."""
    m = SCENARIO_TYPE.search(dialog)
    return f"{m[1]}{int(m[2]):02d}" if m else None


def _partitions(n: int, k: int) -> Iterator[Tuple[int, ...]]:
    """Every partition of n ordered items into exactly k non-empty groups, once each (restricted growth strings:
    item i's group is at most 1 + the largest group used before it, so group 0 holds item 0)."""
    def grow(prefix: List[int], used: int):
        if len(prefix) == n:
            if used == k:
                yield tuple(prefix)
            return
        if k - used > n - len(prefix):   # too few items left to open the remaining groups
            return
        for g in range(min(used + 1, k)):
            yield from grow(prefix + [g], max(used, g + 1))
    yield from grow([0], 1) if n else iter(())


def scenario_groups(utterances: Sequence[Utterance], n_groups: int) -> Dict[str, List[str]]:
    """Scenario types -> n_groups groups {'T1': [types], ...}: the partition minimising (largest total-variation
    distance between a group's emotion distribution and the table's) + (largest deviation of a group's share of
    utterances from 1/n_groups); ties go to the first partition in the order of the sorted types. Deterministic."""
    counts: Dict[str, Dict[str, int]] = {}
    for u in utterances:
        per = counts.setdefault(scenario_type(u.dialog), {})
        per[u.emotion] = per.get(u.emotion, 0) + 1
    types = sorted(counts)
    emotions = sorted({e for per in counts.values() for e in per})
    total = sum(sum(per.values()) for per in counts.values())
    overall = [sum(per.get(e, 0) for per in counts.values()) / total for e in emotions]
    vectors = [[counts[t].get(e, 0) for e in emotions] for t in types]
    best, best_score = None, None
    for assignment in _partitions(len(types), n_groups):
        sums = [[0] * len(emotions) for _ in range(n_groups)]
        for vec, g in zip(vectors, assignment):
            row = sums[g]
            for j, c in enumerate(vec):
                row[j] += c
        score_tv = score_size = 0.0
        for row in sums:
            n = sum(row)
            score_tv = max(score_tv, 0.5 * sum(abs(c / n - p) for c, p in zip(row, overall)))
            score_size = max(score_size, abs(n / total - 1 / n_groups))
        score = round(score_tv + score_size, 12)
        if best_score is None or score < best_score:
            best, best_score = assignment, score
    return {f"T{g + 1}": [t for t, a in zip(types, best) if a == g] for g in range(n_groups)}


def scenario_plan(utterances: Sequence[Utterance]) -> Tuple[List[str], Dict[str, List[str]]]:
    """-> (sessions, scenario groups) of the scenario scheme, or NoScenarios naming what the table lacks."""
    untyped = [u for u in utterances if scenario_type(u.dialog) is None]
    if untyped:
        u = untyped[0]
        raise NoScenarios(f"the scenario scheme needs IEMOCAP's scenario structure (dialogs named ..._impro<NN> or "
                          f"..._script<NN>); utterance {u.utt_id} (corpus {u.corpus}) has dialog {u.dialog!r} "
                          f"({len(untyped)} such utterance(s)): use --folds speaker on this corpus")
    sessions = sorted({u.session for u in utterances})
    types = sorted({scenario_type(u.dialog) for u in utterances})
    if len(sessions) < 2 or len(types) < 2:
        raise NoScenarios(f"the scenario scheme holds out a session and a group of scenarios together: it needs at "
                          f"least 2 sessions and 2 scenario types; this table has {len(sessions)} session(s) "
                          f"({', '.join(sessions)}) and {len(types)} type(s) ({', '.join(types)})")
    n_groups = min(len(types), MAX_SCENARIO_FOLDS // len(sessions))
    if n_groups < 2:
        raise NoScenarios(f"the scenario scheme makes sessions x groups <= {MAX_SCENARIO_FOLDS} folds with at least "
                          f"2 groups: {len(sessions)} sessions are too many")
    return sessions, scenario_groups(utterances, n_groups)


def select_subset(utterances: Sequence[Utterance], subset: Optional[str]) -> List[Utterance]:
    """The utterances of one kind of dialog (SUBSETS), by the dialog name; None: all. A table whose dialogs are not
    named the IEMOCAP way (every corpus but iemocap and demo) cannot be split so: an error, not an empty set."""
    if subset is None:
        return list(utterances)
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    named = [u for u in utterances if any(marker in u.dialog for marker in SUBSETS.values())]
    if len(named) != len(utterances):
        odd = next(u for u in utterances if u not in named)
        raise ValueError(f"--subset {subset}: utterance {odd.utt_id} (corpus {odd.corpus}) has dialog "
                         f"{odd.dialog!r}, neither improvised nor scripted by IEMOCAP's naming; subsets exist for "
                         f"IEMOCAP-layout tables only")
    kept = [u for u in utterances if SUBSETS[subset] in u.dialog]
    if not kept:
        raise ValueError(f"--subset {subset}: no {subset} dialog in this table")
    return kept


def make_folds(utterances: Sequence[Utterance], scheme: str = "speaker", valid_fraction: float = 0.1,
               seed: int = 0, num_folds: Optional[int] = None,
               valid_policy: str = DEFAULT_VALID_POLICY, emobox_data: Optional[str] = None) -> List[Fold]:
    """All folds of a scheme, ordered by test group name (emobox: by EmoBox's fold number; `emobox_data` is
    its data/ folder)."""
    if valid_policy not in VALID_POLICIES:
        raise ValueError(f"unknown validation policy {valid_policy!r}; choose one of {', '.join(VALID_POLICIES)}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown fold scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid fraction must be in (0, 1), got {valid_fraction}")
    if num_folds and scheme != "speaker":
        raise ValueError(f"a number of folds applies to the speaker scheme only, not {scheme!r}")
    if scheme in ("dialog", "session", "scenario"):
        other = sorted(c for c in {u.corpus for u in utterances} if not iemocap_layout(c))
        if other:  # other corpora fill these columns with other things (EmoDB: text code), so refuse
            raise (NoScenarios if scheme == "scenario" else ValueError)(f"the {scheme} scheme is defined on IEMOCAP's sessions and dialogs only; this table's "
                             f"corpus is {', '.join(other)}: use --folds speaker (--num-folds K for speaker groups)")
    scenario_of: Dict[str, str] = {}   # the scenario scheme: utt_id -> its type's group
    type_groups = None
    if num_folds:
        by_speaker = speaker_groups(utterances, num_folds)
        groups = {u.utt_id: by_speaker[u.speaker] for u in utterances}
    elif scheme == "emobox":
        assigned, groups = _emobox_plan(utterances, emobox_data)
    elif scheme == "scenario":
        _, type_groups = scenario_plan(utterances)
        group_of_type = {t: name for name, members in type_groups.items() for t in members}
        scenario_of = {u.utt_id: group_of_type[scenario_type(u.dialog)] for u in utterances}
        groups = {u.utt_id: f"{u.session}.{scenario_of[u.utt_id]}" for u in utterances}
    else:
        groups = {u.utt_id: group_of(u, scheme) for u in utterances}

    def split(pool):  # -> (train, valid) of a training pool under the policy
        valid_ids = _valid_slice(pool, groups, valid_fraction, seed)
        valid = [u for u in pool if u.utt_id in valid_ids]
        if valid_policy == "monitor":
            return list(pool), valid
        return [u for u in pool if u.utt_id not in valid_ids], valid

    if scheme == "official":
        return [_official_fold(utterances, groups, valid_policy)]
    if scheme == "emobox":
        folds = []
        for k, pool, test in assigned:
            train, valid = split(pool)
            folds.append(Fold(index=k, test_group=f"fold{k}", train=train, valid=valid, test=test, groups=groups,
                              valid_policy=valid_policy, excluded=len(utterances) - len(test) - len(pool)))
        return folds
    if scheme == "all":
        train, valid = split(list(utterances))
        return [Fold(index=1, test_group=NO_TEST_GROUP, train=train, valid=valid, test=[], groups=groups,
                     valid_policy=valid_policy)]
    names = sorted(set(groups.values()))
    if len(names) < 2:
        raise ValueError(f"fold scheme {scheme!r} needs at least 2 groups, the table has {len(names)}: {names}")
    folds = []
    for index, test_group in enumerate(names, start=1):
        test = [u for u in utterances if groups[u.utt_id] == test_group]
        if scheme == "scenario":   # neither the test session nor the test scenarios train
            session, scenario = test_group.split(".")
            pool = [u for u in utterances if u.session != session and scenario_of[u.utt_id] != scenario]
        else:
            pool = [u for u in utterances if groups[u.utt_id] != test_group]
        train, valid = split(pool)
        folds.append(Fold(index=index, test_group=test_group, train=train, valid=valid, test=test, groups=groups,
                          valid_policy=valid_policy, excluded=len(utterances) - len(test) - len(pool),
                          scenario_groups=type_groups))
    return folds


def _emobox_plan(utterances: Sequence[Utterance], data_dir: Optional[str]):
    """EmoBox's folds (emobox.assign) -> (their [(k, train pool, test)], utt_id -> group): an utterance's group is
    'fold<k>', the fold testing it, or 'train' when EmoBox tests it nowhere (a one-fold train/test corpus)."""
    if not data_dir:
        raise ValueError("the emobox scheme needs EmoBox's data/ folder: --emobox-data DIR")
    assigned = emobox.assign(utterances, data_dir, emobox_name(utterances[0].corpus))
    groups = {u.utt_id: "train" for u in utterances}
    groups.update({u.utt_id: f"fold{k}" for k, _, test in assigned for u in test})
    return assigned, groups


def _official_fold(utterances: Sequence[Utterance], roles: Dict[str, str], valid_policy: str) -> Fold:
    """The release's own split as one fold (see the module docstring)."""
    if valid_policy != DEFAULT_VALID_POLICY:
        raise ValueError("the official scheme's valid set is the release's own: --valid-policy does not apply")
    if not any(u.split for u in utterances):
        raise ValueError("the official scheme needs the release's split in the table's split column; this table "
                         "has none (corpora whose release defines one: esd, esdzh, msppodcast)")
    parts = {role: [u for u in utterances if roles[u.utt_id] == role] for role in ("train", "valid", "test")}
    empty = [role for role, members in parts.items() if not members]
    if empty:
        names = sorted({u.split for u in utterances})
        raise ValueError(f"the release's split gives no {' and no '.join(empty)} utterances (its split names: "
                         f"{', '.join(names)}; read as: {OFFICIAL_ROLES})")
    return Fold(index=1, test_group="test", train=parts["train"], valid=parts["valid"], test=parts["test"],
                groups=roles, valid_policy=RELEASE_POLICY)
