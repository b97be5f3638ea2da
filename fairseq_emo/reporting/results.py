"""The product of a cross-validation report: exp/<corpus>/ -> results (a dict under docs/schema/results.schema.json).

No markdown and no plots here (render.py and figures.py make those from the results, and from nothing else).
Runs are the directories exp/<corpus>/<variant>[.<scheme dir>][.seed<s>]/ (names: layout.py). Per run and fold it
reads DONE (checkpoint rule, config, fold data, seed, device, wall time), the fold's fold.json (scheme, validation
policy, counts), decode_<split>/ (the references, the vote, the emotion trn and the unit timelines: which rule
decided each utterance), <run>/scores_<split>.tsv (sclite) and train.log (loss curve, lr at unfreeze); the utterance
table named in fold.json gives gender and dialog for the breakdowns; exp/<corpus>/baseline/<scheme dir>/ the eGeMAPS
baseline. Per scheme: the runs pooled and per fold, the comparison with the paper (paper.py decides), the
baseline, paired tests between every two runs of one seed (Holm-corrected), the spread over seeds. Rule texts (the
vote, validation, audio condition, tests) come from the modules that own the rules and travel with the numbers.
"""
import glob
import json
import math
import os
import re
from itertools import combinations
from typing import Dict, List, Optional, Sequence, Tuple

from fairseq_emo.core import layout, repo
from fairseq_emo.core.emotions import label_set
from fairseq_emo.core.layout import parse_exp_name, read_done
from fairseq_emo.core.provenance import provenance
from fairseq_emo.data.audio_cache import RATE_POLICY_TEXT, split_corpus
from fairseq_emo.data.corpora.registry import is_synthetic
from fairseq_emo.data.fold_protocol import read_fold_record
from fairseq_emo.data.folds import describe_test_group, describe_validation
from fairseq_emo.data.table import read_table
from fairseq_emo.decoding.scoring import ALL_FOLDS, read_scores_table
from fairseq_emo.decoding.vote import (accuracy, accuracy_from_confusion, classes_of, confusion, macro_f1, read_emotions, rule_text,
                                       STRICT_TEXT, vote_hypotheses, weighted_and_unweighted_accuracy)
from fairseq_emo.evaluation.decision_rules import decide_all
from fairseq_emo.evaluation.stats import (discordant, holm, mcnemar_exact, mean_sd, paired_speaker_bootstrap,
                                          paired_tests_text, speaker_bootstrap, wilcoxon_signed_rank)
from fairseq_emo.evaluation.unit_emotion import unit_emotion
from fairseq_emo.reporting import paper
from fairseq_emo.training.fold_run import log_records
from fairseq_emo.training.reproduce import seed_of, user_overrides
from fairseq_emo.units import unit_type, UNIT_TYPES
from fairseq_emo.units.bpc import bpc_classes, DEFAULT_BPC_SET

UNFREEZE_LOG = re.compile(r"unfreeze: update (\d+), lr ([0-9.eE+-]+)")
SCORE_FIELDS = {"N", "Corr", "Sub", "Del", "Ins", "Err", "n_corr", "n_sub", "n_del", "n_ins"}  # sclite's, as numbers


def _fold_dirs(run_dir: str, split: str) -> Tuple[List[str], List[Tuple[str, str]]]:
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
    log = os.path.join(fold_dir, layout.TRAIN_LOG)
    if os.path.isfile(log):
        with open(log, errors="replace") as f:
            for line in f:
                m = UNFREEZE_LOG.search(line)
                if m:
                    found = {"update": int(m.group(1)), "lr": float(m.group(2))}
    return found


def loss_curves(fold_dir: str):
    """(updates, train losses), (updates, valid losses) from a fold's train.log (last attempt wins)."""

    log = os.path.join(fold_dir, layout.TRAIN_LOG)
    if not os.path.isfile(log):
        return [], []
    with open(log, errors="replace") as f:
        lines = f.readlines()
    # keyed by update: a resumed run logs some updates twice, the later attempt wins
    train = {int(r["num_updates"]): float(r["loss"]) for r in log_records(lines, "train_inner")}
    valid = {int(r["valid_num_updates"]): float(r["valid_loss"]) for r in log_records(lines, "valid")}
    return sorted(train.items()), sorted(valid.items())


