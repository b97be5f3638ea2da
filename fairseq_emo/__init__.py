"""fairseq_emo: speech emotion recognition as emotion-dependent speech recognition.

The data-side modules (corpora, units, folds, manifests) do not need fairseq and do not import it. When fairseq
is already loaded — `fairseq-hydra-train ... common.user_dir=<this folder>` imports this package after fairseq —
the fairseq plugin (task, criterion, checkpoint loading) is registered.
"""
import sys

if "fairseq" in sys.modules:
    from fairseq_emo import fairseq_plugin  # noqa: F401
