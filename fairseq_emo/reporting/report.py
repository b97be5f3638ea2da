"""The cross-validation report: exp/<corpus>/ -> exp/<corpus>/report/{results.json, report.md, RESULTS.md, PNGs}.

results.py makes the results (the product, written first, under docs/schema/results.schema.json); render.py and
figures.py make report.md and the figures from them. `rerender` makes the views again from a results.json alone.
What report.md holds, per fold scheme: the protocol line; Table 1 (WA/UA pooled over folds, the paper's figures
and the difference where a run is the paper's experiment, fold spread, strict-majority figures and the vote's
fallbacks, the eGeMAPS baseline; over seeds when several ran); per fold; paired tests between unit types; the
improvised/scripted and female/male breakdowns; variants of one unit type; Table 2 (confusion matrices); Table 3
(unit error rates with the paper's); Figure 4 (training loss); provenance.
"""
import json
import os
from typing import Dict

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.reporting import figures, render, results as results_mod
from fairseq_emo.reporting.results_md import results_md


def render_views(results: Dict, out: str) -> str:
    """results -> the figures and report.md in out/ (nothing else is read). -> the report.md path."""
    os.makedirs(out, exist_ok=True)
    for scheme in results["scheme_order"]:
        for run in results["schemes"][scheme]["runs"]:
            figures.confusion_figure(run, os.path.join(out, layout.confusion_figure(run["run"])))
            figures.unit_emotion_figure(run, os.path.join(out, layout.unit_emotion_figure(run["run"])))
    has_loss = figures.loss_figure(results, os.path.join(out, layout.LOSS_FIGURE))
    write_text(os.path.join(out, layout.RESULTS_MD), results_md(results))
    return write_text(os.path.join(out, layout.REPORT), render.cross_validation_report(results, has_loss))


def write_report(corpus_exp: str, split: str = "test") -> Dict:
    """exp/<corpus>/ -> report/ (results.json first: a report.md is never left beside no or stale results).
    -> the results, as written to results.json."""
    text = results_mod.to_json(results_mod.collect(corpus_exp, split))
    out = layout.report_dir(corpus_exp)
    os.makedirs(out, exist_ok=True)
    write_text(os.path.join(out, layout.RESULTS), text)
    written = json.loads(text)  # the views are made from what results.json holds, never from more
    render_views(written, out)
    return written


def rerender(results_json: str, out: str = "") -> str:
    """A saved results.json -> report.md and figures beside it (or in out). -> the report.md path."""
    return render_views(results_mod.load(results_json), out or os.path.dirname(os.path.abspath(results_json)))
