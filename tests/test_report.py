"""The report against the paper, on an experiment tree laid out as run.sh leaves it: real folds from
make_manifests.py, decode outputs written here with known votes, sclite-format scores from the Python scorer.
The expected numbers are recomputed in the test from the hypotheses, not read back from the report."""
import json
import os
import random

import pytest

from conftest import check_schema, run_script
from fairseq_emo.evaluation.stats import mcnemar_exact
from fairseq_emo.decoding.trn import write_trn
from iemocap_tree import default_turns, make_tree

EMOS = ("neu", "hap", "ang", "sad")
kinds = {}  # run name -> utt -> which vote rule the fake hypothesis was made to need (filled by fake_fold)


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def fake_fold(manifest_fold, fold_dir, unit_ext, rng, seed=None, skill=0.7):
    """DONE, train.log and decode_test/ for one fold; returns {utt: (reference, vote, strict)} as the rules say."""
    os.makedirs(fold_dir / "decode_test" / "emo")
    os.makedirs(fold_dir / "decode_test" / "noemo")
    (fold_dir / "DONE").write_text(
        f"config=tiny\nw2v=/models/w2v.pt\ndata={manifest_fold}\nlauncher=local\nseed={seed or '1 (fairseq default)'}\n"
        f"device=cpu\nwall_seconds=12\ntest_checkpoint={fold_dir}/checkpoints/checkpoint_last.pt\n"
        "checkpoint_rule=final (checkpoint_last.pt; no selection on the test fold)\n")
    (fold_dir / "train.log").write_text("[2026-11-29 05:00:00,000][fairseq_emo.training.fairseq_plugin.task][INFO] - "
                                        "unfreeze: update 10, lr 1.84e-05\n")
    utts = [l.split("\t") for l in lines(manifest_fold / "test.utt")]
    refs = [l.split() for l in lines(manifest_fold / f"test.{unit_ext}")]
    rows_emo, rows_ref, rows_noemo_h, rows_noemo_r, units, truth = [], [], [], [], [], {}
    for (utt, spk, emo), ref in zip(utts, refs):
        kind = rng.random()
        other = rng.choice([e for e in EMOS if e != emo])
        bodies = [t.rsplit("_", 1)[0] for t in ref]
        if kind < 0.15:          # empty hypothesis: posterior mass decides
            hyp, mass = [], {e: (3.0 if e == (emo if rng.random() < 0.5 else other) else 1.0) for e in EMOS}
            vote, strict = max(mass, key=mass.get), "none"
            kinds.setdefault(fold_dir.parent.name, {})[utt] = "empty"
        elif kind < 0.3:         # a tie: mass decides
            hyp = [f"{bodies[0]}_{emo}", f"{bodies[0]}_{other}"]
            mass = {e: (2.0 if e == other else 1.0) for e in EMOS}
            vote, strict = other, "none"
            kinds.setdefault(fold_dir.parent.name, {})[utt] = "tie"
        else:                    # a clear majority, right with probability `skill`
            winner = emo if rng.random() < skill else other
            hyp = [f"{b}_{winner}" for b in bodies] * 2 + [f"{bodies[0]}_{emo if winner != emo else other}"]
            mass = {e: 1.0 for e in EMOS}
            vote, strict = winner, winner
            kinds.setdefault(fold_dir.parent.name, {})[utt] = "majority"
        truth[utt] = (emo, vote, strict)
        rows_emo.append((spk, utt, hyp))
        rows_ref.append((spk, utt, ref))
        rows_noemo_h.append((spk, utt, [t.rsplit("_", 1)[0] for t in hyp]))
        rows_noemo_r.append((spk, utt, bodies))
        units.append(json.dumps({"utt_id": utt, "speaker": spk, "ref_emotion": emo, "ref": ref, "seconds": 1.0,
                                 "emotion_mass": mass, "units": [
                                     {"unit": t, "start": 0.1 * k, "end": 0.1 * k + 0.05 * (1 + len(t) % 3),
                                      "posterior": 0.5 + 0.1 * (k % 5)} for k, t in enumerate(hyp)]}))
    dec = fold_dir / "decode_test"
    write_trn(str(dec / "emo" / "hyp.trn"), rows_emo)
    write_trn(str(dec / "emo" / "ref.trn"), rows_ref)
    write_trn(str(dec / "noemo" / "hyp.trn"), rows_noemo_h)
    write_trn(str(dec / "noemo" / "ref.trn"), rows_noemo_r)
    (dec / "units.jsonl").write_text("\n".join(units) + "\n")
    (dec / "ref_emotions.txt").write_text("".join(f"{u} {e}\n" for u, (e, _, _) in truth.items()))
    run_script("vote.py", "--hyp", dec / "emo" / "hyp.trn", "--out", dec / "pred.txt", "--units-json",
               dec / "units.jsonl")
    return truth


