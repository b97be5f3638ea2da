"""RESULTS.md, the short record of an experiment (icefall's RESULTS.md, ESPnet's recipe READMEs): results.json ->
per fold scheme one row per run (WA, UA, utterances, folds, seed, config, devices) and the run.sh command that
reproduces it, with the commit and the date. Rendered from results.json alone, beside report.md.

The command is rebuilt from what each run recorded (training/reproduce.py); --data is the one thing results.json
does not hold, so it is written as DIR.
"""
import time
from typing import Dict

from fairseq_emo.core import layout
from fairseq_emo.reporting.render import fmt
from fairseq_emo.training.reproduce import run_sh_command


def command(results: Dict, run: Dict) -> str:
    """A run's facts -> the run.sh line that trains, decodes and reports it."""
    p = run["protocol"]
    return run_sh_command(results["corpus"], run["scheme_dir"], run["variant"],
                          [layout.fold_number(f["fold"]) for f in run["folds"]], p["total_folds"], run.get("seed"),
                          p["config"], p.get("overrides") or [], p["w2v"])


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
