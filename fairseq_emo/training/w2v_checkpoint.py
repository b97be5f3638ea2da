"""Randomly initialised pre-trained checkpoints in the real files' formats: architecture + format -> a .pt file.

Formats (FORMATS; configs/backbone/ has the matching fine-tuning settings):
  libri960  libri960_big.pt: an old-format (argparse era) checkpoint {"args": argparse.Namespace, "model": ...};
            post-LN transformer, group-norm CNN without bias (extractor_mode "default"), normalize False.
            The Namespace comes from fairseq's own training parser (task audio_pretraining, arch wav2vec2,
            criterion wav2vec), so fairseq converts it exactly as it converts the real file.
  lv60      wav2vec 2.0 Large LV-60 (wav2vec_vox_new.pt) and XLS-R (xlsr2_300m.pt ...): hydra-era {"cfg": {...}};
            pre-LN transformer (layer_norm_first), layer-norm CNN with bias, normalize True.
  hubert    HuBERT Large (hubert_large_ll60k.pt): {"cfg": {...}, "task_state": {"dictionaries": [...]}}, task
            hubert_pretraining, model hubert; pre-LN, layer-norm CNN with bias, normalize True; the k-means label
            dictionary travels in task_state (fine-tuning never reads label files).
Tests, the demo and GPU benchmarks use these; no weights are downloaded.
"""
from argparse import Namespace
from dataclasses import dataclass
from typing import Dict

import torch

from fairseq_emo.core.atomic import write_with
from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE

# Pre-training settings of the LibriSpeech-960 Large model that shape the state dict or the fine-tuning path.
LARGE = dict(encoder_layers=24, encoder_embed_dim=1024, encoder_ffn_embed_dim=4096, encoder_attention_heads=16,
             final_dim=768, extractor_mode="default", layer_norm_first=False, conv_bias=False,
             conv_feature_layers="[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]",
             conv_pos=128, conv_pos_groups=16, latent_vars=320, latent_groups=2, quantize_targets=True,
             encoder_layerdrop=0.2, dropout_input=0.1, dropout_features=0.1, feature_grad_mult=0.1)


@dataclass
class Architecture:
    layers: int = 24
    dim: int = 1024
    ffn: int = 4096
    heads: int = 16
    conv_channels: int = 512
    conv_pos: int = 128
    conv_pos_groups: int = 16
    final_dim: int = 768

    def overrides(self) -> Dict[str, object]:
        conv = (f"[({self.conv_channels}, 10, 5)] + [({self.conv_channels}, 3, 2)] * 4 + "
                f"[({self.conv_channels},2,2)] + [({self.conv_channels},2,2)]")
        return dict(LARGE, encoder_layers=self.layers, encoder_embed_dim=self.dim, encoder_ffn_embed_dim=self.ffn,
                    encoder_attention_heads=self.heads, conv_feature_layers=conv, conv_pos=self.conv_pos,
                    conv_pos_groups=self.conv_pos_groups, final_dim=self.final_dim)


SIZES = {
    "large": Architecture(),
    # tiny: trains on CPU in seconds; conv_pos/groups kept small so the positional conv is cheap.
    "tiny": Architecture(layers=2, dim=64, ffn=128, heads=2, conv_channels=64, conv_pos=16, conv_pos_groups=4,
                         final_dim=32),
    # demo: the size the CPU demo fine-tunes from scratch (2 x 128 learns the demo corpus in minutes on 2 cores;
    # docs/recipe.md, "fairseq on this stack").
    "demo": Architecture(layers=2, dim=128, ffn=256, heads=2, conv_channels=128, conv_pos=32, conv_pos_groups=4,
                         final_dim=64),
}


def pretraining_namespace(arch: Architecture) -> Namespace:
    """The argparse Namespace an old fairseq pre-training run would have stored, for this architecture."""
    from fairseq import options

    parser = options.get_training_parser()
    args = options.parse_args_and_arch(parser, input_args=[
        "/nonexistent/pretraining-data", "--task", "audio_pretraining", "--arch", "wav2vec2",
        "--criterion", "wav2vec", "--optimizer", "adam", "--lr-scheduler", "polynomial_decay"])
    for key, value in arch.overrides().items():
        setattr(args, key, value)
    args.normalize = False  # libri960_big.pt: raw waveform input (fine-tuning must use task.normalize=false)
    args.sample_rate = FAIRSEQ_SAMPLE_RATE
    # schedule of the 400k-update pre-training run; fairseq's config conversion requires them to be set
    args.max_update = args.total_num_update = 400000
    args.warmup_updates = 32000
    return args


