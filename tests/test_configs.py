"""The supplied recipe configs compose (in-process, as fairseq-hydra-train composes them: recipe_config.py) and
hold the paper's values. Fast tier; test_training.py checks once that the in-process composition equals the CLI's."""
import pytest
from omegaconf import OmegaConf

from fairseq_emo.recipe_config import compose_recipe


@pytest.mark.parametrize("name", ["paper_phoneme", "paper_bpc", "paper_syllable", "paper_utterance", "paper_initfinal",
                                  "tiny"])
def test_configs_compose(name):
    cfg = OmegaConf.to_container(compose_recipe(name, ["task.data=/data/fold1", "model.w2v_path=/models/libri960_big.pt",
                                                       "common.user_dir=/x"]), resolve=True)
    assert cfg["task"]["_name"] == "emotion_unit_finetuning" and cfg["criterion"]["_name"] == "emotion_ctc"
    assert cfg["dataset"]["required_batch_size_multiple"] == 1 and cfg["task"]["normalize"] is False
    assert cfg["criterion"]["post_process"] == "none"
    if name.startswith("paper_"):
        assert cfg["task"]["labels"] == name[len("paper_"):]
        assert cfg["dataset"]["max_tokens"] == 1000000 and cfg["optimization"]["max_update"] == 15000
        assert cfg["optimization"]["lr"] == [5e-05] and cfg["model"]["freeze_finetune_updates"] == 10000
        assert cfg["common"]["fp16"] is True
    else:
        assert cfg["common"]["fp16"] is False


