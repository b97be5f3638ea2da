"""fairseq checkpoints under torch >= 2.6: fairseq's own torch.load calls read checkpoints through safe_load.

torch 2.6 switched torch.load to weights_only=True; libri960_big.pt holds an argparse.Namespace and fine-tuned
checkpoints hold fairseq Dictionary objects, so fairseq's plain loads fail. We do NOT change torch.load globally:
only the `torch` name inside fairseq.checkpoint_utils and fairseq.distributed.utils is replaced by a proxy whose
load() is fairseq_emo.core.safe_load.load: the weights-only unpickler with exactly those classes allowed, so a crafted
checkpoint is refused instead of running its payload.
"""
import torch

from fairseq_emo.core import safe_load


class _TorchForFairseqCheckpoints:
    """Behaves like the torch module, except that load() unpickles full fairseq checkpoints."""

    def __init__(self, real_torch):
        self._torch = real_torch

    def __getattr__(self, name):
        return getattr(self._torch, name)

    def load(self, f, *args, **kwargs):
        if args:  # torch.load(f, map_location) positionally
            kwargs.setdefault("map_location", args[0])
        return safe_load.load(f, **kwargs)


def install() -> None:
    """Idempotent: patch the two fairseq modules that call torch.load on checkpoints."""
    import fairseq.checkpoint_utils as checkpoint_utils
    import fairseq.distributed.utils as distributed_utils

    for module in (checkpoint_utils, distributed_utils):
        if not isinstance(module.torch, _TorchForFairseqCheckpoints):
            module.torch = _TorchForFairseqCheckpoints(torch)
