"""The product of a cross-corpus report: exp/cross/ -> results (a dict under docs/schema/cross_results.schema.json).

Reads, per tested corpus and unit type (a cell, exp/cross/<target>/<variant>/): the vote and its reference, the
unit timelines (empty hypotheses) and decode.json (decode.py: the model's fold and the test set), the model's
DONE and fold.json (how it was trained, on how much) and the test set's eval.json (counts, source sample rates).
The paper's Table 5 figure goes with a cell only where paper.compare_cross says it is the paper's experiment.
No markdown here: render.cross_corpus_report makes report.md from these results.
"""
import glob
import json
import os
from typing import Dict, List, Optional

from fairseq_emo.core import layout
from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.core.emotions import EMOTIONS, POLICIES
from fairseq_emo.core.layout import read_done
from fairseq_emo.core.provenance import provenance
from fairseq_emo.data.audio_cache import RATE_POLICY_TEXT, split_corpus
from fairseq_emo.data.corpora.registry import is_synthetic
from fairseq_emo.data.fold_protocol import read_fold_record
from fairseq_emo.decoding.scoring import ALL_FOLDS, read_scores_table
from fairseq_emo.decoding.vote import accuracy_from_confusion, confusion, read_emotions, RULE_TEXT
from fairseq_emo.evaluation.cross_scoring import REFERENCE_FLOOR, table_has_phones, why_not_scored
from fairseq_emo.reporting import paper
from fairseq_emo.training.reproduce import seed_of, user_overrides
from fairseq_emo.units import unit_type, UNIT_TYPES


def corpus_order(corpora: List[str]) -> List[str]:
    """Targets in the label policies' corpus order; a paper condition (Table 5's row) before the others."""
    known = list(POLICIES)

    def key(c):
        base, _ = split_corpus(c)
        return (known.index(base) if base in known else len(known), c not in paper.TABLE5, c)
    return sorted(corpora, key=key)


def unit_order(units: List[str]) -> List[str]:
    return sorted(units, key=lambda u: (UNIT_TYPES.index(unit_type(u)) if unit_type(u) in UNIT_TYPES
                                        else len(UNIT_TYPES), u))


def target_name(corpus: str) -> str:
    """'mandarin-bandlimit8k' -> 'Mandarin Affective Speech, down to 8 kHz, then up to 16 kHz (...)'."""
    base, policy = split_corpus(corpus)
    name = POLICIES[base].corpus if base in POLICIES else corpus
    if policy != "resample" or base == "mandarin":
        name += f", {RATE_POLICY_TEXT[policy]}"
    if base in {split_corpus(t)[0] for t in paper.TABLE5} and corpus not in paper.TABLE5:
        name += " (not the paper's condition)"
    return name


def target_facts(corpus: str, eval_info: Dict) -> Dict:
    """A test set's Table 4 row: counts, the paper's counts (label policy), speakers, rates, what the audio went
    through."""
    base, policy = split_corpus(corpus)
    rates = eval_info.get("source_rates", [])
    audio = (RATE_POLICY_TEXT[policy] if policy != "resample" else
             "resampled to 16 kHz" if any(r != FAIRSEQ_SAMPLE_RATE for r in rates) else "as recorded")
    return {"name": target_name(corpus), "counts": eval_info["counts"], "speakers": len(eval_info["speakers"]),
            "source_rates": rates, "audio": audio,
            "paper_counts": list(POLICIES[base].paper_counts) if base in POLICIES and POLICIES[base].paper_counts
            else None, "counts_source": POLICIES[base].counts_source if base in POLICIES else ""}


def cell_results(cell: str) -> Dict:
    """One cell dir -> {WA, UA, confusion, n, empty, protocol, eval, paper_comparison, paper_WA}."""
    corpus = os.path.basename(os.path.dirname(cell))
    reference = read_emotions(os.path.join(cell, layout.REF_EMOTIONS))
    matrix = confusion(reference, read_emotions(os.path.join(cell, layout.VOTED)))
    with open(os.path.join(cell, layout.DECODED), encoding="utf-8") as f:
        source = json.load(f)  # decode.py's record: the model's fold and the test set
    if not source.get("model_fold"):
        raise ValueError(f"{cell}/{layout.DECODED}: decoded with a checkpoint outside a trained fold; the report "
                         f"needs the fold (its DONE and fold.json) to state the training protocol")
    done = read_done(source["model_fold"])
    fold = read_fold_record(done["data"])
    command = done.get("command", "")
    protocol = dict(train_corpus=fold.corpus, train=fold.counts["train"], valid=fold.counts["valid"],
                    config=done["config"], w2v=done["w2v"], scheme=fold.scheme, valid_fraction=fold.valid_fraction,
                    checkpoint_rule=done["checkpoint_rule"], valid_policy=fold.valid_policy,
                    overrides=user_overrides(command), seed=seed_of(command))
    with open(os.path.join(source["data"], layout.EVAL_RECORD), encoding="utf-8") as f:
        eval_info = json.load(f)
    comparison = paper.compare_cross(paper.RunConditions(
        corpus=fold.corpus, scheme=fold.scheme, unit=fold.unit, variant=fold.unit_variant, folds=[1], total_folds=1,
        valid_policy=fold.valid_policy, config=done["config"], w2v=done["w2v"], command=command,
        n=fold.counts.get("train"), w2v_arch=done.get("w2v_arch", "")), corpus,
        target_counts=[eval_info["counts"].get(e, 0) for e in EMOTIONS])
    with open(os.path.join(cell, layout.UNIT_TIMELINES), encoding="utf-8") as f:
        empty = sum(1 for line in f if not json.loads(line)["units"])

    scores = read_scores_table(layout.scores_table(cell, "test")).get(ALL_FOLDS)
    unscored = None if scores else why_not_scored(fold.unit_variant, table_has_phones(eval_info.get("table", ""))) \
        or "not scored yet (run_cross_corpus.sh stage 5)"
    floor_path = os.path.join(cell, REFERENCE_FLOOR)
    floor = None
    if scores and os.path.isfile(floor_path):
        with open(floor_path, encoding="utf-8") as f:
            floor = json.load(f)
    return dict(accuracy_from_confusion(matrix), confusion=matrix, empty=empty, n=len(reference), protocol=protocol,
                eval=eval_info, paper_comparison=comparison.as_dict(),
                paper_WA=(comparison.figure(fold.unit) or {}).get("WA"), scores=scores, unscored=unscored,
                reference_floor=floor)


