import filecmp
import json
import os

import pytest

from conftest import run_script
from fairseq_emo.data.table import read_table
from iemocap_tree import default_turns, make_tree


@pytest.fixture()
def table(tmp_path):
    make_tree(str(tmp_path / "corpus"), default_turns(per_speaker=8))
    run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "corpus", "--out", tmp_path / "prep")
    return str(tmp_path / "prep" / "utterances.tsv")


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


@pytest.mark.parametrize("scheme, n_folds", [("speaker", 4), ("dialog", 4), ("session", 2)])
def test_fold_files_and_invariants(tmp_path, table, scheme, n_folds):
    out = tmp_path / "m"
    run_script("make_manifests.py", "--table", table, "--unit", "phoneme", "--folds", scheme, "--out", out)
    utts = {u.utt_id: u for u in read_table(table)}
    folds = sorted(d for d in os.listdir(out) if d.startswith("fold") and (out / d).is_dir())
    assert folds == [f"fold{k}" for k in range(1, n_folds + 1)]
    for fold in folds:
        d = out / fold
        info = json.load(open(d / "fold.json"))
        dictionary = [line.split()[0] for line in read_lines(d / "dict.phoneme.txt")]
        assert len(dictionary) == (39 + 1) * 4
        ids_by_split = {}
        for split in ("train", "valid", "test"):
            manifest = read_lines(d / f"{split}.tsv")
            labels = read_lines(d / f"{split}.phoneme")
            ids = [line.split("\t")[0] for line in read_lines(d / f"{split}.utt")]
            assert len(manifest) - 1 == len(labels) == len(ids) > 0
            for entry, label, utt_id in zip(manifest[1:], labels, ids):
                relpath, frames = entry.split("\t")
                u = utts[utt_id]
                assert os.path.join(manifest[0], relpath) == u.wav and int(frames) == u.frames
                assert all(tok in dictionary for tok in label.split())
                assert {tok.rsplit("_", 1)[1] for tok in label.split()} == {u.emotion}
            ids_by_split[split] = set(ids)
        assert not (ids_by_split["train"] & ids_by_split["test"]) and not (ids_by_split["valid"] & ids_by_split["test"])
        # validation policy monitor (default, the paper): valid is drawn from train, which keeps it
        assert ids_by_split["valid"] <= ids_by_split["train"] and info["valid_policy"] == "monitor"
        assert ids_by_split["train"] | ids_by_split["test"] == set(utts)
        group = info["test_group"]
        if scheme == "speaker":
            assert {utts[i].speaker for i in ids_by_split["test"]} == {group}
            assert group not in {utts[i].speaker for i in ids_by_split["train"] | ids_by_split["valid"]}
        if scheme == "dialog":  # the authors' split: test speakers are also heard in training
            assert {utts[i].dialog.split("_")[0] for i in ids_by_split["test"]} == {group}
            assert {utts[i].speaker for i in ids_by_split["test"]} & {utts[i].speaker for i in ids_by_split["train"]}
        assert info["scheme"] == scheme and info["counts"]["test"] == len(ids_by_split["test"])
    index = read_lines(out / "folds.tsv")
    assert len(index) == n_folds + 1


def test_all_unit_types_and_dictionary_is_loadable_by_fairseq(tmp_path, table):
    from fairseq.data import Dictionary

    for unit, extra in [("phoneme", []), ("bpc", []), ("bpc", ["--bpc-set", "cv2"]), ("syllable", []),
                        ("syllable", ["--syllabifier", "pyphen"]), ("utterance", [])]:
        out = tmp_path / f"{unit}{len(extra)}"
        run_script("make_manifests.py", "--table", table, "--unit", unit, "--out", out, *extra)
        d = Dictionary.load(str(out / "fold1" / f"dict.{unit}.txt"))
        for line in read_lines(out / "fold1" / f"test.{unit}"):
            ids = d.encode_line(line, append_eos=False, add_if_not_exist=False)
            assert d.unk() not in ids.tolist()


def test_same_inputs_give_identical_outputs_and_user_edits_are_kept(tmp_path, table):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        run_script("make_manifests.py", "--table", table, "--unit", "bpc", "--out", out)
    cmp = filecmp.dircmp(a / "fold1", b / "fold1")
    assert not cmp.diff_files and not cmp.left_only and not cmp.right_only
    proc = run_script("make_manifests.py", "--table", table, "--unit", "bpc", "--out", a)
    assert "[unchanged]" in proc.stdout
    with open(a / "fold1" / "train.bpc", "a") as f:
        f.write("edited by a user\n")
    proc = run_script("make_manifests.py", "--table", table, "--unit", "bpc", "--out", a, check=False)
    assert proc.returncode == 3 and "fold1 exists with different contents" in proc.stderr
    assert read_lines(a / "fold1" / "train.bpc")[-1] == "edited by a user"
    proc = run_script("make_manifests.py", "--table", table, "--unit", "bpc", "--out", a, "--force")
    assert "[replaced]" in proc.stdout
    assert not [n for n in os.listdir(a) if n.startswith(".")]  # no temp dirs left behind


def test_seed_changes_validation_slice_only(tmp_path, table):
    run_script("make_manifests.py", "--table", table, "--unit", "utterance", "--out", tmp_path / "s0")
    run_script("make_manifests.py", "--table", table, "--unit", "utterance", "--out", tmp_path / "s1",
               "--seed", "1")
    assert read_lines(tmp_path / "s0/fold1/test.utt") == read_lines(tmp_path / "s1/fold1/test.utt")
    assert read_lines(tmp_path / "s0/fold1/valid.utt") != read_lines(tmp_path / "s1/fold1/valid.utt")


def test_bad_table_is_a_clear_error(tmp_path, table):
    lines = read_lines(table)
    fields = lines[3].split("\t")
    fields[5] = "frustration"   # not a class code (fru is: IEMOCAP's full set)
    with open(tmp_path / "bad.tsv", "w") as f:
        f.write("\n".join(lines[:3] + ["\t".join(fields)] + lines[4:]) + "\n")
    proc = run_script("make_manifests.py", "--table", tmp_path / "bad.tsv", "--out", tmp_path / "x", check=False)
    assert proc.returncode == 2 and "bad.tsv:4" in proc.stderr and "'frustration'" in proc.stderr


def test_list_bpc_sets():
    proc = run_script("make_manifests.py", "--list-bpc-sets")
    assert "manner6 (default)" in proc.stdout and "cv2" in proc.stdout
