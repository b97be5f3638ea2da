"""The same-backbone utterance classifier (unit type `pooled`): its head, its loss, its guard (fast tier)."""
import math
from types import SimpleNamespace

import pytest
import torch

from fairseq_emo.decoding import pooled
from fairseq_emo.core.emotions import EMOTIONS


def dictionary(tokens):
    from fairseq.data import Dictionary

    d = Dictionary()
    for t in tokens:
        d.add_symbol(t)
    return d


UTT = [f"UTT_{e}" for e in ("neu", "sad", "ang", "hap")]   # not in EMOTIONS order: columns must follow the names


def test_emotion_columns_follow_the_token_names_and_refuse_unit_dictionaries():
    d = dictionary(UTT)
    cols = pooled.emotion_columns(d.symbols, d.nspecial)
    assert [d.symbols[c] for c in cols] == [f"UTT_{e}" for e in EMOTIONS]
    bpc = dictionary(["V_hap", "STOP_hap", "V_sad", "V_ang", "V_neu"])
    with pytest.raises(ValueError, match=r"exactly one token per emotion.*'hap': 2"):
        pooled.emotion_columns(bpc.symbols, bpc.nspecial)
    with pytest.raises(ValueError, match="'sad': 0"):
        three = dictionary(["UTT_neu", "UTT_ang", "UTT_hap"])
        pooled.emotion_columns(three.symbols, three.nspecial)


def test_mean_of_the_output_layer_is_the_linear_head_on_the_mean_pooled_encoder():
    # the identity the model rests on (fairseq_emo/decoding/pooled.py): mean_t(W h_t + b) = W mean_t(h_t) + b, over the
    # valid frames only; padded frames hold garbage that must not count
    torch.manual_seed(0)
    layer = torch.nn.Linear(16, 8)
    lengths = [7, 3, 5]
    hidden = torch.randn(7, 3, 16)
    padding = torch.tensor([[t >= n for t in range(7)] for n in lengths])
    hidden[padding.t()] = 1e3   # garbage in the padding
    got = pooled.mean_over_frames(layer(hidden), padding)
    for b, n in enumerate(lengths):
        want = layer(hidden[:n, b].mean(0))
        assert torch.allclose(got[b], want, atol=1e-4)
    assert torch.allclose(pooled.mean_over_frames(layer(hidden[:3]), None), layer(hidden[:3].mean(0)), atol=1e-5)


class FixedOutput(torch.nn.Module):
    """Stands in for the backbone: returns a hand-set (T, B, V) output. The criterion under test is the real one."""

    def __init__(self, frames, padding):
        super().__init__()
        self.frames, self.padding = frames, padding

    def forward(self, **_):
        return {"encoder_out": self.frames, "padding_mask": self.padding}


def test_the_criterion_is_cross_entropy_over_the_emotion_outputs_of_the_pooled_frames():
    import fairseq_emo.training.fairseq_plugin  # noqa: F401  (registers the criterion)
    from fairseq_emo.training.fairseq_plugin.pooled_criterion import EmotionPooledCriterion

    d = dictionary(UTT)
    task = SimpleNamespace(target_dictionary=d)
    crit = EmotionPooledCriterion(SimpleNamespace(), task)
    torch.manual_seed(1)
    V = len(d)
    frames = torch.randn(4, 2, V)
    padding = torch.tensor([[False] * 4, [False, False, True, True]])
    emotions = ["sad", "hap"]
    target = torch.tensor([[d.index(f"UTT_{e}"), d.pad()] for e in emotions])
    model = FixedOutput(frames, padding).eval()
    loss, n, log = crit(model, {"net_input": {}, "target": target})
    # the oracle, by hand: mean over valid frames, the 4 emotion columns in EMOTIONS order, -log softmax
    want, predicted = 0.0, []
    for b, (length, e) in enumerate(zip((4, 2), emotions)):
        mean = frames[:length, b].mean(0)
        logits = [float(mean[d.index(f"UTT_{x}")]) for x in EMOTIONS]
        z = math.log(sum(math.exp(v) for v in logits))
        want += z - logits[EMOTIONS.index(e)]
        predicted.append(EMOTIONS[max(range(4), key=lambda k: logits[k])])
    assert n == 2 and math.isclose(float(loss), want, rel_tol=1e-5)
    right = [p == e for p, e in zip(predicted, emotions)]
    assert log["_emo_errors"] == right.count(False) and log["_unit_total"] == 2
    for e in emotions:
        assert log[f"_emo_total_{e}"] == 1 and log[f"_emo_correct_{e}"] == int(predicted[emotions.index(e)] == e)
    # a unit-labelled batch is refused with what to do, not trained on its first token
    with pytest.raises(ValueError, match="one UTT_<emo> token per utterance"):
        crit(model, {"net_input": {}, "target": torch.tensor([[d.index("UTT_sad"), d.index("UTT_hap")]] * 2)})


@pytest.mark.parametrize("labels, criterion", [("pooled", "emotion_ctc"), ("utterance", "emotion_pooled_ce")])
def test_the_task_refuses_the_pooled_objective_on_other_labels_and_ctc_on_pooled_labels(labels, criterion):
    from omegaconf import OmegaConf

    from fairseq_emo.training.fairseq_plugin.task import EmotionTaskError, EmotionUnitFinetuningTask

    task = object.__new__(EmotionUnitFinetuningTask)   # only the check runs: it comes before anything is built
    task.cfg = SimpleNamespace(labels=labels)
    with pytest.raises(EmotionTaskError, match="always together"):
        task.build_criterion(OmegaConf.create({"_name": criterion}))


def test_the_pooled_decision_is_the_heads_argmax_with_its_probabilities():
    from fairseq_emo.decoding import inference

    d = dictionary(UTT)
    vocab = inference.Vocabulary.of(d)
    model = torch.nn.Module()
    model.proj = torch.nn.Linear(3, len(d))
    hidden = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, 0.0]])   # two frames
    decided = inference.classify_pooled(model, hidden.sum(0), 2, vocab, seconds=1.234)
    probs = pooled.probabilities(model.proj(hidden.mean(0)).detach(), pooled.emotion_columns(d.symbols, d.nspecial),
                                  EMOTIONS)
    best = max(probs, key=probs.get)
    assert [u.token for u in decided.units] == [f"UTT_{best}"]
    assert decided.units[0].start == 0.0 and decided.units[0].end == 1.234
    assert math.isclose(decided.units[0].posterior, probs[best], abs_tol=1e-4)
    assert math.isclose(sum(decided.mass.values()), 1.0, rel_tol=1e-6)
