"""Reports as views: results (results.py, cross_results.py; or a results.json read back) -> report.md text.

One small function per table, each taking the results it shows and returning markdown lines; nothing here reads
exp/ or computes a statistic, so a report can be rendered again from its results.json alone
(`scripts/report.py --from-results`). Figures are figures.py's. To add a table: compute its numbers in results.py
(or cross_results.py), add them to the schema (docs/schema/), write one function here and call it from
`cross_validation_report` or `cross_corpus_report`.
"""
import os
from typing import Dict, List, Optional

from fairseq_emo.core import layout
from fairseq_emo.core.emotions import EMOTION_NAMES, EMOTIONS, label_set
from fairseq_emo.data.corpora.registry import iemocap_layout
from fairseq_emo.evaluation.decision_rules import RULES
from fairseq_emo.reporting import paper


def fmt(value, digits: int = 1, none: str = "–") -> str:
    """A number to `digits` decimals; None (a one-fold SD in results.json) as a dash."""
    return none if value is None or value != value else f"{value:.{digits}f}"


def p_value(value) -> str:
    return "–" if value is None else f"{value:.3g}"


def seed(s: Dict) -> str:
    return str(s["seed"]) if s.get("seed") is not None else "–"


def matrix_rows(matrix, classes=EMOTIONS) -> List[str]:
    """An N x N confusion matrix (rows and columns in `classes` order) -> markdown rows, each cell 'count (row %)'
    (Table 2; the cross-corpus cells)."""
    rows = ["| target \\ predicted | " + " | ".join(EMOTION_NAMES[e] for e in classes) + " |",
            "|---" * (len(classes) + 1) + "|"]
    for e, row in zip(classes, matrix):
        total = max(1, sum(row))
        rows.append(f"| {EMOTION_NAMES[e]} | " + " | ".join(f"{v} ({100 * v / total:.1f} %)" for v in row) + " |")
    return rows


def uer(scores: Dict) -> str:
    e, n = scores.get("emo"), scores.get("noemo")
    return f"{e['Err']:.1f} / {n['Err']:.1f}" if e and n else "–"


# --- the cross-validation report (exp/<corpus>/report/report.md) ---------------------------------------------------

SYNTHETIC_NOTE = ("**Synthetic corpus.** These models were trained and tested on the espeak-ng demo corpus, whose "
                  "emotions are prosody caricatures (pitch, rate, loudness) of one synthesiser. The figures show that "
                  "the pipeline runs end to end and learns; they say nothing about IEMOCAP or real emotional speech, "
                  "and the paper has no figures to compare them with. Read them beside the eGeMAPS baseline, which "
                  "tells how far prosody alone goes on this corpus.")


def protocol(scheme: str, sec: Dict, split: str) -> List[str]:
    p, runs = sec["protocol"], sec["runs"]
    texts, counts = p["texts"], runs[0]["folds"][0]["counts"]
    seeds = ", ".join(map(str, p["train_seeds"])) if p["train_seeds"] else p["train_seed"]
    audio = f" Audio: {texts['audio']}." if texts.get("audio") else ""
    lines = [f"Protocol: corpus `{p['corpus']}`, fold scheme `{scheme}` (test = {texts['test_group']} per fold; "
             f"{len(runs[0]['folds'])} fold(s) evaluated), {texts['validation']}. Fold 1 has train {counts['train']} "
             f"/ valid {counts['valid']} / test {counts['test']} utterances. Config `{p['config']}`, pre-trained "
             f"model `{os.path.basename(p['w2v'])}`, training seed(s) {seeds}; test checkpoint: "
             f"{p['checkpoint_rule']}. Emotion per utterance by {texts['vote']}. Split `{split}`.{audio}", ""]
    with_overrides = [s for s in runs if s["protocol"]["overrides"]]
    lines += ["Training overrides (after `--`, from each fold's recorded command): " + (
        "; ".join(f"{s['run']}: " + " ".join(f"`{o}`" for o in s["protocol"]["overrides"]) for s in with_overrides)
        if with_overrides else "none") + ".", ""]
    return lines


