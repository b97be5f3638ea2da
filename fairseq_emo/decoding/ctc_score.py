"""CTC likelihood of a given token sequence: (T, V) log-probs + token ids -> log P(sequence | audio), and per
emotion for an utterance's reference unit bodies -> the CTC-likelihood decision (decision_rules.py).

The decision asks which emotion's version of the reference (`AH_hap AH_hap ...` vs `AH_sad ...`; for utterance
units the single token `UTT_<emo>`) the model finds most likely: it reads the whole posterior matrix, so it decides
every utterance, also where greedy decoding emits nothing. It needs the reference units (test sets with
transcripts, or utterance units); an emotion whose sequence holds a token the dictionary lacks (a syllable never
seen with that emotion in training) cannot be scored and gets no score (-inf is not written: JSON has none).
"""
from typing import Dict, List, Mapping, Optional, Sequence

import torch

from fairseq_emo.core.emotions import label_set
from fairseq_emo.units.suffix import add_emotion, split_token, strip_emotion


# Above this many alignment cells (frames x (2 tokens + 1)) the forward pass streams over frames, keeping one
# column (memory O(tokens)) instead of torch's ctc_loss, whose (frames x states) table for a 10-minute utterance
# with its ~6000 reference units is over a gigabyte. Below it, ctc_loss (the same value, faster).
STREAM_ABOVE_CELLS = 20_000_000


def sequence_log_likelihood(lprobs: torch.Tensor, ids: Sequence[int], blank: int = 0) -> float:
    """log P(ids | lprobs) summed over every CTC alignment (blank = id 0, fairseq's <s>); -inf when the sequence
    cannot fit in the frames (each repeated token needs a blank between)."""
    if not ids:
        return float(lprobs[:, blank].sum())
    if lprobs.size(0) * (2 * len(ids) + 1) > STREAM_ABOVE_CELLS:
        return streamed_log_likelihood(lprobs, ids, blank)
    loss = torch.nn.functional.ctc_loss(lprobs.float().unsqueeze(1), torch.tensor([list(ids)]),
                                        torch.tensor([lprobs.size(0)]), torch.tensor([len(ids)]), blank=blank,
                                        reduction="sum", zero_infinity=False)
    return -float(loss)


def streamed_log_likelihood(lprobs: torch.Tensor, ids: Sequence[int], blank: int = 0) -> float:
    """The CTC forward recursion one frame at a time over the blank-interleaved sequence (float64), keeping only
    the current column: log P(ids | lprobs) with memory O(len(ids)), whatever the length of the audio."""
    lp = lprobs.double()
    states = torch.full((2 * len(ids) + 1,), blank, dtype=torch.long)
    states[1::2] = torch.tensor(list(ids), dtype=torch.long)
    # a state may come from two back when it is a token unlike the token two back (no blank needed between)
    skip = torch.zeros(len(states), dtype=torch.bool)
    skip[3::2] = states[3::2] != states[1:-2:2]
    neg = torch.tensor(float("-inf"), dtype=torch.float64)
    alpha = torch.full((len(states),), float("-inf"), dtype=torch.float64)
    alpha[0] = lp[0, blank]
    alpha[1] = lp[0, states[1]]
    for t in range(1, lp.size(0)):
        one_back = torch.cat([neg.view(1), alpha[:-1]])
        two_back = torch.where(skip, torch.cat([neg.view(1), neg.view(1), alpha[:-2]]), neg)
        alpha = torch.logsumexp(torch.stack([alpha, one_back, two_back]), dim=0) + lp[t, states]
    return float(torch.logsumexp(alpha[-2:], dim=0))


def emotion_scores(lprobs: torch.Tensor, ref: Sequence[str], index_of: Mapping[str, int],
                   classes: Optional[Sequence[str]] = None) -> Optional[Dict[str, float]]:
    """Reference tokens (any emotion suffix) -> {emotion: log-likelihood of the bodies with that emotion}, for the
    emotions (`classes`; default: the dictionary's label set) whose every token is in the dictionary and which fit
    the frames; None without a reference."""
    if not ref:
        return None
    bodies: List[str] = [strip_emotion(t) for t in ref]
    scores = {}
    for emo in classes or label_set(e for e in (split_token(t)[1] for t in index_of) if e):
        tokens = [add_emotion(b, emo) for b in bodies]
        if all(t in index_of for t in tokens):
            value = sequence_log_likelihood(lprobs, [index_of[t] for t in tokens])
            if value != float("-inf"):
                scores[emo] = round(value, 4)
    return scores
