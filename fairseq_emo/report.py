"""The paper's tables from a finished run, read against the paper: exp/<corpus>/ -> report/{report.md, results.json, PNGs}.

Runs are the directories exp/<corpus>/<variant>[.<scheme dir>][.seed<s>]/ (names: layout.py). Per run and fold
it reads DONE (checkpoint rule, config, fold data, seed, device, wall time), the fold's fold.json (scheme,
validation policy, counts), decode_<split>/{pred.txt, ref_emotions.txt, emo/hyp.trn, units.jsonl} (the vote and
which rule decided it), <run>/scores_<split>.tsv (sclite) and train.log (loss curve, lr at unfreeze); the
utterance table named in fold.json gives gender and dialog for the breakdowns; exp/<corpus>/baseline/<scheme
dir>/ the eGeMAPS baseline. Per fold scheme, report.md has its protocol line and:
  Table 1   WA/UA pooled over folds, the paper's figures and the difference (IEMOCAP speaker folds only),
            per-fold mean ± SD and min-max, the pure-majority figures and how many utterances the vote's
            fallbacks decided, the baseline; over seeds when several ran
  per fold  WA, UA, unit error rates, lr at unfreeze, per test group
  paired tests between unit types (exact McNemar on pooled utterances, Wilcoxon signed-rank over folds)
  breakdowns improvised/scripted and female/male; a table of variants of one unit type
  Table 2   confusion matrices; Table 3 unit error rates with the paper's; Figure 4 the training loss
results.json holds every number of report.md with the protocol, commit, package versions, devices and times.
"""
import glob
import json
import math
import os
import re
from itertools import combinations
from typing import Dict, List, Optional

from fairseq_emo import layout, paper
from fairseq_emo.atomic import write_text
from fairseq_emo.provenance import provenance
from fairseq_emo.emotions import EMOTION_NAMES, EMOTIONS
from fairseq_emo.fold_protocol import read_fold_record
from fairseq_emo.fold_run import log_records, read_done
from fairseq_emo.layout import parse_exp_name
from fairseq_emo.scoring import read_scores_table
from fairseq_emo.model_record import SYNTHETIC_CORPORA
from fairseq_emo.stats import discordant, holm, mcnemar_exact, mean_sd, wilcoxon_signed_rank
from fairseq_emo.vote import NO_WINNER, accuracy, accuracy_from_confusion, confusion, read_emotions, vote_hypotheses

UNIT_ORDER = ["phoneme", "bpc", "syllable", "utterance", "initfinal"]
BASELINE_DIR = layout.BASELINE_DIR
UNFREEZE_LOG = re.compile(r"unfreeze: update (\d+), lr ([0-9.eE+-]+)")


def _fold_dirs(run_dir: str, split: str):
    """(evaluated fold dirs, fold dirs left out with the reason), both in fold order."""
    evaluated, left_out = [], []
    for d in layout.fold_dirs(run_dir):
        if not layout.is_trained(d):
            left_out.append((os.path.basename(d), "training not finished"))
        elif not os.path.isfile(os.path.join(layout.decode_dir(d, split), layout.VOTED)):
            left_out.append((os.path.basename(d), f"not decoded and voted ({split})"))
        else:
            evaluated.append(d)
    return evaluated, left_out


def lr_at_unfreeze(fold_dir: str) -> Optional[Dict]:
    """The task's 'unfreeze: update N, lr X' log line (last attempt wins), or None."""
    found = None
    log = os.path.join(fold_dir, "train.log")
    if os.path.isfile(log):
        with open(log, errors="replace") as f:
            for line in f:
                m = UNFREEZE_LOG.search(line)
                if m:
                    found = {"update": int(m.group(1)), "lr": float(m.group(2))}
    return found


_TABLES: Dict[str, Dict] = {}


def _utterance_facts(table: str) -> Dict[str, Dict[str, str]]:
    """utt_id -> {gender, style} from the utterance table (style: improvised/scripted on IEMOCAP, else '')."""
    if table not in _TABLES:
        from fairseq_emo.table import read_table

        facts = {}
        if os.path.isfile(table):
            for u in read_table(table):
                style = "improvised" if "_impro" in u.dialog else "scripted" if "_script" in u.dialog else ""
                facts[u.utt_id] = {"gender": u.gender, "style": style}
        _TABLES[table] = facts
    return _TABLES[table]