def table1(sec: Dict) -> List[str]:
    """Table 1: WA/UA pooled over folds, the paper's figure where the run is its experiment, spreads, fallbacks."""
    runs, baselines = sec["runs"], [b for b in (sec["baseline"], sec.get("text_baseline")) if b]
    lines = ["### Table 1: emotion recognition accuracy (%)", "",
             "| units | seed | folds | n | WA | UA | paper WA / UA | Δ WA / UA | fold WA mean ± SD [min–max] | "
             "fold UA mean ± SD | strict-majority WA / UA | ties / empty | WA / UA 95 % CI (speakers) |",
             "|---" * 13 + "|"]
    for s in runs:
        a, fs, ref = s["accuracy"], s["fold_stats"], s["paper_figure"]
        paper_cell = f"{ref['WA']} / {ref.get('UA', '–')}" if ref else "–"
        delta = (f"{a['WA'] - ref['WA']:+.1f} / " + (f"{a['UA'] - ref['UA']:+.1f}" if "UA" in ref else "–")) \
            if ref else "–"
        lines.append(
            f"| {s['variant']} | {seed(s)} | {len(s['folds'])} | {s['n']} | {a['WA']:.1f} | {a['UA']:.1f} | "
            f"{paper_cell} | {delta} | {fmt(fs['WA']['mean'])} ± {fmt(fs['WA']['sd'])} "
            f"[{fs['WA']['min']:.1f}–{fs['WA']['max']:.1f}] | {fmt(fs['UA']['mean'])} ± {fmt(fs['UA']['sd'])} | "
            f"{s['strict_accuracy']['WA']:.1f} / {s['strict_accuracy']['UA']:.1f} | "
            f"{s['rules']['tie']} / {s['rules']['empty']} | {interval(s.get('bootstrap'))} |")
    for baseline in baselines:
        a = baseline["accuracy"]
        lines.append(f"| baseline: {baseline['method']} | – | {len(baseline['folds'])} | {baseline['n']} | "
                     f"{a['WA']:.1f} | {a['UA']:.1f} | – | – | | | | | |")
    boot = next((s["bootstrap"] for s in runs if s.get("bootstrap")), None)
    lines += ["", "WA = overall accuracy, UA = mean per-class recall, pooled over the folds' test utterances. "
              + (f"95 % CI: {boot['resamples']} resamples of the {boot['speakers']} test speakers with replacement "
                 f"(seed {boot['seed']}), percentile interval. " if boot else "")
              + f"{sec['protocol']['texts']['strict'][0].upper() + sec['protocol']['texts']['strict'][1:]} (the main "
              "figure decides those by the fallbacks counted in the ties / empty column)."]
    if any(s["unit"] == "pooled" for s in runs):
        lines += ["", POOLED_NOTE]
    return lines + paper_notes(sec)


POOLED_NOTE = ("`pooled` is not a unit type of the paper: it is the same backbone as an utterance classifier (the "
               "encoder's output mean-pooled over the utterance, a linear head over the emotions, cross-entropy), "
               "decided by its argmax. `pooled` is the pooled head under the units' recipe (their masking and 10k "
               "frozen updates, ASR-tuned); `pooled-light` the same head under a classifier's usual recipe "
               "(configs/paper_pooled-light.yaml). The units beating both on a scheme where the words are at "
               "chance (`scenario`) is what says the phonetic units, not the backbone or the transcript, help.")


def interval(boot: Optional[Dict]) -> str:
    if not boot:
        return "–"
    return f"[{boot['WA'][0]:.1f}, {boot['WA'][1]:.1f}] / [{boot['UA'][0]:.1f}, {boot['UA'][1]:.1f}]"


def decision_rules(sec: Dict) -> List[str]:
    """The same decodes under other decision rules, each against the paper's majority vote (exact McNemar)."""
    runs = [s for s in sec["runs"] if s.get("decision_rules")]
    if not runs:
        return []
    lines = ["", "### Decision rules (the same decodes, no retraining)", "",
             "The paper's majority vote against: the posterior mass alone, posterior-weighted and duration-weighted "
             "votes, the vote over vowel units only or consonant units only, and the CTC-likelihood decision (the "
             "emotion whose suffixed reference sequence the model finds most likely; fairseq_emo/evaluation/decision_rules.py). "
             "McNemar: exact, on the utterances where exactly one of the two rules is right (utterances taken as "
             "independent); Holm: corrected over the rules of one run. The CTC-likelihood rule scores the test "
             "utterance's own reference units under each emotion: it uses the test transcript, an oracle no "
             "deployed system has.", "",
             "| units | seed | rule | WA | UA | majority only right | rule only right | McNemar p | McNemar p (Holm) |",
             "|---" * 9 + "|"]

    for s in runs:
        for rule in (r for r in RULES if r in s["decision_rules"]):   # the module's order (JSON sorts keys)
            r = s["decision_rules"][rule]
            name = f"{rule} (oracle: uses the test transcript)" if rule == "ctc_likelihood" else rule
            tested = rule != "majority"
            lines.append(f"| {s['variant']} | {seed(s)} | {name} | {r['WA']:.1f} | {r['UA']:.1f} | "
                         f"{r['majority_only']} | {r['rule_only']} | {p_value(r['mcnemar_p']) if tested else '–'} | "
                         f"{p_value(r.get('mcnemar_p_holm')) if tested else '–'} |")
    counted = [(s, s["decision_rules"]["ctc_likelihood"]) for s in runs if "ctc_likelihood" in s["decision_rules"]
               and "fallback" in s["decision_rules"]["ctc_likelihood"]]
    if any(r["fallback"] or r["partly_scored"] for _, r in counted):
        lines += ["", "CTC likelihood: " + "; ".join(
            f"{s['variant']}: {r['fallback']} utterance(s) with no scorable sequence (decided by the posterior mass), "
            f"{r['partly_scored']} scored for some emotions only (a reference token the dictionary lacks with the "
            f"others)" for s, r in counted) + "."]
    return lines


