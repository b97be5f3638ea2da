"""The paper's protocol and the report's statistics: validation policies, layout names, the vote's rules, paired
tests with known p-values, sclite-weighted UER in the criterion, the 8 kHz band limit, run.sh's refusals."""
import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, run_script
from fairseq_emo.data.folds import Fold, make_folds
from fairseq_emo.core.layout import exp_name, parse_exp_name, parse_scheme_dir, scheme_dir
from fairseq_emo.units import unit_type
from fairseq_emo.data.manifest import _check_fold
from fairseq_emo.data.table import read_table
from iemocap_tree import default_turns, make_tree


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("protocol")
    make_tree(str(tmp / "corpus"), default_turns(per_speaker=8))
    run_script("prepare.py", "--corpus", "iemocap", "--data", tmp / "corpus", "--out", tmp / "prep")
    return str(tmp / "prep" / "utterances.tsv")


def ids(path):
    with open(path) as f:
        return [line.split("\t")[0] for line in f.read().splitlines()]


@pytest.mark.parametrize("scheme", ["speaker", "session", "all"])
def test_monitor_policy_trains_on_every_training_utterance(table, scheme):
    utts = read_table(table)
    for fold in make_folds(utts, scheme):  # monitor is the default
        train, valid, test = ({u.utt_id for u in s} for s in (fold.train, fold.valid, fold.test))
        assert valid and valid <= train, "monitor: the valid split is drawn from train"
        assert not (train & test) and not (valid & test)
        # train is the whole pool: every utterance not in the test group
        assert train == {u.utt_id for u in utts} - test


def test_heldout_policy_keeps_valid_out_of_train(table):
    utts = read_table(table)
    for fold in make_folds(utts, "speaker", valid_policy="heldout"):
        train, valid, test = ({u.utt_id for u in s} for s in (fold.train, fold.valid, fold.test))
        assert valid and not (train & valid) and not ((train | valid) & test)
        assert train | valid == {u.utt_id for u in utts} - test


def test_manifests_written_per_policy_with_their_directory_and_record(table, tmp_path):
    root = tmp_path / "m"
    for policy in ("monitor", "heldout"):
        proc = run_script("make_manifests.py", "--table", table, "--unit", "bpc", "--valid-policy", policy,
                          "--manifest-root", root)
        assert f"validation policy {policy}" in proc.stdout
    monitor, heldout = root / "iemocap" / "bpc" / "speaker", root / "iemocap" / "bpc" / "speaker-heldout"
    for d, policy in ((monitor, "monitor"), (heldout, "heldout")):
        info = json.load(open(d / "fold1" / "fold.json"))
        assert info["valid_policy"] == policy and info["scheme"] == d.name
        train, valid = set(ids(d / "fold1" / "train.utt")), set(ids(d / "fold1" / "valid.utt"))
        assert (valid <= train) if policy == "monitor" else not (valid & train)
    # the paper's protocol trains on more: the monitor fold's train = heldout's train + valid
    assert set(ids(monitor / "fold1" / "train.utt")) == (set(ids(heldout / "fold1" / "train.utt"))
                                                          | set(ids(heldout / "fold1" / "valid.utt")))


def test_fold_check_follows_the_policy(table):
    utts = read_table(table)
    (fold,) = [f for f in make_folds(utts, "speaker")][:1]
    labels = {u.utt_id: ["UTT_" + u.emotion] for u in utts}
    dictionary = [f"UTT_{e}" for e in ("neu", "hap", "ang", "sad")]
    _check_fold(fold, "speaker", labels, dictionary)  # a correct monitor fold passes
    bad = Fold(fold.index, fold.test_group, fold.train[1:], fold.valid + fold.train[:1], fold.test, fold.groups,
               "heldout")  # valid and train overlap under heldout
    with pytest.raises(ValueError, match="heldout"):
        _check_fold(bad, "speaker", labels, dictionary)
    outside = next(u for u in fold.train if u not in fold.valid)
    bad = Fold(fold.index, fold.test_group, [u for u in fold.train if u is not outside], fold.valid + [outside],
               fold.test, fold.groups, "monitor")
    with pytest.raises(ValueError, match="monitor"):
        _check_fold(bad, "speaker", labels, dictionary)