_TABLES: Dict[str, Dict] = {}


def _utterance_facts(table: str) -> Dict[str, Dict[str, str]]:
    """utt_id -> {gender, style} from the utterance table (style: improvised/scripted on IEMOCAP, else '')."""
    if table not in _TABLES:

        facts = {}
        if os.path.isfile(table):
            for u in read_table(table):
                style = "improvised" if "_impro" in u.dialog else "scripted" if "_script" in u.dialog else ""
                facts[u.utt_id] = {"gender": u.gender, "style": style}
        _TABLES[table] = facts
    return _TABLES[table]


def _test_speakers(fold_data: str) -> Dict[str, str]:
    """utt_id -> speaker of a manifest fold's test split (its test.utt), {} when it is not there."""
    path = os.path.join(fold_data, "test.utt")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return {cols[0]: cols[1] for cols in (line.rstrip("\n").split("\t") for line in f) if len(cols) >= 2}


# what a summary carries for the paired tests and never writes to results.json
PRIVATE = ("correct", "paired")


def _dict_tokens(fold_data: str) -> Optional[int]:
    paths = glob.glob(os.path.join(glob.escape(fold_data), "dict.*.txt"))
    if not paths:
        return None
    with open(paths[0]) as f:
        return sum(1 for _ in f)


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


def audio_condition(corpus: str) -> Optional[str]:
    """How a corpus's audio reached 16 kHz, when a rate policy did something to it (audio_cache owns the policies)."""
    base, policy = split_corpus(corpus)
    if policy == "resample" and base != "mandarin":  # 16 kHz corpora are read as recorded
        return None
    return f"rate policy `{policy}`: {RATE_POLICY_TEXT[policy]}"


