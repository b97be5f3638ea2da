"""RESULTS.md, the short record of an experiment (icefall's RESULTS.md, ESPnet's recipe READMEs): results.json ->
per fold scheme one row per run (WA, UA, utterances, folds, seed, config, devices) and the run.sh command that
reproduces it, with the commit and the date. Rendered from results.json alone, beside report.md.

The command is rebuilt from what each run recorded (corpus and rate condition, scheme, folds, validation policy,
subset, unit variant, seed, config, training overrides, pre-trained model); --data is the one thing results.json
does not hold, so it is written as DIR.
"""
import shlex
import time
from typing import Dict, List

from fairseq_emo.core import layout
from fairseq_emo.data.audio_cache import split_corpus
from fairseq_emo.data.corpora.registry import is_synthetic
from fairseq_emo.reporting.render import fmt
from fairseq_emo.units import unit_type

DEMO_CONFIG = "demo"   # run.sh's config for the demo corpus (recipe/plan.py)


def command(results: Dict, run: Dict) -> str:
    """A run's facts -> the run.sh line that trains, decodes and reports it."""
    corpus, policy = split_corpus(results["corpus"])
    p = run["protocol"]
    words = ["bash", "scripts/run.sh", "--corpus", corpus]
    if not is_synthetic(corpus):
        words += ["--data", "DIR", "--w2v", p["w2v"]]
    if policy != "resample":
        words += ["--rate-policy", policy]
    scheme = layout.parse_scheme_dir(run["scheme_dir"])
    words += ["--folds", scheme["scheme"]]
    if scheme["num_folds"]:
        words += ["--num-folds", str(scheme["num_folds"])]
    if scheme["valid_policy"] != layout.DEFAULT_VALID_POLICY:
        words += ["--valid-policy", scheme["valid_policy"]]
    if scheme.get("subset"):
        words += ["--subset", scheme["subset"]]
    words += ["--train-units", run["variant"]]
    folds = [layout.fold_number(f["fold"]) for f in run["folds"]]
    if len(folds) != p["total_folds"]:
        words += ["--train-folds", " ".join(map(str, folds))]
    else:
        words += ["--train-folds", "all"]
    if run.get("seed") is not None:
        words += ["--seeds", str(run["seed"])]
    own = f"paper_{run['variant']}"   # a variant defined by its own config takes no --config
    default = DEMO_CONFIG if is_synthetic(corpus) else f"paper_{unit_type(run['variant'])}"
    if p["config"] not in (own, default):
        words += ["--config", p["config"]]
    overrides = list(p.get("overrides") or [])
    return " ".join(shlex.quote(w) for w in words) + (" -- " + " ".join(map(shlex.quote, overrides))
                                                      if overrides else "")


def _devices(run: Dict, key: str) -> str:
    return ", ".join(sorted({f[key] for f in run["folds"] if f.get(key)})) or "–"


def results_md(results: Dict) -> str:
    """results (a results.json read back) -> the text of RESULTS.md."""
    prov = results["provenance"]
    lines = [f"# RESULTS: {results['corpus']}", "",
             f"Report written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by commit "
             f"`{prov['commit'] or 'unknown'}`{' (with uncommitted changes)' if prov.get('uncommitted_changes') else ''}"
             f"; every number and the whole protocol: `{layout.RESULTS}`, the tables: `{layout.REPORT}`.", ""]
    if results["synthetic"]:
        lines += ["A synthetic corpus (espeak-ng speech, prosody-caricature emotions): these figures show the "
                  "pipeline runs, nothing about real speech.", ""]
    for scheme in results["scheme_order"]:
        sec = results["schemes"][scheme]
        p = sec["protocol"]
        lines += [f"## Fold scheme `{scheme}`", "",
                  f"Test = {p['texts']['test_group']} per fold; validation: {p['valid_policy']}; test checkpoint: "
                  f"{p['checkpoint_rule']}.", "",
                  "| run | WA % | UA % | utterances | folds | seed | config | trained on | decoded on |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for run in sec["runs"]:
            acc = run["accuracy"]
            lines.append(f"| {run['run']} | {fmt(acc['WA'])} | {fmt(acc['UA'])} | {run['n']} | "
                         f"{', '.join(f['fold'] for f in run['folds'])} | {run.get('seed') or '1 (default)'} | "
                         f"{run['protocol']['config']} | {_devices(run, 'device')} | {_devices(run, 'decode_device')} |")
        lines += ["", "Reproduce (each row):", "", "```bash"]
        lines += [command(results, run) for run in sec["runs"]]
        lines += ["```", ""]
    return "\n".join(lines)
