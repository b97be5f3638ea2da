"""fairseq criterion `emotion_ctc`: CTC, plus emotion metrics in validation.

Training: exactly fairseq's `ctc` (same loss, same code path; nothing extra is computed).
Validation, from the same forward pass, per utterance by greedy CTC (argmax, collapse, drop blank and the
special symbols <pad> </s> <unk>):
  uer_emo    unit error rate counting the emotion (AH_hap vs AH_sad is an error)
  uer_noemo  unit error rate with emotion suffixes stripped before alignment
  emo_wa     utterance emotion accuracy by the vote (vote.py), weighted = overall
  emo_ua     the same, unweighted = mean per-class recall
Both error rates align with sclite's weights (substitution 4, insertion 3, deletion 3: scoring.align_counts),
so the validation number is computed as Table 3's number is (sclite); a plain Levenshtein count can be lower.
(fairseq's own `uer` is kept as well: plain Levenshtein, and it counts special symbols.)
"""
import math
from dataclasses import dataclass

import torch
from fairseq.criterions import register_criterion
from fairseq.criterions.ctc import CtcCriterion, CtcCriterionConfig
from fairseq.logging import metrics

from fairseq_emo.core.emotions import label_set
from fairseq_emo.decoding import inference
from fairseq_emo.decoding.ctc_greedy import token_tables
from fairseq_emo.decoding.scoring import align_counts
from fairseq_emo.decoding.vote import vote, weighted_and_unweighted_accuracy


@dataclass
class EmotionCtcCriterionConfig(CtcCriterionConfig):
    pass


class _ForwardRecorder:
    """Wraps the model so that CtcCriterion's forward pass can be reused for the emotion metrics."""

    def __init__(self, model):
        self._model = model
        self.net_output = None

    def __call__(self, *args, **kwargs):
        self.net_output = self._model(*args, **kwargs)
        return self.net_output

    def __getattr__(self, name):
        return getattr(self._model, name)


@register_criterion("emotion_ctc", dataclass=EmotionCtcCriterionConfig)
class EmotionCtcCriterion(CtcCriterion):
    def __init__(self, cfg, task, rdrop_alpha=0.0):
        super().__init__(cfg, task, rdrop_alpha)
        dictionary = task.target_dictionary
        self.nspecial = dictionary.nspecial
        self.vocab = inference.Vocabulary.of(dictionary)
        self.body_of, self.emotion_of = token_tables(dictionary.symbols, dictionary.nspecial)

    def forward(self, model, sample, reduce=True, **kwargs):
        if model.training:
            return super().forward(model, sample, reduce, **kwargs)
        recorder = _ForwardRecorder(model)
        loss, sample_size, logging_output = super().forward(recorder, sample, reduce, **kwargs)
        with torch.no_grad():
            logging_output.update(self._emotion_metrics(model, recorder.net_output, sample))
        return loss, sample_size, logging_output

    def _emotion_metrics(self, model, net_output, sample):
        lprobs, lengths = inference.log_probs(model, net_output)  # the decoder's and predict's path
        out = {"_emo_errors": 0, "_noemo_errors": 0, "_unit_total": 0}
        classes = self.vocab.emotions   # the dictionary's label set
        for e in classes:
            out[f"_emo_correct_{e}"] = 0
            out[f"_emo_total_{e}"] = 0
        for lp, target, length in zip(lprobs, sample["target"], lengths):
            decoded = inference.decode(lp[:length], self.vocab)
            hyp = [u.index for u in decoded.units]
            ref = [t for t in target.tolist() if t >= self.nspecial]
            out["_emo_errors"] += align_counts(ref, hyp).errors
            out["_noemo_errors"] += align_counts([self.body_of[t] for t in ref], [self.body_of[t] for t in hyp]).errors
            out["_unit_total"] += len(ref)
            # posterior mass per emotion, summed over frames: breaks ties and decides empty hypotheses
            predicted = vote([classes[self.emotion_of[t]] for t in hyp if self.emotion_of[t] >= 0], decoded.mass)
            reference = vote([classes[self.emotion_of[t]] for t in ref if self.emotion_of[t] >= 0])
            out[f"_emo_total_{reference}"] += 1
            out[f"_emo_correct_{reference}"] += int(predicted == reference)
        return out

    @staticmethod
    def reduce_metrics(logging_outputs) -> None:
        CtcCriterion.reduce_metrics(logging_outputs)
        reduce_emotion_metrics(logging_outputs)

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True


def reduce_emotion_metrics(logging_outputs) -> None:
    """uer_emo, uer_noemo, emo_wa, emo_ua from the summed counts of a validation (shared with pooled_criterion)."""
    # the label set from the outputs' own keys (_emo_total_<emotion>): any set, the paper's four in its order
    classes = label_set(k[len("_emo_total_"):] for log in logging_outputs for k in log if k.startswith("_emo_total_"))
    keys = ["_emo_errors", "_noemo_errors", "_unit_total"]
    keys += [f"_emo_{kind}_{e}" for kind in ("correct", "total") for e in classes]
    sums = {k: sum(log.get(k, 0) for log in logging_outputs) for k in keys}
    if sums["_unit_total"] == 0 and not any(sums[f"_emo_total_{e}"] for e in classes):
        return  # training steps: nothing to report
    for k, v in sums.items():
        metrics.log_scalar(k, v)

    def rate(errors):
        return lambda meters: (round(meters[errors].sum * 100.0 / meters["_unit_total"].sum, 3)
                               if meters["_unit_total"].sum > 0 else float("nan"))

    def accuracy(which):
        def derive(meters):
            correct = {e: meters[f"_emo_correct_{e}"].sum for e in classes}
            total = {e: meters[f"_emo_total_{e}"].sum for e in classes}
            value = weighted_and_unweighted_accuracy(correct, total)[which]
            return round(value, 3) if not math.isnan(value) else value
        return derive

    metrics.log_derived("uer_emo", rate("_emo_errors"))
    metrics.log_derived("uer_noemo", rate("_noemo_errors"))
    metrics.log_derived("emo_wa", accuracy("WA"))
    metrics.log_derived("emo_ua", accuracy("UA"))