def run_summary(run_dir: str, split: str = "test") -> Dict:
    """Everything the report says about one run (a unit variant, scheme and seed): pooled and per fold.
    `correct` (utterance -> right?) is for the paired tests; it does not go to results.json."""
    name = os.path.basename(run_dir)
    names = parse_exp_name(name)
    variant = names.pop("variant")
    names = dict(variant=variant, unit=unit_type(variant), **names)
    folds, left_out = _fold_dirs(run_dir, split)
    summary = {"run": name, **names, "left_out": left_out, "folds": []}
    if not folds:
        return summary
    scores = read_scores_table(layout.scores_table(run_dir, split))
    reference, predicted, strict, rules, protocol = {}, {}, {}, {"majority": 0, "tie": 0, "empty": 0}, None
    facts: Dict[str, Dict[str, str]] = {}
    curves, unit_lines, speaker_of = {}, [], {}
    for d in folds:
        dec = layout.decode_dir(d, split)
        ref = read_emotions(os.path.join(dec, layout.REF_EMOTIONS))
        pred = read_emotions(os.path.join(dec, layout.VOTED))
        units_json = os.path.join(dec, layout.UNIT_TIMELINES)
        votes, _ = vote_hypotheses(layout.trn(dec, layout.VIEWS[0]), units_json if os.path.isfile(units_json) else None)
        if os.path.isfile(units_json):
            with open(units_json, encoding="utf-8") as f:
                unit_lines += [json.loads(line) for line in f if line.strip()]
        done = read_done(d)
        info = read_fold_record(done["data"])
        speaker_of.update(_test_speakers(done["data"]))
        fold_matrix = confusion(ref, pred)
        acc = accuracy_from_confusion(fold_matrix)
        decode_info = {}
        if os.path.isfile(os.path.join(dec, layout.DECODED)):
            with open(os.path.join(dec, layout.DECODED)) as f:
                decode_info = json.load(f)
        fold = os.path.basename(d)
        fold_scores = scores.get(fold, {})
        summary["folds"].append({
            "fold": fold, "test_group": info.test_group, "n": len(ref), "WA": acc["WA"], "UA": acc["UA"],
            "macro_f1": macro_f1(fold_matrix),
            "strict_WA": accuracy(ref, {u: votes[u].strict for u in ref})["WA"],
            "uer_emo": float(fold_scores["emo"]["Err"]) if "emo" in fold_scores else None,
            "uer_noemo": float(fold_scores["noemo"]["Err"]) if "noemo" in fold_scores else None,
            "unfreeze": lr_at_unfreeze(d), "train_seconds": float(done["wall_seconds"]) if "wall_seconds" in done
            else None, "device": done.get("device"), "counts": info.counts,
            "decode_seconds": decode_info.get("decode_seconds"), "decode_device": decode_info.get("device")})
        train_curve, _ = loss_curves(d)
        if train_curve:
            curves[fold] = [[u, v] for u, v in train_curve]
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
            "train_seed": seed_of(command, done.get("seed", "1 (fairseq default)")),
            "overrides": user_overrides(command), "total_folds": len(layout.fold_dirs(
                os.path.dirname(os.path.abspath(done["data"]))))}
        if user_overrides(command) != protocol["overrides"] or done["config"] != protocol["config"]:
            protocol["mixed"] = True  # folds of one run trained differently: never the paper's experiment
    classes = classes_of(reference, predicted)   # the run's label set, from its data (the paper's four for four)
    matrix = confusion(reference, predicted, classes)
    summary.update(
        confusion=matrix, accuracy=accuracy_from_confusion(matrix), n=len(reference), protocol=protocol,
        classes=list(classes), macro_f1=macro_f1(matrix),
        strict_accuracy=accuracy(reference, strict), rules=rules,
        fold_stats={"WA": _spread([f["WA"] for f in summary["folds"]]),
                    "UA": _spread([f["UA"] for f in summary["folds"]])},
        correct={u: predicted[u] == e for u, e in reference.items()},
        paired={"reference": reference, "predicted": predicted, "speaker": speaker_of},
        scores=scores.get(ALL_FOLDS, {}), breakdown=_breakdown(reference, predicted, facts), loss_curves=curves)
    comparison = paper.compare(paper.RunConditions(
        corpus=protocol["corpus"], scheme=protocol["scheme"], unit=names["unit"], variant=names["variant"],
        folds=[layout.fold_number(d) for d in folds], total_folds=protocol["total_folds"],
        valid_policy=protocol["valid_policy"], config=protocol["config"], w2v=protocol["w2v"],
        command=read_done(folds[0]).get("command", ""), n=len(reference),
        w2v_arch=read_done(folds[0]).get("w2v_arch", "")))
    if protocol.pop("mixed", False):
        comparison.differences.append("its folds were trained with different configs or overrides")
    summary.update(_decision_rules(unit_lines, reference, predicted, names["variant"], info.bpc_classes, classes))
    summary["unit_definition"] = _unit_definition(names["variant"], info.bpc_classes)
    summary["unit_emotion"] = unit_emotion([l for l in unit_lines if l["utt_id"] in reference], names["variant"],
                                           info.bpc_classes)
    summary["paper_comparison"] = comparison.as_dict()
    # the paper's figures travel with the run only where it is the paper's experiment (paper.compare said so)
    summary["paper_figure"] = comparison.figure(names["unit"])
    in_table1 = comparison.comparable and comparison.table == "table1"
    summary["paper_confusion"] = paper.TABLE2_BPC if in_table1 and names["unit"] == "bpc" else None
    summary["paper_table3"] = paper.TABLE3.get(names["unit"]) if in_table1 else None
    return summary


def _unit_definition(variant: str, recorded: Optional[Dict[str, List[str]]] = None) -> Optional[Dict[str, List[str]]]:
    """A BPC variant -> its classes and their phones (what a ranked BPC set is); None for other unit types.
    A user-defined set's definition is the one its folds recorded (fold.json), whatever its file says now."""

    if unit_type(variant) != "bpc":
        return None
    if recorded:
        return recorded
    try:
        return bpc_classes(variant.partition("-")[2] or DEFAULT_BPC_SET)
    except ValueError:
        return None


