"""Units scored across languages: a cross-corpus cell (a model trained on one corpus, decoded on another's test
set) + the target's utterance table -> the cell's reference trn files in the model's units, scored by sclite
with and without emotion -> <cell>/scores_test.tsv (one ALL_FOLDS row per view; cross_results.py reads it).

Which units can be scored on another language: broad phonetic classes only. Their class names are defined on
articulatory features (units/ipa.py), so an English BPC model's `FRIC_sad` and a German reference's `FRIC_sad`
name the same thing. Phonemes and syllables are language-specific strings (an English model's `HHAH` never
occurs in German references): they are scored only within a language, and a cell of them is left unscored, said
so. A target without transcripts (no phones in its table) has nothing to score against: its cells are voted only.
A user-defined BPC set (a file of ARPAbet phones) has no IPA definition and is not scored on IPA targets.
Where the target's release ships hand phone labels (EmoDB's lablaut/), the cell also gets its reference floor:
the G2P references scored against the hand labels in the same classes (reference_floor.json), printed beside
the cross-language rate: a model's error against the references includes this much that is the references'.

  python -m fairseq_emo.evaluation.cross_scoring --cell exp/cross/emodb/bpc --table data/cross/emodb/utterances.tsv
"""
import argparse
import json
import os
import sys
from collections import Counter
from typing import Dict, List, Optional, Tuple

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.data.audio_cache import split_corpus
from fairseq_emo.data.corpora.emodb_labels import hand_ipa
from fairseq_emo.data.table import read_table
from fairseq_emo.decoding.scoring import ALL_FOLDS, score, VIEWS, write_scores_table
from fairseq_emo.decoding.trn import write_trn
from fairseq_emo.units import emotion_units, unit_bodies, unit_type, UnitSpec
from fairseq_emo.units.ipa import describe, IPA_BPC_SETS
from fairseq_emo.units.suffix import strip_emotion

COMPARABLE = ("bpc",)   # unit types whose bodies mean the same in every language


def why_not_scored(variant: str, table_has_phones: bool) -> Optional[str]:
    """None when a cell of this unit variant can be scored on the target; else the reason."""
    unit = unit_type(variant)
    if unit not in COMPARABLE:
        return f"{unit} units are language-specific strings: scored within a language only"
    if not table_has_phones:
        return "the target's table has no phones (read without transcripts): voted, not scored"
    return None


def table_has_phones(table: str) -> bool:
    """Does the target's table hold phones (was it read with its transcripts)? A missing table counts as yes:
    then the cell is simply not scored yet."""

    return not os.path.isfile(table) or any(u.phones.strip() for u in read_table(table))


