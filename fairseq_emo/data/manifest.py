"""Fold directories in fairseq's formats: utterance table + unit spec + folds -> DIR/fold<k>/...

Per fold (formats documented with examples in manifests/README.md):
  {train,valid,test}.tsv     manifest: first line the audio root, then 'relpath<TAB>frames'
  {train,valid,test}.<unit>  labels: one line of space-separated emotion-suffixed tokens per manifest line
  {train,valid,test}.utt     'utt_id<TAB>speaker<TAB>emotion' per manifest line (decoding and voting need ids)
  dict.<unit>.txt            fairseq dictionary 'token count' (count = occurrences in train); identical in every
                             fold of a run: all bodies of the table x its label set (the paper's 4 emotions,
                             or every class of --emotions), sorted by body then emotion
  fold.json                  the protocol (fold_protocol.FoldRecord): scheme, validation policy, test group,
                             seed, valid fraction, unit options, counts
and DIR/folds.tsv: 'fold<TAB>test_group<TAB>train<TAB>valid<TAB>test'.
A test-only corpus (cross-corpus testing) gets an eval set instead: DIR/test.tsv, DIR/test.utt and eval.json,
no labels (its units are unknown without transcripts; the emotion is in test.utt).
Invariants are checked before anything is renamed into place; a fold appears by one atomic rename, so a
crash never leaves a half-written fold that looks complete. An existing fold with other contents is never
replaced unless the caller passes force.
"""
import filecmp
import functools
import json
import os
import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.core.emotions import label_set
from fairseq_emo.data.fold_protocol import FoldRecord, SchemeProtocol, write_fold_record
from fairseq_emo.data.folds import Fold, NO_TEST_GROUP, scenario_type
from fairseq_emo.data.table import Utterance
from fairseq_emo.units import emotion_units, UnitSpec, WHOLE_UTTERANCE
from fairseq_emo.units.suffix import add_emotion, split_token

SPLITS = ("train", "valid", "test")


class ExistingFoldDiffers(RuntimeError):
    """A fold directory already exists with other contents (maybe a user's edit): not overwritten."""


@dataclass
class WriteReport:
    fold: int
    status: str  # 'written', 'unchanged', 'replaced'
    counts: Dict[str, int]


def label_all(utterances: Sequence[Utterance], spec: UnitSpec) -> Dict[str, List[str]]:
    """utt_id -> emotion-suffixed tokens, for every utterance of the table."""
    if spec.unit not in WHOLE_UTTERANCE and not any(u.words for u in utterances):
        raise ValueError(f"{spec.unit} units need transcripts, and no utterance of this {utterances[0].corpus} "
                         f"table has any: such a corpus can only be tested on (scripts/run_cross_corpus.sh) "
                         f"or trained with utterance units")
    labels = {}
    for u in utterances:
        try:
            labels[u.utt_id] = emotion_units(spec, u.word_list(), u.word_phones(), u.emotion)
        except ValueError as err:
            raise ValueError(f"utterance {u.utt_id} ({u.corpus}): {err}; {spec.unit} units need "
                             f"{'Mandarin pinyin' if spec.unit == 'initfinal' else 'ARPAbet, pinyin or IPA'} "
                             f"phones in the table (docs/recipe.md, 'Units in any language')") from None
    return labels


def build_dictionary(labels: Dict[str, List[str]], spec: UnitSpec) -> List[str]:
    """All bodies seen in the table (plus the unit type's fixed inventory) x the table's label set (its emotions:
    emotions.label_set), body-sorted."""
    bodies = set(spec.inventory())
    parts = [split_token(tok) for toks in labels.values() for tok in toks]
    bodies.update(body for body, _ in parts)
    return [add_emotion(b, e) for b in sorted(bodies) for e in label_set(e for _, e in parts if e)]


def audio_root(utterances: Sequence[Utterance]) -> str:
    """Common folder of every wav of the table, so all folds' manifests share one root."""
    return os.path.commonpath([os.path.dirname(u.wav) for u in utterances])