def _decision_rules(lines: List[Dict], reference: Dict[str, str], predicted: Dict[str, str], variant: str,
                    classes: Optional[Dict[str, List[str]]] = None, emotions: Optional[Sequence[str]] = None) -> Dict:
    """The decision rules on the run's own decodes (decision_rules.py), each against the majority vote (exact
    McNemar), and the speaker-bootstrap intervals of WA/UA; {} when the folds have no units.jsonl."""
    lines = [line for line in lines if line["utt_id"] in reference]
    if len(lines) != len(reference):
        return {"decision_rules": None, "bootstrap": None}

    speaker_of = {line["utt_id"]: line["speaker"] for line in lines}
    bootstrap = speaker_bootstrap(reference, predicted, speaker_of, weighted_and_unweighted_accuracy)
    if unit_type(variant) == "pooled":   # one decision per utterance (the pooled argmax): there are no units to count
        return {"decision_rules": None, "bootstrap": bootstrap}
    decided = decide_all(lines, variant, classes)
    majority_right = {u: decided["majority"][u] == e for u, e in reference.items()}
    rules = {}
    for rule, pred in decided.items():
        right = {u: pred[u] == e for u, e in reference.items()}
        a_only, b_only = discordant([majority_right[u] for u in reference], [right[u] for u in reference])
        rules[rule] = dict(accuracy(reference, pred), n=len(reference), majority_only=a_only, rule_only=b_only,
                           mcnemar_p=mcnemar_exact(a_only, b_only))
    tested = [rule for rule in rules if rule != "majority"]   # one family: the rules of this run, each vs majority
    for rule, adjusted in zip(tested, holm([rules[rule]["mcnemar_p"] for rule in tested])):
        rules[rule]["mcnemar_p_holm"] = adjusted
    if "ctc_likelihood" in rules:   # what the rule could not score is counted, not hidden in its accuracy

        scores = [line["ctc_scores"] for line in lines]
        rules["ctc_likelihood"].update(fallback=sum(1 for s in scores if not s),
                                       partly_scored=sum(1 for s in scores if s and len(s) < len(emotions or classes_of(reference, predicted))))
    return {"decision_rules": rules, "bootstrap": bootstrap}


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
    out = {"a": a["run"], "b": b["run"], "n": len(common), "a_only": n01, "b_only": n10,
           "mcnemar_p": mcnemar_exact(n01, n10), "folds": len(groups), "wilcoxon_p": p_w,
           "wilcoxon_nonzero": nonzero, "difference": None}
    pa, pb = a.get("paired") or {}, b.get("paired") or {}
    speaker_of = {**pb.get("speaker", {}), **pa.get("speaker", {})}
    if pa and pb and all(u in speaker_of for u in common):
        reference = {u: pa["reference"][u] for u in common}
        out["difference"] = paired_speaker_bootstrap(reference, pa["predicted"], pb["predicted"], speaker_of,
                                                     weighted_and_unweighted_accuracy)
    return out


def baseline_summary(corpus_exp: str, scheme: str, text: bool = False) -> Optional[Dict]:
    """The eGeMAPS baseline (or, `text`, the transcript-only lexical control) on the same folds: pooled WA/UA and
    per-fold WA, or None."""
    root = layout.text_baseline_dir(corpus_exp, scheme) if text else layout.baseline_dir(corpus_exp, scheme)
    folds = [d for d in layout.fold_dirs(root) if os.path.isfile(os.path.join(d, layout.VOTED))]
    if not folds:
        return None
    reference, predicted, per_fold, speaker_of = {}, {}, [], {}
    for d in folds:
        ref = read_emotions(os.path.join(d, layout.REF_EMOTIONS))
        pred = read_emotions(os.path.join(d, layout.VOTED))
        with open(os.path.join(d, layout.BASELINE_RECORD)) as f:
            info = json.load(f)
        speaker_of.update(_test_speakers(info.get("fold_dir", "")))
        per_fold.append({"fold": os.path.basename(d), "test_group": info["test_group"],
                         **accuracy_from_confusion(confusion(ref, pred))})
        reference.update(ref)
        predicted.update(pred)
    return {"run": f"{layout.BASELINE_DIR}/{scheme}" + (f"/{layout.TEXT_BASELINE}" if text else ""), "folds": per_fold, "n": len(reference), "method": info["method"],
            "accuracy": accuracy_from_confusion(confusion(reference, predicted)),
            "correct": {u: predicted[u] == e for u, e in reference.items()},
            "paired": {"reference": reference, "predicted": predicted, "speaker": speaker_of}}