def wa(truth, which):
    return 100.0 * sum(1 for e, v, s in truth.values() if (v if which == "vote" else s) == e) / len(truth)


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    make_tree(str(tmp / "corpus"), default_turns(per_speaker=8))
    run_script("prepare.py", "--corpus", "iemocap", "--data", tmp / "corpus", "--out", tmp / "data")
    table = tmp / "data" / "utterances.tsv"
    for unit in ("bpc", "bpc-cv2", "utterance"):
        for scheme in ("speaker", "session"):
            run_script("make_manifests.py", "--table", table, "--unit", unit, "--folds", scheme,
                       "--manifest-root", tmp / "manifests")
    run_script("make_manifests.py", "--table", table, "--unit", "bpc", "--folds", "scenario",
               "--manifest-root", tmp / "manifests")
    exp = tmp / "exp" / "iemocap"
    rng = random.Random(7)
    truths = {}
    runs = [("bpc", "speaker", None, "bpc"), ("utterance", "speaker", None, "utterance"),
            ("bpc-cv2", "speaker", None, "bpc-cv2"), ("bpc", "session", 1, "bpc.session.seed1"),
            ("bpc", "session", 2, "bpc.session.seed2"), ("bpc", "scenario", None, "bpc.scenario")]
    for variant, scheme, seed, name in runs:
        folds = sorted(d for d in os.listdir(tmp / "manifests" / "iemocap" / variant / scheme) if d.startswith("fold") and d[4:].isdigit())
        truths[name] = {}
        for fold in folds:
            truths[name][fold] = fake_fold(tmp / "manifests" / "iemocap" / variant / scheme / fold,
                                           exp / name / fold, variant.split("-")[0], rng, seed,
                                           skill=0.9 if variant == "bpc" else 0.5)
        run_script("score.py", "--run", exp / name, "--scorer", "python")
    (exp / "notes.old").mkdir()  # a user's folder beside the runs
    for scheme in ("speaker", "scenario"):   # the lexical control (transcripts alone)
        run_script("baseline.py", "--text", "--folds-dir", tmp / "manifests" / "iemocap" / "bpc" / scheme,
                   "--out", exp / "baseline" / scheme / "text")
    proc = run_script("report.py", "--exp", exp)
    return exp, truths, proc


def test_results_per_scheme_with_protocol_and_result_lines(experiment):
    exp, truths, proc = experiment
    text = (exp / "report" / "report.md").read_text()
    assert "## Fold scheme `speaker`" in text and "## Fold scheme `session`" in text
    assert text.count("Protocol:") == 3 and text.count("validation policy `monitor`") == 3
    results = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    assert len(results) == 6
    pooled = {k: v for f in truths["bpc"].values() for k, v in f.items()}
    line = next(l for l in results if "unit=bpc folds=speaker " in l)
    assert f"WA={wa(pooled, 'vote'):.1f}" in line and f"strict_WA={wa(pooled, 'strict'):.1f}" in line
    assert "valid=monitor" in line
    assert sum(1 for l in results if "folds=session seed=" in l) == 2


def test_no_paper_figure_beside_a_run_that_is_not_the_paper_experiment(experiment):
    exp, _, _ = experiment
    text = (exp / "report" / "report.md").read_text()
    speaker, session = text.split("## Fold scheme `session`")
    # IEMOCAP speaker folds, but 4 speakers, config tiny, a random-init model: every difference named, no figure
    assert "76.8" not in speaker and "62.6" not in speaker and "194,473" not in speaker and "1189" not in speaker
    why = speaker.split("Not the paper's experiment, so no paper figure beside it: ")[1].split("\n")[0]
    for difference in ("**bpc**: folds 1-4 of 4 (the paper: 10 folds)", "68 test utterances (the paper: 5531)",
                       "config tiny (the paper's recipe: paper_bpc)", "pre-trained model w2v.pt",
                       "**utterance**:", "config tiny (the paper's recipe: paper_utterance)"):
        assert difference in why, difference
    assert "76.8" not in session and "reports no figure" in session
    results = json.load(open(exp / "report" / "results.json"))
    run = next(r for r in results["schemes"]["speaker"]["runs"] if r["run"] == "bpc")
    assert run["paper_comparison"]["table"] == "table1" and not run["paper_comparison"]["comparable"]
    assert results["schemes"]["speaker"]["paper_table1"] == {}


PAPER_COMMAND = ("fairseq-hydra-train --config-dir /repo/configs --config-name paper_{unit} hydra.run.dir=/x/hydra "
                 "task.data={data} task.labels={unit} model.w2v_path=/models/libri960_big.pt "
                 "common.user_dir=/repo/fairseq_emo checkpoint.save_dir=/x/checkpoints{extra}")


