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
"""
import torch
from transformers import Wav2Vec2Config, Wav2Vec2ForCTC
from transformers.modeling_outputs import SequenceClassifierOutput

EMOTIONS = ("neu", "hap", "ang", "sad")
TIE_EPSILON = 1e-6  # ranks a tie as the vote breaks it (by posterior mass) without moving the shares visibly


class FairseqEmoConfig(Wav2Vec2Config):
    model_type = "fairseq_emo_wav2vec2"

    def __init__(self, unit_emotion=None, nspecial=4, **kwargs):
        super().__init__(**kwargs)
        self.unit_emotion = list(unit_emotion or [])
        self.nspecial = nspecial


def check_unit_emotion(unit_emotion, vocab, where="this model folder"):
    """config.json's unit_emotion against vocab.json: id i's emotion must be its token's suffix (-1 for a token
    without one). An edited config would make the emotion pipeline vote differently from `fairseq-emo predict`
    on the same folder, silently; a ValueError names the first id that disagrees instead."""
    expected = [-1] * len(unit_emotion)
    for token, i in vocab.items():
        if 0 <= i < len(expected):
            body, _, emo = token.rpartition("_")
            expected[i] = EMOTIONS.index(emo) if body and emo in EMOTIONS else -1
    if len(vocab) != len(unit_emotion):
        raise ValueError(f"{where}: config.json's unit_emotion has {len(unit_emotion)} entries, vocab.json "
                         f"{len(vocab)} tokens: the folder was edited; export it again")
    for i, (got, want) in enumerate(zip(unit_emotion, expected)):
        if got != want:
            token = next(t for t, j in vocab.items() if j == i)
            raise ValueError(f"{where}: config.json's unit_emotion[{i}] = {got}, but vocab.json's token {token!r} "
                             f"carries {EMOTIONS[want] if want >= 0 else 'no emotion'} ({want}): the folder was "
                             f"edited; export it again")


def _checked(model, path):
    """A loaded model whose folder's config and vocabulary agree (a local folder; others are not checked)."""
    import json
    import os

    vocab_path = os.path.join(str(path), "vocab.json")
    if os.path.isfile(vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            check_unit_emotion(list(model.config.unit_emotion), json.load(f), str(path))
    return model


class FairseqEmoForCTC(Wav2Vec2ForCTC):
    config_class = FairseqEmoConfig

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        return _checked(super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs),
                        pretrained_model_name_or_path)


def vote_scores(lprobs: torch.Tensor, unit_emotion: torch.Tensor, nspecial: int) -> torch.Tensor:
    """(T, V) log-probs of one utterance -> (4,) scores (see the module docstring)."""
    best = lprobs.argmax(-1)
    keep = torch.ones_like(best, dtype=torch.bool)
    keep[1:] = best[1:] != best[:-1]
    units = best[keep]
    units = units[units >= nspecial]
    emotions = unit_emotion[units]
    emotions = emotions[emotions >= 0]
    frame_sum = lprobs.exp().sum(0)
    mass = torch.zeros(len(EMOTIONS), dtype=frame_sum.dtype)
    valid = unit_emotion >= 0
    mass.index_add_(0, unit_emotion[valid], frame_sum[valid])
    mass_share = mass / mass.sum() if mass.sum() > 0 else torch.full_like(mass, 1.0 / len(EMOTIONS))
    if len(emotions) == 0:
        scores = mass_share
    else:
        counts = torch.bincount(emotions, minlength=len(EMOTIONS)).to(mass.dtype)
        scores = counts / counts.sum()
        scores = scores + TIE_EPSILON * (counts == counts.max()) * (mass_share + 1e-3 * torch.arange(
            len(EMOTIONS), 0, -1, dtype=mass.dtype) / len(EMOTIONS))
    return scores / scores.sum()


class FairseqEmoForEmotion(Wav2Vec2ForCTC):
    config_class = FairseqEmoConfig

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        return _checked(super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs),
                        pretrained_model_name_or_path)

    def forward(self, input_values, attention_mask=None, labels=None, **kwargs):
        out = super().forward(input_values, attention_mask=attention_mask)
        lprobs = out.logits.float().log_softmax(-1)
        if attention_mask is not None:
            frames = self._get_feat_extract_output_lengths(attention_mask.sum(-1)).tolist()
        else:
            frames = [lprobs.size(1)] * lprobs.size(0)
        table = torch.tensor(self.config.unit_emotion, dtype=torch.long)
        scores = torch.stack([vote_scores(lprobs[i, :n].cpu(), table, self.config.nspecial)
                              for i, n in enumerate(frames)])
        return SequenceClassifierOutput(logits=scores.clamp_min(1e-12).log().to(out.logits.device))
