"""Other pre-trained models: wav2vec 2.0 LV-60/XLS-R and HuBERT Large checkpoints (random weights, saved in the
real files' formats) fine-tuned through run_folds.sh, decoded and used by predict on CPU; the checkpoint's own
config decides model._name and task.normalize, and a mismatch stops before training."""
import json
import os

import numpy as np
import pytest
import soundfile

from conftest import TINY_FIXTURE_ARGS, run_folds, run_script

BACKBONE_OF = {"libri960": "libri960", "lv60": "lv60", "hubert": "hubert_large"}


@pytest.fixture(scope="module")
def pretrained_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pretrained")
    for fmt in BACKBONE_OF:
        run_script("make_w2v_checkpoint.py", "--size", "tiny", "--format", fmt, "--out", d / f"{fmt}.pt")
    return d


def test_the_checkpoint_decides_model_and_normalize(pretrained_files):
    from fairseq_emo.training import pretrained
    from fairseq_emo.training.recipe_config import compose_recipe

    facts = {fmt: pretrained.read(str(pretrained_files / f"{fmt}.pt")) for fmt in BACKBONE_OF}
    assert [(f.kind, f.normalize, f.layer_norm_first) for f in facts.values()] == \
        [("wav2vec2", False, False), ("wav2vec2", True, True), ("hubert", True, True)]
    assert len(facts["hubert"].task_state["dictionaries"][0]) == 4 + 500   # the k-means labels travel with it
    for fmt, backbone in BACKBONE_OF.items():
        path = str(pretrained_files / f"{fmt}.pt")
        for other in set(BACKBONE_OF.values()) | {"xlsr"}:
            cfg = compose_recipe("paper_bpc", [f"backbone={other}", "task.data=/d", f"model.w2v_path={path}",
                                               "common.user_dir=/u"])
            if other == backbone or {other, backbone} == {"xlsr", "lv60"}:
                pretrained.check(path, cfg.model._name, cfg.task.normalize)   # the matching config passes
                continue
            with pytest.raises(ValueError, match=r"use backbone=") as err:
                pretrained.check(path, cfg.model._name, cfg.task.normalize)
            assert path in str(err.value)
    # libri960_big.pt may be a legacy (pre-zip) torch file: read all the same; anything else is a clear error
    import torch

    state = torch.load(str(pretrained_files / "libri960.pt"), weights_only=False)
    torch.save(state, str(pretrained_files / "legacy.pt"), _use_new_zipfile_serialization=False)
    assert pretrained.read(str(pretrained_files / "legacy.pt")).kind == "wav2vec2"
    (pretrained_files / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read as a torch checkpoint"):
        pretrained.check(str(pretrained_files / "junk.pt"), "wav2vec_ctc", False)
    torch.save({"cfg": {"task": {"_name": "emotion_unit_finetuning", "normalize": False},
                        "model": {"_name": "wav2vec_ctc", "w2v_path": "/m/libri960_big.pt", "w2v_args": {}}},
                "model": {}}, str(pretrained_files / "finetuned.pt"))
    with pytest.raises(ValueError, match="already fine-tuned"):
        pretrained.check(str(pretrained_files / "finetuned.pt"), "wav2vec_ctc", False)
    # the paper's default is libri960_big.pt's
    default = compose_recipe("paper_phoneme", ["task.data=/d", "model.w2v_path=/w", "common.user_dir=/u"])
    assert (default.model._name, default.task.normalize) == ("wav2vec_ctc", False)


@pytest.mark.e2e
@pytest.mark.parametrize("fmt", ["lv60", "hubert"])
def test_backbone_fine_tunes_decodes_and_predicts(fmt, pretrained_files, demo_manifests, tmp_path):
    w2v = tmp_path / f"{fmt}.pt"
    w2v.write_bytes((pretrained_files / f"{fmt}.pt").read_bytes())
    exp = tmp_path / "exp" / "demo"
    proc = run_folds(*TINY_FIXTURE_ARGS, "--w2v", w2v, "--manifests", demo_manifests, "--exp", exp, "--",
                     f"backbone={BACKBONE_OF[fmt]}", "optimization.max_update=6")
    assert proc.returncode == 0, proc.stderr
    fold = exp / "bpc" / "fold1"
    assert f"model._name={'wav2vec_ctc' if fmt == 'lv60' else 'emotion_hubert_ctc'}" in \
        (fold / "train.log").read_text()   # check_fold.py's line: the checkpoint and the config agree
    w2v.unlink()   # decoding and predict need only the fine-tuned checkpoint
    run_script("decode.py", "--fold-exp", fold, "--no-progress")
    n_test = sum(1 for _ in open(os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1", "test.tsv"))) - 1
    units = [json.loads(line) for line in open(fold / "decode_test" / "units.jsonl")]
    assert len(units) == n_test and all(set(u["emotion_mass"]) == {"neu", "hap", "ang", "sad"} for u in units)
    ckpt = fold / "checkpoints" / "checkpoint_last.pt"
    audio = tmp_path / "noise.wav"
    soundfile.write(audio, (0.05 * np.random.default_rng(0).standard_normal(44100 * 3)).astype(np.float32), 44100)

    import fairseq  # noqa: F401
    import torch

    from fairseq_emo.decoding import inference
    from fairseq_emo.serving.hf_export import export
    from fairseq_emo.serving.predict import Predictor

    record = Predictor.from_checkpoint(str(ckpt), "cpu").predict_file(str(audio))
    # a verdict either way: an emotion, or (noise through a 40-update model) no unit decoded and no emotion
    assert (record["emotion"] in ("neu", "hap", "ang", "sad")) != record["no_speech"] and record["resampled"], record

    if fmt == "hubert":   # only wav2vec 2.0 maps onto Wav2Vec2ForCTC: refused before anything is written
        with pytest.raises(ValueError, match="only wav2vec 2.0 models export"):
            export(str(ckpt), str(tmp_path / "hf"))
        assert not (tmp_path / "hf").exists()
        return
    # LV-60/XLS-R export as transformers' stable-layer-norm Wav2Vec2ForCTC, normalisation included
    fs, hf = Predictor.from_checkpoint(str(ckpt), "cpu"), Predictor.from_checkpoint(export(str(ckpt), str(tmp_path / "hf")), "cpu")
    assert fs.normalize and hf.normalize
    waves = [0.1 * torch.randn(n, generator=torch.Generator().manual_seed(n)) for n in (16000, 4000)]
    for a, b in zip(inference.forward(fs.model, waves, True, "cpu"), inference.forward(hf.model, waves, True, "cpu")):
        assert a.shape == b.shape and (a - b).abs().max() < 1e-4


@pytest.mark.e2e
def test_mismatched_backbone_stops_before_training(pretrained_files, demo_manifests, tmp_path):
    """run_folds.sh stops at check_fold.py; a direct fairseq run is stopped by the task, before building."""
    exp = tmp_path / "exp" / "demo"
    proc = run_folds(*TINY_FIXTURE_ARGS, "--w2v", pretrained_files / "lv60.pt", "--manifests", demo_manifests,
                     "--exp", exp)
    assert proc.returncode == 1
    assert "pre-trained with normalize=True" in proc.stderr and "use backbone=lv60" in proc.stderr, proc.stderr
    assert "FAILED before training" in proc.stderr and not (exp / "bpc" / "fold1" / "checkpoints").exists()

    import fairseq  # noqa: F401
    from fairseq import tasks

    from fairseq_emo.training.fairseq_plugin.task import EmotionTaskError
    from fairseq_emo.training.recipe_config import compose_recipe

    data = os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1")
    cfg = compose_recipe("tiny", [f"task.data={data}", f"model.w2v_path={pretrained_files / 'hubert.pt'}",
                                  "common.user_dir=/u"], with_defaults=True)
    task = tasks.setup_task(cfg.task)
    with pytest.raises(EmotionTaskError, match=r"is a hubert checkpoint.*use backbone=hubert_large"):
        task.build_model(cfg.model)
