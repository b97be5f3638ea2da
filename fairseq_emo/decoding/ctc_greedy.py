"""Greedy CTC over one utterance's posteriors: (T, V) log-probs -> emitted units with frame spans.

= fairseq's viterbi decoder with zero transitions: per-frame argmax, repeats collapsed, the blank (<s>, id 0)
dropped, and the other special symbols (<pad>, </s>, <unk>: ids below nspecial) never emitted.
Shared by the criterion's validation metrics and the decoder, so both count the same units.
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import torch

from fairseq_emo.core.emotions import label_set
from fairseq_emo.units.suffix import split_token

FRAME_SECONDS = 0.02  # wav2vec 2.0's CNN has a total stride of 320 samples at 16 kHz


@dataclass
class Emitted:
    index: int          # dictionary id
    start_frame: int    # first frame of the run
    end_frame: int      # one past the last frame of the run
    posterior: float    # mean posterior of the unit over its run


def greedy_ctc(lprobs: torch.Tensor, nspecial: int) -> List[Emitted]:
    """lprobs: (T, V) log-probabilities of one utterance (no padding frames)."""
    if lprobs.numel() == 0:
        return []
    best = lprobs.argmax(-1)
    change = torch.ones_like(best, dtype=torch.bool)
    change[1:] = best[1:] != best[:-1]
    starts = change.nonzero().flatten().tolist() + [len(best)]
    emitted = []
    for a, b in zip(starts, starts[1:]):
        index = int(best[a])
        if index >= nspecial:
            emitted.append(Emitted(index, a, b, float(lprobs[a:b, index].exp().mean())))
    return emitted


def emotion_mass(lprobs: torch.Tensor, emotion_of: torch.Tensor, n_emotions: int) -> torch.Tensor:
    """Posterior mass per emotion summed over frames: (T, V) log-probs, emotion index per id (-1: none) -> (E,)."""
    frame_sum = lprobs.exp().sum(0)
    valid = emotion_of >= 0
    mass = torch.zeros(n_emotions, dtype=frame_sum.dtype)
    mass.index_add_(0, emotion_of[valid], frame_sum[valid])
    return mass


def symbol_classes(symbols: Sequence[str], nspecial: int) -> Tuple[str, ...]:
    """A dictionary's symbols -> its label set (the emotions its tokens carry, emotions.label_set)."""
    return label_set(e for e in (split_token(s)[1] for s in symbols[nspecial:]) if e)


def token_tables(symbols, nspecial: int):
    """Dictionary symbols -> (body id per symbol, emotion index per symbol as a tensor, into symbol_classes);
    specials get -1."""

    classes = list(symbol_classes(symbols, nspecial))
    bodies, body_of, emotion_of = {}, [], []
    for index, symbol in enumerate(symbols):
        if index < nspecial:
            body_of.append(-1)
            emotion_of.append(-1)
            continue
        body, emo = split_token(symbol)
        body_of.append(bodies.setdefault(body, len(bodies)))
        emotion_of.append(classes.index(emo) if emo else -1)
    return body_of, torch.tensor(emotion_of)