def unit_emotion(sec: Dict) -> List[str]:
    """Which units carry the emotion: per class of units and emotion, and the top and bottom unit bodies."""
    runs = [s for s in sec["runs"] if s.get("unit_emotion")]
    if not runs:
        return []
    classes = label_set(e for s in runs for e in s["unit_emotion"]["emotions"])   # the runs' label set
    lines = ["", "### Emotion per unit (decoded units aligned to the reference carrying the true emotion, %)", "",
             "sclite's alignment of the unit bodies; a decoded unit aligned to a reference unit (match or "
             "substitution) counts for that reference body; shares with 95 % intervals ("
             + (runs[0]["unit_emotion"].get("interval") or "Wilson") + ") and counts (fairseq_emo/evaluation/unit_emotion.py).",
             "",
             "| units | seed | units counted | " + " | ".join(EMOTION_NAMES[e] for e in classes) + " | all |",
             "|---" * (len(classes) + 4) + "|"]

    def cell(x):
        return f"{x['share']:.1f} [{x['ci'][0]:.0f}–{x['ci'][1]:.0f}] ({x['n']})" if x["n"] else "–"
    for s in runs:
        u = s["unit_emotion"]
        overall = u.get("all") or {"n": 0}   # results.json written before the overall share existed: a dash
        groups = [("all units", u["emotions"], overall)]
        if u["classes"]:
            groups += [(f"{c}s", {e: d[e] for e in d if e != "all"}, d["all"]) for c, d in u["classes"].items()]
        for name, per_emotion, overall in groups:
            lines.append(f"| {s['variant']} | {seed(s)} | {name} | "
                         + " | ".join(cell(per_emotion[e]) if e in per_emotion else "–" for e in classes)
                         + f" | {cell(overall) if overall['n'] else '–'} |")
    for s in runs:
        u = s["unit_emotion"]
        if u["top"]:
            fmt_b = lambda b: f"{b} {u['bodies'][b]['share']:.0f} % ({u['bodies'][b]['n']})"  # noqa: E731
            lines += ["", f"**{s['run']}**, units seen at least {u['min_count']} times: most often carrying the true "
                          f"emotion: " + ", ".join(fmt_b(b) for b in u["top"]) + "; least often: "
                      + ", ".join(fmt_b(b) for b in u["bottom"]) + f" (figure: ![per unit]({layout.unit_emotion_figure(s['run'])}))."]
        per_emotion = u.get("per_emotion") or {}   # absent in results.json written before it
        for e, ranks in ((e, per_emotion[e]) for e in classes if e in per_emotion):   # class order, not JSON's
            if ranks["top"]:
                show = lambda rows: ", ".join(f"{b} {share:.0f} % ({n})" for b, share, n in rows)  # noqa: E731
                lines.append(f"- {EMOTION_NAMES[e]}: most often right {show(ranks['top'])}; least often "
                             f"{show(ranks['bottom'])}")
    return lines


def paper_notes(sec: Dict) -> List[str]:
    """Where the paper's figures come from, and why a run has none beside it."""
    runs, table, lines = sec["runs"], sec["paper_table"], []
    if sec["paper_table1"]:
        lines.append(("The paper's figures are its Table 1 (IEMOCAP, 10 speaker folds, final checkpoint)"
                      if table == "table1" else "The paper's figure is its Mandarin 7-fold result (initials and "
                      "finals, 8 kHz audio upsampled to 16 kHz; WA only)")
                     + "; the paper names no BPC set, so its BPC figure stands beside the default set (this "
                       "project's stated reconstruction) only, and other sets are named as differences. Figures "
                       "appear only beside runs that are the paper's experiment (fairseq_emo/reporting/paper.py, `compare`)"
                     + (f"; assumption: {paper.ASSUMPTIONS[table]}." if table in paper.ASSUMPTIONS else "."))
    differing = [s for s in runs if s["paper_comparison"]["table"] and s["paper_comparison"]["differences"]]
    if differing:
        lines.append("Not the paper's experiment, so no paper figure beside it: " + "; ".join(
            f"**{s['run']}**: " + ", ".join(s["paper_comparison"]["differences"]) for s in differing) + ".")
    if table is None and sec["synthetic"]:
        lines.append("The paper has no figures for this corpus: it is the synthetic demo corpus (see the note at "
                     "the top).")
    elif table is None:
        lines.append(f"The paper reports no figure for corpus `{sec['protocol']['corpus']}` under the "
                     f"`{sec['protocol']['scheme']}` scheme.")
    if sec["baseline"]:
        lines.append(f"Baseline: {sec['baseline']['method']}, trained on each fold's train split and tested on its "
                     f"test split (same folds); it tells how much of the task prosody and voice quality alone solve.")
    if sec.get("text_baseline"):
        lines.append(f"Lexical control: {sec['text_baseline']['method']}, same folds: how much of it the words alone "
                     f"give. {lexical_note(sec['protocol']['scheme'], sec['protocol'].get('corpus', ''))}")
    return lines


def lexical_note(scheme_dir_name: str, corpus: str = "") -> str:
    """What the words can carry under a scheme (IEMOCAP's scenarios recur in every session); other corpora have
    no scenario structure, and their text baseline alone says it."""

    if corpus and not iemocap_layout(corpus):
        return "The text baseline on the same folds says how much the words alone give away on this corpus."
    if scheme_dir_name.startswith("scenario"):
        return ("Under the `scenario` scheme no test scenario or script is in training, so the words carry no "
                "scenario cue: a unit model's lead over `pooled` here is not transcript supervision.")
    return ("IEMOCAP's eight improvisation scenarios and three scripts recur in every session, so on this scheme the "
            "test utterance's scenario is in training and its words can give the emotion away, in improvised "
            "dialogs too; unit models are trained on that text and `pooled` is not. Read the claim that units help "
            "on the `scenario` scheme (`--folds scenario`), where the lexical control is near chance.")


