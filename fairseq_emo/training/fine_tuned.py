"""A fine-tuned fold checkpoint -> (model in eval mode, its task), through fairseq's own loader.

Shared by decoding a fold (evaluation/decode.py) and predicting from a checkpoint (serving/predict.py), so
neither reaches into the other.
"""
import os
import warnings
from typing import Optional

from fairseq_emo.decoding import pooled


def load_model(checkpoint: str, data_dir: Optional[str], device: str):
    """Fine-tuned checkpoint -> (model in eval mode, task). The pre-trained w2v file is not needed.
    data_dir: where dict.<labels>.txt is (None: the fold dir recorded in the checkpoint)."""
    # fairseq: the recipe install only (setup.py), so an inference-only install can still import this module
    from fairseq import checkpoint_utils

    import fairseq_emo.training.fairseq_plugin  # noqa: F401  (registers task and criterion; imports fairseq)

    if not os.path.isfile(checkpoint):
        raise FileNotFoundError(f"checkpoint {checkpoint} not found")
    overrides = {"data": data_dir} if data_dir else None
    with warnings.catch_warnings():
        # fairseq builds wav2vec 2.0's positional convolution with torch's older weight_norm, which warns on every
        # load; the weights are the same either way
        warnings.filterwarnings("ignore", message=r".*weight_norm.* is deprecated", category=FutureWarning)
        models, cfg, task = checkpoint_utils.load_model_ensemble_and_task([checkpoint], arg_overrides=overrides)
    model = models[0].to(device).eval()
    # the pooled classifier is the backbone's CTC model trained with another criterion: only the saved config
    # tells, and its decision differs (inference.is_pooled)
    model.fairseq_emo_pooled = getattr(cfg.get("criterion") or {}, "_name", None) == pooled.CRITERION
    return model, task
