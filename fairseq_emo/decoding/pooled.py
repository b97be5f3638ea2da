"""The same-backbone utterance classifier (unit type `pooled`): what its training, decoding and prediction share.

This is the pooled head (the shape of SUPERB's and SpeechBrain's SER fine-tunes), not the paper's method: the
encoder's last hidden states mean-pooled over an utterance's frames, one linear layer to the emotions of its
dictionary (the paper's 4, or the label set's), cross-entropy. `pooled` trains it under the units' recipe (ASR-tuned masking, 10k frozen updates); `pooled-light`
under a classifier's usual one (configs/recipe/pooled_light.yaml).
Network: the backbone's own fine-tuning model, unchanged (wav2vec_ctc or emotion_hubert_ctc, so freezing, masking,
layerdrop and the CNN are the very code the unit models run). Its output layer is the linear head: a linear layer
commutes with the mean, so mean_t(W h_t + b) = W mean_t(h_t) + b, and averaging the output layer's per-frame
outputs over the valid frames *is* the linear head on the mean-pooled encoder output. Only the head's rows of the
4 emotion tokens (`UTT_<emo>`, the utterance unit's dictionary) enter the loss; the other rows (CTC's specials)
get no gradient and are never read. What differs from the utterance unit is the objective (cross-entropy on the
pooled output instead of CTC on the frames) and the decision (the pooled argmax instead of the vote).

  emotion_columns(symbols, nspecial)     dictionary -> the token id of each emotion, in its label set's order
  mean_over_frames(frames, padding)      (T, B, V) outputs + (B, T) padding mask -> (B, V)
  probabilities(pooled_row, columns, classes)  (V,) pooled output -> {emotion: probability}
"""
from typing import Dict, List, Optional, Sequence

import torch

from fairseq_emo.decoding.ctc_greedy import symbol_classes
from fairseq_emo.units import POOLED_CRITERION
from fairseq_emo.units.suffix import split_token

CRITERION = POOLED_CRITERION   # the fairseq criterion that makes a fine-tune the pooled classifier


def emotion_columns(symbols: Sequence[str], nspecial: int) -> List[int]:
    """The dictionary id of each emotion's one token (UTT_ang, UTT_hap, ...), in the order of its label set
    (ctc_greedy.symbol_classes). A dictionary with several tokens of one emotion (unit labels) or none is an
    error: the head needs one output per class."""

    classes = symbol_classes(symbols, nspecial)
    ids: Dict[str, List[int]] = {e: [] for e in classes}
    for index, symbol in enumerate(symbols):
        emotion = split_token(symbol)[1] if index >= nspecial else None
        if emotion:
            ids[emotion].append(index)
    bad = {e: len(v) for e, v in ids.items() if len(v) != 1}
    if bad:
        raise ValueError("the pooled classifier needs exactly one token per emotion (the utterance unit's "
                         f"dictionary, UTT_<emo>); this dictionary has {bad}: train it on `pooled` labels")
    return [ids[e][0] for e in classes]


def mean_over_frames(frames: torch.Tensor, padding_mask: Optional[torch.Tensor]) -> torch.Tensor:
    """(T, B, V) per-frame outputs, (B, T) padding mask (True = padding) or None -> (B, V) means over each
    utterance's valid frames."""
    if padding_mask is None:
        return frames.mean(0)
    valid = (~padding_mask).t().unsqueeze(-1).to(frames.dtype)   # (T, B, 1)
    return (frames * valid).sum(0) / valid.sum(0).clamp(min=1)


def probabilities(pooled_row: torch.Tensor, columns: Sequence[int], classes: Sequence[str]) -> Dict[str, float]:
    """One utterance's pooled output (V,), emotion_columns and their classes -> the softmax over its emotion
    outputs, {emotion: probability}."""
    p = torch.softmax(pooled_row.float()[list(columns)], -1).tolist()
    return dict(zip(classes, p))