def as_paper_run(run_dir, unit, extra=""):
    """Rewrite a fake run's DONE files as the paper's recipe trained them (config, model, recorded command)."""
    for fold in run_dir.glob("fold*"):
        done = dict(l.split("=", 1) for l in (fold / "DONE").read_text().splitlines())
        done.update(config=f"paper_{unit}", w2v="/models/libri960_big.pt",
                    command=PAPER_COMMAND.format(unit=unit, data=done["data"], extra=extra))
        (fold / "DONE").write_text("".join(f"{k}={v}\n" for k, v in done.items()))


def test_paper_figures_only_beside_the_paper_experiment_and_every_difference_named(experiment, tmp_path,
                                                                                  monkeypatch):
    """The same runs rewritten as the paper's recipe trained them. The stand-in tree has 4 speakers and 68 test
    utterances, so the paper's fold and utterance counts are set to the tree's here (everything else is the
    paper's): bpc and utterance are then the paper's experiment; an override, another backbone or a fold subset
    each takes the figures away and is named."""
    import shutil

    from fairseq_emo.reporting import paper

    exp, _, _ = experiment
    work = tmp_path / "iemocap"
    for name in ("bpc", "utterance", "bpc-cv2", "bpc.session.seed1"):
        shutil.copytree(exp / name, work / name)
    shutil.copy(exp / "bpc" / "scores_test.tsv", work / "bpc")
    monkeypatch.setitem(paper.EXPERIMENTS, "table1", dict(paper.EXPERIMENTS["table1"], folds=4, utterances=68))
    as_paper_run(work / "bpc", "bpc")
    as_paper_run(work / "utterance", "utterance")
    as_paper_run(work / "bpc-cv2", "bpc", " lr_scheduler.phase_ratio=[0.1,0.5667,0.3333] common.log_interval=10")
    run_script("report.py", "--exp", work)
    text = (work / "report" / "report.md").read_text()
    speaker = text.split("## Fold scheme `session`")[0]
    rows = {l.split(" | ")[0][2:]: l for l in speaker.splitlines() if l.startswith("| ") and " | – | 4 | 68 |" in l}
    assert "| 76.8 / 77.2 |" in rows["bpc"] and "| 62.6 / 62.5 |" in rows["utterance"]
    assert "| – | – |" in rows["bpc-cv2"]  # overridden: no figure, no difference
    assert "**bpc-cv2**: override lr_scheduler.phase_ratio=[0.1,0.5667,0.3333]" in speaker
    assert "common.log_interval" not in speaker.split("Not the paper's experiment")[1].split("\n")[0]
    # the protocol line carries the overrides, logging ones included
    assert "bpc-cv2: `lr_scheduler.phase_ratio=[0.1,0.5667,0.3333]` `common.log_interval=10`" in speaker
    assert "194,473" in speaker and "1189 (69.6 %)" in speaker       # Table 3's N, Table 2 beside the bpc run
    results = json.load(open(work / "report" / "results.json"))
    assert results["schemes"]["speaker"]["paper_table1"]["bpc"] == {"WA": 76.8, "UA": 77.2}
    check_schema(results, "results")
    # another backbone, then a fold subset: the figure goes and the difference is named
    as_paper_run(work / "bpc", "bpc", " backbone=hubert_large")
    run_script("report.py", "--exp", work)
    text = (work / "report" / "report.md").read_text().split("## Fold scheme `session`")[0]
    assert "76.8" not in text and "**bpc**: backbone hubert_large (the paper: libri960)" in text
    # one fold trained with an override the others lack: the run is not one protocol
    as_paper_run(work / "bpc", "bpc")
    done = (work / "bpc" / "fold2" / "DONE").read_text()
    (work / "bpc" / "fold2" / "DONE").write_text(done.replace("checkpoints\n", "checkpoints optimization.lr=[0.001]\n"))
    run_script("report.py", "--exp", work)
    text = (work / "report" / "report.md").read_text().split("## Fold scheme `session`")[0]
    assert "| 76.8 / 77.2 |" not in text and "its folds were trained with different configs or overrides" in text
    as_paper_run(work / "bpc", "bpc")
    shutil.rmtree(work / "bpc" / "fold4" / "decode_test")
    run_script("report.py", "--exp", work)
    text = (work / "report" / "report.md").read_text().split("## Fold scheme `session`")[0]
    assert "| 76.8 / 77.2 |" not in text and "**bpc**: folds 1-3 of 4" in text
    assert "| 62.6 / 62.5 |" in text  # the utterance run is still the paper's


