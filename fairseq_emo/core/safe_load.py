"""Checkpoint files -> their contents, unpickling only what fairseq checkpoints hold (torch's weights-only loader
with an allowlist), so a crafted file cannot run code in predict, info, export, decode or check_fold.

fairseq checkpoints hold tensors, plain containers, an argparse.Namespace (`args` of argparse-era files such as
libri960_big.pt), fairseq Dictionary objects (fine-tuned checkpoints, HuBERT's label dictionaries) and at times
numpy scalars (old `extra_state` values). Those classes are allowed; any other global in the pickle is refused
with a message naming it. A user who made such a file and trusts it can set FAIRSEQ_EMO_TRUST_CHECKPOINTS=1 (the
full unpickler); a model meant to be shared is better shared as a `fairseq-emo export` directory (safetensors, no
pickle at all).
"""
import importlib
import importlib.util
import os
import pickle
import re

TRUST_ENV = "FAIRSEQ_EMO_TRUST_CHECKPOINTS"
ALLOWED = ("argparse.Namespace", "fairseq.data.dictionary.Dictionary", "numpy.dtype",
           "numpy._core.multiarray.scalar", "numpy.core.multiarray.scalar")


class UnsafeCheckpoint(ValueError):
    """A checkpoint whose pickle names a class or function outside the allowlist."""


class NeedsFairseq(ValueError):
    """A fairseq checkpoint (.pt) where fairseq is not installed: the base, inference-only install."""


RECIPE_INSTALL = ("this needs the recipe install (bash scripts/setup.sh, which installs fairseq-fixed and the recipe "
                  "extra); with the base install (pip install .), predict from a folder made by `fairseq-emo export` "
                  "on a machine that has it")


def needs_fairseq(path) -> NeedsFairseq:
    return NeedsFairseq(f"{getattr(path, 'name', path)} is a fairseq checkpoint and fairseq is not installed: "
                        f"{RECIPE_INSTALL}")


def _allowed():
    import numpy

    found = []
    for name in ALLOWED:
        module, _, attr = name.rpartition(".")
        try:
            found.append(getattr(importlib.import_module(module), attr))
        except (ImportError, AttributeError):  # numpy 1 vs 2 names; fairseq absent (an exported-model user)
            continue
    found += [t for t in vars(getattr(numpy, "dtypes", object)).values() if isinstance(t, type)]
    return found


def load(path, map_location="cpu", mmap: bool = False, **kwargs):
    """torch.load(path) with the allowlist (or the full unpickler under FAIRSEQ_EMO_TRUST_CHECKPOINTS=1)."""
    import torch

    kwargs.pop("weights_only", None)
    if os.environ.get(TRUST_ENV) == "1":
        return torch.load(path, map_location=map_location, weights_only=False, mmap=mmap, **kwargs)
    try:
        with torch.serialization.safe_globals(_allowed()):
            return torch.load(path, map_location=map_location, weights_only=True, mmap=mmap, **kwargs)
    except pickle.UnpicklingError as err:
        found = re.search(r"GLOBAL ([\w.]+(?: [\w.]+)?)", str(err))
        if not found:  # not a refused global: a damaged or foreign file; the caller says what it is
            raise
        what = found.group(1)
        if what.split(".")[0] == "fairseq" and importlib.util.find_spec("fairseq") is None:
            raise needs_fairseq(path) from None   # allowed, but not importable here: not a crafted file
        raise UnsafeCheckpoint(
            f"{getattr(path, 'name', path)}: refused to unpickle {what}: a fairseq checkpoint holds only tensors, containers, "
            f"argparse.Namespace and fairseq Dictionary objects, and this file asks for more (a crafted file can run "
            f"code when unpickled). If you made it yourself and trust it, set {TRUST_ENV}=1; to share a model, use "
            f"`fairseq-emo export` (safetensors, no pickle)") from None