def headline(sec: Dict) -> List[str]:
    """Each unit run against the pooled classifiers and the lexical control: A - B with paired intervals."""
    tests = [t for t in sec["paired_tests"] if t.get("difference")]
    runs = {s["run"]: s for s in sec["runs"]}
    controls = {s["run"] for s in sec["runs"] if s["unit"] == "pooled"} | {
        b["run"] for b in (sec.get("baseline"), sec.get("text_baseline")) if b}
    rows = []
    for t in tests:
        a, b, sign = (t["a"], t["b"], 1) if t["b"] in controls else (t["b"], t["a"], -1)
        if a in controls or a not in runs or b not in controls:
            continue
        d = t["difference"]
        wa, ua = sign * d["WA"], sign * d["UA"]
        wa_ci = sorted(sign * x for x in d["WA_ci"])
        ua_ci = sorted(sign * x for x in d["UA_ci"])
        verdict = ("higher" if ua_ci[0] > 0 else "lower" if ua_ci[1] < 0 else "no difference the speakers support")
        rows.append(f"| {a} | {b} | {wa:+.1f} [{wa_ci[0]:+.1f}, {wa_ci[1]:+.1f}] | {ua:+.1f} [{ua_ci[0]:+.1f}, "
                    f"{ua_ci[1]:+.1f}] | {verdict} |")
    if not rows:
        return []
    boot = tests[0]["difference"]
    return ["", "### Does the phonetic unit help? (units minus the pooled classifiers and the baselines)", "",
            f"Points of pooled WA and UA, with paired speaker-bootstrap 95 % intervals ({boot['resamples']} resamples "
            f"of the {boot['speakers']} test speakers, both systems on each). UA verdict: higher or lower only where "
            f"the interval excludes 0. {lexical_note(sec['protocol']['scheme'], sec['protocol'].get('corpus', ''))}", "",
            "| units (A) | against (B) | A − B WA [95 % CI] | A − B UA [95 % CI] | UA |", "|---" * 5 + "|"] + rows


def over_seeds(sec: Dict) -> List[str]:
    if not sec["over_seeds"] or len(sec["protocol"]["train_seeds"]) < 2:
        return []
    lines = ["", "Over seeds (pooled WA/UA of each seed's run; mean ± SD):", "",
             "| units | seeds | WA mean ± SD | UA mean ± SD |", "|---|---|---|---|"]
    for variant in dict.fromkeys(s["variant"] for s in sec["runs"] if s["variant"] in sec["over_seeds"]):
        o = sec["over_seeds"][variant]
        lines.append(f"| {variant} | {len(o['seeds'])} | {fmt(o['WA_mean'])} ± {fmt(o['WA_sd'])} | "
                     f"{fmt(o['UA_mean'])} ± {fmt(o['UA_sd'])} |")
    return lines


def per_fold(sec: Dict, left_out: List[Dict]) -> List[str]:
    lines = ["", "### Per fold", "",
             "| units | seed | fold | test group | n | WA | UA | UER with / without emotion | lr at unfreeze |",
             "|---" * 9 + "|"]
    for s in sec["runs"]:
        for f in s["folds"]:
            unfreeze = f"{f['unfreeze']['lr']:.3g} (update {f['unfreeze']['update']})" if f["unfreeze"] else "–"
            uer = "–" if s["unit"] == "pooled" else f"{fmt(f['uer_emo'])} / {fmt(f['uer_noemo'])}"   # no units
            lines.append(f"| {s['variant']} | {seed(s)} | {f['fold']} | {f['test_group']} | {f['n']} | "
                         f"{f['WA']:.1f} | {f['UA']:.1f} | {uer} | {unfreeze} |")
    if left_out:
        lines += ["", f"Left out of these tables ({len(left_out)} fold(s)): "
                  + "; ".join(f"{x['run']} {x['fold']}: {x['why']}" for x in left_out)]
    return lines


def paired(sec: Dict) -> List[str]:
    tests = sec["paired_tests"]
    if not tests:
        return []
    lines = ["", "### Paired significance between unit types", "", sec["protocol"]["texts"]["paired_tests"], "",
             "| A | B | n | A − B WA [95 % CI] | A − B UA [95 % CI] | A only right | B only right | McNemar p | "
             "McNemar p (Holm) | folds | Wilcoxon p | Wilcoxon p (Holm) |", "|---" * 12 + "|"]
    for t in tests:
        d = t.get("difference")   # absent in results.json written before the intervals
        wa = f"{d['WA']:+.1f} [{d['WA_ci'][0]:+.1f}, {d['WA_ci'][1]:+.1f}]" if d else "–"
        ua = f"{d['UA']:+.1f} [{d['UA_ci'][0]:+.1f}, {d['UA_ci'][1]:+.1f}]" if d else "–"
        lines.append(f"| {t['a']} | {t['b']} | {t['n']} | {wa} | {ua} | {t['a_only']} | {t['b_only']} | "
                     f"{p_value(t['mcnemar_p'])} | {p_value(t['mcnemar_p_holm'])} | {t['folds']} | "
                     f"{p_value(t['wilcoxon_p'])} | {p_value(t['wilcoxon_p_holm'])} |")
    return lines


