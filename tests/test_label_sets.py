"""Label sets beyond the paper's four (emotions.LabelPolicy.with_set, prepare.py --emotions) and the EmoBox fold
scheme (data/emobox.py, make_manifests.py --folds emobox), on stand-in trees in the releases' layouts."""
import json
import os

import pytest
from sklearn.metrics import f1_score

import corpus_trees
from conftest import run_script
from fairseq_emo.core.emotions import CLASSES, EMOTIONS, label_set, POLICIES
from fairseq_emo.data.corpora.registry import CORPORA
from fairseq_emo.data.table import read_table
from fairseq_emo.decoding.vote import accuracy_from_confusion, classes_of, confusion, macro_f1, vote

# the releases' documented class counts of their full sets (docs/corpora.md): RAVDESS speech 1440, EmoDB 535,
# CREMA-D 7442, TESS 2800, SAVEE 480, ESD 350 per speaker and emotion
FULL_TOTALS = {"ravdess": (8, 1440), "emodb": (7, 535), "cremad": (6, 7442), "tess": (7, 2800), "savee": (7, 480),
               "esd": (5, 17500), "iemocap": (10, 7532)}


def test_every_corpus_has_a_full_set_and_its_four_set_is_the_papers():
    for name, policy in POLICIES.items():
        assert policy.classes == EMOTIONS, name   # the default: unchanged
        full = policy.with_set("full")
        assert set(EMOTIONS) <= set(full.classes) and full.classes == label_set(full.classes), name
        if name in FULL_TOTALS:
            assert (len(full.classes), sum(full.counts.values())) == FULL_TOTALS[name], name
    assert POLICIES["ravdess"].with_set("full").classes == ("neu", "hap", "ang", "sad", "cal", "fea", "dis", "sur")
    assert POLICIES["emodb"].with_set("full").emotion("L") == "bor"
    assert POLICIES["tess"].with_set("full").emotion("ps") == "sur"
    assert POLICIES["msppodcast"].with_set("full").emotion("X") is None   # no agreement: no class
    assert all(len(code) == 3 and code.isalpha() for code in CLASSES)


def test_a_mapping_file_is_a_label_set_and_its_errors_name_file_and_line(tmp_path):
    mapping = tmp_path / "merge.txt"
    mapping.write_text("# anger and disgust together\nW ang\nE ang\nN neu\nT sad\nF hap\nL -\nA -\n")
    policy = POLICIES["emodb"].with_set(str(mapping))
    assert policy.emotion("E") == "ang" and policy.emotion("L") is None and policy.classes == EMOTIONS
    for text, expected in (("W ang\nX neu\n", r"merge.txt:2: EmoDB has no label 'X'"),
                           ("W angry\n", r"merge.txt:1: class 'angry' is not a class code"),
                           ("W ang\nW neu\n", r"merge.txt:2: label 'W' is mapped twice"),
                           ("W ang neu\n", r"merge.txt:1: expected"),
                           ("W -\n", r"maps no label to a class")):
        mapping.write_text(text)
        with pytest.raises(ValueError, match=expected):
            POLICIES["emodb"].with_set(str(mapping))
    mapping.write_text("W ang\nN neu\n")   # F (and the others) unmapped: an error naming the set when read
    with pytest.raises(ValueError, match=r"unknown EmoDB emotion label 'F'.*label set .*merge.txt"):
        POLICIES["emodb"].with_set(str(mapping)).emotion("F")
    with pytest.raises(ValueError, match="no such mapping file"):
        POLICIES["emodb"].with_set(str(tmp_path / "absent.txt"))