def test_scheme_the_corpus_cannot_form_and_bad_policy_are_refused(table):
    utts = read_table(table)
    for u in utts:
        u.corpus = "emodb"
    with pytest.raises(ValueError, match="IEMOCAP"):
        make_folds(utts, "session")
    with pytest.raises(ValueError, match="validation policy"):
        make_folds(read_table(table), "speaker", valid_policy="best")


def test_layout_names_round_trip():
    assert scheme_dir("speaker") == "speaker" and scheme_dir("speaker", 7, "heldout") == "speaker-k7-heldout"
    assert exp_name("bpc", "speaker") == "bpc" and exp_name("bpc-cv2", "session", 3) == "bpc-cv2.session.seed3"
    parsed = parse_exp_name("bpc-cv2.speaker-k7-heldout.seed2")
    assert (parsed["variant"], parsed["scheme"], parsed["num_folds"], parsed["valid_policy"],
            parsed["seed"]) == ("bpc-cv2", "speaker", 7, "heldout", 2)
    assert unit_type(parsed["variant"]) == "bpc" and unit_type("pooled-light") == "pooled"
    assert parse_exp_name("utterance")["scheme_dir"] == "speaker"
    assert parse_scheme_dir("session")["valid_policy"] == "monitor"
    with pytest.raises(ValueError):
        parse_scheme_dir("fold-by-mood")
    assert exp_name("bpc", "session", 2) == "bpc.session.seed2"


def test_mcnemar_and_wilcoxon_known_p_values():
    from fairseq_emo.evaluation.stats import mcnemar_exact, mean_sd, wilcoxon_signed_rank

    # b=1, c=9: 2 * (C(10,0) + C(10,1)) / 2^10
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024)
    assert mcnemar_exact(5, 5) == 1.0 and mcnemar_exact(0, 0) == 1.0
    # 6 positive differences: exact two-sided p = 2 / 2^6
    p, n = wilcoxon_signed_rank([1, 2, 3, 4, 5, 6], [0] * 6)
    assert n == 6 and p == pytest.approx(0.03125)
    # a zero difference is dropped; ties get average ranks: diffs 1, -1, 2, 2, 3 (one zero dropped)
    p, n = wilcoxon_signed_rank([1, 0, 2, 2, 3, 5], [0, 1, 0, 0, 0, 5])
    assert n == 5
    # enumerate by hand: ranks |d| = 1.5, 1.5, 3.5, 3.5, 5; W+ = 13.5, total 15 -> |W+ - 7.5| = 6
    ranks = [1.5, 1.5, 3.5, 3.5, 5]
    import itertools
    count = sum(1 for s in itertools.product((0, 1), repeat=5)
                if abs(sum(r for r, x in zip(ranks, s) if x) - 7.5) >= 6 - 1e-9)
    assert p == pytest.approx(count / 32)
    assert wilcoxon_signed_rank([1, 2], [1, 2]) == (None, 0)
    assert mean_sd([1.0, 3.0]) == (2.0, pytest.approx(2 ** 0.5))


