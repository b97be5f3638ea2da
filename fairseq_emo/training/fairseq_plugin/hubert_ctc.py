"""fairseq model `emotion_hubert_ctc`: fairseq's `hubert_ctc` (HuBERT + a CTC output layer), unchanged, with the
one setting its encoder reads but its config lacks.

On fairseq 0.12.x `hubert_ctc` cannot be built: HubertEncoder reads `cfg.autoregressive`, which HubertCtcConfig
does not define (upstream issue #4916), so every fine-tuning run fails with "Key 'autoregressive' not in
'HubertCtcConfig'". This config adds it with the value that means CTC (False); nothing else differs.
configs/backbone/hubert_large.yaml selects it.
"""
from dataclasses import dataclass, field

from fairseq.models import register_model
from fairseq.models.hubert.hubert_asr import HubertCtc, HubertCtcConfig


@dataclass
class EmotionHubertCtcConfig(HubertCtcConfig):
    autoregressive: bool = field(default=False, metadata={"help": "False: a CTC output layer (read by HubertEncoder)"})


@register_model("emotion_hubert_ctc", dataclass=EmotionHubertCtcConfig)
class EmotionHubertCtc(HubertCtc):
    pass