def breakdowns(sec: Dict) -> List[str]:
    runs = sec["runs"]
    cols = [c for c in ("improvised", "scripted", "female", "male") if any(c in s["breakdown"] for s in runs)]
    if not cols:
        return []
    lines = ["", "### Breakdowns (WA / UA %, n)", "", "| units | seed | " + " | ".join(cols) + " |",
             "|---" * (len(cols) + 2) + "|"]
    for s in runs:
        cells = [f"{s['breakdown'][c]['WA']:.1f} / {s['breakdown'][c]['UA']:.1f} ({s['breakdown'][c]['n']})"
                 if c in s["breakdown"] else "–" for c in cols]
        lines.append(f"| {s['variant']} | {seed(s)} | " + " | ".join(cells) + " |")
    return lines


def variants(sec: Dict) -> List[str]:
    """Variants of one unit type (BPC sets, syllabifiers) ranked by UA, each against the best with the paired
    tests' exact McNemar p (Holm-corrected over the scheme's pairs), the BPC sets' definitions beneath."""
    by_unit: Dict[str, List[Dict]] = {}
    for s in sec["runs"]:
        by_unit.setdefault(s["unit"], []).append(s)
    multi = {u: ss for u, ss in by_unit.items() if len({s["variant"] for s in ss}) > 1}
    if not multi:
        return []
    tests = {frozenset((t["a"], t["b"])): t for t in sec["paired_tests"]}
    lines = ["", "### Variants of a unit type, ranked by UA", "",
             "| unit type | rank | variant | seed | WA | UA | UER with / without emotion | dictionary tokens | "
             "McNemar p vs the best (Holm) |", "|---" * 9 + "|"]
    definitions = {}
    for unit, ss in multi.items():
        ranked = sorted(ss, key=lambda s: (-s["accuracy"]["UA"], s["variant"]))
        best = ranked[0]
        for rank, s in enumerate(ranked, start=1):
            t = tests.get(frozenset((s["run"], best["run"])))
            versus = "best" if s is best else (p_value(t["mcnemar_p_holm"]) if t else "–")
            lines.append(f"| {unit} | {rank} | {s['variant']} | {seed(s)} | {s['accuracy']['WA']:.1f} | "
                         f"{s['accuracy']['UA']:.1f} | {uer(s['scores'])} | {s.get('dict_tokens') or '–'} | {versus} |")
            if s.get("unit_definition"):
                definitions[s["variant"]] = s["unit_definition"]
    if definitions:
        lines += ["", "BPC sets: " + "; ".join(
            f"**{v}**: " + ", ".join(f"{c} = {' '.join(p)}" for c, p in d.items()) for v, d in definitions.items())]
    return lines


def table2(sec: Dict) -> List[str]:
    lines = ["", "### Table 2: confusion matrices (rows = target, columns = predicted; counts and row %)", ""]
    for s in sec["runs"]:
        classes = s.get("classes") or EMOTIONS   # results.json before label sets: the paper's four
        f1 = f"macro-F1 {s['macro_f1']:.1f} %, " if s.get("macro_f1") is not None else ""
        lines += [f"**{s['run']}** ({s['n']} utterances, {len(classes)} classes, {f1}pooled over {len(s['folds'])} "
                  f"folds; ![confusion]({layout.confusion_figure(s['run'])}))", ""] + matrix_rows(s["confusion"], classes)
        if s["paper_confusion"]:
            lines += ["", f"The paper's Table 2 (its BPC model, {sum(map(sum, s['paper_confusion']))} utterances), "
                      f"beside **{s['run']}**:", ""] + matrix_rows(s["paper_confusion"])
        lines.append("")
    return lines


def _errors(row: Dict) -> str:
    return f"{float(row['Err']):.1f} ({float(row['Sub']):.1f}, {float(row['Del']):.1f}, {float(row['Ins']):.1f})"


def table3(sec: Dict) -> List[str]:
    show_paper = any(s["paper_table3"] for s in sec["runs"])
    lines = ["### Table 3: unit error rates (sclite), pooled over folds", "",
             "| units | seed | N | with emotion: Err (Sub, Del, Ins) % | without emotion: Err (Sub, Del, Ins) % |"
             + (" paper N | paper with | paper without |" if show_paper else ""),
             "|---" * (8 if show_paper else 5) + "|"]
    for s in sec["runs"]:
        if s["unit"] == "pooled":
            continue   # one decision per utterance, no units: its 'error rate' is its emotion error (Table 1)
        if "emo" not in s["scores"]:
            lines.append(f"| {s['variant']} | {seed(s)} | not scored | | |" + (" | | |" if show_paper else ""))
            continue
        e, n = s["scores"]["emo"], s["scores"]["noemo"]
        row = f"| {s['variant']} | {seed(s)} | {e['N']} | {_errors(e)} | {_errors(n)} |"
        if show_paper:
            t3 = s["paper_table3"]
            row += (f" {t3['N']:,} | {t3['emo']['Err']} ({t3['emo']['Sub']}, {t3['emo']['Del']}, {t3['emo']['Ins']}) | "
                    f"{t3['noemo']['Err']} ({t3['noemo']['Sub']}, {t3['noemo']['Del']}, {t3['noemo']['Ins']}) |"
                    if t3 else " – | – | – |")
        lines.append(row)
    return lines + [""]