FORMATS = ("libri960", "lv60", "hubert")

# what LV-60 / XLS-R / HuBERT Large pre-training changed against libri960_big.pt (the shape of the rest is LARGE's)
PRE_LN = dict(extractor_mode="layer_norm", layer_norm_first=True, conv_bias=True)
HUBERT_KMEANS_CLASSES = 500   # HuBERT Large's targets: 500 k-means clusters of HuBERT Base features
HUBERT_LABEL_RATE = 50.0      # labels per second (one per 20-ms frame)


def save_random_checkpoint(path: str, arch: Architecture, seed: int = 0, fmt: str = "libri960") -> Dict[str, int]:
    """Write the checkpoint in format `fmt` (FORMATS); returns {'parameters': n}."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    torch.manual_seed(seed)
    if fmt == "libri960":
        state, model = _libri960_state(arch)
    elif fmt == "lv60":
        state, model = _lv60_state(arch)
    else:
        state, model = _hubert_state(arch)
    write_with(path, lambda tmp: torch.save(state, tmp))
    return {"parameters": sum(p.numel() for p in model.parameters())}


def _history(criterion: str):
    # optimizer_history/extra_state as a pre-training run leaves them (fairseq upgrades them on load)
    return [{"criterion_name": criterion, "optimizer_name": "FairseqAdam", "lr_scheduler_state": {"best": None},
             "num_updates": 0}]


def _libri960_state(arch: Architecture):
    from fairseq.models.wav2vec.wav2vec2 import Wav2Vec2Config, Wav2Vec2Model

    args = pretraining_namespace(arch)
    fields = Wav2Vec2Config.__dataclass_fields__
    model = Wav2Vec2Model(Wav2Vec2Config(**{k: getattr(args, k) for k in fields if hasattr(args, k)}))
    return {"args": args, "model": model.state_dict(), "optimizer_history": _history("Wav2vecCriterion"),
            "extra_state": {}, "last_optimizer_state": None}, model


def _lv60_state(arch: Architecture):
    """A hydra-era checkpoint: the argparse Namespace converted as fairseq converts one (every config group)."""
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf
    from fairseq.models.wav2vec.wav2vec2 import Wav2Vec2Config, Wav2Vec2Model
    from omegaconf import OmegaConf

    args = pretraining_namespace(arch)
    for key, value in PRE_LN.items():
        setattr(args, key, value)
    args.normalize = True   # LV-60 / XLS-R were pre-trained on normalised waveforms
    cfg = convert_namespace_to_omegaconf(args)
    fields = Wav2Vec2Config.__dataclass_fields__
    model = Wav2Vec2Model(Wav2Vec2Config(**{k: getattr(args, k) for k in fields if hasattr(args, k)}))
    return {"cfg": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True), "model": model.state_dict(),
            "optimizer_history": _history("Wav2vecCriterion"), "extra_state": {}, "last_optimizer_state": None,
            "task_state": {}}, model


def _hubert_state(arch: Architecture):
    from fairseq.data import Dictionary
    from fairseq.models.hubert.hubert import HubertConfig, HubertModel
    from fairseq.tasks.hubert_pretraining import HubertPretrainingConfig
    from omegaconf import OmegaConf

    task = HubertPretrainingConfig(data="/nonexistent/pretraining-data", labels=["km"],
                                   label_dir="/nonexistent/labels", label_rate=HUBERT_LABEL_RATE,
                                   sample_rate=FAIRSEQ_SAMPLE_RATE, normalize=True)
    overrides = {k: v for k, v in arch.overrides().items() if k in HubertConfig.__dataclass_fields__}
    overrides.update(PRE_LN, untie_final_proj=True)
    root = OmegaConf.create({"task": OmegaConf.structured(task), "model": OmegaConf.structured(HubertConfig)})
    for key, value in overrides.items():
        root.model[key] = value
    cfg = OmegaConf.to_container(root, resolve=True, enum_to_str=True)
    cfg["task"]["_name"], cfg["model"]["_name"] = "hubert_pretraining", "hubert"
    labels = Dictionary()
    for k in range(HUBERT_KMEANS_CLASSES):
        labels.add_symbol(str(k))
    model = HubertModel(OmegaConf.create(cfg["model"]), OmegaConf.create(cfg["task"]), [labels])
    return {"cfg": cfg, "model": model.state_dict(), "optimizer_history": _history("HubertCriterion"),
            "extra_state": {}, "last_optimizer_state": None, "task_state": {"dictionaries": [labels]}}, model