def _cells(cross_dir: str) -> List[str]:
    """The unit cells <target>/<variant>/ of a cross-corpus folder (the baselines beside them are not cells)."""
    return [c for c in sorted(glob.glob(os.path.join(glob.escape(cross_dir), "*", "*")))
            if os.path.isdir(c) and os.path.basename(c) != layout.BASELINE_DIR]


def baseline_results(cross_dir: str, target: str) -> Optional[Dict]:
    """<target>/baseline (scripts/baseline.py --cross-train) -> {WA, UA, n, method, train_corpus}, or None."""
    out = layout.cross_baseline(cross_dir, target)
    if not os.path.isfile(os.path.join(out, layout.BASELINE_RECORD)):
        return None
    with open(os.path.join(out, layout.BASELINE_RECORD), encoding="utf-8") as f:
        info = json.load(f)
    reference = read_emotions(os.path.join(out, layout.REF_EMOTIONS))
    matrix = confusion(reference, read_emotions(os.path.join(out, layout.VOTED)))
    return dict(accuracy_from_confusion(matrix), n=len(reference), confusion=matrix, method=info["method"],
                train_corpus=info["train_corpus"], train=info["train"])


def left_out(cross_dir: str) -> List[str]:
    """'<corpus>/<unit>: why' for every cell folder that has no vote yet (so no table cell is missing unsaid)."""
    missing = []
    for cell in _cells(cross_dir):
        if os.path.isfile(os.path.join(cell, layout.VOTED)):
            continue
        why = "not voted" if layout.is_decoded(cell) else "decoding not finished"
        missing.append(f"{os.path.relpath(cell, cross_dir)}: {why}")
    return missing


def collect(cross_dir: str) -> Dict:
    """exp/cross -> results; FileNotFoundError when no cell has been voted."""
    cells: Dict[str, Dict[str, Dict]] = {}
    for cell in _cells(cross_dir):
        if not os.path.isfile(os.path.join(cell, layout.VOTED)):
            continue
        cells.setdefault(os.path.basename(os.path.dirname(cell)), {})[os.path.basename(cell)] = cell_results(cell)
    if not cells:
        raise FileNotFoundError(f"{cross_dir}: no <corpus>/<unit>/{layout.VOTED}; run the decode and vote stages "
                                f"first")
    corpora = corpus_order(list(cells))
    any_cell = next(iter(cells[corpora[0]].values()))
    baselines = {c: b for c in corpora for b in [baseline_results(cross_dir, c)] if b}
    return {"cells": cells, "corpora": corpora, "units": unit_order(sorted({u for c in cells.values() for u in c})),
            "train_corpus": any_cell["protocol"]["train_corpus"], "baselines": baselines,
            "targets": {c: target_facts(c, next(iter(cells[c].values()))["eval"]) for c in corpora},
            "synthetic": is_synthetic(any_cell["protocol"]["train_corpus"]), "vote_rule": RULE_TEXT,
            "paper_table5": paper.TABLE5, "left_out": left_out(cross_dir), "provenance": provenance()}


def matrix(exp_root: str) -> Dict:
    """Every cross-corpus folder's results.json (one per training corpus) -> the train x test matrix per unit type:
    {units, trains, targets, cells: {unit: {train: {target: {WA, UA, n, empty}}}}, baselines: {train: {target:
    {WA, UA, n}}}, sources: {train: results.json path}}. Made from the results alone, as the reports are."""
    from fairseq_emo.reporting.results import load  # scipy and jsonschema: only when reading results back

    sources = {}
    for d in layout.cross_dirs(exp_root):
        path = os.path.join(d, layout.RESULTS)
        if os.path.isfile(path):
            r = load(path)
            if r["train_corpus"] in sources:
                raise ValueError(f"{path} and {sources[r['train_corpus']]} both hold models trained on "
                                 f"{r['train_corpus']}; keep one")
            sources[r["train_corpus"]] = path
    if not sources:
        raise FileNotFoundError(f"no {layout.CROSS_DIR}*/{layout.RESULTS} under {exp_root}: run the cross-corpus "
                                f"report first (scripts/report_cross_corpus.py --cross DIR)")
    cells: Dict[str, Dict[str, Dict]] = {}
    baselines: Dict[str, Dict] = {}
    targets = set()
    for train, path in sources.items():
        r = load(path)
        for target, units in r["cells"].items():
            targets.add(target)
            for unit, cell in units.items():
                cells.setdefault(unit, {}).setdefault(train, {})[target] = {
                    k: cell[k] for k in ("WA", "UA", "n", "empty")}
        baselines[train] = {t: {k: b[k] for k in ("WA", "UA", "n")} for t, b in r.get("baselines", {}).items()}
    return {"units": unit_order(list(cells)), "trains": corpus_order(list(sources)),
            "targets": corpus_order(sorted(targets)), "names": {t: target_name(t) for t in targets | set(sources)},
            "cells": cells, "baselines": baselines, "sources": sources, "provenance": provenance()}