def scheme_section(scheme: str, sec: Dict, split: str, left_out: List[Dict]) -> List[str]:
    return ([f"## Fold scheme `{scheme}`", ""] + protocol(scheme, sec, split) + table1(sec) + headline(sec)
            + over_seeds(sec) + per_fold(sec, left_out) + paired(sec) + decision_rules(sec) + unit_emotion(sec) + breakdowns(sec) + variants(sec) + table2(sec) + table3(sec))


def provenance_line(prov: Dict, devices: List[str]) -> List[str]:
    return ["## Provenance", "",
            f"Written by fairseq_emo at commit `{prov['commit'] or 'unknown'}`"
            f"{' (with uncommitted changes)' if prov['uncommitted_changes'] else ''}; python {prov['python']}, "
            + ", ".join(f"{k} {v}" for k, v in prov["packages"].items() if v)
            + (f"; trained on {', '.join(devices)}" if devices else "") + ". Every number: `results.json`."]


def cross_validation_report(results: Dict, has_loss_figure: bool) -> str:
    """results (results.py) -> the text of exp/<corpus>/report/report.md."""
    lines = [f"# Results: {results['corpus']}", ""]
    if results["synthetic"]:
        lines += [SYNTHETIC_NOTE, ""]
    schemes = results["scheme_order"]  # the paper's scheme first (JSON objects have no order)
    lines += ["Fold schemes in this report: " + ", ".join(f"`{s}`" for s in schemes) + ".", ""]
    for scheme in schemes:
        sec = results["schemes"][scheme]
        lines += scheme_section(scheme, sec, results["split"], results["left_out"].get(scheme, []))
    for scheme in results["not_evaluated_schemes"]:
        lines += [f"## Fold scheme `{scheme}`: nothing evaluated", ""] + [
            f"- {x['run']} {x['fold']}: {x['why']}" for x in results["left_out"].get(scheme, [])] + [""]
    if results["not_runs"]:
        lines += [f"Not read: {len(results['not_runs'])} folder(s) whose names are not runs "
                  f"(`<unit variant>[.<scheme>][.seed<s>]`): " + ", ".join(f"`{n}`" for n in results["not_runs"])
                  + ".", ""]
    if has_loss_figure:
        lines += ["## Figure 4: training loss", "", f"![training loss]({layout.LOSS_FIGURE})", ""]
    devices = sorted({f["device"] for sec in results["schemes"].values() for s in sec["runs"] for f in s["folds"]
                      if f.get("device")})
    return "\n".join(lines + provenance_line(results["provenance"], devices)) + "\n"


# --- the cross-corpus report (exp/cross/report.md) -----------------------------------------------------------------

def cross_training(p: Dict) -> str:
    if p["valid_policy"] == "monitor":
        return (f"trained on every utterance of the training corpus, as the paper (\"re-trained on the entire "
                f"dataset\"); fold scheme '{p['scheme']}', validation policy 'monitor': a "
                f"{100 * p['valid_fraction']:.0f} % slice per speaker and emotion, drawn from the training "
                f"utterances, only draws the curve; no test fold")
    return (f"trained on the training corpus less a held-out validation slice of {100 * p['valid_fraction']:.0f} % "
            f"per speaker and emotion (validation policy 'heldout'; the paper trained on the entire dataset); no "
            f"test fold")


def cross_models(results: Dict) -> List[str]:
    lines = ["| unit | training corpus | train / valid utterances (policy) | config | pre-trained model | overrides |",
             "|---|---|---|---|---|---|"]
    for unit in results["units"]:
        p = next(results["cells"][c][unit]["protocol"] for c in results["corpora"] if unit in results["cells"][c])
        lines.append(f"| {unit} | {p['train_corpus']} | {p['train']} / {p['valid']} ({p['valid_policy']}) | "
                     f"{p['config']} | {p['w2v']} | {' '.join(f'`{o}`' for o in p['overrides']) or 'none'} |")
    return lines


def table4(results: Dict) -> List[str]:
    lines = ["## Table 4: utterances per class (ours; in brackets the paper's, or the release's for a corpus the "
             "paper did not use)", "",
             "| corpus | " + " | ".join(EMOTION_NAMES[e] for e in EMOTIONS) + " | speakers | audio |",
             "|---|" + "---|" * (len(EMOTIONS) + 2)]
    for corpus in results["corpora"]:
        t = results["targets"][corpus]
        paper_counts: Optional[List[int]] = t["paper_counts"]
        lines.append(f"| {t['name']} | " + " | ".join(
            f"{t['counts'][e]}" + (f" ({paper_counts[i]})" if paper_counts else "") for i, e in enumerate(EMOTIONS))
            + f" | {t['speakers']} | {'/'.join(map(str, t['source_rates']))} Hz, {t['audio']} |")
    return lines


