"""fairseq-emo export: a trained fold -> a transformers model directory that computes what fairseq computes
(logits within 1e-4, identical greedy units), usable offline and by predict without fairseq's pickles."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

pytestmark = pytest.mark.e2e  # a real fine-tuned checkpoint (the session's shared training)

CLI = os.path.join(os.path.dirname(sys.executable), "fairseq-emo")
OFFLINE = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def test_export_matches_fairseq_and_predicts_without_fairseq_pickles(tiny_finetuned, demo_manifests, tmp_path,
                                                                     monkeypatch, capsys):
    import fairseq  # noqa: F401

    from fairseq_emo import cli

    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "hf"
    assert cli.main(["export", "--checkpoint", tiny_finetuned, "--out", str(out)]) == 0   # the command, in-process
    assert {"config.json", "model.safetensors", "vocab.json", "preprocessor_config.json", "README.md"} <= set(
        os.listdir(out))
    capsys.readouterr()
    assert cli.main(["export", "--checkpoint", tiny_finetuned, "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err   # nothing is overwritten

    from transformers import Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC, Wav2Vec2PhonemeCTCTokenizer

    from fairseq_emo.decoding.ctc_greedy import greedy_ctc
    from fairseq_emo.training.fine_tuned import load_model

    fs_model, task = load_model(tiny_finetuned, None, "cpu")
    hf_model = Wav2Vec2ForCTC.from_pretrained(out, local_files_only=True).eval()
    tokenizer = Wav2Vec2PhonemeCTCTokenizer.from_pretrained(out, local_files_only=True)
    extractor = Wav2Vec2FeatureExtractor.from_pretrained(out, local_files_only=True)
    # the vocabulary is the emotion-unit dictionary, id for id; blank = pad = 0; the checkpoint's normalize
    assert tokenizer.convert_ids_to_tokens(list(range(len(task.target_dictionary)))) == task.target_dictionary.symbols
    # (the phone delimiter ' ', which joins decoded units, is an added token after them that no logit can emit)
    assert tokenizer.vocab_size == len(task.target_dictionary) and hf_model.config.pad_token_id == 0
    assert set(tokenizer.get_vocab()) - set(task.target_dictionary.symbols) <= {" "}
    assert extractor.do_normalize == bool(task.cfg.normalize)
    # the same audio through both: a few test utterances of the demo fold
    lines = (Path(demo_manifests) / "demo/bpc/speaker/fold1/test.tsv").read_text().splitlines()
    root, wavs = lines[0], [l.split("\t")[0] for l in lines[1:4]]
    emitted = 0
    for rel in wavs:
        x, _ = soundfile.read(os.path.join(root, rel), dtype="float32")
        with torch.no_grad():
            fs = fs_model(source=torch.from_numpy(x)[None], padding_mask=None)["encoder_out"][:, 0]
            features = extractor(x, sampling_rate=16000, return_tensors="pt")
            hf = hf_model(features.input_values).logits[0]
        assert fs.shape == hf.shape and (fs - hf).abs().max().item() < 1e-4
        units_fs = [u.index for u in greedy_ctc(fs.log_softmax(-1), task.target_dictionary.nspecial)]
        units_hf = [u.index for u in greedy_ctc(hf.log_softmax(-1), task.target_dictionary.nspecial)]
        assert units_fs == units_hf
        emitted += len(units_fs)
    assert emitted, "no unit emitted: the unit comparison would be trivial"
    # the model card states what the model is, from the checkpoint's record
    card = (out / "README.md").read_text()
    assert "synthetic demo corpus" in card and "bpc" in card and "pipeline_tag" in card
    # predict and info accept the exported directory, offline, with the same results as the checkpoint
    wav = os.path.join(root, wavs[0])
    from fairseq_emo.serving.predict import Predictor

    ra = Predictor.from_checkpoint(tiny_finetuned, "cpu").predict_file(wav)
    b = subprocess.run([CLI, "predict", "--checkpoint", out, wav, "--no-progress"], capture_output=True, text=True,
                       env=OFFLINE)
    assert b.returncode == 0, b.stderr
    rb = json.loads(b.stdout)
    assert ra["emotion"] == rb["emotion"] and [c["units"] for c in ra["chunks"]] == [c["units"] for c in rb["chunks"]]
    assert np.allclose([ra["scores"][e]["mass_share"] for e in ra["scores"]],
                       [rb["scores"][e]["mass_share"] for e in rb["scores"]], atol=1e-3)
    assert rb["model"]["corpus"] == "demo" and "synthetic demo corpus" in b.stderr
    info = subprocess.run([CLI, "info", out, "--json"], capture_output=True, text=True)
    assert info.returncode == 0 and json.loads(info.stdout)["unit"] == "bpc"


def test_transformers_pipelines_give_the_emotion_and_the_units_of_fairseq_emo_predict(tiny_finetuned, demo_manifests,
                                                                                     tmp_path, monkeypatch):
    """The exported directory alone: pipeline('audio-classification', trust_remote_code=True) gives predict's
    emotion and its scores (vote share, or mass share when nothing was decoded) at 16 and 48 kHz; the ASR pipeline
    gives the units space-separated; without trust_remote_code transformers refuses instead of a random head."""
    import soxr
    from transformers import pipeline

    from fairseq_emo import cli
    from fairseq_emo.serving.predict import Predictor

    for name, value in dict(OFFLINE, HF_HOME=str(tmp_path / "hf_home")).items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "hf"
    assert cli.main(["export", "--checkpoint", tiny_finetuned, "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "fairseq_emo_wav2vec2" and config["id2label"] == {
        "0": "neu", "1": "hap", "2": "ang", "3": "sad"}
    card = (out / "README.md").read_text()
    assert "pipeline_tag: audio-classification" in card and "license: mit" in card and "model-index" not in card
    assert str(tmp_path) not in card and "/work/" not in card.split("How it was made")[1][:40]
    from huggingface_hub import ModelCard

    from fairseq_emo.core.repo import REPO_ROOT
    loaded = ModelCard.load(str(out / "README.md"))   # the Hub's own parser reads the front matter
    assert loaded.data.pipeline_tag == "audio-classification" and loaded.data.license == "mit"
    assert "bash scripts/run.sh --corpus demo " in card   # how to make it again: the recipe's command
    for name in os.listdir(out):   # no path of the training machine anywhere in the folder
        if name.endswith((".json", ".md", ".txt", ".py")):
            text = (out / name).read_text()
            assert REPO_ROOT not in text and str(Path(tiny_finetuned).parent) not in text, name
    lines = (Path(demo_manifests) / "demo/bpc/speaker/fold1/test.tsv").read_text().splitlines()
    root, wavs = lines[0], [os.path.join(lines[0], l.split("\t")[0]) for l in lines[1:5]]
    emotion = pipeline("audio-classification", model=str(out), trust_remote_code=True)
    units = pipeline("automatic-speech-recognition", model=str(out), trust_remote_code=True)
    predictor = Predictor.from_checkpoint(tiny_finetuned, "cpu")
    decoded = 0
    for i, wav in enumerate(wavs):
        x, rate = soundfile.read(wav, dtype="float32")
        if i % 2:  # the same audio at 48 kHz, read by both from a file
            x = soxr.resample(x, rate, 48000, quality="VHQ").astype(np.float32)
            wav = str(tmp_path / f"u{i}_48k.wav")
            soundfile.write(wav, x, 48000, subtype="FLOAT")
        ours = predictor.predict_file(wav)
        theirs = emotion(wav)
        same_answer(theirs, ours, wav)
        if i % 2 == 0:
            text = units({"raw": x, "sampling_rate": 16000})["text"]
            assert text.split() == ours["chunks"][0]["units"].split()
            decoded += len(text.split())
    assert decoded, "no unit decoded: the unit comparison would be trivial"
    with pytest.raises(ValueError, match="trust_remote_code"):
        pipeline("audio-classification", model=str(out))
    # batched and long inputs: speech of different lengths, a 30-s recording (two chunks) and 3 s of silence;
    # batch_size 1 = 4 = predict, and chunk_length_s cuts as predict's chunk_seconds does
    speech = [soundfile.read(w, dtype="float32")[0] for w in wavs]
    long_one = np.concatenate(speech * int(30 * 16000 / sum(map(len, speech)) + 1))[:30 * 16000]
    inputs = speech + [long_one, np.zeros(3 * 16000, np.float32)]
    one = emotion([{"raw": x, "sampling_rate": 16000} for x in inputs], batch_size=1)
    four = emotion([{"raw": x, "sampling_rate": 16000} for x in inputs], batch_size=4)
    for x, a, b in zip(inputs, one, four):
        ours = predictor.predict_array(x, 16000)
        same_answer(a, ours, len(x))
        same_answer(b, ours, len(x))
    assert len(predictor.predict_array(long_one, 16000)["chunks"]) == 2   # the 30-s input was cut as predict cuts
    # progress moves chunk by chunk inside one long file (the CLI's bar counts seconds of audio)
    soundfile.write(str(tmp_path / "long.wav"), long_one, 16000)
    seen = []
    list(predictor.stream_files([("long", str(tmp_path / "long.wav"))], progress=seen.append))
    assert len(seen) == 2 and abs(sum(seen) - 30.0) < 1e-3
    short = emotion({"raw": long_one, "sampling_rate": 16000}, chunk_length_s=8)
    ours = predictor.predict_array(long_one, 16000, chunk_seconds=8)
    assert len(ours["chunks"]) >= 4   # 8-s chunks, each cut in its last quarter
    same_answer(short, ours, "chunk_length_s=8")


def same_answer(theirs, ours, what):
    """The pipeline's answer for one input is predict's: its emotion with the vote shares as scores, or, where no
    unit was decoded, 'no_speech' (predict: emotion null, no_speech true)."""
    if ours["no_speech"]:
        assert theirs == [{"score": 1.0, "label": "no_speech"}], (what, theirs)
        return
    assert theirs[0]["label"] == ours["emotion"], (what, theirs, ours["scores"])
    got = {r["label"]: r["score"] for r in theirs}
    assert all(abs(got[e] - ours["scores"][e]["vote_share"]) < 2e-3 for e in ours["scores"]), (what, got, ours)


BLOCKER = """
import sys
# these packages are made to look absent, as in an inference-only install: every finder finds nothing for them
BLOCKED = ("fairseq", "opensmile", "g2p_en", "nltk", "pypinyin", "submitit", "hydra_plugins")
class Hide:
    def __init__(self, finder):
        self.finder = finder
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            return None
        find = getattr(self.finder, "find_spec", None)
        return find(name, path, target) if find else None
    def __getattr__(self, attr):
        return getattr(self.finder, attr)
sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
from fairseq_emo import cli
code = cli.main(sys.argv[1:])
assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
sys.exit(code)
"""


def test_inference_only_install_predicts_from_an_exported_directory(tiny_finetuned, demo_manifests, tmp_path):
    """The base install (`pip install .` = `.[predict]`) has no fairseq, G2P, openSMILE or submitit, and
    predicting from an exported directory needs none of them: run here with those imports made to fail."""
    import ast

    from conftest import REPO
    from fairseq_emo import cli

    tree = ast.parse(open(os.path.join(REPO, "setup.py")).read())
    values = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}
    base = ast.literal_eval(values["PREDICT_DEPS"])
    assert not {"fairseq", "opensmile", "g2p_en", "nltk", "pypinyin", "panphon", "hydra-submitit-launcher"} & set(base)
    out = tmp_path / "hf"
    assert cli.main(["export", "--checkpoint", tiny_finetuned, "--out", str(out)]) == 0
    lines = (Path(demo_manifests) / "demo/bpc/speaker/fold1/test.tsv").read_text().splitlines()
    wav = os.path.join(lines[0], lines[1].split("\t")[0])
    proc = subprocess.run([sys.executable, "-c", BLOCKER, "predict", "--checkpoint", str(out), wav, "--no-progress"],
                          capture_output=True, text=True, env=OFFLINE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["file"] == wav
    # the oracle of the hiding: a fairseq checkpoint does need fairseq, and is refused under it
    proc = subprocess.run([sys.executable, "-c", BLOCKER, "predict", "--checkpoint", tiny_finetuned, wav,
                           "--no-progress"], capture_output=True, text=True, env=OFFLINE)
    assert proc.returncode == 2 and "needs the recipe install" in proc.stderr and "Traceback" not in proc.stderr
    # info and export on a .pt say the same, not "a crafted file" (the allowlisted fairseq class is just absent)
    for command in (["info", tiny_finetuned], ["export", "--checkpoint", tiny_finetuned, "--out", str(tmp_path / "x")]):
        proc = subprocess.run([sys.executable, "-c", BLOCKER, *command], capture_output=True, text=True, env=OFFLINE)
        assert proc.returncode == 2 and "needs the recipe install" in proc.stderr, (command, proc.stderr)
        assert "crafted" not in proc.stderr and "Traceback" not in proc.stderr
