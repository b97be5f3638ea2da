"""fairseq_emo: speech emotion recognition as emotion-dependent speech recognition.

The data-side modules (corpora, units, folds, manifests) do not need fairseq and do not import it. When fairseq
is already loaded — `fairseq-hydra-train ... common.user_dir=<this folder>` imports this package after fairseq —
the fairseq plugin (task, criterion, checkpoint loading) is registered.
"""
import logging
import sys

__version__ = "0.1.0"   # setup.py reads it from here; `fairseq-emo --version` prints it

# fairseq announces at import, on every command, that an optional package for a task this project never uses
# (text-to-speech) is missing; common.tensorboard_logdir works with the [tensorboard] extra (setup.py).
logging.getLogger("fairseq.tasks.text_to_speech").setLevel(logging.WARNING)

if "fairseq" in sys.modules:
    from fairseq_emo.training import fairseq_plugin  # noqa: F401