def run_order(s: Dict):
    """Runs in the units registry's order, then variant and seed."""
    unit = s["unit"]
    return (UNIT_TYPES.index(unit) if unit in UNIT_TYPES else len(UNIT_TYPES), s["variant"], s["seed"] or 0)


def discover_runs(corpus_exp: str):
    """-> (scheme dir -> run dirs under corpus_exp, names of directories that are not runs). The cross-corpus
    'all' models and the baseline are not runs of this report; any other unreadable name is listed, not dropped."""
    by_scheme: Dict[str, List[str]] = {}
    ignored: List[str] = []
    for d in sorted(glob.glob(os.path.join(glob.escape(corpus_exp), "*"))):
        name = os.path.basename(d)
        if not os.path.isdir(d) or name in layout.NOT_RUNS or name.startswith("w2v"):
            continue
        try:
            names = parse_exp_name(name)
        except ValueError:
            ignored.append(name)
            continue
        if names["scheme"] == "all":  # reported by cross_results.py
            continue
        by_scheme.setdefault(names["scheme_dir"], []).append(d)
    return by_scheme, ignored


def _over_seeds(runs: List[Dict]) -> Dict[str, Dict]:
    """variant -> {seeds, WA/UA mean and SD} for every variant run with more than one seed."""
    out = {}
    for variant in sorted({s["variant"] for s in runs}, key=lambda v: run_order(
            next(s for s in runs if s["variant"] == v))):
        these = [s for s in runs if s["variant"] == variant and s["seed"] is not None]
        if len(these) > 1:
            wa = mean_sd([s["accuracy"]["WA"] for s in these])
            ua = mean_sd([s["accuracy"]["UA"] for s in these])
            out[variant] = {"seeds": [s["seed"] for s in these], "WA_mean": wa[0], "WA_sd": wa[1],
                            "UA_mean": ua[0], "UA_sd": ua[1]}
    return out


def scheme_results(corpus_exp: str, scheme: str, runs: List[Dict]) -> Dict:
    """The section of one fold scheme: its protocol (with the rule texts), runs, baseline, tests, seeds."""
    p = runs[0]["protocol"]
    baseline = baseline_summary(corpus_exp, scheme)
    text = baseline_summary(corpus_exp, scheme, text=True)
    baselines = [b for b in (baseline, text) if b]
    tests = []
    for a, b in combinations(runs + baselines, 2):
        if a.get("seed") != b.get("seed") and a not in baselines and b not in baselines:
            continue  # pair runs of the same seed only
        t = paired_tests(a, b)
        if t:
            tests.append(t)
    for key in ("mcnemar_p", "wilcoxon_p"):  # one family per test statistic: every pair of this scheme
        for t, adjusted in zip(tests, holm([t[key] for t in tests])):
            t[key.replace("_p", "_p_holm")] = adjusted
    comparisons = [s["paper_comparison"] for s in runs]
    paper_table = next((c["table"] for c in comparisons if c["table"]), None)
    seeds = sorted({s["seed"] for s in runs if s["seed"] is not None})
    texts = {"test_group": describe_test_group(scheme),
             "validation": describe_validation(p["valid_policy"], p["valid_fraction"], p["split_seed"]),
             "audio": audio_condition(p["corpus"]),
             "vote": rule_text(label_set(e for s in runs for e in s.get("classes", ()))), "strict": STRICT_TEXT,
             "paired_tests": paired_tests_text(len(tests))}
    return {
        "protocol": dict(p, train_seeds=seeds, texts=texts), "paper_table": paper_table,
        "paper_table1": next((paper.EXPERIMENTS[c["table"]]["figures"] for c in comparisons if c["comparable"]), {}),
        "synthetic": is_synthetic(p["corpus"]),
        "runs": [{k: v for k, v in s.items() if k not in PRIVATE} for s in runs],
        "baseline": {k: v for k, v in baseline.items() if k not in PRIVATE} if baseline else None,
        "text_baseline": {k: v for k, v in text.items() if k not in PRIVATE} if text else None,
        "paired_tests": tests, "over_seeds": _over_seeds(runs)}