def test_fallbacks_pure_majority_spread_and_lr(experiment):
    exp, truths, _ = experiment
    results = json.load(open(exp / "report" / "results.json"))
    run = next(r for r in results["schemes"]["speaker"]["runs"] if r["run"] == "bpc")
    pooled = {k: v for f in truths["bpc"].values() for k, v in f.items()}
    assert run["rules"]["empty"] == sum(1 for u in pooled if kinds["bpc"][u] == "empty")
    assert run["rules"]["tie"] == sum(1 for u in pooled if kinds["bpc"][u] == "tie") > 0
    assert run["strict_accuracy"]["WA"] == pytest.approx(wa(pooled, "strict"))
    fold_wa = [wa(truths["bpc"][f], "vote") for f in sorted(truths["bpc"], key=lambda f: int(f[4:]))]
    assert run["fold_stats"]["WA"]["min"] == pytest.approx(min(fold_wa))
    assert run["fold_stats"]["WA"]["max"] == pytest.approx(max(fold_wa))
    assert [f["WA"] for f in run["folds"]] == pytest.approx(fold_wa)
    assert all(f["unfreeze"] == {"update": 10, "lr": 1.84e-05} for f in run["folds"])
    assert "1.84e-05 (update 10)" in (exp / "report" / "report.md").read_text()
    assert results["provenance"]["packages"]["fairseq_emo"]


def test_paired_tests_breakdowns_variants_and_seeds(experiment):
    exp, truths, _ = experiment
    results = json.load(open(exp / "report" / "results.json"))
    tests = results["schemes"]["speaker"]["paired_tests"]
    t = next(t for t in tests if {t["a"], t["b"]} == {"bpc", "utterance"})
    a = {k: v[1] == v[0] for f in truths[t["a"]].values() for k, v in f.items()}
    b = {k: v[1] == v[0] for f in truths[t["b"]].values() for k, v in f.items()}
    a_only = sum(1 for u in a if a[u] and not b[u])
    b_only = sum(1 for u in a if b[u] and not a[u])
    assert (t["a_only"], t["b_only"]) == (a_only, b_only)
    assert t["mcnemar_p"] == pytest.approx(mcnemar_exact(a_only, b_only))
    # Wilcoxon over the 4 folds' WA, recomputed here by enumerating every sign pattern
    import itertools
    diffs = [wa(truths[t["a"]][f], "vote") - wa(truths[t["b"]][f], "vote") for f in sorted(truths[t["a"]])]
    diffs = [d for d in diffs if abs(d) > 1e-12]
    ranks = {i: sorted(abs(x) for x in diffs).index(abs(d)) + (sorted(abs(x) for x in diffs).count(abs(d)) + 1) / 2
             for i, d in enumerate(diffs)}
    w_plus = sum(ranks[i] for i, d in enumerate(diffs) if d > 0)
    half = sum(ranks.values()) / 2
    extreme = sum(1 for signs in itertools.product((0, 1), repeat=len(diffs))
                  if abs(sum(ranks[i] for i, s in enumerate(signs) if s) - half) >= abs(w_plus - half) - 1e-9)
    assert t["folds"] == 4 and t["wilcoxon_p"] == pytest.approx(extreme / 2 ** len(diffs))
    text = (exp / "report" / "report.md").read_text()
    assert "Exact McNemar" in text and "Wilcoxon signed-rank" in text
    # a folder that is not a run is listed, not silently skipped
    assert "Not read: 1 folder(s)" in text and "`notes.old`" in text
    assert "| units | seed | improvised | female | male |" in text
    assert "### Variants of a unit type" in text and "| bpc | bpc-cv2 |" in text
    seeds = results["schemes"]["session"]["over_seeds"]["bpc"]
    assert seeds["seeds"] == [1, 2]
    pooled = [wa({k: v for f in truths[f"bpc.session.seed{s}"].values() for k, v in f.items()}, "vote")
              for s in (1, 2)]
    assert seeds["WA_mean"] == pytest.approx(sum(pooled) / 2)


def test_demo_report_says_synthetic_and_has_no_paper_figures(experiment, tmp_path):
    exp, _, _ = experiment
    import shutil
    demo = tmp_path / "demo"
    shutil.copytree(exp / "utterance", demo / "utterance")
    for fold in (demo / "utterance").glob("fold*"):
        data = dict(l.split("=", 1) for l in (fold / "DONE").read_text().splitlines())["data"]
        info = json.load(open(os.path.join(data, "fold.json")))
        info["corpus"] = "demo"
        copy = tmp_path / "m" / fold.name
        shutil.copytree(data, copy)
        json.dump(info, open(copy / "fold.json", "w"))
        (fold / "DONE").write_text((fold / "DONE").read_text().replace(data, str(copy)))
    run_script("report.py", "--exp", demo)
    text = (demo / "report" / "report.md").read_text()
    assert "**Synthetic corpus.**" in text and "paper has no figures for this corpus" in text
    assert "62.6" not in text


