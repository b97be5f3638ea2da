"""fairseq_emo's emotion-unit CTC model for transformers (shipped in every `fairseq-emo export` directory).

Self-contained: torch and transformers only (no fairseq, no fairseq_emo), loaded with trust_remote_code=True.
- FairseqEmoConfig: Wav2Vec2Config plus each vocabulary id's emotion (`unit_emotion`, -1 for none) and the
  number of fairseq specials (ids below it are never emitted).
- FairseqEmoForCTC: the exported Wav2Vec2ForCTC (AutoModelForCTC; the ASR pipeline gives the units).
- FairseqEmoForEmotion: the same weights; forward -> one score per emotion (AutoModelForAudioClassification;
  the audio-classification pipeline gives the emotions). The decision is fairseq_emo's vote over the greedy CTC
  units: the emotion most units carry; a tie broken by the posterior mass of the tied emotions, then by the
  order neu, hap, ang, sad; a hypothesis without units decided by posterior mass alone. The score of an emotion
  is the share of the decoded units carrying it (the vote share), or, when nothing was decoded, its share of the
  posterior mass; `fairseq-emo predict` reports the same two shares (scores.vote_share, scores.mass_share).
  The logits are the log scores, so the pipeline's softmax gives the scores back.
  Each item of a batch is run alone at its own length (the attention mask's), as `fairseq-emo predict` runs it:
  no padding enters the group-norm CNN, the vote or the posterior mass. An item longer than `chunk_seconds`
  (config, default 20 s; the pipeline's chunk_length_s) is cut as predict cuts it: chunks of at most that length,
  each cut at the quietest 20-ms frame of the chunk's last quarter, a remainder under 400 samples joined to the
  chunk before; each chunk decoded alone (normalized alone when the model was trained on normalized audio), the
  units and posterior mass of all chunks voted together. An item without any emotion unit is `no_speech`
  (predict's emotion null): the output's `no_speech` flag, which the pipeline turns into the label 'no_speech'.
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
from transformers import Wav2Vec2Config, Wav2Vec2ForCTC
from transformers.modeling_outputs import SequenceClassifierOutput

EMOTIONS = ("neu", "hap", "ang", "sad")   # the paper's four: the labels of an export whose config names none
TIE_EPSILON = 1e-6  # ranks a tie as the vote breaks it (by posterior mass) without moving the shares visibly
RATE = 16000
CHUNK_SECONDS = 20.0   # predict's default chunk length
FRAME = 320            # 20 ms at 16 kHz: the cut is searched frame by frame
MIN_SAMPLES = 400      # the CNN's receptive field: a shorter remainder joins the chunk before it


class FairseqEmoConfig(Wav2Vec2Config):
    model_type = "fairseq_emo_wav2vec2"

    def __init__(self, unit_emotion=None, nspecial=4, chunk_seconds=CHUNK_SECONDS, fairseq_emo_normalize=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.unit_emotion = list(unit_emotion or [])
        self.nspecial = nspecial
        self.chunk_seconds = chunk_seconds
        # True/False: normalize each chunk as fairseq's task.normalize does (exports since chunking); None: an
        # older export, whose feature extractor normalized the whole input
        self.fairseq_emo_normalize = fairseq_emo_normalize


def labels_of(config) -> Tuple[str, ...]:
    """The model's classes in id order (config.json's id2label: the dictionary's label set, in class order)."""
    id2label = {int(k): v for k, v in (getattr(config, "id2label", None) or {}).items()}
    labels = tuple(id2label[i] for i in range(len(id2label))) if id2label else ()
    return labels if labels and all(len(x) == 3 for x in labels) else EMOTIONS   # LABEL_0...: transformers' default


def check_unit_emotion(unit_emotion, vocab, where="this model folder", labels=EMOTIONS):
    """config.json's unit_emotion against vocab.json: id i's emotion must be its token's suffix (-1 for a token
    without one). An edited config would make the emotion pipeline vote differently from `fairseq-emo predict`
    on the same folder, silently; a ValueError names the first id that disagrees instead."""
    expected = [-1] * len(unit_emotion)
    for token, i in vocab.items():
        if 0 <= i < len(expected):
            body, _, emo = token.rpartition("_")
            expected[i] = labels.index(emo) if body and emo in labels else -1
    if len(vocab) != len(unit_emotion):
        raise ValueError(f"{where}: config.json's unit_emotion has {len(unit_emotion)} entries, vocab.json "
                         f"{len(vocab)} tokens: the folder was edited; export it again")
    for i, (got, want) in enumerate(zip(unit_emotion, expected)):
        if got != want:
            token = next(t for t, j in vocab.items() if j == i)
            raise ValueError(f"{where}: config.json's unit_emotion[{i}] = {got}, but vocab.json's token {token!r} "
                             f"carries {labels[want] if want >= 0 else 'no emotion'} ({want}): the folder was "
                             f"edited; export it again")