def run_summary(run_dir: str, split: str = "test") -> Dict:
    """Everything the report says about one run (a unit variant, scheme and seed): pooled and per fold."""
    name = os.path.basename(run_dir)
    names = parse_exp_name(name)
    folds, left_out = _fold_dirs(run_dir, split)
    summary = {"run": name, **names, "left_out": left_out, "folds": []}
    if not folds:
        return summary
    scores = read_scores_table(layout.scores_table(run_dir, split))
    reference, predicted, strict, rules, protocol = {}, {}, {}, {"majority": 0, "tie": 0, "empty": 0}, None
    facts: Dict[str, Dict[str, str]] = {}
    for d in folds:
        dec = layout.decode_dir(d, split)
        ref = read_emotions(os.path.join(dec, "ref_emotions.txt"))
        pred = read_emotions(os.path.join(dec, layout.VOTED))
        units_json = os.path.join(dec, "units.jsonl")
        votes, _ = vote_hypotheses(os.path.join(dec, "emo", "hyp.trn"),
                                   units_json if os.path.isfile(units_json) else None)
        done = read_done(d)
        info = read_fold_record(done["data"])
        acc = accuracy_from_confusion(confusion(ref, pred))
        decode_info = {}
        if os.path.isfile(os.path.join(dec, "decode.json")):
            with open(os.path.join(dec, "decode.json")) as f:
                decode_info = json.load(f)
        fold = os.path.basename(d)
        fold_scores = scores.get(fold, {})
        summary["folds"].append({
            "fold": fold, "test_group": info.test_group, "n": len(ref), "WA": acc["WA"], "UA": acc["UA"],
            "strict_WA": accuracy(ref, {u: votes[u].strict for u in ref})["WA"],
            "uer_emo": float(fold_scores["emo"]["Err"]) if "emo" in fold_scores else None,
            "uer_noemo": float(fold_scores["noemo"]["Err"]) if "noemo" in fold_scores else None,
            "unfreeze": lr_at_unfreeze(d), "train_seconds": float(done["wall_seconds"]) if "wall_seconds" in done
            else None, "device": done.get("device"), "counts": info.counts,
            "decode_seconds": decode_info.get("decode_seconds"), "decode_device": decode_info.get("device")})
        reference.update(ref)
        predicted.update(pred)
        strict.update({u: votes[u].strict for u in ref})
        for u in ref:
            rules[votes[u].rule] += 1
        facts.update(_utterance_facts(info.table))
        summary.setdefault("dict_tokens", _dict_tokens(done["data"]))
        command = done.get("command", "")
        protocol = protocol or {
            "corpus": info.corpus, "scheme": info.scheme, "valid_policy": info.valid_policy,
            "valid_fraction": info.valid_fraction, "split_seed": info.seed, "config": done["config"],
            "checkpoint_rule": done["checkpoint_rule"], "w2v": done["w2v"], "unit_variant": info.unit_variant,
            "train_seed": paper.seed_of(command, done.get("seed", "1 (fairseq default)")),
            "overrides": paper.user_overrides(command), "total_folds": len(layout.fold_dirs(
                os.path.dirname(os.path.abspath(done["data"]))))}
        if paper.user_overrides(command) != protocol["overrides"] or done["config"] != protocol["config"]:
            protocol["mixed"] = True  # folds of one run trained differently: never the paper's experiment
    matrix = confusion(reference, predicted)
    wa = [f["WA"] for f in summary["folds"]]
    ua = [f["UA"] for f in summary["folds"]]
    summary.update(
        confusion=matrix, accuracy=accuracy_from_confusion(matrix), n=len(reference), protocol=protocol,
        strict_accuracy=accuracy(reference, strict), rules=rules,
        fold_stats={"WA": _spread(wa), "UA": _spread(ua)},
        correct={u: predicted[u] == e for u, e in reference.items()},
        scores=scores.get("pooled", {}), breakdown=_breakdown(reference, predicted, facts))
    comparison = paper.compare(paper.RunConditions(
        corpus=protocol["corpus"], scheme=protocol["scheme"], unit=names["unit"], variant=names["variant"],
        folds=[int(os.path.basename(d)[4:]) for d in folds], total_folds=protocol["total_folds"],
        valid_policy=protocol["valid_policy"], config=protocol["config"], w2v=protocol["w2v"],
        command=read_done(folds[0]).get("command", ""), n=len(reference)))
    if protocol.pop("mixed", False):
        comparison.differences.append("its folds were trained with different configs or overrides")
    summary["paper_comparison"] = comparison.as_dict()
    summary["_comparison"] = comparison
    return summary


def _spread(values: List[float]) -> Dict[str, float]:
    mean, sd = mean_sd(values)
    return {"mean": mean, "sd": sd, "min": min(values), "max": max(values)}