def test_vote_rules_and_pure_majority(tmp_path):
    from fairseq_emo.decoding.vote import NO_WINNER, accuracy, strict_majority, vote_hypotheses, vote_with_rule

    assert vote_with_rule(["hap", "hap", "neu"]) == ("hap", "majority")
    assert vote_with_rule(["hap", "sad"], {"sad": 2.0, "hap": 1.0}) == ("sad", "tie")
    assert vote_with_rule([], {"ang": 1.0}) == ("ang", "empty")
    assert strict_majority(["hap", "sad"]) == NO_WINNER and strict_majority([]) == NO_WINNER
    (tmp_path / "hyp.trn").write_text("V_hap V_hap V_neu (S1-u1)\nV_sad V_ang (S1-u2)\n (S1-u3)\n")
    (tmp_path / "units.jsonl").write_text("\n".join(json.dumps({"utt_id": u, "emotion_mass": m}) for u, m in [
        ("u1", {"neu": 1}), ("u2", {"ang": 3, "sad": 1}), ("u3", {"sad": 5})]) + "\n")
    votes, unsuffixed = vote_hypotheses(str(tmp_path / "hyp.trn"), str(tmp_path / "units.jsonl"))
    assert unsuffixed == 0
    assert [(votes[u].emotion, votes[u].rule, votes[u].strict) for u in ("u1", "u2", "u3")] == [
        ("hap", "majority", "hap"), ("ang", "tie", NO_WINNER), ("sad", "empty", NO_WINNER)]
    reference = {"u1": "hap", "u2": "ang", "u3": "sad"}
    assert accuracy(reference, {u: v.emotion for u, v in votes.items()})["WA"] == 100.0
    strict = accuracy(reference, {u: v.strict for u, v in votes.items()})
    assert strict["WA"] == pytest.approx(100 / 3) and strict["UA"] == pytest.approx(100 / 3)


def test_criterion_uer_uses_sclite_weights_where_levenshtein_differs():
    import editdistance
    import torch
    from fairseq.data import Dictionary

    import fairseq_emo.training.fairseq_plugin  # noqa: F401
    from fairseq_emo.training.fairseq_plugin.criterion import EmotionCtcCriterion, EmotionCtcCriterionConfig
    from fairseq_emo.decoding.scoring import align_counts
    from types import SimpleNamespace

    rng = random.Random(3)
    alphabet = ["A_neu", "B_neu", "C_neu"]
    pairs = []
    while len(pairs) < 5:  # pairs whose sclite-weighted alignment counts more errors than plain Levenshtein
        ref = [rng.choice(alphabet) for _ in range(rng.randint(1, 7))]
        hyp = [rng.choice(alphabet) for _ in range(rng.randint(1, 7))]
        if align_counts(ref, hyp).errors != editdistance.eval(ref, hyp):
            pairs.append((ref, hyp))
    d = Dictionary()
    for tok in alphabet:
        d.add_symbol(tok)
    task = SimpleNamespace(target_dictionary=d, blank_symbol="<s>")
    crit = EmotionCtcCriterion(EmotionCtcCriterionConfig(zero_infinity=True, sentence_avg=True,
                                                         post_process="none"), task)
    for ref, hyp in pairs:
        frames = []
        for tok in hyp:  # a blank between units, so repeats survive CTC's collapse
            frames += [d.index(tok), 0]
        lp = torch.full((len(frames), len(d)), -30.0)
        for t, i in enumerate(frames):
            lp[t, i] = 0.0
        target = torch.tensor([[d.index(t) for t in ref]])
        out = crit._emotion_metrics(SimpleNamespace(get_normalized_probs=lambda *a, **k: lp.unsqueeze(1)),
                                    {"padding_mask": None}, {"target": target})
        assert out["_emo_errors"] == align_counts(ref, hyp).errors != editdistance.eval(ref, hyp)


def test_bandlimit_policy_removes_energy_above_4khz():
    from fairseq_emo.data.audio_cache import convert

    rate = 22050
    noise = np.random.default_rng(0).standard_normal(rate * 2).astype(np.float32) * 0.1

    def high_share(x):
        spectrum = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / 16000)
        return spectrum[freqs > 4100].sum() / spectrum.sum()

    limited = convert(noise, rate, "bandlimit8k")
    resampled = convert(noise, rate, "resample")
    assert abs(len(limited) - 2 * 16000) <= 2 and abs(len(resampled) - 2 * 16000) <= 2
    assert high_share(resampled) > 0.4      # white noise: about half the energy lies between 4 and 8 kHz
    assert high_share(limited) < 1e-4       # the band-limited copy has (practically) none there