def test_prepare_keeps_every_class_with_emotions_full(tmp_path):
    root, _ = corpus_trees.ravdess(str(tmp_path / "r"), codes=corpus_trees.RAVDESS_CODES)
    four = run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "four")
    assert "per class: neu=4  hap=8  ang=8  sad=8" in four.stdout
    full = run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "full", "--emotions",
                      "full")
    table = read_table(str(tmp_path / "full" / "utterances.tsv"))
    assert {u.corpus for u in table} == {"ravdess-full"}   # its own name: never mixed with four-class results
    assert "per class: neu=4  hap=8  ang=8  sad=8  cal=8  fea=8  dis=8  sur=8" in full.stdout
    assert "neu=96  hap=192  ang=192  sad=192  cal=192  fea=192  dis=192  sur=192" in full.stdout   # the release's
    assert "dropped by the full (8-class) label policy: none" in full.stdout
    mapping = tmp_path / "calm_is_neutral.txt"
    mapping.write_text("01 neu\n02 neu\n03 hap\n04 sad\n05 ang\n06 -\n07 -\n08 -\n")
    mapped = run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "m", "--emotions",
                        mapping)
    assert "per class: neu=12  hap=8  ang=8  sad=8" in mapped.stdout
    assert {u.corpus for u in read_table(str(tmp_path / "m" / "utterances.tsv"))} == {"ravdess-labels_calmisneutral"}
    bad = run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "b", "--emotions",
                     "seven", check=False)
    assert bad.returncode == 2 and "--emotions seven: not four or full, and no such mapping file" in bad.stderr


def test_vote_matrix_and_macro_f1_follow_the_data_set():
    # a 7-class reference: rows and columns in class order, macro-F1 against scikit-learn's
    ref = {f"u{i}": e for i, e in enumerate(["neu", "hap", "ang", "sad", "fea", "dis", "bor"] * 3)}
    pred = dict(ref, u0="bor", u4="neu", u11="hap", u13="fea")
    classes = classes_of(ref, pred)
    assert classes == ("neu", "hap", "ang", "sad", "fea", "dis", "bor")
    m = confusion(ref, pred)
    assert len(m) == 7 and all(len(r) == 7 for r in m) and sum(map(sum, m)) == 21
    assert m[classes.index("neu")][classes.index("bor")] == 1
    want = 100 * f1_score([ref[u] for u in ref], [pred[u] for u in ref], average="macro")
    assert macro_f1(m) == pytest.approx(want)
    assert accuracy_from_confusion(m)["WA"] == pytest.approx(100 * 17 / 21)
    # four-class data keeps the paper's 4 x 4 matrix in its order, whatever is present
    assert classes_of({"a": "sad"}, {"a": "hap"}) == EMOTIONS and len(confusion({"a": "sad"}, {"a": "hap"})) == 4
    # the vote's last tie-break is the class order; an empty hypothesis takes the mass of the model's classes
    assert vote(["sur", "cal"]) == "cal" and vote(["fea", "hap"]) == "hap"
    assert vote([], {"neu": 0.1, "sur": 0.5, "cal": 0.4}) == "sur"


def test_four_class_results_are_what_they_were_before_label_sets(tmp_path):
    """tests/data/demo_four_class_run.tar.gz: a demo run (bash scripts/run.sh --config tiny --per-emotion 2 --
    optimization.max_update=8: bpc, utterance and pooled on folds 1-2) of commit 59b0ea2, the last before label
    sets, without checkpoints and audio, its paths as @WORK@, and the results.json that commit's report wrote
    (expected/). The report of today's code on the same decodes keeps every value of it; the only additions are each
    run's (and fold's) `classes` and `macro_f1` (the provenance, commit and package versions, is not compared)."""
    import tarfile

    from conftest import REPO
    with tarfile.open(os.path.join(REPO, "tests", "data", "demo_four_class_run.tar.gz")) as tar:
        tar.extractall(tmp_path, filter="data")
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        if "@WORK@" in text:
            path.write_text(text.replace("@WORK@", str(tmp_path)), encoding="utf-8")
    run_script("report.py", "--exp", tmp_path / "exp" / "demo")
    before = json.loads((tmp_path / "expected" / "results.json").read_text())
    after = json.loads((tmp_path / "exp" / "demo" / "report" / "results.json").read_text())
    added = []

    def same(a, b, where):
        if isinstance(a, dict):
            assert isinstance(b, dict), where
            for key in a:
                assert key in b, f"{where}/{key} is gone"
                if where + "/" + key != "/provenance":   # which commit and package versions made it: not a result
                    same(a[key], b[key], f"{where}/{key}")
            added.extend(f"{where}/{key}" for key in set(b) - set(a))
        elif isinstance(a, list):
            assert len(a) == len(b), where
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, f"{where}[{i}]")
        else:
            assert a == b, f"{where}: {a!r} before, {b!r} now"
    same(before, after, "")
    assert added and {a.rsplit("/", 1)[1] for a in added} == {"classes", "macro_f1"}
    assert all(run["classes"] == list(EMOTIONS) for run in after["schemes"]["speaker"]["runs"])