def _check_fold(fold: Fold, scheme: str, labels: Dict[str, List[str]], dictionary: Sequence[str]) -> None:
    splits = {"train": fold.train, "valid": fold.valid, "test": fold.test}
    for name, utts in splits.items():
        if not utts and not (name == "test" and fold.test_group == NO_TEST_GROUP):
            raise ValueError(f"fold{fold.index} (test {fold.test_group}): {name} split is empty")
    # The validation policy decides how train and valid relate (folds.py): monitor -> valid is a subset of
    # train; heldout -> disjoint. The test split never shares an utterance with either.
    ids = {name: [u.utt_id for u in utts] for name, utts in splits.items()}
    for name, listed in ids.items():
        if len(set(listed)) != len(listed):
            dup = next(i for i in listed if listed.count(i) > 1)
            raise ValueError(f"fold{fold.index}: utterance {dup} appears twice in {name}")
    train, valid, test = (set(ids[n]) for n in SPLITS)
    for name, other in (("train", train), ("valid", valid)):
        if other & test:
            raise ValueError(f"fold{fold.index}: utterance {sorted(other & test)[0]} is in both {name} and test")
    if fold.valid_policy == "monitor" and not valid <= train:
        raise ValueError(f"fold{fold.index}: validation policy 'monitor' draws valid from train, but "
                         f"{len(valid - train)} valid utterance(s) are not in train (e.g. {sorted(valid - train)[0]})")
    if fold.valid_policy in ("heldout", "release") and valid & train:
        raise ValueError(f"fold{fold.index}: validation policy 'heldout', but {len(valid & train)} utterance(s) "
                         f"are in both train and valid (e.g. {sorted(valid & train)[0]})")
    test_groups = {fold.groups[u.utt_id] for u in fold.test}
    train_groups = {fold.groups[u.utt_id] for u in fold.train + fold.valid}
    expected = set() if fold.test_group == NO_TEST_GROUP else {fold.test_group}
    if test_groups != expected or fold.test_group in train_groups:
        raise ValueError(f"fold{fold.index}: test {scheme}s {sorted(test_groups)} (declared {fold.test_group}), "
                         f"train/valid {scheme}s {sorted(train_groups)}")
    if scheme == "scenario":   # the scheme's promise, checked on what is written: no test speaker or scenario trains
        for what, key in (("speaker", lambda u: u.speaker), ("scenario type", lambda u: scenario_type(u.dialog))):
            shared = {key(u) for u in fold.test} & {key(u) for u in fold.train + fold.valid}
            if shared:
                raise ValueError(f"fold{fold.index} (test {fold.test_group}): {what} {sorted(shared)[0]} is in both "
                                 f"test and train/valid")
    known = set(dictionary)
    for u in (u for utts in splits.values() for u in utts):
        unknown = [t for t in labels[u.utt_id] if t not in known]
        if unknown:
            raise ValueError(f"fold{fold.index}: utterance {u.utt_id} has tokens {unknown} "
                             f"not in the dictionary of {len(known)} tokens")


@functools.lru_cache(maxsize=None)
def _relpath(wav: str, root: str) -> str:
    # os.path.relpath is slow enough to matter at 10 folds x 5531 utterances; each pair is computed once.
    return os.path.relpath(wav, root)