def _checked(model, path):
    """A loaded model whose folder's config and vocabulary agree (a local folder; others are not checked)."""
    import json
    import os

    vocab_path = os.path.join(str(path), "vocab.json")
    if os.path.isfile(vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            check_unit_emotion(list(model.config.unit_emotion), json.load(f), str(path), labels_of(model.config))
    return model


class FairseqEmoForCTC(Wav2Vec2ForCTC):
    config_class = FairseqEmoConfig

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        return _checked(super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs),
                        pretrained_model_name_or_path)


def chunk_bounds(samples: torch.Tensor, chunk_seconds: float = CHUNK_SECONDS) -> List[Tuple[int, int]]:
    """A 16 kHz waveform -> [(start, end)] sample ranges of at most chunk_seconds, cut as `fairseq-emo predict`
    cuts (fairseq_emo/decoding/chunking.py; a test holds the two together)."""
    limit = int(chunk_seconds * RATE)
    bounds, start, n = [], 0, len(samples)
    while n - start > limit:
        lo = start + limit * 3 // 4
        frames = (limit - limit * 3 // 4) // FRAME
        window = samples[lo:lo + frames * FRAME].double().reshape(frames, FRAME)
        cut = lo + int(torch.argmin((window ** 2).mean(dim=1))) * FRAME
        bounds.append((start, cut))
        start = cut
    if bounds and 0 < n - start < MIN_SAMPLES:
        bounds[-1] = (bounds[-1][0], n)
    elif n - start > 0:
        bounds.append((start, n))
    return bounds


def units_and_mass(lprobs: torch.Tensor, unit_emotion: torch.Tensor, nspecial: int, n_labels: int = len(EMOTIONS)):
    """(T, V) log-probs of one chunk -> (per-emotion counts of its greedy CTC units, per-emotion posterior mass),
    each (n_labels,)."""
    best = lprobs.argmax(-1)
    keep = torch.ones_like(best, dtype=torch.bool)
    keep[1:] = best[1:] != best[:-1]
    units = best[keep]
    units = units[units >= nspecial]
    emotions = unit_emotion[units]
    emotions = emotions[emotions >= 0]
    frame_sum = lprobs.exp().sum(0)
    mass = torch.zeros(n_labels, dtype=frame_sum.dtype)
    valid = unit_emotion >= 0
    mass.index_add_(0, unit_emotion[valid], frame_sum[valid])
    return torch.bincount(emotions, minlength=n_labels).to(mass.dtype), mass


def scores_of(counts: torch.Tensor, mass: torch.Tensor) -> torch.Tensor:
    """Per-emotion unit counts and posterior mass -> (labels,) scores (see the module docstring)."""
    n = len(mass)
    mass_share = mass / mass.sum() if mass.sum() > 0 else torch.full_like(mass, 1.0 / n)
    if counts.sum() == 0:
        scores = mass_share
    else:
        scores = counts / counts.sum()
        scores = scores + TIE_EPSILON * (counts == counts.max()) * (mass_share + 1e-3 * torch.arange(
            n, 0, -1, dtype=mass.dtype) / n)
    return scores / scores.sum()


def vote_scores(lprobs: torch.Tensor, unit_emotion: torch.Tensor, nspecial: int,
                n_labels: int = len(EMOTIONS)) -> torch.Tensor:
    """(T, V) log-probs of one utterance -> (n_labels,) scores (see the module docstring)."""
    return scores_of(*units_and_mass(lprobs, unit_emotion, nspecial, n_labels))


@dataclass
class EmotionOutput(SequenceClassifierOutput):
    """The log scores per emotion (logits), and per item whether no emotion unit was decoded at all."""
    no_speech: Optional[torch.Tensor] = None


class FairseqEmoForEmotion(Wav2Vec2ForCTC):
    config_class = FairseqEmoConfig

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        return _checked(super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs),
                        pretrained_model_name_or_path)

    def forward(self, input_values, attention_mask=None, labels=None, chunk_seconds=None, **kwargs):
        lengths = (attention_mask.sum(-1).tolist() if attention_mask is not None
                   else [input_values.size(1)] * input_values.size(0))
        table = torch.tensor(self.config.unit_emotion, dtype=torch.long)
        limit = chunk_seconds or getattr(self.config, "chunk_seconds", None) or CHUNK_SECONDS
        scores, silent = [], []
        n_labels = len(labels_of(self.config))
        for i, n in enumerate(lengths):
            wave = input_values[i, :int(n)]
            counts, mass = torch.zeros(n_labels), torch.zeros(n_labels)
            for start, end in chunk_bounds(wave.detach().cpu(), limit):
                chunk = wave[start:end]
                if getattr(self.config, "fairseq_emo_normalize", None):
                    chunk = torch.nn.functional.layer_norm(chunk, chunk.shape)   # as fairseq's task.normalize
                logits = super().forward(chunk[None]).logits[0]
                c, m = units_and_mass(logits.float().log_softmax(-1).cpu(), table, self.config.nspecial, n_labels)
                counts, mass = counts + c.float(), mass + m.float()
            scores.append(scores_of(counts, mass))
            silent.append(bool(counts.sum() == 0))
        device = input_values.device
        return EmotionOutput(logits=torch.stack(scores).clamp_min(1e-12).log().to(device),
                             no_speech=torch.tensor(silent, device=device))