def reference_trn(cell: str, table: str, variant: str) -> List[Tuple[str, str, List[str]]]:
    """The cell's decoded utterances (units.jsonl) -> (speaker, utt_id, reference units with the true emotion) from
    the target's table; an utterance missing from the table, or with words but no phones, is an error naming it."""

    rows = {u.utt_id: u for u in read_table(table)}
    spec = UnitSpec.from_variant(variant)
    out = []
    with open(os.path.join(cell, layout.UNIT_TIMELINES), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            u = rows.get(d["utt_id"])
            if u is None:
                raise ValueError(f"{cell}: utterance {d['utt_id']} is not in {table}: the cell was decoded from "
                                 f"another table; decode it again")
            # an utterance without words is the non-speech unit, as in training; words without phones are an
            # error from emotion_units (unit_bodies), never a silent NSN
            try:
                units = emotion_units(spec, u.word_list(), u.word_phones(), d["ref_emotion"])
            except ValueError as err:
                raise ValueError(f"utterance {u.utt_id} ({u.corpus}): {err}") from None
            out.append((d["speaker"], d["utt_id"], units))
    return out


def score_cell(cell: str, table: str) -> Optional[str]:
    """Write the cell's references (both views) and scores_test.tsv; -> None when scored, else why not."""

    variant = os.path.basename(os.path.normpath(cell))
    reason = why_not_scored(variant, bool(read_table(table)) and table_has_phones(table))
    if reason:
        return reason
    refs = reference_trn(cell, table, variant)
    emo, noemo = VIEWS
    write_trn(layout.trn(cell, emo, "ref"), refs)
    write_trn(layout.trn(cell, noemo, "ref"), [(s, u, [strip_emotion(t) for t in toks]) for s, u, toks in refs])
    rows = []
    for view in VIEWS:
        total, _ = score(layout.trn(cell, view, "ref"), layout.trn(cell, view, "hyp"), "sclite",
                         os.path.join(cell, view), name="sclite")
        rows.append((ALL_FOLDS, view, total))
    write_scores_table(layout.scores_table(cell, "test"), rows)
    floor = reference_floor(table, variant, [u for _, u, _ in refs])
    path = os.path.join(cell, REFERENCE_FLOOR)
    if floor is not None:
        write_text(path, json.dumps(floor, indent=1, sort_keys=True) + "\n")
    elif os.path.isfile(path):
        os.remove(path)   # a floor of an earlier table must not outlive it
    return None


REFERENCE_FLOOR = "reference_floor.json"   # <cell>/: the G2P references against hand labels, where a corpus ships them
HAND_LABELLED = ("emodb",)                 # corpora whose release has hand phone labels (corpora/emodb_labels.py)


def reference_floor(table: str, variant: str, utt_ids: List[str]) -> Optional[Dict]:
    """How far the target's G2P references are from its own hand labels, in the cell's classes: the unit error
    rate of the references scored against the hand labels (minimum edit distance, pooled), which no model scored
    against those references can be expected to beat. None when the target ships no hand labels."""
    import editdistance


    rows = {u.utt_id: u for u in read_table(table)}
    if not rows or split_corpus(next(iter(rows.values())).corpus)[0] not in HAND_LABELLED:
        return None
    spec = UnitSpec.from_variant(variant)
    classes = IPA_BPC_SETS.get(spec.bpc_set)
    if classes is None:
        return None
    counts: Counter = Counter()
    cache: Dict[str, Dict[str, str]] = {}
    errors = hand_units = scored = 0
    for utt in utt_ids:
        u = rows[utt]
        hand = hand_ipa(u.source_wav or u.wav, cache, counts)
        if hand is None or not u.word_list():
            continue
        reference = unit_bodies(spec, u.word_list(), u.word_phones())
        labelled = [classes(describe(t)) for t in hand[1]]
        errors += editdistance.eval(reference, labelled)
        hand_units += len(labelled)
        scored += 1
    if not scored:
        return {"source": "hand labels (lablaut)", "utterances": 0, "why": "no label file found for any utterance "
                "(the release's lablaut/ folder beside wav/)", "left_out": dict(counts)}
    unknown = {k.split(":", 1)[1]: n for k, n in counts.items() if k.startswith("unknown:")}
    return {"source": "hand labels (lablaut, SAMPA)", "bpc_set": spec.bpc_set, "utterances": scored,
            "hand_units": hand_units, "errors": errors, "rate": round(100.0 * errors / max(hand_units, 1), 1),
            "pauses": counts.get("pause", 0), "no_label_file": counts.get("no label file", 0),
            "other_files": counts.get("other files in lablaut", 0),
            "unknown_labels": dict(sorted(unknown.items(), key=lambda kv: -kv[1]))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Score a cross-corpus cell's units against the target's own "
                                                 "transcripts (broad phonetic classes, any language).")
    parser.add_argument("--cell", required=True, help="exp/cross*/<target>/<unit variant>")
    parser.add_argument("--table", required=True, help="the target's utterances.tsv")
    args = parser.parse_args(argv)
    try:
        reason = score_cell(args.cell, args.table)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{args.cell}: not scored ({reason})" if reason else
          f"{args.cell}: scored against {args.table} -> {layout.scores_table(args.cell, 'test')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