def _write_text(path: str, lines: Sequence[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def _same_tree(a: str, b: str) -> bool:
    names_a, names_b = sorted(os.listdir(a)), sorted(os.listdir(b))
    return names_a == names_b and all(filecmp.cmp(os.path.join(a, n), os.path.join(b, n), shallow=False)
                                      for n in names_a)


def write_fold(out_dir: str, fold: Fold, scheme: str, spec: UnitSpec, labels: Dict[str, List[str]],
               dictionary: Sequence[str], root: str, protocol: SchemeProtocol, force: bool = False) -> WriteReport:
    """Write one fold directory atomically and return what happened."""
    _check_fold(fold, scheme, labels, dictionary)
    ext = spec.unit
    final = os.path.join(out_dir, f"fold{fold.index}")
    tmp = os.path.join(out_dir, f".fold{fold.index}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        return _write_fold_files(tmp, final, fold, ext, labels, dictionary, root, protocol, force)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # a full disk must not leave a half-written fold behind
        raise


def _write_fold_files(tmp: str, final: str, fold: Fold, ext: str, labels: Dict[str, List[str]],
                      dictionary: Sequence[str], root: str, protocol: SchemeProtocol, force: bool) -> WriteReport:
    counts = {}
    for name, utts in (("train", fold.train), ("valid", fold.valid), ("test", fold.test)):
        manifest = [root] + [f"{_relpath(u.wav, root)}\t{u.frames}" for u in utts]
        label_lines = [" ".join(labels[u.utt_id]) for u in utts]
        if len(label_lines) != len(manifest) - 1:  # the invariant fairseq's AddTargetDataset relies on
            raise AssertionError(f"fold{fold.index} {name}: {len(label_lines)} label lines, "
                                 f"{len(manifest) - 1} manifest lines")
        _write_text(os.path.join(tmp, f"{name}.tsv"), manifest)
        _write_text(os.path.join(tmp, f"{name}.{ext}"), label_lines)
        _write_text(os.path.join(tmp, f"{name}.utt"), [f"{u.utt_id}\t{u.speaker}\t{u.emotion}" for u in utts])
        counts[name] = len(utts)
        counts[f"{name}_tokens"] = sum(len(labels[u.utt_id]) for u in utts)
    if fold.scenario_groups is not None:   # the scenario scheme leaves part of the corpus out of both
        counts["excluded"] = fold.excluded
    train_counts = Counter(t for u in fold.train for t in labels[u.utt_id])
    _write_text(os.path.join(tmp, f"dict.{ext}.txt"), [f"{tok} {train_counts.get(tok, 0)}" for tok in dictionary])
    write_fold_record(tmp, FoldRecord(**asdict(protocol), fold=fold.index, test_group=fold.test_group, counts=counts,
                                      valid_policy=fold.valid_policy,
                                      train_groups=sorted({fold.groups[u.utt_id] for u in fold.train}),
                                      test_speakers=sorted({u.speaker for u in fold.test}),
                                      scenario_groups=fold.scenario_groups))
    return _move_into_place(tmp, final, fold.index, counts, force)


def _move_into_place(tmp: str, final: str, index: int, counts: Dict[str, int], force: bool) -> WriteReport:
    """Rename a finished temp dir to its final name; identical -> 'unchanged', different -> only with force."""
    out_dir = os.path.dirname(final)
    status = "written"
    if os.path.isdir(final):
        if _same_tree(tmp, final):
            shutil.rmtree(tmp)
            return WriteReport(index, "unchanged", counts)
        if not force:
            shutil.rmtree(tmp)
            raise ExistingFoldDiffers(f"{final} exists with different contents; not overwritten. Move it away, "
                                      f"choose another --out, or pass --force to replace it")
        old = os.path.join(out_dir, f".{os.path.basename(final)}.old-{os.getpid()}")
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old)
        status = "replaced"
    else:
        os.rename(tmp, final)
    return WriteReport(index, status, counts)


def write_eval_set(out_dir: str, utterances: Sequence[Utterance], root: str, protocol: Dict,
                   force: bool = False) -> WriteReport:
    """A test-only corpus -> out_dir/{test.tsv, test.utt, eval.json} (atomic, like a fold)."""
    parent, name = os.path.split(os.path.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    _write_text(os.path.join(tmp, "test.tsv"), [root] + [f"{_relpath(u.wav, root)}\t{u.frames}" for u in utterances])
    _write_text(os.path.join(tmp, "test.utt"), [f"{u.utt_id}\t{u.speaker}\t{u.emotion}" for u in utterances])
    counts = {"test": len(utterances), **{e: sum(1 for u in utterances if u.emotion == e)
                                          for e in label_set(u.emotion for u in utterances)}}
    info = dict(protocol, counts=counts, speakers=sorted({u.speaker for u in utterances}),
                source_rates=sorted({u.source_rate for u in utterances}))
    with open(os.path.join(tmp, layout.EVAL_RECORD), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")
    return _move_into_place(tmp, os.path.abspath(out_dir), 0, counts, force)


def stale_folds(out_dir: str, folds: Sequence[Fold]) -> List[str]:
    """fold<k> dirs in out_dir that the new folds do not have (an earlier, larger table wrote them)."""
    if not os.path.isdir(out_dir):
        return []
    keep = {f"fold{f.index}" for f in folds}
    found = [n for n in os.listdir(out_dir) if n.startswith("fold") and n[4:].isdigit()
             and os.path.isdir(os.path.join(out_dir, n))]
    return sorted((n for n in found if n not in keep), key=lambda n: int(n[4:]))


def check_removable(out_dir: str, names: Sequence[str]) -> None:
    """Stale fold dirs may be removed only if this module wrote everything in them (fold.json and the split
    files); a fold holding anything else (a user's file) is refused before anything changes."""
    def ours(name: str) -> bool:
        return (name == layout.FOLD_RECORD or name.startswith("dict.")
                or name.split(".", 1)[0] in SPLITS and not name.endswith((".pt", ".log")))
    for n in names:
        files = os.listdir(os.path.join(out_dir, n))
        other = [f for f in files if not ours(f)]
        if layout.FOLD_RECORD not in files or other:
            raise ExistingFoldDiffers(f"{os.path.join(out_dir, n)} holds files make_manifests.py did not write "
                                      f"({', '.join(other) or 'no fold.json'}); move them away and rerun")


def remove_stale_folds(out_dir: str, names: Sequence[str]) -> None:
    check_removable(out_dir, names)
    for n in names:
        shutil.rmtree(os.path.join(out_dir, n))


def remove_orphans(out_dir: str) -> List[str]:
    """Temporary '.fold<k>.tmp-<pid>' dirs whose writer is gone (a crash, a full disk) -> removed, listed."""
    removed = []
    if not os.path.isdir(out_dir):
        return removed
    for name in os.listdir(out_dir):
        if name.startswith(".") and ".tmp-" in name:
            pid = name.rsplit(".tmp-", 1)[1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
                removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_fold_index(out_dir: str, folds: Sequence[Fold]) -> None:
    """DIR/folds.tsv: which group each fold tests, and the split sizes."""
    lines = ["fold\ttest_group\ttrain\tvalid\ttest"]
    lines += [f"fold{f.index}\t{f.test_group}\t{len(f.train)}\t{len(f.valid)}\t{len(f.test)}" for f in folds]
    write_text(os.path.join(out_dir, "folds.tsv"), "".join(line + "\n" for line in lines))


@dataclass
class SplitEntry:
    wav: str
    frames: int
    utt_id: str
    speaker: str
    emotion: str
    ref: List[str]


def read_split(data_dir: str, split: str, labels: Optional[str]) -> List[SplitEntry]:
    """{split}.tsv + {split}.utt + {split}.<labels> of a fold dir, checked to be line-aligned.
    A test-only set (make_manifests.py --eval-only) has no label file, and labels=None reads none: the
    references are then empty."""
    def lines(name):
        with open(os.path.join(data_dir, name), encoding="utf-8") as f:
            return f.read().splitlines()
    manifest, utts = lines(f"{split}.tsv"), lines(f"{split}.utt")
    has_labels = labels is not None and os.path.isfile(os.path.join(data_dir, f"{split}.{labels}"))
    refs = lines(f"{split}.{labels}") if has_labels else [""] * len(utts)
    root, entries = manifest[0], manifest[1:]
    if not (len(entries) == len(utts) == len(refs)):
        raise ValueError(f"{data_dir}: {split}.tsv has {len(entries)} utterances, {split}.utt {len(utts)}, "
                         f"{split}.{labels} {len(refs)}; they must be line-aligned")
    out = []
    for entry, utt, ref in zip(entries, utts, refs):
        relpath, frames = entry.split("\t")
        utt_id, speaker, emotion = utt.split("\t")
        out.append(SplitEntry(os.path.join(root, relpath), int(frames), utt_id, speaker, emotion, ref.split()))
    return out
