"""emotion_ctc's validation metrics on hand-made posteriors (the real criterion class, a real fairseq Dictionary)."""
from types import SimpleNamespace

import torch
from fairseq.data import Dictionary

import fairseq_emo.training.fairseq_plugin  # noqa: F401  registers the plugin
from fairseq_emo.training.fairseq_plugin.criterion import EmotionCtcCriterion, EmotionCtcCriterionConfig


class Posteriors:
    """Stands in for a model's output head: returns fixed log-probabilities (T, B, V)."""

    def __init__(self, lprobs):
        self.lprobs = lprobs

    def get_normalized_probs(self, net_output, log_probs=True):
        return self.lprobs


def one_hot_frames(ids, vocab):
    lp = torch.full((len(ids), vocab), -30.0)
    for t, i in enumerate(ids):
        lp[t, i] = 0.0
    return lp


def test_uer_with_and_without_emotion_and_vote():
    d = Dictionary()  # specials: <s>=0 (blank) <pad>=1 </s>=2 <unk>=3
    for tok in ["V_neu", "V_hap", "V_ang", "V_sad", "STOP_neu", "STOP_hap", "STOP_ang", "STOP_sad"]:
        d.add_symbol(tok)
    task = SimpleNamespace(target_dictionary=d, blank_symbol="<s>")
    cfg = EmotionCtcCriterionConfig(zero_infinity=True, sentence_avg=True, post_process="none")
    crit = EmotionCtcCriterion(cfg, task)
    V, B = len(d), 0
    ids = {s: d.index(s) for s in d.symbols}
    # utterance 1: ref V_hap STOP_hap; hyp V_hap (blank) V_sad STOP_hap -> 1 insertion with emotion,
    #   and without emotion V V STOP vs V STOP -> 1 insertion; vote hap (2 of 3)
    hyp1 = [ids["V_hap"], 0, ids["V_sad"], ids["STOP_hap"]]
    # utterance 2: ref STOP_ang; hyp STOP_neu -> 1 substitution with emotion, 0 without; vote neu (wrong)
    hyp2 = [ids["STOP_neu"], 0, 0, 0]
    lprobs = torch.stack([one_hot_frames(hyp1, V), one_hot_frames(hyp2, V)], dim=1)  # T, B, V
    target = torch.tensor([[ids["V_hap"], ids["STOP_hap"]], [ids["STOP_ang"], d.pad()]])
    out = crit._emotion_metrics(Posteriors(lprobs), {"padding_mask": None}, {"target": target})
    assert out["_unit_total"] == 3
    assert out["_emo_errors"] == 2 and out["_noemo_errors"] == 1
    assert out["_emo_total_hap"] == 1 and out["_emo_correct_hap"] == 1
    assert out["_emo_total_ang"] == 1 and out["_emo_correct_ang"] == 0


def test_empty_hypothesis_is_voted_by_posterior_mass():
    d = Dictionary()
    for tok in ["UTT_neu", "UTT_hap", "UTT_ang", "UTT_sad"]:
        d.add_symbol(tok)
    task = SimpleNamespace(target_dictionary=d, blank_symbol="<s>")
    crit = EmotionCtcCriterion(EmotionCtcCriterionConfig(zero_infinity=True, sentence_avg=True), task)
    probs = torch.full((3, len(d)), 0.01)
    probs[:, 0] = 0.6                      # blank wins every frame: empty hypothesis
    probs[:, d.index("UTT_sad")] = 0.3     # but sad carries the most non-blank mass
    lprobs = (probs / probs.sum(-1, keepdim=True)).log().unsqueeze(1)
    out = crit._emotion_metrics(Posteriors(lprobs), {"padding_mask": None},
                                {"target": torch.tensor([[d.index("UTT_sad")]])})
    assert out["_emo_correct_sad"] == 1 and out["_emo_errors"] == 1 and out["_unit_total"] == 1