@pytest.mark.parametrize("args, message", [
    (["--valid-policy", "best"], "--valid-policy monitor|heldout"),
    (["--seeds", "1 x"], "--seeds takes non-negative integers"),
    (["--folds", "all"], "no test fold"),
    (["--folds", "speaker mood"], "unknown fold scheme 'mood'"),
    (["--folds", "session", "--num-folds", "3"], "--num-folds applies to the speaker scheme only"),
])
def test_run_sh_refuses_what_it_cannot_honour(tmp_path, args, message):
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), "--work", str(tmp_path), *args],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "data").exists(), "nothing may run before the refusal"


def test_run_sh_refuses_dialog_folds_on_mandarin(tmp_path):
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), "--corpus", "mandarin", "--data",
                           str(tmp_path), "--stop-stage", "2", "--folds", "dialog"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "no IEMOCAP sessions, dialogs or scenarios" in proc.stderr


def test_g2p_provenance_is_counted_and_kept_beside_the_table(table, tmp_path):
    from fairseq_emo.data.g2p import g2p_source

    utts = read_table(table)
    sources = os.path.join(os.path.dirname(table), "g2p_sources.tsv")
    rows = [line.split("\t") for line in open(sources).read().splitlines()[1:]]
    assert sum(int(n) for _, _, n in rows) == sum(len(u.word_list()) for u in utts)
    assert all(src == g2p_source(word) for src, word, _ in rows)
    # a made-up word goes to the neural model, and the prepare script says how many did
    make_tree(str(tmp_path / "c"), default_turns(per_speaker=1))
    txt = next((tmp_path / "c").rglob("transcriptions/*.txt"))
    txt.write_text(txt.read_text().replace("]: ", "]: zorblax ", 1))
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "c", "--out", tmp_path / "p")
    line = next(l for l in proc.stdout.splitlines() if l.startswith("G2P provenance"))
    assert "model 1 (" in line
    assert "model\tzorblax\t1" in (tmp_path / "p" / "g2p_sources.tsv").read_text()


def _wilcoxon_by_enumeration(x, y):
    """The oracle: every sign pattern of the average ranks of the non-zero differences (the recipe's own
    implementation before SciPy took over)."""
    import itertools

    diffs = [a - b for a, b in zip(x, y) if a != b]
    absolute = sorted(abs(d) for d in diffs)
    ranks = [absolute.index(abs(d)) + (absolute.count(abs(d)) + 1) / 2 for d in diffs]
    w_plus, half = sum(r for r, d in zip(ranks, diffs) if d > 0), sum(ranks) / 2
    count = sum(1 for signs in itertools.product((0, 1), repeat=len(diffs))
                if abs(sum(r for r, s in zip(ranks, signs) if s) - half) >= abs(w_plus - half) - 1e-9)
    return count / 2 ** len(diffs), len(diffs)


def test_scipy_tests_match_exact_enumeration_with_ties_and_zeros():
    """SciPy computes the tests; with tied per-fold accuracies its method='exact' would not be exact, so the
    p-values are checked against the full enumeration on 80 random 1-10 fold cases full of ties and zeros."""
    import math
    import random

    from fairseq_emo.evaluation.stats import mcnemar_exact, wilcoxon_signed_rank

    rng = random.Random(3)
    checked = 0
    for _ in range(80):
        n = rng.randint(1, 10)
        x = [rng.choice([50.0, 55.0, 60.0, 65.0, 75.5]) for _ in range(n)]
        y = [rng.choice([50.0, 55.0, 60.0, 65.0]) for _ in range(n)]
        p, nonzero = wilcoxon_signed_rank(x, y)
        if nonzero:
            assert (p, nonzero) == pytest.approx(_wilcoxon_by_enumeration(x, y)), (x, y)
            checked += 1
    assert checked > 65
    for b, c in [(0, 1), (3, 7), (10, 2), (40, 50), (0, 30)]:
        k = min(b, c)
        assert mcnemar_exact(b, c) == pytest.approx(min(1.0, 2 * sum(math.comb(b + c, i) for i in range(k + 1))
                                                        / 2 ** (b + c)))
