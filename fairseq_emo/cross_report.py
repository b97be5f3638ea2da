"""The paper's Tables 4 and 5 from a cross-corpus run: exp/cross/<corpus>/<unit>/ -> report.md.

Reads, per tested corpus and unit type: pred.txt (the vote), ref_emotions.txt and decode.json (decode.py: the
model's fold and the test set), the model's DONE and fold.json (how it was trained, on how much) and the test
set's eval.json (counts, source sample rates). Writes Table 4 (utterances per class and corpus), Table 5
(weighted accuracy per corpus x unit type, the paper's figures beside), the same for unweighted accuracy, and
one confusion matrix per cell.
"""
import glob
import json
import os
from typing import Dict, List

from fairseq_emo.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo import layout, paper
from fairseq_emo.emotions import EMOTION_NAMES, EMOTIONS, POLICIES
from fairseq_emo.fold_protocol import read_fold_record
from fairseq_emo.fold_run import read_done
from fairseq_emo.vote import accuracy_from_confusion, confusion, format_confusion, read_emotions

UNIT_ORDER = ["phoneme", "bpc", "syllable", "utterance", "initfinal"]
CORPUS_ORDER = ["emodb", "ksu", "mandarin-bandlimit8k", "mandarin", "mandarin-relabel"]
# Each Mandarin condition named for what it is; only the band-limited one is the paper's (paper.CONDITIONS).
CORPUS_NAMES = {"emodb": "EmoDB (German)", "ksu": "KSU (Arabic)",
                "mandarin-bandlimit8k": "Affective (Mandarin), 8 kHz band upsampled to 16 kHz (the paper's condition)",
                "mandarin": "Affective (Mandarin), full band resampled to 16 kHz (not the paper's condition)",
                "mandarin-relabel": "Affective (Mandarin), 22.05 kHz read as 16 kHz: slowed and lowered (not the "
                                    "paper's condition)"}


