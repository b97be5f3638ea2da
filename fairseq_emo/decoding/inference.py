"""The one inference path: 16 kHz waveforms -> per-utterance log-probs -> greedy CTC units and emotion mass.

Used by the criterion's validation metrics (`log_probs` on fairseq's own forward pass), decode.py (test splits)
and predict (chunks of recordings), so all three count and place the same units:

  forward(model, waves, normalize, device)  list of 1-D float tensors -> list of (T_i, V) log-probs
  log_probs(model, net_output)              a model output -> (B, T, V) log-probs on the CPU + valid lengths
  decode(lprobs, vocab, offset)             (T, V) -> Decoded: units (token, start, end, posterior), emotion mass

Batches are zero-padded with a padding mask. A group-norm CNN (libri960_big.pt's, extractor_mode "default")
normalises each channel over time, so padding would change the features of every shorter utterance; for such
models the CNN runs on each utterance alone and only the transformer is batched (`_per_utterance_cnn`). The
transformer masks padding exactly, so an utterance's units do not depend on what it was batched with
(tests/test_predict.py checks batch = single). The CNN is a small share of the compute; the transformer is
where batching pays.
"""
import contextlib
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import torch

from fairseq_emo.decoding.ctc_greedy import emotion_mass, FRAME_SECONDS, greedy_ctc, symbol_classes, token_tables
from fairseq_emo.decoding import pooled as pooled_head   # `pooled` is forward()'s flag


@dataclass
class Vocabulary:
    """A target dictionary as decoding needs it: symbols, how many specials, its label set (the emotions its
    tokens carry, in class order) and each symbol's index into it."""
    symbols: Sequence[str]
    nspecial: int
    emotion_of: torch.Tensor = field(init=False)
    emotions: Tuple[str, ...] = field(init=False)

    def __post_init__(self):
        _, self.emotion_of = token_tables(self.symbols, self.nspecial)
        self.emotions = symbol_classes(self.symbols, self.nspecial)

    @classmethod
    def of(cls, dictionary) -> "Vocabulary":
        return cls(list(dictionary.symbols), dictionary.nspecial)


@dataclass
class Unit:
    index: int        # dictionary id
    token: str        # with its emotion suffix, e.g. AH_hap
    start: float      # seconds (plus the offset given to decode)
    end: float
    posterior: float  # mean posterior over the unit's frames


@dataclass
class Decoded:
    units: List[Unit]
    mass: Dict[str, float]   # posterior mass per emotion summed over frames (breaks vote ties, decides empty ones)


def log_probs(model, net_output):
    """A CTC model's output -> ((B, T, V) float log-probs on the CPU, [valid frames per utterance])."""
    lprobs = model.get_normalized_probs(net_output, log_probs=True).transpose(0, 1).float().cpu()
    if net_output.get("padding_mask") is not None:
        lengths = (~net_output["padding_mask"]).long().sum(-1).cpu().tolist()
    else:
        lengths = [lprobs.size(1)] * lprobs.size(0)
    return lprobs, lengths


def decode(lprobs: torch.Tensor, vocab: Vocabulary, offset: float = 0.0) -> Decoded:
    """(T, V) log-probs of one utterance -> its greedy CTC units (times in seconds from `offset`) and emotion mass."""
    units = [Unit(u.index, vocab.symbols[u.index], round(offset + u.start_frame * FRAME_SECONDS, 3),
                  round(offset + u.end_frame * FRAME_SECONDS, 3), round(u.posterior, 4))
             for u in greedy_ctc(lprobs, vocab.nspecial)]
    mass = emotion_mass(lprobs, vocab.emotion_of, len(vocab.emotions)).tolist()
    return Decoded(units, dict(zip(vocab.emotions, mass)))


def _feature_extractor(model):
    """(parent module, attribute name) of the model's wav2vec 2.0 / HuBERT CNN (fairseq's or transformers')."""
    for name, module in model.named_modules():
        if name.endswith("feature_extractor") and hasattr(module, "conv_layers"):
            parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
            return parent, name.rsplit(".", 1)[-1]
    return None, None


class _PerUtteranceCnn(torch.nn.Module):
    """The CNN applied to each row's own samples; shorter rows' features padded with zeros (the model masks
    those frames, as it masks padded frames of a batched CNN)."""

    def __init__(self, cnn, lengths: List[int]):
        super().__init__()
        self.cnn, self.lengths = cnn, lengths

    def forward(self, source):
        outs = [self.cnn(source[row:row + 1, :n]) for row, n in enumerate(self.lengths)]
        frames = max(o.size(-1) for o in outs)
        return torch.cat([torch.nn.functional.pad(o, (0, frames - o.size(-1))) for o in outs])


