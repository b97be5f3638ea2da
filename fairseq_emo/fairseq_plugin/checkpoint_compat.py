"""fairseq checkpoints under torch >= 2.6: make fairseq's own torch.load calls unpickle full checkpoints.

torch 2.6 switched torch.load to weights_only=True; libri960_big.pt holds an argparse.Namespace and fine-tuned
checkpoints hold fairseq objects, so fairseq's loads fail. We do NOT change torch.load globally: only the `torch`
name inside fairseq.checkpoint_utils and fairseq.distributed.utils is replaced by a proxy whose load() defaults
to weights_only=False. Checkpoints are pickles: load only files you trust.
"""
import torch


class _TorchForFairseqCheckpoints:
    """Behaves like the torch module, except that load() unpickles full fairseq checkpoints."""

    def __init__(self, real_torch):
        self._torch = real_torch

    def __getattr__(self, name):
        return getattr(self._torch, name)

    def load(self, *args, **kwargs):
        kwargs.setdefault("weights_only", False)
        return self._torch.load(*args, **kwargs)


def install() -> None:
    """Idempotent: patch the two fairseq modules that call torch.load on checkpoints."""
    import fairseq.checkpoint_utils as checkpoint_utils
    import fairseq.distributed.utils as distributed_utils

    for module in (checkpoint_utils, distributed_utils):
        if not isinstance(module.torch, _TorchForFairseqCheckpoints):
            module.torch = _TorchForFairseqCheckpoints(torch)