def _breakdown(reference: Dict[str, str], predicted: Dict[str, str], facts: Dict) -> Dict[str, Dict]:
    """{'improvised': {WA, UA, n}, 'scripted': ..., 'female': ..., 'male': ...} where the table tells."""
    groups = {"improvised": lambda f: f["style"] == "improvised", "scripted": lambda f: f["style"] == "scripted",
              "female": lambda f: f["gender"] == "F", "male": lambda f: f["gender"] == "M"}
    out = {}
    for name, member in groups.items():
        ref = {u: e for u, e in reference.items() if u in facts and member(facts[u])}
        if ref:
            out[name] = dict(accuracy(ref, predicted), n=len(ref))
    return out


def paired_tests(a: Dict, b: Dict) -> Optional[Dict]:
    """McNemar on the utterances both runs tested; Wilcoxon over the folds both ran (by test group)."""
    common = sorted(set(a["correct"]) & set(b["correct"]))
    if not common:
        return None
    n01, n10 = discordant([a["correct"][u] for u in common], [b["correct"][u] for u in common])
    fa = {f["test_group"]: f["WA"] for f in a["folds"]}
    fb = {f["test_group"]: f["WA"] for f in b["folds"]}
    groups = sorted(set(fa) & set(fb))
    p_w, nonzero = wilcoxon_signed_rank([fa[g] for g in groups], [fb[g] for g in groups])
    return {"a": a["run"], "b": b["run"], "n": len(common), "a_only": n01, "b_only": n10,
            "mcnemar_p": mcnemar_exact(n01, n10), "folds": len(groups), "wilcoxon_p": p_w,
            "wilcoxon_nonzero": nonzero}


