"""The cross-corpus report (the paper's Section 4): exp/cross/ -> exp/cross/{results.json, report.md}.

cross_results.py makes the results (written first, under docs/schema/cross_results.schema.json);
render.cross_corpus_report makes report.md from them: the models' protocol, Table 4 (utterances per class and
corpus, the paper's in brackets), Table 5 (WA per corpus x unit type, the paper's row beside the cells that are its
experiment), the same for UA, one confusion matrix per cell. `rerender` makes report.md again from results.json.
"""
import json
import os
from typing import Dict

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.reporting import cross_results, render
from fairseq_emo.reporting.results import load, to_json


def write_cross_report(cross_dir: str) -> Dict:
    """-> the results, as written to results.json (report.md beside it)."""
    text = to_json(cross_results.collect(cross_dir))
    write_text(os.path.join(cross_dir, layout.RESULTS), text)
    written = json.loads(text)
    write_text(os.path.join(cross_dir, layout.REPORT), render.cross_corpus_report(written))
    return written


def rerender(results_json: str, out: str = "") -> str:
    """A saved cross-corpus results.json -> report.md beside it (or in out). -> its path."""
    out = out or os.path.dirname(os.path.abspath(results_json))
    os.makedirs(out, exist_ok=True)
    return write_text(os.path.join(out, layout.REPORT), render.cross_corpus_report(load(results_json)))


def write_matrix(exp_root: str) -> Dict:
    """Every exp/cross*/results.json -> exp/cross-matrix/{results.json, report.md}. -> the matrix results."""
    out = layout.cross_matrix_dir(exp_root)
    os.makedirs(out, exist_ok=True)
    text = to_json(cross_results.matrix(exp_root))
    write_text(os.path.join(out, layout.RESULTS), text)
    written = json.loads(text)
    write_text(os.path.join(out, layout.REPORT), render.cross_matrix_report(written))
    return written
