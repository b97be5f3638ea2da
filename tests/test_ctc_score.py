"""The CTC-likelihood decision: sequence scores against brute-force enumeration of alignments (fast tier)."""
import itertools
import math

import pytest
import torch

from fairseq_emo.decoding.ctc_score import emotion_scores, sequence_log_likelihood
from fairseq_emo.evaluation.decision_rules import decide, decide_all


def collapse(path):
    """A frame path -> its CTC label sequence: repeats merged, blanks (0) dropped."""
    out = []
    for k, s in enumerate(path):
        if s != 0 and (k == 0 or s != path[k - 1]):
            out.append(s)
    return out


def brute_force(probs, ids):
    """Sum over every frame path that collapses to ids of the product of its posteriors: the definition."""
    T, V = probs.shape
    total = 0.0
    for path in itertools.product(range(V), repeat=T):
        if collapse(path) == list(ids):
            total += math.prod(float(probs[t, s]) for t, s in enumerate(path))
    return math.log(total) if total > 0 else float("-inf")


@pytest.mark.parametrize("ids", [[1], [2, 1], [1, 1], [3, 2, 3], []])
def test_sequence_likelihood_is_the_sum_over_alignments(ids):
    torch.manual_seed(len(ids))
    probs = torch.softmax(torch.randn(5, 4), -1)   # 5 frames, blank + 3 tokens
    got = sequence_log_likelihood(probs.log(), ids)
    assert math.isclose(got, brute_force(probs, ids), rel_tol=1e-5)


def test_a_sequence_that_cannot_fit_scores_minus_infinity():
    probs = torch.softmax(torch.randn(2, 3), -1)
    assert sequence_log_likelihood(probs.log(), [1, 1]) == float("-inf")   # a repeat needs a blank between


def test_emotion_scores_rescore_the_reference_bodies_with_each_emotion():
    symbols = ["<s>", "V_hap", "V_sad", "C_hap", "C_sad", "C_neu"]   # V_neu and every *_ang are missing
    index_of = {s: i for i, s in enumerate(symbols) if i}
    # a hand-set posterior matrix: the frames say C then V, with sad's tokens most likely
    probs = torch.full((4, 6), 0.02)
    for t, tok in enumerate(["C_sad", "C_sad", "V_sad", "<s>"]):
        probs[t, symbols.index(tok)] = 0.9
    probs[:, symbols.index("C_hap")] += 0.05
    probs = probs / probs.sum(-1, keepdim=True)
    scores = emotion_scores(probs.log(), ["C_neu", "V_neu"], index_of)   # the reference's own emotion is irrelevant
    assert set(scores) == {"hap", "sad"}   # neu lacks V_neu, ang lacks both: not scored, never guessed
    for emo in ("hap", "sad"):
        want = brute_force(probs, [index_of[f"C_{emo}"], index_of[f"V_{emo}"]])
        assert math.isclose(scores[emo], want, abs_tol=1e-3)
    assert scores["sad"] > scores["hap"]
    assert emotion_scores(probs.log(), [], index_of) is None


def line(units, mass, scores=None):
    out = {"utt_id": "u1", "speaker": "s", "ref_emotion": "neu", "ref": ["V_neu"], "emotion_mass": mass,
           "units": [{"unit": u, "start": 0.0, "end": 0.1, "posterior": 0.9} for u in units]}
    if scores is not None:
        out["ctc_scores"] = scores
    return out


def test_the_ctc_rule_takes_the_best_score_and_decides_empty_hypotheses():
    mass = {"neu": 1.0, "hap": 3.0, "ang": 0.0, "sad": 0.0}
    assert decide(line(["V_ang", "V_ang"], mass, {"neu": -3.0, "sad": -1.5, "ang": -2.0}), "ctc_likelihood") == "sad"
    assert decide(line([], mass, {"neu": -3.0, "ang": -9.0}), "ctc_likelihood") == "neu"
    assert decide(line([], mass, {}), "ctc_likelihood") == "hap"   # nothing scorable: the posterior mass
    with pytest.raises(ValueError, match="decode it again"):
        decide(line([], mass), "ctc_likelihood")
    # a run whose lines lack the scores (older decodes, test-only sets) simply has no such rule
    assert "ctc_likelihood" not in decide_all([line(["V_hap"], mass)], "bpc")
    assert "ctc_likelihood" in decide_all([line(["V_hap"], mass, {"hap": -1.0})], "bpc")


def test_the_report_counts_what_the_ctc_rule_could_not_score():
    from fairseq_emo.reporting.results import _decision_rules

    mass = {"neu": 1.0, "hap": 3.0, "ang": 0.0, "sad": 0.0}
    lines = [dict(line(["V_hap"], mass, {"hap": -1.0, "neu": -2.0, "ang": -3.0, "sad": -4.0}), utt_id="a"),
             dict(line([], mass, {}), utt_id="b"),                      # nothing scorable: posterior mass
             dict(line(["V_neu"], mass, {"neu": -1.0}), utt_id="c")]    # only neu scorable
    reference = {"a": "hap", "b": "hap", "c": "sad"}
    got = _decision_rules(lines, reference, {"a": "hap", "b": "hap", "c": "neu"}, "bpc")["decision_rules"]
    assert got["ctc_likelihood"]["fallback"] == 1 and got["ctc_likelihood"]["partly_scored"] == 1
    assert abs(got["ctc_likelihood"]["WA"] - 100 * 2 / 3) < 0.1   # a and b right (b by the mass), c wrong


def test_the_streamed_forward_pass_equals_torchs_ctc_loss_and_takes_over_for_long_utterances(monkeypatch):
    """Long utterances are scored one frame at a time (memory O(tokens)): the same value as torch's ctc_loss,
    repeats and impossible fits included; sequence_log_likelihood switches to it above STREAM_ABOVE_CELLS."""
    import torch

    from fairseq_emo.decoding import ctc_score

    torch.manual_seed(3)
    for frames, ids in ((60, [4, 5, 5, 6]), (120, [4, 4, 4, 7, 5, 5]), (25, [8]), (5, [4, 4, 4, 4])):
        lp = torch.randn(frames, 9).log_softmax(-1)
        streamed = ctc_score.streamed_log_likelihood(lp, ids)
        whole = ctc_score.sequence_log_likelihood(lp, ids)
        assert (streamed == whole == float("-inf")) or abs(streamed - whole) < 1e-3 * max(1.0, abs(whole))
    lp = torch.randn(80, 9).log_softmax(-1)
    calls = []
    monkeypatch.setattr(ctc_score, "STREAM_ABOVE_CELLS", 100)
    original = ctc_score.streamed_log_likelihood
    monkeypatch.setattr(ctc_score, "streamed_log_likelihood", lambda *a, **k: calls.append(1) or original(*a, **k))
    ctc_score.sequence_log_likelihood(lp, [4, 5])
    assert calls
