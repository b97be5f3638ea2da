"""What a fine-tuned checkpoint is: a record stored inside it, so the file describes itself wherever it goes.

  record = {corpus, unit, unit_variant, bpc_set, syllabifier, scheme, valid_policy, test_group, train/valid/test
            utterances, pretrained (model.w2v_path), config, command (the fold's cmd.sh, every override),
            seed, device, finished, commit, evaluation: {split, n, WA, UA} once the fold is evaluated}
run_folds.sh writes it when a fold is DONE (fold_run.finalize) and run.sh adds the evaluation after the vote.
`fairseq-emo info CHECKPOINT` prints it; predict states it and warns when the model learned the synthetic demo
corpus, or when a checkpoint carries no record (not made by this project's training: checkpoints are pickles,
load only files you trust).
"""
import os
from typing import Dict, Optional

from fairseq_emo.core import layout, safe_load
from fairseq_emo.core.atomic import write_with
from fairseq_emo.core.layout import read_done
from fairseq_emo.core.provenance import provenance
from fairseq_emo.data.corpora.registry import is_synthetic
from fairseq_emo.data.fold_protocol import read_fold_record
from fairseq_emo.decoding.vote import accuracy_from_confusion, confusion, read_emotions

RECORD_KEY = "fairseq_emo_record"


def build(fold_dir: str, done: Optional[Dict] = None) -> Dict:
    """A finished fold's training dir (DONE, or the facts about to be written to it; cmd.sh; the fold data's
    fold.json) -> its record."""

    done = done if done is not None else read_done(fold_dir)
    fold = read_fold_record(done["data"])
    command = ""
    if os.path.isfile(os.path.join(fold_dir, layout.COMMAND)):
        with open(os.path.join(fold_dir, layout.COMMAND), encoding="utf-8") as f:
            command = f.read().strip()
    return {"format": 1, "corpus": fold.corpus, "unit": fold.unit,
            "unit_variant": fold.unit_variant, "bpc_set": fold.bpc_set,
            "syllabifier": fold.syllabifier, "scheme": fold.scheme,
            "valid_policy": fold.valid_policy, "test_group": fold.test_group,
            "fold": fold.fold, "utterances": {k: fold.counts.get(k) for k in ("train", "valid", "test")},
            "pretrained": done.get("w2v"), "config": done.get("config"), "command": command,
            "seed": done.get("seed"), "device": done.get("device"), "finished": done.get("finished"),
            "checkpoint_rule": done.get("checkpoint_rule"), "commit": provenance()["commit"], "evaluation": None}


def evaluation(fold_dir: str, split: str = "test") -> Dict:
    """decode_<split>/{pred.txt, ref_emotions.txt} of a fold -> {split, n, WA, UA}."""

    dec = layout.decode_dir(fold_dir, split)
    ref = read_emotions(os.path.join(dec, layout.REF_EMOTIONS))
    acc = accuracy_from_confusion(confusion(ref, read_emotions(os.path.join(dec, layout.VOTED))))
    return {"split": split, "n": len(ref), "WA": round(acc["WA"], 2), "UA": round(acc["UA"], 2)}


EXPORTED_RECORD = "fairseq_emo_record.json"  # the record beside an exported transformers model (hf_export.py)


def read(checkpoint: str) -> Optional[Dict]:
    """The record inside a checkpoint (or beside an exported model directory), or None (not run_folds.sh's)."""
    import json

    if os.path.isdir(checkpoint):
        path = os.path.join(checkpoint, EXPORTED_RECORD)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as f:
            return json.load(f) or None

    state = safe_load.load(checkpoint, mmap=True)
    return state.get(RECORD_KEY) if isinstance(state, dict) else None


def update(checkpoint: str, changes: Dict) -> Dict:
    """Merge changes into the checkpoint's record (rewritten atomically); returns the new record."""
    import torch

    state = safe_load.load(checkpoint)
    record = dict(state.get(RECORD_KEY) or {}, **changes)
    state[RECORD_KEY] = record
    write_with(checkpoint, lambda tmp: torch.save(state, tmp))
    return record


def describe(record: Optional[Dict]) -> str:
    """One line for people: what the model learned, on what, and how well."""
    if not record:
        return ("this checkpoint carries no fairseq_emo record: it was not made by this project's training "
                "(checkpoints are pickles: load only files you trust)")
    ev = record.get("evaluation")
    score = f"; {ev['split']} WA {ev['WA']:.1f} / UA {ev['UA']:.1f} on {ev['n']} utterances" if ev else \
        "; not evaluated"
    text = (f"{record.get('unit_variant')} units trained on {record.get('corpus')} (scheme {record.get('scheme')}, "
            f"test group {record.get('test_group')}, {record['utterances'].get('train')} training utterances, "
            f"validation {record.get('valid_policy')}, config {record.get('config')}){score}")
    if is_synthetic(record.get("corpus", "")):
        text += (". WARNING: trained on the synthetic demo corpus (espeak-ng prosody caricatures): its emotions "
                 "mean nothing for real speech")
    return text