def _paper_cell(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _order(names: List[str], preferred: List[str]) -> List[str]:
    return sorted(names, key=lambda n: (preferred.index(n) if n in preferred else len(preferred), n))


def collect(cross_dir: str) -> Dict[str, Dict[str, Dict]]:
    """corpus -> unit -> {WA, UA, confusion, n, empty, protocol, eval}; cells without pred.txt are left out."""
    cells: Dict[str, Dict[str, Dict]] = {}
    for pred in glob.glob(os.path.join(cross_dir, "*", "*", "pred.txt")):
        cell = os.path.dirname(pred)
        unit, corpus = os.path.basename(cell), os.path.basename(os.path.dirname(cell))
        reference = read_emotions(os.path.join(cell, "ref_emotions.txt"))
        matrix = confusion(reference, read_emotions(pred))
        with open(os.path.join(cell, layout.DECODED), encoding="utf-8") as f:
            source = json.load(f)  # decode.py's record: the model's fold and the test set
        if not source.get("model_fold"):
            raise ValueError(f"{cell}/{layout.DECODED}: decoded with a checkpoint outside a trained fold; the report "
                             f"needs the fold (its DONE and fold.json) to state the training protocol")
        done = read_done(source["model_fold"])
        fold = read_fold_record(done["data"])
        command = done.get("command", "")
        protocol = dict(train_corpus=fold.corpus, train=fold.counts["train"], valid=fold.counts["valid"],
                        config=done["config"], w2v=done["w2v"], scheme=fold.scheme,
                        valid_fraction=fold.valid_fraction, checkpoint_rule=done["checkpoint_rule"],
                        valid_policy=fold.valid_policy, overrides=paper.user_overrides(command),
                        seed=paper.seed_of(command))
        comparison = paper.compare_cross(paper.RunConditions(
            corpus=fold.corpus, scheme=fold.scheme, unit=fold.unit, variant=fold.unit_variant, folds=[1],
            total_folds=1, valid_policy=fold.valid_policy, config=done["config"], w2v=done["w2v"], command=command),
            corpus)
        with open(os.path.join(source["data"], "eval.json"), encoding="utf-8") as f:
            eval_info = json.load(f)
        with open(os.path.join(cell, "units.jsonl"), encoding="utf-8") as f:
            empty = sum(1 for line in f if not json.loads(line)["units"])
        cells.setdefault(corpus, {})[unit] = dict(accuracy_from_confusion(matrix), confusion=matrix, empty=empty,
                                                  n=len(reference), protocol=protocol, eval=eval_info,
                                                  paper_comparison=comparison.as_dict(),
                                                  paper_WA=(comparison.figure(unit) or {}).get("WA"))
    return cells


def left_out(cross_dir: str) -> List[str]:
    """'<corpus>/<unit>: why' for every cell folder that has no vote yet (so no table cell is missing unsaid)."""
    missing = []
    for cell in sorted(glob.glob(os.path.join(cross_dir, "*", "*"))):
        if not os.path.isdir(cell) or os.path.isfile(os.path.join(cell, "pred.txt")):
            continue
        why = "not voted" if layout.is_decoded(cell) else "decoding not finished"
        missing.append(f"{os.path.relpath(cell, cross_dir)}: {why}")
    return missing


def write_cross_report(cross_dir: str) -> str:
    """-> path of report.md (also printed as RESULT lines by the script)."""
    cells = collect(cross_dir)
    if not cells:
        raise FileNotFoundError(f"{cross_dir}: no <corpus>/<unit>/pred.txt; run the decode and vote stages first")
    corpora = _order(list(cells), CORPUS_ORDER)
    units = _order(sorted({u for c in cells.values() for u in c}), UNIT_ORDER)
    any_cell = next(iter(cells[corpora[0]].values()))
    p = any_cell["protocol"]
    if p["valid_policy"] == "monitor":
        training = (f"trained on every utterance of the training corpus, as the paper (\"re-trained on the entire "
                    f"dataset\"); fold scheme '{p['scheme']}', validation policy 'monitor': a "
                    f"{100 * p['valid_fraction']:.0f} % slice per speaker and emotion, drawn from the training "
                    f"utterances, only draws the curve; no test fold")
    else:
        training = (f"trained on the training corpus less a held-out validation slice of "
                    f"{100 * p['valid_fraction']:.0f} % per speaker and emotion (validation policy 'heldout'; the "
                    f"paper trained on the entire dataset); no test fold")
    lines = ["# Cross-corpus emotion recognition (the paper's Section 4)", "",
             f"Protocol: one model per unit type, {training}; then tested, without any adaptation or transcripts, "
             f"on each corpus below. Test checkpoint: {p['checkpoint_rule']}. One emotion per utterance by "
             f"majority vote of the decoded units.", ""]
    lines += ["| unit | training corpus | train / valid utterances (policy) | config | pre-trained model | overrides |",
              "|---|---|---|---|---|---|"]
    for unit in units:
        p = next(cells[c][unit]["protocol"] for c in corpora if unit in cells[c])
        lines.append(f"| {unit} | {p['train_corpus']} | {p['train']} / {p['valid']} ({p['valid_policy']}) | "
                     f"{p['config']} | {p['w2v']} | {' '.join(f'`{o}`' for o in p['overrides']) or 'none'} |")
    lines += ["", "## Table 4: utterances per class (ours; the paper's in brackets)", "",
              "| corpus | " + " | ".join(EMOTION_NAMES[e] for e in EMOTIONS) + " | speakers | audio |",
              "|---|" + "---|" * (len(EMOTIONS) + 2)]
    for corpus in corpora:
        info = next(iter(cells[corpus].values()))["eval"]
        rates = "/".join(str(r) for r in info.get("source_rates", []))
        policy = "relabelled as 16 kHz" if corpus.endswith("-relabel") else \
            "down to 8 kHz, up to 16 kHz" if corpus.endswith("-bandlimit8k") else "resampled to 16 kHz" \
            if any(r != FAIRSEQ_SAMPLE_RATE for r in info.get("source_rates", [])) else "as recorded"
        policy_counts = POLICIES.get(paper.base_corpus(corpus))
        lines.append(f"| {CORPUS_NAMES.get(corpus, corpus)} | " + " | ".join(
            f"{info['counts'][e]}" + (f" ({policy_counts.paper_counts[i]})" if policy_counts else "")
            for i, e in enumerate(EMOTIONS)) + f" | {len(info['speakers'])} | {rates} Hz, {policy} |")
    for metric, title in (("WA", "Table 5: weighted accuracy (%)"), ("UA", "Unweighted accuracy (%)")):
        lines += ["", f"## {title}", "", "| corpus | " + " | ".join(units) + " |", "|---|" + "---|" * len(units)]
        for corpus in corpora:
            row = [f"{cells[corpus][u][metric]:.1f}" if u in cells[corpus] else "–" for u in units]
            lines.append(f"| {CORPUS_NAMES.get(corpus, corpus)} | " + " | ".join(row) + " |")
            figures = [cells[corpus][u]["paper_WA"] if u in cells[corpus] else None for u in units]
            if metric == "WA" and any(f is not None for f in figures):
                lines.append("| paper, Table 5 | " + " | ".join(_paper_cell(f) for f in figures) + " |")
    if any(cell["paper_WA"] is not None for c in cells.values() for cell in c.values()):
        lines += ["", "Paper rows: the paper's Table 5 beside the cells that are its experiment (all-IEMOCAP models "
                  "with its recipe; the target in its condition)."]
    differing = [f"{CORPUS_NAMES.get(c, c)} {u}: " + ", ".join(cells[c][u]["paper_comparison"]["differences"])
                 for c in corpora for u in units if u in cells[c]
                 and cells[c][u]["paper_comparison"]["table"] and cells[c][u]["paper_comparison"]["differences"]]
    if differing:
        lines += ["", "Not the paper's experiment, so no paper figure beside it: " + "; ".join(differing) + "."]
    missing = left_out(cross_dir)
    if missing:
        lines += ["", f"Left out of these tables ({len(missing)} cell(s)): " + "; ".join(missing) + "."]
    mostly_empty = [f"{CORPUS_NAMES.get(c, c)} {u} ({cells[c][u]['empty']} of {cells[c][u]['n']})"
                    for c in corpora for u in units if u in cells[c] and 2 * cells[c][u]["empty"] > cells[c][u]["n"]]
    if mostly_empty:
        lines += ["", "Cells where most hypotheses were empty (the model emitted only blanks; such utterances are "
                  "decided by posterior mass alone, see the vote's rules): " + "; ".join(mostly_empty) + "."]
    if any_cell["protocol"]["train_corpus"] == "demo":
        lines += ["", "These models were trained on the synthetic demo corpus and tested on synthetic stand-ins "
                  "(espeak-ng, prosody caricatures of emotion): the figures show that the pipeline runs end to end, "
                  "nothing about the real corpora."]
    lines += ["", "## Confusion matrices (rows: target, columns: predicted)"]
    for corpus in corpora:
        for unit in _order(list(cells[corpus]), UNIT_ORDER):
            cell = cells[corpus][unit]
            lines += ["", f"### {CORPUS_NAMES.get(corpus, corpus)}, {unit} (n={cell['n']}, WA {cell['WA']:.1f}, "
                          f"UA {cell['UA']:.1f}, {cell['empty']} empty hypotheses)", "", "```",
                      format_confusion(cell["confusion"]), "```"]
    from fairseq_emo.atomic import write_text
    from fairseq_emo.provenance import provenance
    from fairseq_emo.report import results_json

    results = {"cells": {c: {u: {k: v for k, v in cell.items()} for u, cell in units_.items()}
                         for c, units_ in cells.items()},
               "paper_table5": paper.TABLE5, "left_out": missing, "provenance": provenance()}
    # results.json (the product) first: a report.md is never left beside no or stale results
    write_text(os.path.join(cross_dir, "results.json"), results_json(results))
    return write_text(os.path.join(cross_dir, "report.md"), "\n".join(lines) + "\n")
