"""The demo corpus goes through the real IEMOCAP reader and every unit type x fold scheme, via run.sh."""
import json
import os
import subprocess
import sys

import pytest
import soundfile

from conftest import REPO
from fairseq_emo.data.corpora.iemocap import read_iemocap
from fairseq_emo.data.demo_corpus import plan_turns

pytestmark = pytest.mark.e2e  # real training / recipe runs: the end-to-end tier


def test_demo_tree_is_iemocap_shaped_and_deterministic(demo_tree, tmp_path):
    result = read_iemocap(demo_tree)
    assert result.corpus == "demo" and not result.problems
    assert result.dropped_labels == {"fru": 10, "xxx": 10}
    speakers = {u.speaker for u in result.utterances}
    assert speakers == {f"Ses0{s}{g}" for s in range(1, 6) for g in "FM"}
    assert len(result.utterances) == 10 * (4 * 2 + 2)
    assert sum(1 for u in result.utterances if not u.words) == 10  # one laughter turn per speaker
    info = soundfile.info(result.utterances[0].wav)
    assert (info.samplerate, info.channels) == (16000, 1)
    assert plan_turns(2) == plan_turns(2)
    # the same turn synthesised again is byte-identical
    from fairseq_emo.data.demo_corpus import make_demo_corpus
    again = make_demo_corpus(str(tmp_path), per_emotion=2)
    a = os.path.join(demo_tree, "Session3", "sentences", "wav", "Ses03M_impro02", "Ses03M_impro02_F000.wav")
    b = os.path.join(again, "Session3", "sentences", "wav", "Ses03M_impro02", "Ses03M_impro02_F000.wav")
    assert open(a, "rb").read() == open(b, "rb").read()


def test_run_sh_prepares_all_units_and_schemes(demo_tree, tmp_path):
    env = dict(os.environ, PYTHON=sys.executable)
    cmd = ["bash", os.path.join(REPO, "scripts", "run.sh"), "--data", os.path.dirname(demo_tree), "--work",
           str(tmp_path), "--stop-stage", "2", "--folds", "speaker dialog session scenario"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "stage 0" in proc.stderr and "skipped" in proc.stderr  # the corpus already existed
    for unit in ("phoneme", "bpc", "syllable", "utterance", "pooled"):
        for scheme, n in (("speaker", 10), ("dialog", 10), ("session", 5), ("scenario", 10)):
            d = tmp_path / "manifests" / "demo" / unit / scheme
            assert len([x for x in os.listdir(d) if x.startswith("fold") and (d / x).is_dir()]) == n, d
            assert os.path.getsize(d / f"fold{n}" / f"test.{unit}") > 0
    # a second run skips finished stages and leaves folds unchanged
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "stage 1:" in proc.stderr and "exists, skipped" in proc.stderr
    assert "[written]" not in proc.stdout and "[unchanged]" in proc.stdout
    # the improvised-only protocol: its own scheme dirs beside the full ones, only improvised dialogs in them
    proc = subprocess.run(cmd[:-2] + ["--units", "bpc", "--subset", "improvised"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    d = tmp_path / "manifests" / "demo" / "bpc" / "speaker-improvised"
    tested = [line.split()[0] for k in range(1, 11) for line in open(d / f"fold{k}" / "test.utt")]
    assert tested and all("_impro" in u for u in tested)
    assert json.load(open(d / "fold1" / "fold.json"))["subset"] == "improvised"



def test_run_sh_bpc_set_trains_the_variant(demo_tree, tmp_path):
    # --bpc-set writes manifests/<corpus>/bpc-<set>/...; training and the later stages must use those folds
    env = dict(os.environ, PYTHON=sys.executable)
    cmd = ["bash", os.path.join(REPO, "scripts", "run.sh"), "--data", os.path.dirname(demo_tree), "--work",
           str(tmp_path), "--stage", "1", "--stop-stage", "4", "--units", "bpc", "--bpc-set", "cv2 sonority5 place5",
           "--train-units", "bpc", "--train-folds", "1", "--config", "tiny", "--", "optimization.max_update=2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not (tmp_path / "manifests" / "demo" / "bpc").exists()
    done = open(tmp_path / "exp" / "demo" / "bpc-cv2" / "fold1" / "DONE").read()
    assert f"data={tmp_path}/manifests/demo/bpc-cv2/speaker/fold1" in done
    # two sets asked for: one run each (the BPC set search), the second trained too
    assert (tmp_path / "exp" / "demo" / "bpc-sonority5" / "fold1" / "DONE").is_file()
    # a user-defined set (configs/bpc_sets/place5.tsv) goes the same way, its definition recorded in fold.json
    assert (tmp_path / "exp" / "demo" / "bpc-place5" / "fold1" / "DONE").is_file()
    record = json.load(open(tmp_path / "manifests" / "demo" / "bpc-place5" / "speaker" / "fold1" / "fold.json"))
    assert record["bpc_classes"]["POST"] == ["CH", "JH", "SH", "Y", "ZH"]
    assert "bpc_classes" not in json.load(open(tmp_path / "manifests" / "demo" / "bpc-cv2" / "speaker" / "fold1"
                                               / "fold.json"))   # built-in sets are named, not copied
    dictionary = open(tmp_path / "manifests" / "demo" / "bpc-cv2" / "speaker" / "fold1" / "dict.bpc.txt").read()
    assert {line.split("_")[0] for line in dictionary.split()[::2]} == {"C", "V", "NSN"}