def collect(corpus_exp: str, split: str = "test") -> Dict:
    """exp/<corpus>/ -> results (docs/schema/results.schema.json); FileNotFoundError when nothing is evaluated."""
    by_scheme, ignored = discover_runs(corpus_exp)
    summaries: Dict[str, List[Dict]] = {}
    left: Dict[str, List[Dict]] = {}
    for scheme, dirs in by_scheme.items():
        for d in dirs:
            s = run_summary(d, split)
            if s["folds"]:
                summaries.setdefault(scheme, []).append(s)
            left.setdefault(scheme, []).extend({"run": s["run"], "fold": f, "why": w} for f, w in s["left_out"])
    if not summaries:
        raise FileNotFoundError(f"no decoded and voted folds under {corpus_exp} (stages decode, score, vote first)")
    corpus = next(iter(summaries.values()))[0]["protocol"]["corpus"]
    schemes = sorted(summaries, key=lambda s: (s != "speaker", s))
    return {"corpus": corpus, "split": split, "synthetic": is_synthetic(corpus), "scheme_order": schemes,
            "schemes": {sch: scheme_results(corpus_exp, sch, sorted(summaries[sch], key=run_order))
                        for sch in schemes},
            "left_out": {sch: v for sch, v in left.items() if v}, "not_runs": ignored,
            "not_evaluated_schemes": [sch for sch in sorted(by_scheme) if sch not in summaries],
            "provenance": provenance()}


def to_json(results: Dict) -> str:
    """Results -> strict JSON text: a value that is not a number (a one-fold standard deviation) is null, never NaN,
    which JSON does not have and strict readers reject; sclite's figures (read back from the scores table as
    text) are numbers; keys are sorted, so the same results always give the same text."""
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


SCHEMA = os.path.join(repo.DOCS_DIR, "schema",
                      "results.schema.json")


def load(path: str) -> Dict:
    """A results.json -> results (what the renderers take), checked first (`check`): a hand-edited or damaged
    file is an error, never re-rendered as if the recipe had measured it."""
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found: write it with scripts/report.py --exp exp/<corpus>") from None
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err}); write it again with scripts/report.py") from None
    if "schemes" in results:   # a cross-validation report's results (cross-corpus ones have schemas of their own)
        check(results, path)
    return results


def check(results: Dict, path: str) -> None:
    """results.json against its schema (docs/schema/results.schema.json, where the checkout has it) and against
    itself: every run's n and WA/UA must be what its own confusion matrix gives. ValueError naming what differs."""
    again = "write it again with scripts/report.py --exp exp/<corpus> (an edited results.json is not re-rendered)"
    if os.path.isfile(SCHEMA):
        import jsonschema

        with open(SCHEMA, encoding="utf-8") as f:
            schema = json.load(f)
        try:
            jsonschema.validate(results, schema)
        except jsonschema.ValidationError as err:
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            raise ValueError(f"{path}: {where}: {err.message[:200]}; {again}") from None
    for scheme, sec in results.get("schemes", {}).items():
        for run in sec.get("runs", []):
            matrix = run["confusion"]
            n = sum(sum(row) for row in matrix)
            derived = accuracy_from_confusion(matrix)
            if n != run["n"] or any(abs(derived[k] - run["accuracy"][k]) > 0.05 for k in ("WA", "UA")):
                raise ValueError(f"{path}: scheme {scheme}, run {run['run']}: n {run['n']}, WA {run['accuracy']['WA']}, "
                                 f"UA {run['accuracy']['UA']}, but its confusion matrix gives n {n}, WA "
                                 f"{derived['WA']:.1f}, UA {derived['UA']:.1f}; {again}")