def emobox_files(out, name, table, folds):
    """EmoBox-format fold files of `table` (a list of utterances) in `folds` ([(train ids, test ids)]), with the
    releases' label values (their emo) and label_map.json, as EmoBox's data/ folder holds them."""
    by_id = {u.utt_id: u for u in table}
    names = {"neu": "Neutral", "hap": "Happy", "ang": "Angry", "sad": "Sad", "cal": "Calm", "fea": "Fearful",
             "dis": "Disgust", "sur": "Surprised"}
    os.makedirs(out / name, exist_ok=True)
    (out / name / "label_map.json").write_text(json.dumps({"Fearful": "Fear", "Surprised": "Surprise"}))
    for k, parts in enumerate(folds, start=1):
        os.makedirs(out / name / f"fold_{k}", exist_ok=True)
        for part, ids in zip(("train", "test"), parts):
            lines = [json.dumps({"key": f"{name}-{i}", "dataset": name, "wav": f"downloads/{name}/audio/Actor_x/"
                                 f"{os.path.basename(by_id[i].source_wav)}", "emo": names[by_id[i].emotion],
                                 "channel": 1}) for i in ids]
            (out / name / f"fold_{k}" / f"{name}_{part}_fold_{k}.jsonl").write_text("\n".join(lines) + "\n")
    return str(out)


def test_emobox_folds_are_reproduced_exactly_and_a_mismatch_is_refused_by_name(tmp_path):
    root, _ = corpus_trees.ravdess(str(tmp_path / "r"), actors=(1, 2, 3), codes=corpus_trees.RAVDESS_CODES)
    run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "full", "--emotions", "full")
    table = read_table(str(tmp_path / "full" / "utterances.tsv"))
    by_actor = {a: [u.utt_id for u in table if u.speaker == f"ravdess0{a}"] for a in (1, 2, 3)}
    folds = [(by_actor[2] + by_actor[3], by_actor[1]), (by_actor[1] + by_actor[3], by_actor[2]),
             (by_actor[1] + by_actor[2], by_actor[3])]
    data = emobox_files(tmp_path / "emobox", "ravdess", table, folds)

    def manifests(out, *extra, check=True):
        return run_script("make_manifests.py", "--table", tmp_path / "full" / "utterances.tsv", "--unit", "utterance",
                          "--folds", "emobox", "--emobox-data", data, "--out", out, *extra, check=check)
    manifests(tmp_path / "m")
    for k, (train, test) in enumerate(folds, start=1):
        fold = tmp_path / "m" / f"fold{k}"
        assert [line.split("\t")[0] for line in (fold / "test.utt").read_text().split("\n") if line] == test
        assert {line.split("\t")[0] for line in (fold / "train.utt").read_text().split("\n") if line} == set(train)
        record = json.loads((fold / "fold.json").read_text())
        assert record["scheme"] == "emobox" and record["test_group"] == f"fold{k}"
        assert record["emobox_data"] == data
    assert len((tmp_path / "m" / "fold1" / "dict.utterance.txt").read_text().split("\n")) - 1 == 8   # UTT x 8

    # refused by name: a file the table lacks, an utterance no fold lists, a label that disagrees
    extra = tmp_path / "emobox" / "ravdess" / "fold_1" / "ravdess_test_fold_1.jsonl"
    good = extra.read_text()
    extra.write_text(good + json.dumps({"wav": "downloads/ravdess/Actor_09/03-01-05-01-01-01-09.wav",
                                        "emo": "Angry"}) + "\n")
    bad = manifests(tmp_path / "x1", check=False)
    assert bad.returncode == 2 and "1 file(s) of EmoBox's ravdess folds are not in the table" in bad.stderr
    assert f"{extra}:{len(folds[0][1]) + 1}: downloads/ravdess/Actor_09/03-01-05-01-01-01-09.wav" in bad.stderr
    extra.write_text("\n".join(good.split("\n")[1:]))   # its first test file dropped from every list
    bad = manifests(tmp_path / "x2", check=False)
    assert bad.returncode == 2 and "is in neither list of an EmoBox ravdess fold" in bad.stderr
    assert f"{folds[0][1][0]} (fold 1)" in bad.stderr
    lines = good.split("\n")
    first = json.loads(lines[0])
    first["emo"] = "Sad" if first["emo"] != "Sad" else "Happy"
    extra.write_text("\n".join([json.dumps(first)] + lines[1:]))
    bad = manifests(tmp_path / "x3", check=False)
    assert bad.returncode == 2 and f"{extra}:1:" in bad.stderr and "not the same labelling" in bad.stderr
    extra.write_text(good)
    # a four-class table misses EmoBox's other classes: the error says to prepare the full set
    run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "four")
    bad = run_script("make_manifests.py", "--table", tmp_path / "four" / "utterances.tsv", "--unit", "utterance",
                     "--folds", "emobox", "--emobox-data", data, "--out", tmp_path / "x4", check=False)
    assert bad.returncode == 2 and "--emotions full?" in bad.stderr