@contextlib.contextmanager
def _per_utterance_cnn(model, lengths: List[int]):
    parent, attr = _feature_extractor(model)
    cnn = getattr(parent, attr) if parent is not None else None
    if (cnn is None or len(set(lengths)) == 1
            or not any(isinstance(m, torch.nn.GroupNorm) for m in cnn.modules())):
        yield   # no padding, or a layer-norm CNN (each frame normalised alone): the batched CNN is exact
        return
    setattr(parent, attr, _PerUtteranceCnn(cnn, lengths))
    try:
        yield
    finally:
        setattr(parent, attr, cnn)


def _output_layer(model):
    """(the unit output layer, whether its input is batch-first): fairseq's w2v_encoder.proj sees (T, B, C),
    transformers' lm_head (B, T, C). Its input is the encoder's last hidden state, which `pooled` averages."""
    for name, module in model.named_modules():
        if name.endswith("w2v_encoder.proj") or name == "proj":
            return module, False
        if name.endswith("lm_head"):
            return module, True
    raise ValueError("no unit output layer (w2v_encoder.proj or lm_head) in this model: cannot pool its encoder")


def forward(model, waves: List[torch.Tensor], normalize: bool, device: str, pooled: bool = False):
    """16 kHz mono waveforms (1-D float tensors) -> one (T_i, V) log-prob tensor each, on the CPU; with
    `pooled`, also per waveform (sum of the encoder's last hidden state over its T_i frames, T_i): the
    utterance embedding of the same forward pass (mean = sum / T_i; chunks of a file add up).
    normalize: the task's setting (zero mean, unit variance per utterance, as fairseq's dataset does)."""
    if normalize:
        waves = [torch.nn.functional.layer_norm(w, w.shape) for w in waves]
    lengths = [len(w) for w in waves]
    source = torch.zeros(len(waves), max(lengths))
    padding = torch.ones(len(waves), max(lengths), dtype=torch.bool)
    for row, w in enumerate(waves):
        source[row, :len(w)] = w
        padding[row, :len(w)] = False
    captured = []
    hook = None
    if pooled:
        layer, batch_first = _output_layer(model)
        hook = layer.register_forward_hook(lambda _m, args, _out: captured.append(args[0]))
    try:
        with torch.inference_mode(), _per_utterance_cnn(model, lengths):
            net_output = model(source=source.to(device), padding_mask=padding.to(device))
            lprobs, frames = log_probs(model, net_output)
    finally:
        if hook is not None:
            hook.remove()
    out = [lprobs[row, :frames[row]] for row in range(len(waves))]
    if not pooled:
        return out
    hidden = captured[-1].float().cpu()
    hidden = hidden if batch_first else hidden.transpose(0, 1)   # (B, T, C)
    return out, [(hidden[row, :frames[row]].sum(0), frames[row]) for row in range(len(waves))]


def is_pooled(model) -> bool:
    """Was the model fine-tuned as the pooled classifier (criterion emotion_pooled_ce; decode.load_model marks it)?
    Its decision is the pooled head's argmax, not greedy CTC (fairseq_emo/decoding/pooled.py)."""
    return bool(getattr(model, "fairseq_emo_pooled", False))


def classify_pooled(model, hidden_sum: torch.Tensor, frames: int, vocab: Vocabulary, seconds: float,
                    offset: float = 0.0) -> Decoded:
    """The pooled classifier's decision for one utterance: (sum of the encoder's last hidden state over its
    frames, frames) -> one utterance unit UTT_<emo> spanning the utterance, its posterior the head's probability;
    `mass` holds the classes' probabilities (they sum to 1, not to the frame count: no frame-level posteriors exist)."""
    layer, _ = _output_layer(model)
    weight = next(layer.parameters())
    with torch.inference_mode():
        row = layer((hidden_sum / max(1, frames)).to(weight.device, weight.dtype)).float().cpu()
    columns = pooled_head.emotion_columns(vocab.symbols, vocab.nspecial)
    probs = pooled_head.probabilities(row, columns, vocab.emotions)
    best = max(vocab.emotions, key=lambda e: probs[e])
    index = columns[vocab.emotions.index(best)]
    return Decoded([Unit(index, vocab.symbols[index], round(offset, 3), round(offset + seconds, 3),
                         round(probs[best], 4))], probs)
