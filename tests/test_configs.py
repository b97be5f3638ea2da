"""The supplied recipe configs compose (in-process, as fairseq-hydra-train composes them: recipe_config.py) and
hold the paper's values. Fast tier; test_training.py checks once that the in-process composition equals the CLI's."""
import pytest
from omegaconf import OmegaConf

from fairseq_emo.training.recipe_config import compose_recipe


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




def test_the_two_pooled_recipes_differ_only_in_masking_and_the_frozen_phase():
    """pooled = the head under the units' recipe; pooled-light = a classifier's usual one (recipe/pooled_light.yaml):
    every other value is the same, so losing to the units is not a handicap of masking or freezing."""
    overrides = ["task.data=/data/fold1", "model.w2v_path=/models/libri960_big.pt", "common.user_dir=/x"]
    units = OmegaConf.to_container(compose_recipe("paper_pooled", overrides), resolve=True)
    light = OmegaConf.to_container(compose_recipe("paper_pooled-light", overrides), resolve=True)
    assert units["criterion"]["_name"] == light["criterion"]["_name"] == "emotion_pooled_ce"
    assert light["task"]["labels"] == units["task"]["labels"] == "pooled"
    differ = {(k, key) for k in units for key in set(units[k] or {}) | set(light[k] or {})
              if isinstance(units[k], dict) and units[k].get(key) != light[k].get(key)}
    assert differ == {("model", "mask_prob"), ("model", "mask_channel_prob"), ("model", "freeze_finetune_updates")}
    assert (units["model"]["mask_prob"], light["model"]["mask_prob"]) == (0.65, 0.05)
    assert (units["model"]["freeze_finetune_updates"], light["model"]["freeze_finetune_updates"]) == (10000, 0)
    assert light["model"]["mask_channel_prob"] == 0.0


def test_pooled_light_with_another_config_is_refused_not_trained_as_pooled(tmp_path):
    from conftest import run_folds

    manifest = tmp_path / "m" / "demo" / "pooled-light" / "speaker" / "fold1"
    manifest.mkdir(parents=True)
    (tmp_path / "w2v.pt").write_bytes(b"")
    proc = run_folds("--corpus", "demo", "--units", "pooled-light", "--config", "tiny", "--w2v", tmp_path / "w2v.pt",
                     "--manifests", tmp_path / "m", "--exp", tmp_path / "exp")
    assert proc.returncode == 2 and "pooled-light is defined by its config (configs/paper_pooled-light.yaml)" in \
        proc.stderr, proc.stderr
    assert not (tmp_path / "exp" / "pooled-light").exists()