def test_emobox_covers_the_registry():
    from fairseq_emo.data.corpora.registry import emobox_name
    held = [c.name for c in CORPORA.values() if "emobox" in c.schemes]
    assert {"iemocap", "ravdess", "emodb", "cremad", "tess", "savee", "msppodcast"} <= set(held)
    assert emobox_name("ravdess-full") == "ravdess" and emobox_name("iemocap") == "iemocap"
    with pytest.raises(ValueError, match="EmoBox has no folds of KSUEmotions"):
        emobox_name("ksu")


@pytest.mark.e2e
def test_an_eight_class_ravdess_run_on_emobox_folds_trains_reports_predicts_and_exports(tiny_w2v, tmp_path):
    """run.sh --emotions full --folds emobox on a RAVDESS-shaped tree (tones: the layout, not speech): train,
    decode, vote, report (Table 2 8 x 8, macro-F1, EmoBox's protocol stated); predict and the transformers export
    of the 8-class model name its eight classes."""
    import subprocess
    import sys

    import soundfile
    from transformers import pipeline

    from conftest import REPO
    from fairseq_emo import cli
    from fairseq_emo.serving.predict import Predictor

    require_sctk()
    root, _ = corpus_trees.ravdess(str(tmp_path / "r"), actors=(1, 2, 3), codes=corpus_trees.RAVDESS_CODES)
    run_script("prepare.py", "--corpus", "ravdess", "--data", root, "--out", tmp_path / "t", "--emotions", "full")
    table = read_table(str(tmp_path / "t" / "utterances.tsv"))
    by_actor = {a: [u.utt_id for u in table if u.speaker == f"ravdess0{a}"] for a in (1, 2, 3)}
    data = emobox_files(tmp_path / "emobox", "ravdess", table, [(by_actor[2] + by_actor[3], by_actor[1]),
                                                                 (by_actor[1] + by_actor[3], by_actor[2]),
                                                                 (by_actor[1] + by_actor[2], by_actor[3])])
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), "--corpus", "ravdess", "--emotions", "full",
                           "--folds", "emobox", "--emobox-data", data, "--data", root, "--w2v", tiny_w2v, "--work",
                           str(tmp_path / "w"), "--units", "bpc", "--train-folds", "1", "--config", "tiny",
                           "--stop-stage", "7", "--", "optimization.max_update=4"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), "--corpus", "ravdess", "--emotions", "full",
                           "--folds", "emobox", "--emobox-data", data, "--data", root, "--w2v", tiny_w2v, "--work",
                           str(tmp_path / "w"), "--units", "bpc", "--train-folds", "1", "--config", "tiny",
                           "--stage", "9"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RESULT corpus=ravdess-full unit=bpc folds=emobox" in proc.stdout
    exp = tmp_path / "w" / "exp" / "ravdess-full"
    fold = exp / "bpc.emobox" / "fold1"
    words = (tmp_path / "w" / "manifests" / "ravdess-full" / "bpc" / "emobox" / "fold1" / "dict.bpc.txt").read_text()
    assert {t.split()[0].rsplit("_", 1)[1] for t in words.splitlines()} == set(FULL_RAVDESS)
    report = (exp / "report" / "report.md").read_text()
    assert "| target \\ predicted | " + " | ".join(CLASSES[e] for e in FULL_RAVDESS) + " |" in report
    assert "EmoBox's published test set of the fold" in report and "macro-F1" in report
    run = json.loads((exp / "report" / "results.json").read_text())["schemes"]["emobox"]["runs"][0]
    assert run["classes"] == list(FULL_RAVDESS) and len(run["confusion"]) == 8 and run["n"] == 30
    assert sum(map(sum, run["confusion"])) <= 30 and run["macro_f1"] is not None

    # predict: the model's own eight classes in its scores and csv columns
    checkpoint = str(fold / "checkpoints" / "checkpoint_last.pt")
    predictor = Predictor.from_checkpoint(checkpoint, "cpu")
    assert predictor.classes == FULL_RAVDESS
    wav = table[0].wav
    record = predictor.predict_file(wav)
    assert list(record["scores"]) == list(FULL_RAVDESS)
    batch = predictor.classify_batch([soundfile.read(wav, dtype="float32")[0]])
    assert tuple(batch.probs.shape) == (1, 8)
    out_csv = tmp_path / "pred.csv"
    assert cli.main(["predict", "--checkpoint", checkpoint, "--format", "csv", "--out", str(out_csv), wav]) == 0
    assert "vote_share_sur" in out_csv.read_text().splitlines()[0]
    # export: id2label is the model's set, and the pipeline ranks eight labels as predict scores them
    out = tmp_path / "hf"
    assert cli.main(["export", "--checkpoint", checkpoint, "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(8)] == list(FULL_RAVDESS)
    answer = pipeline("audio-classification", model=str(out), trust_remote_code=True, top_k=8)(wav)
    assert {a["label"] for a in answer} <= set(FULL_RAVDESS) | {"no_speech"}
    if record["emotion"]:
        assert answer[0]["label"] == record["emotion"]
    assert "8 classes" in (out / "README.md").read_text()


FULL_RAVDESS = ("neu", "hap", "ang", "sad", "cal", "fea", "dis", "sur")


def require_sctk():
    from conftest import require_tool
    require_tool("sctk", "apt-get install sctk")


def test_run_sh_plans_label_sets_and_emobox_folds(tmp_path):
    from fairseq_emo.recipe.options import parse, RecipeError
    from fairseq_emo.recipe.plan import DEMO_JOBS, run_plan

    common = ["--corpus", "ravdess", "--data", "/x", "--w2v", "/w", "--work", str(tmp_path)]
    plan = run_plan(parse("run.sh", common + ["--emotions", "full", "--folds", "emobox", "--emobox-data",
                                              str(tmp_path)]))
    assert plan["name"] == "ravdess-full" and plan["emotions"] == "full"
    assert plan["table"] == str(tmp_path / "data" / "ravdess-full" / "utterances.tsv")
    assert plan["scheme_options"]["emobox"] == f"--emobox-data {tmp_path}"
    for args, message in ((["--folds", "emobox"], "--folds emobox needs --emobox-data DIR"),
                          (["--emobox-data", str(tmp_path)], "--emobox-data applies to --folds emobox"),
                          (["--emotions", str(tmp_path / "none.txt")], "no such mapping file")):
        with pytest.raises(RecipeError, match=message):
            run_plan(parse("run.sh", common + args))
    with pytest.raises(RecipeError, match="EmoBox publishes no folds of mandarin"):
        run_plan(parse("run.sh", ["--corpus", "mandarin", "--data", "/x", "--w2v", "/w", "--folds", "emobox",
                                  "--emobox-data", str(tmp_path)]))
    # the demo's folds go two at a time unless --jobs says otherwise; a paper run's pool is the user's
    assert run_plan(parse("run.sh", []))["fold_loop"][-2:] == ["--jobs", str(DEMO_JOBS)]
    assert run_plan(parse("run.sh", ["--jobs", "1"]))["fold_loop"][-2:] == ["--jobs", "1"]
    assert "--jobs" not in run_plan(parse("run.sh", common))["fold_loop"]