def table5(results: Dict) -> List[str]:
    """Table 5 (WA) and the same for UA: target x unit type, the paper's row beside its experiment's cells, and the
    eGeMAPS baseline trained on the same corpus and tested on the same target where it ran."""
    units, cells, baselines, lines = results["units"], results["cells"], results.get("baselines", {}), []
    extra = ["eGeMAPS baseline"] if baselines else []
    for metric, title in (("WA", "Table 5: weighted accuracy (%)"), ("UA", "Unweighted accuracy (%)")):
        lines += ["", f"## {title}", "", "| corpus | " + " | ".join(units + extra) + " |",
                  "|---|" + "---|" * (len(units) + len(extra))]
        for corpus in results["corpora"]:
            row = [f"{cells[corpus][u][metric]:.1f}" if u in cells[corpus] else "–" for u in units]
            if extra:
                row.append(fmt(baselines[corpus][metric]) if corpus in baselines else "–")
            lines.append(f"| {results['targets'][corpus]['name']} | " + " | ".join(row) + " |")
            figures = [cells[corpus][u]["paper_WA"] if u in cells[corpus] else None for u in units]
            if metric == "WA" and any(f is not None for f in figures):
                lines.append("| paper, Table 5 | " + " | ".join(fmt(f) for f in figures) + (" | – |" if extra else " |"))
    if baselines:
        b = next(iter(baselines.values()))
        lines += ["", f"Baseline: {b['method']}, trained on every utterance of {b['train_corpus']} ({b['train']}), "
                      f"tested on each target: how far prosody and voice quality alone carry across corpora."]
    return lines


def cross_unit_errors(results: Dict) -> List[str]:
    """Table 3 for other languages: the cells scored against their target's own transcripts (cross_scoring.py)."""
    every = [(c, u, results["cells"][c][u]) for c in results["corpora"] for u in results["units"]
             if u in results["cells"][c]]
    scored = [(c, u, cell) for c, u, cell in every if cell.get("scores")]
    if not scored:
        return []
    lines = ["", "## Unit error rates across languages (sclite, against each target's own transcripts)", "",
             "| corpus | units | N | with emotion: Err (Sub, Del, Ins) % | without emotion: Err (Sub, Del, Ins) % | "
             "reference floor % |", "|---|---|---|---|---|---|"]
    floors = []
    for c, u, cell in scored:
        emo, noemo = cell["scores"]["emo"], cell["scores"]["noemo"]
        floor = cell.get("reference_floor") or {}
        if floor.get("utterances"):
            floors.append((results["targets"][c]["name"], u, floor))
        lines.append(f"| {results['targets'][c]['name']} | {u} | {emo['N']} | {emo['Err']} ({emo['Sub']}, "
                     f"{emo['Del']}, {emo['Ins']}) | {noemo['Err']} ({noemo['Sub']}, {noemo['Del']}, {noemo['Ins']}) | "
                     f"{floor['rate'] if floor.get('utterances') else '–'} |")
    not_scored = sorted({cell["unscored"] for _, _, cell in every if cell.get("unscored")})
    lines += ["", "The references are the target's words through its own G2P (German: espeak-ng IPA) into the "
              "model's broad phonetic classes, defined on articulatory features so that a class means the same in "
              "every language (fairseq_emo/units/ipa.py); the emotion of every reference unit is the utterance's "
              "label. Without emotion: do the model's classes follow another language's phonetics at all; with "
              "emotion: and do they carry the right emotion."
              + (" Not scored: " + "; ".join(not_scored) + "." if not_scored else "")]
    for name, u, floor in floors:
        unknown = floor.get("unknown_labels") or {}
        lines.append(f"Reference floor, {name} {u}: the G2P references scored against the release's own "
                     f"{floor['source']} in the same classes ({floor['utterances']} utterances, {floor['hand_units']} "
                     f"hand-labelled units): {floor['rate']} % of the rate without emotion is the references' own "
                     f"distance from what was said, not the model's. Left out: {floor['pauses']} pause label(s)"
                     + (f", {sum(unknown.values())} label(s) not in the SAMPA table ("
                        + ", ".join(f"{k} {n}" for k, n in list(unknown.items())[:8]) + ")" if unknown else "")
                     + (f", {floor['no_label_file']} utterance(s) without a label file" if floor["no_label_file"]
                        else "")
                     + (f", {floor['other_files']} file(s) in lablaut/ named by no recording"
                        if floor.get("other_files") else "") + ".")
    return lines


def cross_notes(results: Dict) -> List[str]:
    cells, names, lines = results["cells"], {c: t["name"] for c, t in results["targets"].items()}, []
    every = [(c, u, cells[c][u]) for c in results["corpora"] for u in results["units"] if u in cells[c]]
    if any(cell["paper_WA"] is not None for _, _, cell in every):
        lines += ["", "Paper rows: the paper's Table 5 beside the cells that are its experiment (all-IEMOCAP models "
                  "with its recipe; the target in its condition)."]
    differing = [f"{names[c]} {u}: " + ", ".join(cell["paper_comparison"]["differences"]) for c, u, cell in every
                 if cell["paper_comparison"]["table"] and cell["paper_comparison"]["differences"]]
    if differing:
        lines += ["", "Not the paper's experiment, so no paper figure beside it: " + "; ".join(differing) + "."]
    if results["left_out"]:
        lines += ["", f"Left out of these tables ({len(results['left_out'])} cell(s)): "
                  + "; ".join(results["left_out"]) + "."]
    mostly_empty = [f"{names[c]} {u} ({cell['empty']} of {cell['n']})" for c, u, cell in every
                    if 2 * cell["empty"] > cell["n"]]
    if mostly_empty:
        lines += ["", "Cells where most hypotheses were empty (the model emitted only blanks; such utterances are "
                  "decided by posterior mass alone, see the vote's rules): " + "; ".join(mostly_empty) + "."]
    if results["synthetic"]:
        lines += ["", "These models were trained on the synthetic demo corpus and tested on synthetic stand-ins "
                  "(espeak-ng, prosody caricatures of emotion): the figures show that the pipeline runs end to end, "
                  "nothing about the real corpora."]
    return lines


