"""fairseq criterion `emotion_pooled_ce`: the same-backbone utterance classifier (unit type `pooled`).

The backbone's output layer averaged over each utterance's valid frames (= a linear head on the mean-pooled
encoder output: fairseq_emo/decoding/pooled.py says why), restricted to the 4 emotion tokens, cross-entropy against the
utterance's emotion. The pooled head under the units' recipe (`pooled`: updates, freezing, lr, max_tokens,
masking) or a classifier's usual one (`pooled-light`); not the paper's method.
Validation logs what emotion_ctc logs, so the recipe's checkpoint settings apply unchanged: emo_wa, emo_ua and
uer_emo / uer_noemo, where the hypothesis is one utterance unit carrying the predicted emotion (uer_emo = the
share of wrong emotions; uer_noemo = 0).
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from fairseq.criterions import FairseqCriterion, register_criterion
from fairseq.criterions.ctc import CtcCriterion, CtcCriterionConfig

from fairseq_emo.decoding import pooled
from fairseq_emo.decoding.ctc_greedy import symbol_classes
from fairseq_emo.training.fairseq_plugin.criterion import reduce_emotion_metrics


@dataclass
class EmotionPooledCriterionConfig(CtcCriterionConfig):
    """ctc's settings are accepted so that one recipe file serves every unit type (configs/recipe/paper.yaml sets
    zero_infinity and post_process); they mean nothing to a cross-entropy and are not read."""


@register_criterion(pooled.CRITERION, dataclass=EmotionPooledCriterionConfig)
class EmotionPooledCriterion(FairseqCriterion):
    def __init__(self, cfg, task):
        super().__init__(task)
        dictionary = task.target_dictionary
        self.nspecial = dictionary.nspecial
        self.columns = torch.tensor(pooled.emotion_columns(dictionary.symbols, dictionary.nspecial))
        self.classes = symbol_classes(dictionary.symbols, dictionary.nspecial)   # the columns' emotions
        self.emotion_of_id = {int(c): k for k, c in enumerate(self.columns)}

    def _targets(self, target: torch.Tensor) -> torch.Tensor:
        """(B, L) label ids -> (B,) emotion indices: each utterance's one UTT_<emo> token."""
        out = []
        for row in target.tolist():
            ids = [t for t in row if t >= self.nspecial]
            if len(ids) != 1 or ids[0] not in self.emotion_of_id:
                raise ValueError(f"pooled labels need one UTT_<emo> token per utterance, got ids {ids}")
            out.append(self.emotion_of_id[ids[0]])
        return torch.tensor(out, device=target.device)

    def forward(self, model, sample, reduce=True, **kwargs):
        net_output = model(**sample["net_input"])
        frames = net_output["encoder_out"]                                     # (T, B, V)
        logits = pooled.mean_over_frames(frames, net_output.get("padding_mask"))[:, self.columns.to(frames.device)]
        target = self._targets(sample["target"])
        loss = F.cross_entropy(logits.float(), target, reduction="sum")
        n = target.numel()
        logging_output = {"loss": loss.item(), "ntokens": n, "nsentences": n, "sample_size": n}
        if not model.training:
            predicted = logits.argmax(-1).tolist()
            wrong = sum(int(p != t) for p, t in zip(predicted, target.tolist()))
            logging_output.update({"_emo_errors": wrong, "_noemo_errors": 0, "_unit_total": n})
            for k, e in enumerate(self.classes):
                logging_output[f"_emo_total_{e}"] = sum(int(t == k) for t in target.tolist())
                logging_output[f"_emo_correct_{e}"] = sum(int(t == k and p == k)
                                                          for p, t in zip(predicted, target.tolist()))
        return loss, n, logging_output

    @staticmethod
    def reduce_metrics(logging_outputs) -> None:
        CtcCriterion.reduce_metrics(logging_outputs)   # loss, ntokens, nsentences (no CTC error keys are logged)
        reduce_emotion_metrics(logging_outputs)

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True
