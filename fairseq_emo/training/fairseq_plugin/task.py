"""fairseq task `emotion_unit_finetuning`: audio fine-tuning on emotion-suffixed unit labels.

Extends fairseq's `audio_finetuning` with three guarantees:
- before a split is loaded, its labels are checked against the manifest and the dictionary (label_check.py):
  a bad token or a count mismatch is an error naming file and line, never a silent <unk>;
- no utterance is dropped by batch rounding: required_batch_size_multiple is forced to 1 (fairseq main drops
  the last batch otherwise, upstream #5036);
- a missing pre-trained checkpoint (model.w2v_path), or one whose own config disagrees with this run's
  model._name or task.normalize (pretrained.py), is reported before anything is built.
- the pooled classifier's criterion (emotion_pooled_ce) runs exactly on `pooled` labels, and they with it: the
  utterance unit (CTC) and the pooled classifier share a dictionary, so a mix-up would train the other model.
It also logs the learning rate at the update where the Transformer unfreezes ('unfreeze: update N, lr X'),
which the report shows per fold: the recipe's tri_stage schedule is already decaying there (recipe/paper.yaml).
"""
import logging
import os
from dataclasses import dataclass

from fairseq.tasks import register_task
from fairseq.tasks.audio_finetuning import AudioFinetuningConfig, AudioFinetuningTask

from fairseq_emo.data.label_check import check_split, LabelCheckError
from fairseq_emo.decoding import pooled
from fairseq_emo.training import pretrained

logger = logging.getLogger(__name__)
POOLED_LABELS = "pooled"   # the unit type's name = its labels' name (manifests: <split>.pooled, dict.pooled.txt)


class EmotionTaskError(ValueError):
    """Bad fold data or configuration, found before training."""


@dataclass
class EmotionUnitFinetuningConfig(AudioFinetuningConfig):
    """audio_finetuning's settings, unchanged. There is deliberately no delimiter setting: manifests, the
    dictionary, decoding and the vote all split tokens at units/suffix.DELIMITER, and a task-only setting could
    only disagree with them. (A checkpoint saved with an older `emotion_delimiter` key still loads: fairseq drops
    unknown task keys when it restores a checkpoint.)"""


@register_task("emotion_unit_finetuning", dataclass=EmotionUnitFinetuningConfig)
class EmotionUnitFinetuningTask(AudioFinetuningTask):
    cfg: EmotionUnitFinetuningConfig

    def load_dataset(self, split: str, task_cfg=None, **kwargs):
        task_cfg = task_cfg or self.cfg
        try:
            n = check_split(self.cfg.data, task_cfg.labels, split)
        except LabelCheckError as err:
            raise EmotionTaskError(str(err)) from None
        super().load_dataset(split, task_cfg, **kwargs)
        if len(self.datasets[split]) != n:  # FileAudioDataset skips files below min_sample_size
            raise EmotionTaskError(f"{split}: fairseq kept {len(self.datasets[split])} of {n} utterances "
                                   f"(task.min_sample_size={self.cfg.min_sample_size}?); none may be dropped")

    def build_model(self, model_cfg, from_checkpoint=False):
        w2v_path = getattr(model_cfg, "w2v_path", None)
        if w2v_path is not None and getattr(model_cfg, "w2v_args", None) is None:  # training (not a reload)
            if not os.path.isfile(w2v_path):
                raise EmotionTaskError(f"model.w2v_path={w2v_path}: no such file. Point it at libri960_big.pt or "
                                       f"at a checkpoint made by scripts/make_w2v_checkpoint.py")
            try:
                info = pretrained.check(w2v_path, model_cfg._name, bool(self.cfg.normalize))
            except ValueError as err:
                raise EmotionTaskError(str(err)) from None
            if info.kind == "hubert" and "dictionaries" in info.task_state:
                # HuBERT's encoder is rebuilt from its pre-training task when the fine-tuned checkpoint is loaded;
                # keeping the label dictionary in this task's saved state spares it the k-means label files
                self.state.merge_state_dict({"dictionaries": info.task_state["dictionaries"]})
        return super().build_model(model_cfg, from_checkpoint)

    def build_criterion(self, cfg, from_checkpoint=False):

        pooled_labels = self.cfg.labels == POOLED_LABELS
        if pooled_labels != (getattr(cfg, "_name", None) == pooled.CRITERION):
            raise EmotionTaskError(
                f"task.labels={self.cfg.labels} with criterion {getattr(cfg, '_name', None)}: the pooled classifier "
                f"is criterion._name={pooled.CRITERION} on task.labels={POOLED_LABELS}, always together "
                f"(configs/paper_pooled.yaml; scripts/run_folds.sh --units pooled sets both)")
        return super().build_criterion(cfg, from_checkpoint)

    def train_step(self, sample, model, criterion, optimizer, update_num, ignore_grad=False):
        freeze = getattr(getattr(model, "w2v_encoder", None), "freeze_finetune_updates", None)
        if freeze is not None and update_num == freeze and not getattr(self, "_unfreeze_logged", False):
            self._unfreeze_logged = True
            logger.info("unfreeze: update %d, lr %.6g", update_num, optimizer.get_lr())
        return super().train_step(sample, model, criterion, optimizer, update_num, ignore_grad)

    def get_batch_iterator(self, dataset, max_tokens=None, max_sentences=None, max_positions=None,
                           ignore_invalid_inputs=False, required_batch_size_multiple=1, **kwargs):
        if required_batch_size_multiple != 1:
            logger.warning("required_batch_size_multiple=%s ignored: it drops utterances; using 1",
                           required_batch_size_multiple)
        return super().get_batch_iterator(dataset, max_tokens, max_sentences, max_positions, ignore_invalid_inputs,
                                          1, **kwargs)
