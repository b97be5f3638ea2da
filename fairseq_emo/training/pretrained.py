"""What a pre-trained checkpoint (model.w2v_path) needs from fine-tuning: a .pt file -> Pretrained(kind, normalize).

The checkpoint's own pre-training config decides two things the fine-tuning config must agree with:
  kind       wav2vec2 (fine-tuned as model._name=wav2vec_ctc) or hubert (model._name=emotion_hubert_ctc)
  normalize  whether pre-training saw waveforms normalised to zero mean and unit variance (task.normalize):
             libri960_big.pt False; wav2vec 2.0 LV-60, XLS-R and HuBERT Large True
fairseq itself only asserts the normalize match deep inside the model's constructor, and a wav2vec_ctc model
given a HuBERT file fails with an unrelated error; the task checks both with `check` before building
(fairseq_plugin/task.py). configs/backbone/ holds the settings for each kind of checkpoint.
"""
import os
from dataclasses import dataclass

from fairseq_emo.core import safe_load

MODEL_FOR_KIND = {"wav2vec2": "wav2vec_ctc", "hubert": "emotion_hubert_ctc"}  # the latter: fairseq_plugin/hubert_ctc
BACKBONE_HINT = {("wav2vec2", False): "libri960", ("wav2vec2", True): "lv60 (or xlsr)",
                 ("hubert", True): "hubert_large"}


@dataclass
class Pretrained:
    path: str
    kind: str        # wav2vec2 | hubert
    normalize: bool
    layer_norm_first: bool
    task_state: dict  # HuBERT: {"dictionaries": [k-means label Dictionary]}; kept in the fine-tuned checkpoint


def read(path: str) -> Pretrained:
    """Only the config is needed; the weights are memory-mapped where the file allows it, not read."""
    try:
        try:
            state = safe_load.load(path, mmap=True)
        except RuntimeError:   # a legacy (non-zip) torch file cannot be memory-mapped
            state = safe_load.load(path)
    except safe_load.UnsafeCheckpoint:
        raise
    except Exception as err:  # torch raises several types for files that are not its own
        raise ValueError(f"{path}: cannot be read as a torch checkpoint ({type(err).__name__}: "
                         f"{str(err)[:200]})") from None
    if not isinstance(state, dict) or not (state.get("cfg") or state.get("args")):
        raise ValueError(f"{path}: not a fairseq checkpoint (no 'cfg' or 'args' in it)")
    if state.get("cfg"):
        cfg = state["cfg"]
        task, model = dict(cfg["task"]), dict(cfg["model"])
        task_name, arch = task.get("_name"), model.get("_name")
    else:
        args = vars(state["args"])
        task, model, task_name, arch = args, args, args.get("task"), args.get("arch")
    if "w2v_args" in model or "w2v_path" in model:
        raise ValueError(f"{path}: already fine-tuned ({arch}); model.w2v_path takes a pre-trained checkpoint")
    if task_name == "hubert_pretraining" or str(arch).startswith("hubert"):
        kind = "hubert"
    elif str(arch).startswith("wav2vec2") or task_name == "audio_pretraining":
        kind = "wav2vec2"
    else:
        raise ValueError(f"{path}: a {arch or task_name} checkpoint, neither wav2vec 2.0 nor HuBERT pre-training")
    return Pretrained(path, kind, bool(task.get("normalize", False)), bool(model.get("layer_norm_first", False)),
                      dict(state.get("task_state") or {}))


def check(path: str, model_name: str, normalize: bool) -> Pretrained:
    """The fine-tuning config (model._name, task.normalize) against the checkpoint -> its facts, or a ValueError
    that says which setting to change."""
    if not os.path.isfile(path):
        raise ValueError(f"model.w2v_path={path}: no such file")
    info = read(path)
    hint = BACKBONE_HINT.get((info.kind, info.normalize))
    use = f"use backbone={hint} (configs/backbone/)" if hint else "see configs/backbone/"
    if MODEL_FOR_KIND[info.kind] != model_name:
        raise ValueError(f"model.w2v_path={path} is a {info.kind} checkpoint, fine-tuned as "
                         f"model._name={MODEL_FOR_KIND[info.kind]}, but this run has model._name={model_name}; {use}")
    if info.normalize != normalize:
        raise ValueError(f"model.w2v_path={path} was pre-trained with normalize={info.normalize} (its own config), "
                         f"but this run has task.normalize={normalize}; the input must be scaled as in "
                         f"pre-training: {use}, or set task.normalize={str(info.normalize).lower()}")
    return info