def cross_confusions(results: Dict) -> List[str]:
    lines = ["", "## Confusion matrices (rows: target, columns: predicted)"]
    for corpus in results["corpora"]:
        for unit in results["units"]:
            cell = results["cells"][corpus].get(unit)
            if cell:
                lines += ["", f"### {results['targets'][corpus]['name']}, {unit} (n={cell['n']}, WA {cell['WA']:.1f}, "
                              f"UA {cell['UA']:.1f}, {cell['empty']} empty hypotheses)", ""] + matrix_rows(
                    cell["confusion"])
    return lines


def cross_corpus_report(results: Dict) -> str:
    """results (cross_results.py) -> the text of exp/cross/report.md."""
    first = results["corpora"][0]
    p = next(iter(results["cells"][first].values()))["protocol"]
    lines = ["# Cross-corpus emotion recognition (the paper's Section 4)", "",
             f"Protocol: one model per unit type, {cross_training(p)}; then tested, without any adaptation or "
             f"transcripts, on each corpus below. Test checkpoint: {p['checkpoint_rule']}. One emotion per utterance "
             f"by {results['vote_rule']}.", ""]
    lines += cross_models(results) + [""] + table4(results) + table5(results) + cross_unit_errors(results) \
        + cross_notes(results)
    lines += cross_confusions(results) + [""] + provenance_line(results["provenance"], [])
    return "\n".join(lines) + "\n"


# --- the cross-corpus matrix (exp/cross-matrix/report.md) ----------------------------------------------------------

def cross_matrix_report(m: Dict) -> str:
    """matrix results (cross_results.matrix) -> one train x test table per unit type (WA / UA, n, empty
    hypotheses) and the eGeMAPS baseline's."""
    lines = ["# Cross-corpus matrix: every training corpus x every target", "",
             "Each cell: WA / UA % (n test utterances, empty hypotheses) of the model trained on all of the row's "
             "corpus, tested on the column's without adaptation; from the cross-corpus results "
             + ", ".join(f"`{p}`" for p in m["sources"].values()) + " (their report.md states each protocol).", ""]
    header = "| trained on \\ tested on | " + " | ".join(m["names"][t] for t in m["targets"]) + " |"
    for unit in m["units"] + (["eGeMAPS baseline"] if any(m["baselines"].values()) else []):
        lines += [f"## {unit}", "", header, "|---|" + "---|" * len(m["targets"])]
        for train in m["trains"]:
            got = m["baselines"].get(train, {}) if unit == "eGeMAPS baseline" else m["cells"].get(unit, {}).get(train, {})
            row = [f"{c['WA']:.1f} / {c['UA']:.1f} (n={c['n']}" + (f", {c['empty']} empty)" if "empty" in c else ")")
                   if c else "–" for c in (got.get(t) for t in m["targets"])]
            lines.append(f"| {m['names'].get(train, train)} | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines + provenance_line(m["provenance"], [])) + "\n"


# --- RESULT lines (printed by scripts/report.py and scripts/report_cross_corpus.py) ---------------------------------

def format_result(corpus: str, unit: str, folds: str, wa: float, ua: float, seed=None, **details) -> str:
    """The RESULT line both reports print (grep-able key=value; details in parentheses, in the given order):
    'RESULT corpus=demo unit=bpc folds=speaker WA=81.5 UA=81.6  (n=124, ...)'."""
    seed_part = f" seed={seed}" if seed is not None else ""
    detail = ", ".join(f"{k}={v}" for k, v in details.items())
    return f"RESULT corpus={corpus} unit={unit} folds={folds}{seed_part} WA={wa:.1f} UA={ua:.1f}  ({detail})"


def result_lines(results: Dict) -> List[str]:
    """One RESULT line per run of a cross-validation report's results."""
    lines = []
    for scheme in results["scheme_order"]:
        for s in results["schemes"][scheme]["runs"]:
            p = s["protocol"]
            lines.append(format_result(
                p["corpus"], s["variant"], p["scheme"], s["accuracy"]["WA"], s["accuracy"]["UA"], s["seed"], n=s["n"],
                n_folds=len(s["folds"]), valid=p["valid_policy"], config=p["config"], checkpoint="final",
                strict_WA=f"{s['strict_accuracy']['WA']:.1f}", empty=s["rules"]["empty"]))
    return lines


def cross_result_lines(results: Dict) -> List[str]:
    """One RESULT line per cell of a cross-corpus report's results."""
    lines = []
    for corpus in results["corpora"]:
        for unit in results["units"]:
            cell = results["cells"][corpus].get(unit)
            if cell:
                p = cell["protocol"]
                lines.append(format_result(corpus, unit, "cross-corpus", cell["WA"], cell["UA"], n=cell["n"],
                                           trained_on=f"{p['train_corpus']}/{p['scheme']}", config=p["config"],
                                           checkpoint="final", empty=cell["empty"]))
    return lines
