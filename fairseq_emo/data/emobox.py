"""EmoBox's published folds over a prepared utterance table: DIR (a checkout of EmoBox's data/ folder) -> folds.

EmoBox (emo-box/EmoBox) publishes, per corpus, its folds as JSON-lines files:
  DIR/<name>/fold_<k>/<name>_train_fold_<k>.jsonl   and   DIR/<name>/fold_<k>/<name>_test_fold_<k>.jsonl
one object per line with (among others) `key` (e.g. 'ravdess-03-01-07-02-02-02-11'), `wav` (the file's path in
their download, e.g. 'downloads/ravdess/audio/Audio_Speech_Actors_01-24/Actor_11/03-01-07-02-02-02-11.wav') and
`emo` (the release's label, e.g. 'Disgust', 'anger', 'ANG'); DIR/<name>/label_map.json maps each `emo` to their
class name (Angry, Happy, Neutral, Sad, Fear, Disgust, Surprise, Calm, Boredom, Contempt, ...). <name> is the
corpus's EmoBox folder (registry: Corpus.emobox). Folds are k = 1, 2, ... as long as both files exist; some
corpora have one fold (a train/test split), most leave speakers out.

Matching: an EmoBox file is the table's utterance whose source audio has the same file name (stem), or, where
the table's copy keeps speakers in folders (SAVEE's AudioData/DC/a01.wav), '<folder>_<stem>' (DC_a01). Every file
of every fold must match one utterance, and every utterance must be in each fold's train or test list (EmoBox's
folds each cover the corpus's files of their classes); either failure is a ValueError
naming the file (file:line) or the utterances, the first few. Labels: EmoBox's class (through label_map.json)
must be the table's class (emotions.CLASSES codes) for every file; a disagreement is an error naming file:line.
EmoBox keeps every class of a corpus (IEMOCAP: its four, excited merged into happy), so a table prepared with the
four-class set misses files: prepare it with --emotions full.
Folds: the train file's utterances train (the validation slice is drawn from them as in every scheme: `monitor`
keeps them all in train, `heldout` removes it), the test file's are tested. An utterance tested in two folds is an
error (EmoBox's folds partition).
"""
import json
import os
from typing import Dict, List, Sequence, Tuple

from fairseq_emo.data.table import Utterance

# EmoBox's class names (lower case, after label_map.json) -> class codes (emotions.CLASSES)
EMOBOX_CLASSES = {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad", "calm": "cal", "fear": "fea",
                  "disgust": "dis", "surprise": "sur", "boredom": "bor", "contempt": "con", "excited": "exc",
                  "frustrated": "fru", "other": "oth"}
SHOWN = 5   # how many unmatched files or utterances an error lists


def fold_files(data_dir: str, name: str) -> List[Tuple[int, str, str]]:
    """DIR and a corpus's EmoBox folder name -> [(k, train file, test file)] for k = 1, 2, ...; FileNotFoundError
    naming the expected path when there is no fold 1."""
    folds, k = [], 1
    while True:
        base = os.path.join(data_dir, name, f"fold_{k}")
        train, test = (os.path.join(base, f"{name}_{part}_fold_{k}.jsonl") for part in ("train", "test"))
        if not (os.path.isfile(train) and os.path.isfile(test)):
            break
        folds.append((k, train, test))
        k += 1
    if not folds:
        raise FileNotFoundError(f"no EmoBox folds under {data_dir}: expected {os.path.join(data_dir, name, 'fold_1')}"
                                f"/{name}_{{train,test}}_fold_1.jsonl (--emobox-data is a checkout of EmoBox's data/)")
    return folds


def label_map(data_dir: str, name: str) -> Dict[str, str]:
    """DIR/<name>/label_map.json -> {their emo value: their class name}; {} when the file is absent."""
    path = os.path.join(data_dir, name, "label_map.json")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not JSON ({err})") from None


def read_fold_file(path: str, labels: Dict[str, str]) -> List[Tuple[str, str, int]]:
    """One EmoBox fold file -> [(its wav path, class code, line number)]; errors name file:line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                wav, emo = record["wav"], str(record["emo"])
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ValueError(f"{path}:{lineno}: not an EmoBox fold line with wav and emo ({err})") from None
            name = labels.get(emo, emo).strip().lower()
            if name not in EMOBOX_CLASSES:
                raise ValueError(f"{path}:{lineno}: EmoBox label {emo!r} ({name}) is no class here; known: "
                                 f"{', '.join(sorted(EMOBOX_CLASSES))}")
            out.append((wav, EMOBOX_CLASSES[name], lineno))
    return out


def _index(utterances: Sequence[Utterance]) -> Dict[str, List[Utterance]]:
    """The table's utterances under each name an EmoBox path may give them: the stem, and '<folder>_<stem>'."""
    index: Dict[str, List[Utterance]] = {}
    for u in utterances:
        path = u.source_wav or u.wav
        stem = os.path.splitext(os.path.basename(path))[0]
        folder = os.path.basename(os.path.dirname(path))
        for key in {stem, f"{folder}_{stem}"}:
            index.setdefault(key, []).append(u)
    return index


def assign(utterances: Sequence[Utterance], data_dir: str, name: str) -> List[Tuple[int, List[Utterance], List[Utterance]]]:
    """The table and EmoBox's files -> [(k, train utterances, test utterances)], every file matched and every
    label agreeing (see the module docstring)."""
    index = _index(utterances)
    labels = label_map(data_dir, name)
    unmatched, folds, missing = [], [], []
    for k, *paths in fold_files(data_dir, name):
        parts, seen = [], set()
        for path in paths:
            members = []
            for wav, code, lineno in read_fold_file(path, labels):
                stem = os.path.splitext(os.path.basename(wav))[0]
                found = index.get(stem, [])
                if len(found) != 1:
                    unmatched.append(f"{path}:{lineno}: {wav}" + (f" (names {len(found)} utterances)" if found else ""))
                    continue
                u = found[0]
                if u.emotion != code:
                    raise ValueError(f"{path}:{lineno}: {wav} is {code} in EmoBox, {u.emotion} in the table "
                                     f"({u.utt_id}, raw label {u.raw_emotion}): not the same labelling")
                members.append(u)
                seen.add(u.utt_id)
            parts.append(members)
        folds.append((k, *parts))
        missing += [f"{u.utt_id} (fold {k})" for u in utterances if u.utt_id not in seen]
    if unmatched:
        raise ValueError(f"{len(unmatched)} file(s) of EmoBox's {name} folds are not in the table (prepared with "
                         f"--emotions full? EmoBox keeps every class; or a different copy of the release):\n  "
                         + "\n  ".join(unmatched[:SHOWN]) + ("\n  ..." if len(unmatched) > SHOWN else ""))
    if missing:
        raise ValueError(f"{len(missing)} time(s) an utterance of the table is in neither list of an EmoBox {name} "
                         f"fold (a table of more files than EmoBox lists, e.g. another label set or corpus part): "
                         + ", ".join(missing[:SHOWN]) + (" ..." if len(missing) > SHOWN else ""))
    tested: Dict[str, int] = {}
    for k, _, test in folds:
        for u in test:
            if u.utt_id in tested:
                raise ValueError(f"utterance {u.utt_id} is tested in EmoBox folds {tested[u.utt_id]} and {k}: "
                                 f"EmoBox's folds partition the test files")
            tested[u.utt_id] = k
    return folds