def _fmt(value, digits=1, none="–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return none
    return f"{value:.{digits}f}"


def _p(value) -> str:
    return "–" if value is None else f"{value:.3g}"


def _test_unit(scheme: str) -> str:
    """'speaker' -> 'one speaker'; 'speaker-k7' -> 'one of 7 groups of speakers'."""
    base = scheme.replace("-heldout", "")
    if "-k" in base:
        b, k = base.split("-k", 1)
        return f"one of {k} groups of {b}s"
    return f"one {base}"


def _policy_text(p: Dict) -> str:
    if p["valid_policy"] == "monitor":
        return (f"validation policy `monitor`: every utterance of the training groups trains; a "
                f"{100 * p['valid_fraction']:.0f} % slice of them (seed {p['split_seed']}) is also the valid set, "
                f"which only draws the curve (as the paper: all other speakers fine-tune)")
    return (f"validation policy `heldout`: a {100 * p['valid_fraction']:.0f} % slice of the training groups "
            f"(seed {p['split_seed']}) is held out of training for validation (NOT the paper's protocol)")


def _audio_text(corpus: str) -> str:
    """How a corpus's audio reached 16 kHz (the rate policy is part of its name: prepare_cli.py)."""
    if corpus.endswith("-bandlimit8k"):
        return " Audio: rate policy `bandlimit8k` (down to 8 kHz, then up to 16 kHz: the paper's Mandarin condition)."
    if corpus.endswith("-relabel"):
        return " Audio: rate policy `relabel` (samples unchanged, declared 16 kHz)."
    if corpus.startswith("mandarin"):
        return " Audio: rate policy `resample` (soxr to 16 kHz from the corpus's own rate)."
    return ""


def _baseline(corpus_exp: str, scheme: str, split: str) -> Optional[Dict]:
    """The eGeMAPS baseline on the same folds: pooled WA/UA and per-fold WA, or None."""
    root = layout.baseline_dir(corpus_exp, scheme)
    folds = [d for d in layout.fold_dirs(root) if os.path.isfile(os.path.join(d, layout.VOTED))]
    if not folds:
        return None
    reference, predicted, per_fold = {}, {}, []
    for d in folds:
        ref, pred = read_emotions(os.path.join(d, "ref_emotions.txt")), read_emotions(os.path.join(d, layout.VOTED))
        with open(os.path.join(d, "baseline.json")) as f:
            info = json.load(f)
        per_fold.append({"fold": os.path.basename(d), "test_group": info["test_group"],
                         **accuracy_from_confusion(confusion(ref, pred))})
        reference.update(ref)
        predicted.update(pred)
    return {"run": f"{BASELINE_DIR}/{scheme}", "folds": per_fold, "n": len(reference), "method": info["method"],
            "accuracy": accuracy_from_confusion(confusion(reference, predicted)),
            "correct": {u: predicted[u] == e for u, e in reference.items()}}


def _plot_confusion(summary: Dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = summary["confusion"]
    names = [EMOTION_NAMES[e] for e in EMOTIONS]
    fig, ax = plt.subplots(figsize=(4.6, 4))
    rows = [[v / max(1, sum(r)) for v in r] for r in m]
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for i in range(4):
        for j in range(4):
            ax.text(j, i, str(m[i][j]), ha="center", va="center", color="black" if rows[i][j] < 0.6 else "white")
    ax.set_xticks(range(4), names)
    ax.set_yticks(range(4), names)
    ax.set_xlabel("predicted emotion")
    ax.set_ylabel("target emotion")
    acc = summary["accuracy"]
    ax.set_title(f"{summary['run']}: WA {acc['WA']:.1f}%  UA {acc['UA']:.1f}%", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def loss_curves(fold_dir: str):
    """(updates, train losses), (updates, valid losses) from a fold's train.log (last attempt wins)."""
    log = os.path.join(fold_dir, "train.log")
    if not os.path.isfile(log):
        return [], []
    with open(log, errors="replace") as f:
        lines = f.readlines()
    # keyed by update: a resumed run logs some updates twice, the later attempt wins
    train = {int(r["num_updates"]): float(r["loss"]) for r in log_records(lines, "train_inner")}
    valid = {int(r["valid_num_updates"]): float(r["valid_loss"]) for r in log_records(lines, "valid")}
    return sorted(train.items()), sorted(valid.items())


def _plot_losses(run_dirs: List[str], path: str) -> bool:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    drawn = False
    for run_dir in run_dirs:
        for d in layout.fold_dirs(run_dir):
            train, _ = loss_curves(d)
            if train:
                ax.plot([u for u, _ in train], [v for _, v in train], lw=0.8,
                        label=f"{os.path.basename(run_dir)} {os.path.basename(d)}")
                drawn = True
    if drawn:
        ax.set_xlabel("updates")
        ax.set_ylabel("training loss (CTC, base 2)")
        ax.set_yscale("log")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    plt.close(fig)
    return drawn


def _run_order(s: Dict):
    unit = s["unit"]
    return (UNIT_ORDER.index(unit) if unit in UNIT_ORDER else len(UNIT_ORDER), s["variant"], s["seed"] or 0)


def discover_runs(corpus_exp: str):
    """-> (scheme dir -> run dirs under corpus_exp, names of directories that are not runs). The cross-corpus
    'all' models and the baseline are not runs of this report; any other unreadable name is listed, not dropped."""
    by_scheme: Dict[str, List[str]] = {}
    ignored: List[str] = []
    for d in sorted(glob.glob(os.path.join(corpus_exp, "*"))):
        name = os.path.basename(d)
        if not os.path.isdir(d) or name in layout.NOT_RUNS or name.startswith("w2v"):
            continue
        try:
            names = parse_exp_name(name)
        except ValueError:
            ignored.append(name)
            continue
        if names["scheme"] == "all":  # reported by cross_report.py
            continue
        by_scheme.setdefault(names["scheme_dir"], []).append(d)
    return by_scheme, ignored


def _scheme_section(corpus_exp: str, scheme: str, runs: List[Dict], split: str, out: str, results: Dict) -> List[str]:
    p = runs[0]["protocol"]
    comparisons = {s["run"]: s["_comparison"] for s in runs}
    paper_table = next((c.table for c in comparisons.values() if c.table), None)
    paper_t1 = next((c.figures for c in comparisons.values() if c.comparable), {})
    seeds = sorted({s["seed"] for s in runs if s["seed"] is not None})
    counts = runs[0]["folds"][0]["counts"]
    lines = [f"## Fold scheme `{scheme}`", "",
             f"Protocol: corpus `{p['corpus']}`, fold scheme `{scheme}` (test = {_test_unit(scheme)} per fold; "
             f"{len(runs[0]['folds'])} fold(s) evaluated), {_policy_text(p)}. Fold 1 has train {counts['train']} / "
             f"valid {counts['valid']} / test {counts['test']} utterances. Config `{p['config']}`, pre-trained "
             f"model `{os.path.basename(p['w2v'])}`, training seed(s) "
             f"{', '.join(map(str, seeds)) if seeds else p['train_seed']}; test checkpoint: {p['checkpoint_rule']}. "
             f"Emotion per utterance by majority vote of the decoded units (ties: posterior mass, then neutral > "
             f"happy > angry > sad; empty hypotheses: posterior mass). Split `{split}`.{_audio_text(p['corpus'])}",
             ""]
    with_overrides = [s for s in runs if s["protocol"]["overrides"]]
    lines += ["Training overrides (after `--`, from each fold's recorded command): " + (
        "; ".join(f"{s['run']}: " + " ".join(f"`{o}`" for o in s["protocol"]["overrides"]) for s in with_overrides)
        if with_overrides else "none") + ".", ""]
    baseline = _baseline(corpus_exp, scheme, split)
    lines += ["### Table 1: emotion recognition accuracy (%)", "",
              "| units | seed | folds | n | WA | UA | paper WA / UA | Δ WA / UA | fold WA mean ± SD [min–max] | "
              "fold UA mean ± SD | strict-majority WA / UA | ties / empty |", "|---" * 12 + "|"]
    for s in runs:
        a, fs = s["accuracy"], s["fold_stats"]
        ref = s["_comparison"].figure(s["unit"])
        paper_cell = f"{ref['WA']} / {ref.get('UA', '–')}" if ref else "–"
        delta = (f"{a['WA'] - ref['WA']:+.1f} / " + (f"{a['UA'] - ref['UA']:+.1f}" if "UA" in ref else "–")) \
            if ref else "–"
        lines.append(
            f"| {s['variant']} | {s['seed'] or '–'} | {len(s['folds'])} | {s['n']} | {a['WA']:.1f} | {a['UA']:.1f} | "
            f"{paper_cell} | {delta} | {_fmt(fs['WA']['mean'])} ± {_fmt(fs['WA']['sd'])} "
            f"[{fs['WA']['min']:.1f}–{fs['WA']['max']:.1f}] | {_fmt(fs['UA']['mean'])} ± {_fmt(fs['UA']['sd'])} | "
            f"{s['strict_accuracy']['WA']:.1f} / {s['strict_accuracy']['UA']:.1f} | "
            f"{s['rules']['tie']} / {s['rules']['empty']} |")
    if baseline:
        a = baseline["accuracy"]
        lines.append(f"| baseline: {baseline['method']} | – | {len(baseline['folds'])} | {baseline['n']} | "
                     f"{a['WA']:.1f} | {a['UA']:.1f} | – | – | | | | |")
    lines += ["", "WA = overall accuracy, UA = mean per-class recall, pooled over the folds' test utterances. "
              "Strict majority: only a unique majority counts; an utterance whose units tie, or whose hypothesis is "
              "empty, is wrong (the main figure decides those by the fallbacks counted in the last column)."]
    if paper_t1:
        lines.append("The paper's figures are its Table 1 (IEMOCAP, 10 speaker folds, final checkpoint)"
                     if paper_table == "table1" else "The paper's figure is its Mandarin 7-fold result (initials and "
                     "finals, 8 kHz audio upsampled to 16 kHz; WA only)")
        lines[-1] += ("; a variant is compared with its unit type's figure only for BPC sets (the paper names no "
                      "set). Figures appear only beside runs that are the paper's experiment "
                      "(fairseq_emo/paper.py, `compare`).")
    not_comparable = [s for s in runs if comparisons[s["run"]].table and comparisons[s["run"]].differences]
    if not_comparable:
        lines.append("Not the paper's experiment, so no paper figure beside it: " + "; ".join(
            f"**{s['run']}**: " + ", ".join(comparisons[s["run"]].differences) for s in not_comparable) + ".")
    if paper_table is None and p["corpus"] in SYNTHETIC_CORPORA:
        lines.append("The paper has no figures for this corpus: it is the synthetic demo corpus (see the note at "
                     "the top).")
    elif paper_table is None:
        lines.append(f"The paper reports no figure for corpus `{p['corpus']}` under the `{scheme}` scheme.")
    if baseline:
        lines.append(f"Baseline: {baseline['method']}, trained on each fold's train split and tested on its test "
                     f"split (same folds); it tells how much of the task prosody and voice quality alone solve.")
    # over seeds
    if seeds and len(seeds) > 1:
        lines += ["", "Over seeds (pooled WA/UA of each seed's run; mean ± SD):", "",
                  "| units | seeds | WA mean ± SD | UA mean ± SD |", "|---|---|---|---|"]
        for variant in sorted({s["variant"] for s in runs}, key=lambda v: _run_order(
                next(s for s in runs if s["variant"] == v))):
            these = [s for s in runs if s["variant"] == variant and s["seed"] is not None]
            if len(these) > 1:
                wa = mean_sd([s["accuracy"]["WA"] for s in these])
                ua = mean_sd([s["accuracy"]["UA"] for s in these])
                lines.append(f"| {variant} | {len(these)} | {_fmt(wa[0])} ± {_fmt(wa[1])} | "
                             f"{_fmt(ua[0])} ± {_fmt(ua[1])} |")
                results.setdefault("over_seeds", {}).setdefault(scheme, {})[variant] = {
                    "seeds": [s["seed"] for s in these], "WA_mean": wa[0], "WA_sd": wa[1], "UA_mean": ua[0],
                    "UA_sd": ua[1]}
    # per fold
    lines += ["", "### Per fold", "",
              "| units | seed | fold | test group | n | WA | UA | UER with / without emotion | lr at unfreeze |",
              "|---" * 9 + "|"]
    for s in runs:
        for f in s["folds"]:
            unfreeze = f"{f['unfreeze']['lr']:.3g} (update {f['unfreeze']['update']})" if f["unfreeze"] else "–"
            lines.append(f"| {s['variant']} | {s['seed'] or '–'} | {f['fold']} | {f['test_group']} | {f['n']} | "
                         f"{f['WA']:.1f} | {f['UA']:.1f} | {_fmt(f['uer_emo'])} / {_fmt(f['uer_noemo'])} | "
                         f"{unfreeze} |")
    left = [(s["run"], fold, why) for s in runs for fold, why in s["left_out"]]
    left += [(name, fold, why) for name, fold, why in results.get("_left_out_scheme", {}).get(scheme, [])]
    if left:
        lines += ["", f"Left out of these tables ({len(left)} fold(s)): "
                  + "; ".join(f"{r} {fold}: {why}" for r, fold, why in left)]
    # paired tests
    compared = runs + ([baseline] if baseline else [])
    tests = []
    for a, b in combinations(compared, 2):
        if a.get("seed") != b.get("seed") and a is not baseline and b is not baseline:
            continue  # pair runs of the same seed only
        t = paired_tests(a, b)
        if t:
            tests.append(t)
    for key in ("mcnemar_p", "wilcoxon_p"):  # one family per test statistic: every pair of this scheme
        for t, adjusted in zip(tests, holm([t[key] for t in tests])):
            t[key.replace("_p", "_p_holm")] = adjusted
    if tests:
        lines += ["", "### Paired significance between unit types", "",
                  "Exact McNemar test on the utterances both tested (pooled over folds: A right & B wrong vs A wrong "
                  "& B right, two-sided binomial); Wilcoxon signed-rank test on the per-fold WA (exact, two-sided, "
                  "zero differences dropped). With few folds the Wilcoxon p cannot be small (2 folds: p ≥ 0.5). "
                  f"Holm: each p corrected by Holm's step-down method over the {len(tests)} pair(s) of this table "
                  "(one family per test).", "",
                  "| A | B | n | A only right | B only right | McNemar p | McNemar p (Holm) | folds | Wilcoxon p | "
                  "Wilcoxon p (Holm) |", "|---" * 10 + "|"]
        for t in tests:
            lines.append(f"| {t['a']} | {t['b']} | {t['n']} | {t['a_only']} | {t['b_only']} | {_p(t['mcnemar_p'])} | "
                         f"{_p(t['mcnemar_p_holm'])} | {t['folds']} | {_p(t['wilcoxon_p'])} | "
                         f"{_p(t['wilcoxon_p_holm'])} |")
    # breakdowns
    if any(s["breakdown"] for s in runs):
        cols = [c for c in ("improvised", "scripted", "female", "male") if any(c in s["breakdown"] for s in runs)]
        lines += ["", "### Breakdowns (WA / UA %, n)", "", "| units | seed | " + " | ".join(cols) + " |",
                  "|---" * (len(cols) + 2) + "|"]
        for s in runs:
            cells = [f"{s['breakdown'][c]['WA']:.1f} / {s['breakdown'][c]['UA']:.1f} ({s['breakdown'][c]['n']})"
                     if c in s["breakdown"] else "–" for c in cols]
            lines.append(f"| {s['variant']} | {s['seed'] or '–'} | " + " | ".join(cells) + " |")
    # variants of one unit type
    by_unit: Dict[str, List[Dict]] = {}
    for s in runs:
        by_unit.setdefault(s["unit"], []).append(s)
    multi = {u: ss for u, ss in by_unit.items() if len({s["variant"] for s in ss}) > 1}
    if multi:
        lines += ["", "### Variants of a unit type", "",
                  "| unit type | variant | seed | WA | UA | UER with / without emotion | dictionary tokens |",
                  "|---" * 7 + "|"]
        for unit, ss in multi.items():
            for s in ss:
                e, n = s["scores"].get("emo"), s["scores"].get("noemo")
                uer = f"{float(e['Err']):.1f} / {float(n['Err']):.1f}" if e and n else "–"
                lines.append(f"| {unit} | {s['variant']} | {s['seed'] or '–'} | {s['accuracy']['WA']:.1f} | "
                             f"{s['accuracy']['UA']:.1f} | {uer} | {s['dict_tokens'] or '–'} |")
    # Table 2
    lines += ["", "### Table 2: confusion matrices (rows = target, columns = predicted; counts and row %)", ""]
    for s in runs:
        png = f"confusion_{s['run']}.png"
        lines += [f"**{s['run']}** ({s['n']} utterances, pooled over {len(s['folds'])} folds; ![confusion]({png}))",
                  ""] + _matrix_rows(s["confusion"])
        if s["unit"] == "bpc" and s["_comparison"].comparable and s["_comparison"].table == "table1":
            lines += ["", f"The paper's Table 2 (its BPC model, {sum(map(sum, paper.TABLE2_BPC))} utterances), beside "
                      f"**{s['run']}**:", ""] + _matrix_rows(paper.TABLE2_BPC)
        lines.append("")
        _plot_confusion(s, os.path.join(out, png))
    # Table 3
    show_paper3 = any(c.comparable and c.table == "table1" for c in comparisons.values())
    lines += ["### Table 3: unit error rates (sclite), pooled over folds", "",
              "| units | seed | N | with emotion: Err (Sub, Del, Ins) % | without emotion: Err (Sub, Del, Ins) % |"
              + (" paper N | paper with | paper without |" if show_paper3 else ""),
              "|---" * (8 if show_paper3 else 5) + "|"]
    for s in runs:
        if "emo" not in s["scores"]:
            lines.append(f"| {s['variant']} | {s['seed'] or '–'} | not scored | | |" + (" | | |" if show_paper3 else ""))
            continue
        e, n = s["scores"]["emo"], s["scores"]["noemo"]
        row = (f"| {s['variant']} | {s['seed'] or '–'} | {e['N']} | {float(e['Err']):.1f} ({float(e['Sub']):.1f}, "
               f"{float(e['Del']):.1f}, {float(e['Ins']):.1f}) | {float(n['Err']):.1f} ({float(n['Sub']):.1f}, "
               f"{float(n['Del']):.1f}, {float(n['Ins']):.1f}) |")
        if show_paper3:
            t3 = paper.TABLE3.get(s["unit"]) if s["_comparison"].comparable else None
            row += (f" {t3['N']:,} | {t3['emo']['Err']} ({t3['emo']['Sub']}, {t3['emo']['Del']}, {t3['emo']['Ins']}) | "
                    f"{t3['noemo']['Err']} ({t3['noemo']['Sub']}, {t3['noemo']['Del']}, {t3['noemo']['Ins']}) |"
                    if t3 else " – | – | – |")
        lines.append(row)
    lines.append("")
    results["schemes"][scheme] = {
        "protocol": p, "paper_table1": paper_t1,
        "runs": [{k: v for k, v in s.items() if k != "correct" and not k.startswith("_")} for s in runs],
        "baseline": {k: v for k, v in baseline.items() if k != "correct"} if baseline else None,
        "paired_tests": tests}
    return lines


def _matrix_rows(matrix) -> List[str]:
    """A 4x4 confusion matrix -> markdown rows, each cell 'count (row %)'."""
    rows = ["| target \\ predicted | " + " | ".join(EMOTION_NAMES[e] for e in EMOTIONS) + " |", "|---" * 5 + "|"]
    for e, row in zip(EMOTIONS, matrix):
        total = max(1, sum(row))
        rows.append(f"| {EMOTION_NAMES[e]} | " + " | ".join(f"{v} ({100 * v / total:.1f} %)" for v in row) + " |")
    return rows


def _dict_tokens(fold_data: str) -> Optional[int]:
    paths = glob.glob(os.path.join(fold_data, "dict.*.txt"))
    if not paths:
        return None
    with open(paths[0]) as f:
        return sum(1 for _ in f)


def write_report(corpus_exp: str, split: str = "test") -> List[Dict]:
    """Build report/ under corpus_exp; returns the run summaries (for RESULT lines)."""
    by_scheme, ignored = discover_runs(corpus_exp)
    summaries_by_scheme: Dict[str, List[Dict]] = {}
    left_by_scheme: Dict[str, List] = {}
    all_summaries = []
    for scheme, dirs in by_scheme.items():
        for d in dirs:
            s = run_summary(d, split)
            all_summaries.append(s)
            if s["folds"]:
                summaries_by_scheme.setdefault(scheme, []).append(s)
            else:
                left_by_scheme.setdefault(scheme, []).extend((s["run"], f, w) for f, w in s["left_out"])
    if not summaries_by_scheme:
        raise FileNotFoundError(f"no decoded and voted folds under {corpus_exp} (stages decode, score, vote first)")
    out = layout.report_dir(corpus_exp)
    os.makedirs(out, exist_ok=True)
    corpus = next(iter(summaries_by_scheme.values()))[0]["protocol"]["corpus"]
    results = {"corpus": corpus, "split": split, "schemes": {}, "provenance": provenance(),
               "_left_out_scheme": left_by_scheme}
    lines = [f"# Results: {corpus}", ""]
    if corpus in SYNTHETIC_CORPORA:
        lines += ["**Synthetic corpus.** These models were trained and tested on the espeak-ng demo corpus, whose "
                  "emotions are prosody caricatures (pitch, rate, loudness) of one synthesiser. The figures show "
                  "that the pipeline runs end to end and learns; they say nothing about IEMOCAP or real emotional "
                  "speech, and the paper has no figures to compare them with. Read them beside the eGeMAPS "
                  "baseline, which tells how far prosody alone goes on this corpus.", ""]
    schemes = sorted(summaries_by_scheme, key=lambda s: (s != "speaker", s))
    lines += ["Fold schemes in this report: " + ", ".join(f"`{s}`" for s in schemes) + ".", ""]
    for scheme in schemes:
        runs = sorted(summaries_by_scheme[scheme], key=_run_order)
        lines += _scheme_section(corpus_exp, scheme, runs, split, out, results)
    only_left = [s for s in by_scheme if s not in summaries_by_scheme]
    for scheme in only_left:
        lines += [f"## Fold scheme `{scheme}`: nothing evaluated", ""] + [
            f"- {r} {f}: {w}" for r, f, w in left_by_scheme.get(scheme, [])] + [""]
    if ignored:
        lines += [f"Not read: {len(ignored)} folder(s) of {corpus_exp} whose names are not runs "
                  f"(`<unit variant>[.<scheme>][.seed<s>]`): " + ", ".join(f"`{n}`" for n in ignored) + ".", ""]
    results["not_runs"] = ignored
    run_dirs = [d for dirs in by_scheme.values() for d in dirs]
    if _plot_losses(run_dirs, os.path.join(out, "training_loss.png")):
        lines += ["## Figure 4: training loss", "", "![training loss](training_loss.png)", ""]
    devices = sorted({f["device"] for ss in summaries_by_scheme.values() for s in ss for f in s["folds"]
                      if f.get("device")})
    prov = results["provenance"]
    lines += ["## Provenance", "",
              f"Written by fairseq_emo at commit `{prov['commit'] or 'unknown'}`"
              f"{' (with uncommitted changes)' if prov['uncommitted_changes'] else ''}; python {prov['python']}, "
              + ", ".join(f"{k} {v}" for k, v in prov["packages"].items() if v)
              + (f"; trained on {', '.join(devices)}" if devices else "") + ". Every number: `results.json`."]
    results.pop("_left_out_scheme")
    results["left_out"] = {s: [{"run": r, "fold": f, "why": w} for r, f, w in v] for s, v in left_by_scheme.items()}
    # results.json (the product) first: a report.md is never left beside no or stale results
    write_text(os.path.join(out, "results.json"), results_json(results))
    write_text(os.path.join(out, "report.md"), "\n".join(lines) + "\n")
    return all_summaries


SCORE_FIELDS = {"N", "Corr", "Sub", "Del", "Ins", "Err", "n_corr", "n_sub", "n_del", "n_ins"}  # sclite's, as numbers


def results_json(results: Dict) -> str:
    """A results dict -> strict JSON text (docs/schema/results.schema.json, cross_results.schema.json): a value
    that is not a number (a one-fold standard deviation) is null, never NaN, which JSON does not have and strict
    readers reject; sclite's figures (read back from the scores table as text) are numbers."""
    import math

    def clean(x, key=None):
        if isinstance(x, dict):
            return {k: clean(v, k) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if key in SCORE_FIELDS and isinstance(x, str):
            try:
                return int(x) if x.lstrip("-").isdigit() else float(x)
            except ValueError:
                return x
        return x

    return json.dumps(clean(results), indent=1, sort_keys=True, default=str, allow_nan=False) + "\n"


def format_result(corpus: str, unit: str, folds: str, wa: float, ua: float, seed=None, **details) -> str:
    """The RESULT line both reports print (grep-able key=value; details in parentheses, in the given order):
    'RESULT corpus=demo unit=bpc folds=speaker WA=81.5 UA=81.6  (n=124, ...)'."""
    seed_part = f" seed={seed}" if seed is not None else ""
    detail = ", ".join(f"{k}={v}" for k, v in details.items())
    return f"RESULT corpus={corpus} unit={unit} folds={folds}{seed_part} WA={wa:.1f} UA={ua:.1f}  ({detail})"


def result_line(s: Dict) -> str:
    """One RESULT line per run of the cross-validation report."""
    p = s["protocol"]
    return format_result(p["corpus"], s["variant"], p["scheme"], s["accuracy"]["WA"], s["accuracy"]["UA"], s["seed"],
                         n=s["n"], n_folds=len(s["folds"]), valid=p["valid_policy"], config=p["config"],
                         checkpoint="final", strict_WA=f"{s['strict_accuracy']['WA']:.1f}", empty=s["rules"]["empty"])


__all__ = ["write_report", "run_summary", "paired_tests", "result_line", "format_result", "NO_WINNER"]
