"""Randomly initialised wav2vec 2.0 checkpoints in libri960_big.pt's format: architecture -> a .pt file.

libri960_big.pt is an old-format (argparse era) fairseq checkpoint: {"args": argparse.Namespace, "model":
state_dict, ...}, 24 layers x 1024 dim, 16 heads, FFN 4096, group-norm CNN (extractor_mode "default"),
normalize False. We build the Namespace with fairseq's own training parser (task audio_pretraining, arch
wav2vec2, criterion wav2vec) so that fairseq converts it exactly as it converts the real file, then save a
random model of the requested size. Tests, the demo and GPU benchmarks use these; no weights are downloaded.
"""
from argparse import Namespace
from dataclasses import dataclass
from typing import Dict

import torch

from fairseq_emo.audio import FAIRSEQ_SAMPLE_RATE

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


def save_random_checkpoint(path: str, arch: Architecture, seed: int = 0) -> Dict[str, int]:
    """Write the checkpoint; returns {'parameters': n}."""
    from fairseq.models.wav2vec.wav2vec2 import Wav2Vec2Config, Wav2Vec2Model

    args = pretraining_namespace(arch)
    torch.manual_seed(seed)
    fields = Wav2Vec2Config.__dataclass_fields__
    config = Wav2Vec2Config(**{k: getattr(args, k) for k in fields if hasattr(args, k)})
    model = Wav2Vec2Model(config)
    # optimizer_history/extra_state as an argparse-era pre-training run leaves them (fairseq upgrades them on load)
    history = [{"criterion_name": "Wav2vecCriterion", "optimizer_name": "FairseqAdam",
                "lr_scheduler_state": {"best": None}, "num_updates": 0}]
    state = {"args": args, "model": model.state_dict(), "optimizer_history": history, "extra_state": {},
             "last_optimizer_state": None}
    tmp = f"{path}.tmp"
    torch.save(state, tmp)
    import os
    os.replace(tmp, path)
    return {"parameters": sum(p.numel() for p in model.parameters())}