def test_report_rendered_again_from_results_json_alone_is_the_same(experiment, tmp_path):
    """results.json is the product: with exp/ gone, scripts/report.py --from-results makes the same report.md, and
    results.json holds its documented schema (with the rule texts the numbers were made under)."""
    exp, _, proc = experiment
    saved = tmp_path / "saved" / "results.json"
    saved.parent.mkdir()
    saved.write_text((exp / "report" / "results.json").read_text())
    results = json.loads(saved.read_text())
    check_schema(results, "results")
    from fairseq_emo.decoding.vote import RULE_TEXT
    assert results["schemes"]["speaker"]["protocol"]["texts"]["vote"] == RULE_TEXT
    assert RULE_TEXT in (exp / "report" / "report.md").read_text()
    again = run_script("report.py", "--from-results", saved, "--out", tmp_path / "again")
    assert (tmp_path / "again" / "report.md").read_text() == (exp / "report" / "report.md").read_text()
    assert sorted(p.name for p in (tmp_path / "again").glob("*.png")) == sorted(
        p.name for p in (exp / "report").glob("*.png"))
    # the RESULT lines too come from the results alone
    assert [l for l in again.stdout.splitlines() if l.startswith("RESULT ")] == [
        l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    # a hand-edited results.json is refused, not rendered as if measured: a figure, and a count's type
    edited = json.loads(saved.read_text())
    edited["schemes"]["speaker"]["runs"][0]["accuracy"]["WA"] = 99.9
    saved.write_text(json.dumps(edited))
    proc = run_script("report.py", "--from-results", saved, "--out", tmp_path / "edited", check=False)
    assert proc.returncode == 2 and "WA 99.9" in proc.stderr and "its confusion matrix gives" in proc.stderr
    edited = json.loads((exp / "report" / "results.json").read_text())
    edited["schemes"]["speaker"]["runs"][0]["n"] = "fourteen"
    saved.write_text(json.dumps(edited))
    proc = run_script("report.py", "--from-results", saved, "--out", tmp_path / "edited", check=False)
    assert proc.returncode == 2 and "'fourteen' is not of type 'integer'" in proc.stderr, proc.stderr
    assert not (tmp_path / "edited" / "report.md").exists()


def test_decision_rules_and_speaker_intervals_from_the_same_decodes(experiment):
    """The majority rule of decision_rules.py is the vote that wrote pred.txt (the same WA, no discordant
    utterance); posterior mass alone is recomputed here from units.jsonl; the speaker-bootstrap interval holds the
    pooled figure; the report shows them."""
    exp, truths, _ = experiment
    results = json.load(open(exp / "report" / "results.json"))
    run = next(r for r in results["schemes"]["speaker"]["runs"] if r["run"] == "bpc")
    rules = run["decision_rules"]
    assert set(rules) == {"majority", "posterior_mass", "posterior_weighted", "duration", "vowels_only",
                          "consonants_only"}
    assert rules["majority"]["WA"] == pytest.approx(run["accuracy"]["WA"])
    assert rules["majority"]["majority_only"] == rules["majority"]["rule_only"] == 0
    lines = [json.loads(l) for d in sorted((exp / "bpc").glob("fold*"))
             for l in (d / "decode_test" / "units.jsonl").read_text().splitlines()]
    by_mass = {l["utt_id"]: max(EMOS, key=lambda e: l["emotion_mass"][e]) for l in lines}
    reference = {l["utt_id"]: l["ref_emotion"] for l in lines}
    wa = 100 * sum(by_mass[u] == e for u, e in reference.items()) / len(reference)
    assert rules["posterior_mass"]["WA"] == pytest.approx(wa)
    boot = run["bootstrap"]
    assert boot["speakers"] == 4 and boot["WA"][0] <= run["accuracy"]["WA"] <= boot["WA"][1]
    assert boot["UA"][0] < boot["UA"][1]
    text = (exp / "report" / "report.md").read_text()
    assert "### Decision rules (the same decodes, no retraining)" in text and "| bpc | – | duration |" in text
    assert "WA / UA 95 % CI (speakers)" in text and "resamples of the 4 test speakers" in text
    # syllables and utterance units have no vowel/consonant split
    utt = next(r for r in results["schemes"]["speaker"]["runs"] if r["run"] == "utterance")
    assert "vowels_only" not in utt["decision_rules"] and "duration" in utt["decision_rules"]


def test_the_lexical_control_finds_a_planted_word_and_sits_in_table_1(experiment, tmp_path):
    """text_baseline.py on a fold where one word marks each emotion gets every test utterance right, and without
    the cue words less; in the report it is a row of Table 1 and a member of the paired tests."""
    from fairseq_emo.evaluation import text_baseline
    from fairseq_emo.data.table import Utterance, write_table

    def fold(cue: bool):
        rows = []
        for k in range(40):
            emo = EMOS[k % 4]
            words = ("it was " + (f"cue{emo} " if cue else "") + ("fine" if k % 3 else "ok")).strip()
            rows.append(Utterance(f"u{k:02d}", f"s{k % 5}", "S", "F", "d", emo, emo, words, words, "", "/x.wav",
                                  16000, 16000, "toy"))
        d = tmp_path / ("cue" if cue else "plain")
        d.mkdir()
        write_table(str(d / "utterances.tsv"), rows)
        (d / "train.utt").write_text("".join(f"{u.utt_id}\t{u.speaker}\t{u.emotion}\n" for u in rows if u.speaker != "s0"))
        (d / "test.utt").write_text("".join(f"{u.utt_id}\t{u.speaker}\t{u.emotion}\n" for u in rows if u.speaker == "s0"))
        (d / "fold.json").write_text(json.dumps({"corpus": "toy", "table": str(d / "utterances.tsv"), "scheme": "speaker",
                                                 "unit": "bpc", "unit_variant": "bpc", "test_group": "s0"}))
        return text_baseline.run_fold(str(d), str(d / "out"))

    planted, plain = fold(True), fold(False)
    assert planted["correct"] == planted["test"] == 8 and plain["correct"] < planted["correct"]
    exp, _, _ = experiment
    results = json.load(open(exp / "report" / "results.json"))
    text = results["schemes"]["speaker"]["text_baseline"]
    pooled = {}
    for d in sorted((exp / "baseline" / "speaker" / "text").glob("fold*")):
        ref = dict(l.split() for l in (d / "ref_emotions.txt").read_text().splitlines())
        pred = dict(l.split() for l in (d / "pred.txt").read_text().splitlines())
        pooled.update({u: (ref[u], pred[u]) for u in ref})
    assert text["n"] == len(pooled) and text["accuracy"]["WA"] == pytest.approx(
        100 * sum(r == p for r, p in pooled.values()) / len(pooled))
    report = (exp / "report" / "report.md").read_text()
    assert f"| baseline: {text_baseline.METHOD} |" in report and "Lexical control:" in report
    assert any("text" in t["b"] for t in results["schemes"]["speaker"]["paired_tests"])


def test_bpc_sets_are_ranked_with_their_definitions(experiment):
    """Two BPC sets of one scheme: ranked by UA (the better-trained fake first), the other's McNemar p against it
    from the paired tests (Holm), and each set's classes spelled out."""
    exp, _, _ = experiment
    results = json.load(open(exp / "report" / "results.json"))
    runs = {r["run"]: r for r in results["schemes"]["speaker"]["runs"]}
    assert runs["bpc"]["accuracy"]["UA"] > runs["bpc-cv2"]["accuracy"]["UA"]
    assert set(runs["bpc-cv2"]["unit_definition"]) == {"V", "C"} and runs["utterance"]["unit_definition"] is None
    test = next(t for t in results["schemes"]["speaker"]["paired_tests"] if {t["a"], t["b"]} == {"bpc", "bpc-cv2"})
    text = (exp / "report" / "report.md").read_text().split("## Fold scheme `session`")[0]
    assert "| bpc | 1 | bpc | – |" in text and "| best |" in text
    assert f"| bpc | 2 | bpc-cv2 | – |" in text and f"| {test['mcnemar_p_holm']:.3g} |" in text
    assert "**bpc-cv2**: C = " in text and "V = AA AE AH" in text


def test_emotion_per_unit_counts_aligned_units_carrying_the_true_emotion(experiment):
    """A hand-made alignment with known counts: a match carrying the emotion, a substitution carrying another,
    a deletion and an insertion (neither counts); vowels and consonants apart; and the report's table."""
    from fairseq_emo.evaluation.unit_emotion import unit_emotion, wilson

    lines = [{"utt_id": "a", "speaker": "s1", "ref_emotion": "hap", "ref": ["HH_hap", "AH_hap", "L_hap", "OW_hap"],
              "units": [{"unit": u} for u in ("HH_hap", "AH_neu", "OW_hap", "S_hap")]},
             {"utt_id": "b", "speaker": "s2", "ref_emotion": "sad", "ref": ["AH_sad", "K_sad"],
              "units": [{"unit": u} for u in ("AH_sad", "T_sad", "Z_ang")]}]
    got = unit_emotion(lines, "phoneme")
    # a: HH=HH (hap: true), AH=AH (neu: not), L deleted, OW=OW (true), S inserted after OW
    # b: AH=AH (true), T inserted, K~Z substituted (ang: not true); sclite's tie rule puts the insertion first
    def share(n, true, ci):
        return dict(n=n, true=true, share=round(100 * true / n, 1), ci=ci, wilson=wilson(true, n))
    # the speaker bootstrap's oracle, by enumeration: two speakers give three distinct resamples (s1 s1, s1 s2,
    # s2 s2), so each interval spans the two one-speaker shares (AH: s1 0/1, s2 1/1; all: s1 2/3, s2 1/2)
    assert got["bodies"]["HH"]["true"] == 1 and got["bodies"]["AH"] == share(2, 1, [0.0, 100.0])
    assert "L" not in got["bodies"] and got["bodies"]["K"]["n"] == 1 and "S" not in got["bodies"]
    assert got["emotions"]["hap"]["n"] == 3 and got["emotions"]["hap"]["true"] == 2
    assert got["classes"]["vowel"]["all"] == share(3, 2, [50.0, 100.0])   # vowels: s1 AH OW 1/2, s2 AH 1/1
    assert got["all"] == share(5, 3, [50.0, 66.7])
    assert got["classes"]["consonant"]["sad"]["ci"] == [0.0, 0.0]   # only s2 has one, never true
    assert got["interval"].startswith("bootstrap over the 2 test speakers")
    alone = unit_emotion([dict(line, speaker="s1") for line in lines], "phoneme")   # nothing to resample
    assert alone["all"]["ci"] == wilson(3, 5) and alone["interval"].startswith("Wilson")
    assert unit_emotion(lines, "utterance") is None
    exp, _, _ = experiment
    text = (exp / "report" / "report.md").read_text()
    assert "### Emotion per unit" in text and "| bpc | – | vowels |" in text


def test_emotion_per_unit_ranks_bodies_within_each_emotion():
    from fairseq_emo.evaluation.unit_emotion import MIN_COUNT, unit_emotion

    lines = [{"utt_id": f"u{k}", "speaker": f"s{k % 3}", "ref_emotion": "hap", "ref": ["AH_hap", "K_hap"],
              "units": [{"unit": "AH_hap"}, {"unit": "K_neu"}]} for k in range(MIN_COUNT + 2)]
    lines.append({"utt_id": "x", "speaker": "s0", "ref_emotion": "sad", "ref": ["AH_sad"], "units": [{"unit": "AH_sad"}]})
    got = unit_emotion(lines, "phoneme")["per_emotion"]
    assert got["hap"]["top"][0] == ["AH", 100.0, MIN_COUNT + 2] and got["hap"]["bottom"][0] == ["K", 0.0, MIN_COUNT + 2]
    assert got["sad"]["top"] == []   # one sad unit: below the count that ranking needs


def test_the_scenario_scheme_has_its_section_and_the_headline_comparison_has_paired_intervals(experiment):
    """The scenario scheme is reported like the others, with its own lexical note; every unit run against the
    controls (here the text baseline) as A - B with a paired speaker-bootstrap interval, recomputed here."""

    exp, _, _ = experiment
    report = (exp / "report" / "report.md").read_text()
    scenario = report.split("## Fold scheme `scenario`")[1]
    assert "one session on one group of scenario types" in scenario
    assert "Under the `scenario` scheme no test scenario or script is in training" in scenario
    speaker = report.split("## Fold scheme `speaker`")[1].split("## Fold scheme")[0]
    assert "### Does the phonetic unit help?" in speaker and "recur in every session" in speaker
    results = json.load(open(exp / "report" / "results.json"))
    test = next(t for t in results["schemes"]["speaker"]["paired_tests"]
                if t["a"] == "bpc" and t["b"].endswith("/text"))
    d = test["difference"]
    # the observed difference from the folds' own files
    def pooled(root, pred_name="pred.txt"):
        ref, pred = {}, {}
        for fold in sorted(root.glob("fold*")):
            base = fold / "decode_test" if (fold / "decode_test").is_dir() else fold
            ref.update(dict(l.split() for l in (base / "ref_emotions.txt").read_text().splitlines()))
            pred.update(dict(l.split() for l in (base / pred_name).read_text().splitlines()))
        return ref, pred
    ref, bpc = pooled(exp / "bpc")
    _, text = pooled(exp / "baseline" / "speaker" / "text")
    wa = lambda p: 100.0 * sum(p[u] == e for u, e in ref.items()) / len(ref)   # noqa: E731
    assert d["WA"] == pytest.approx(wa(bpc) - wa(text))
    assert d["WA_ci"][0] <= d["WA"] <= d["WA_ci"][1] and d["speakers"] == 4 and d["resamples"] == 1000
    row = next(l for l in speaker.splitlines() if l.startswith("| bpc | baseline/speaker/text |"))
    assert f"{d['WA']:+.1f} [{d['WA_ci'][0]:+.1f}, {d['WA_ci'][1]:+.1f}]" in row
    # decision rules: Holm over the rules of a run, the CTC rule marked as an oracle
    rules = next(r for r in results["schemes"]["speaker"]["runs"] if r["run"] == "bpc")["decision_rules"]
    assert all("mcnemar_p_holm" in r for k, r in rules.items() if k != "majority")
    assert "McNemar p (Holm)" in speaker   # the oracle mark: test_the_oracle_rule_is_marked_... (no CTC scores here)


def test_the_oracle_rule_is_marked_and_the_headline_verdict_follows_the_interval_only():
    """Rendered from hand-made results: the CTC-likelihood row says it uses the test transcript; 'higher' or
    'lower' only where the paired UA interval excludes 0, whichever side of the pair the unit run is on."""
    from fairseq_emo.reporting import render

    rule = dict(WA=50.0, UA=50.0, n=10, majority_only=1, rule_only=2, mcnemar_p=0.5, mcnemar_p_holm=1.0)
    run = {"run": "bpc", "variant": "bpc", "unit": "bpc", "seed": None,
           "decision_rules": {"majority": dict(rule), "ctc_likelihood": dict(rule, fallback=0, partly_scored=0)}}
    rows = render.decision_rules({"runs": [run]})
    assert any("| ctc_likelihood (oracle: uses the test transcript) |" in r for r in rows)
    pooled = {"run": "pooled", "variant": "pooled", "unit": "pooled", "seed": None}
    light = {"run": "pooled-light", "variant": "pooled-light", "unit": "pooled", "seed": None}

    def diff(wa, lo, hi):
        return {"WA": wa, "UA": wa, "WA_ci": [lo, hi], "UA_ci": [lo, hi], "resamples": 1000, "seed": 0,
                "speakers": 10}
    sec = {"runs": [run, pooled, light], "baseline": None, "text_baseline": None,
           "protocol": {"scheme": "scenario"},
           "paired_tests": [{"a": "bpc", "b": "pooled", "difference": diff(3.0, 0.5, 6.0)},
                            {"a": "pooled-light", "b": "bpc", "difference": diff(2.0, -1.0, 5.0)},
                            {"a": "pooled", "b": "pooled-light", "difference": diff(9.0, 8.0, 10.0)}]}
    table = [l for l in render.headline(sec) if l.startswith("| bpc |")]
    assert table == ["| bpc | pooled | +3.0 [+0.5, +6.0] | +3.0 [+0.5, +6.0] | higher |",
                     "| bpc | pooled-light | -2.0 [-5.0, +1.0] | -2.0 [-5.0, +1.0] | no difference the speakers "
                     "support |"]


def test_the_lexical_note_speaks_of_iemocaps_scenarios_only_on_iemocap():
    from fairseq_emo.reporting.render import lexical_note

    assert "recur in every session" in lexical_note("speaker", "iemocap")
    assert "Under the `scenario` scheme" in lexical_note("scenario", "demo")
    assert "IEMOCAP" not in lexical_note("speaker", "emodb") and "this corpus" in lexical_note("speaker", "emodb")


def test_results_md_has_a_row_and_a_run_sh_command_per_run(experiment):
    """RESULTS.md (reporting/results_md.py): every run of results.json with its WA/UA, and a command run.sh's own
    option grammar accepts that names the run's scheme, unit variant and seed."""
    import json
    import shlex

    from fairseq_emo.recipe.options import parse

    exp, _, _ = experiment
    results = json.loads((exp / "report" / "results.json").read_text())
    text = (exp / "report" / "RESULTS.md").read_text()
    commands = [line for line in text.splitlines() if line.startswith("bash scripts/run.sh ")]
    runs = [run for sec in results["schemes"].values() for run in sec["runs"]]
    assert len(commands) == len(runs) == 6
    for run in runs:
        row = next(line for line in text.splitlines() if line.startswith(f"| {run['run']} |"))
        assert f"| {run['accuracy']['WA']:.1f} | {run['accuracy']['UA']:.1f} | {run['n']} |" in row
    by_flag = [parse("run.sh", shlex.split(c)[2:]) for c in commands]   # run.sh's grammar takes every one
    seeded = [line for line in by_flag if line.get("--folds") == "session"]
    assert sorted(line.get("--seeds") for line in seeded) == ["1", "2"]
    assert {line.get("--train-units") for line in by_flag} == {"bpc", "bpc-cv2", "utterance"}
    assert all(line.get("--data") == "DIR" for line in by_flag)   # the one fact results.json does not hold
