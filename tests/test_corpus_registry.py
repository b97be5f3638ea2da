"""The corpus registry and the readers of the corpora researchers compare on, each on a stand-in tree in its release
layout (tests/corpus_trees.py): counts per class as written, speakers, genders, transcripts and phones where the
corpus has them, rates converted; and every bad tree a clear message naming the file."""
import os
import shutil

import pytest
import soundfile

import corpus_trees
from conftest import REPO, run_script
from fairseq_emo.data.corpora import registry
from fairseq_emo.core.emotions import EMOTIONS, POLICIES
from fairseq_emo.data.table import read_table


def prepare(corpus, data, out, *extra, check=True):
    return run_script("prepare.py", "--corpus", corpus, "--data", data, "--out", out, *extra, check=check)


def counts(table):
    return [sum(1 for u in table if u.emotion == e) for e in EMOTIONS]


def test_every_registered_corpus_has_a_policy_a_reader_and_its_facts():
    assert {"iemocap", "emodb", "ksu", "mandarin", "ravdess", "cremad", "tess", "savee", "esd", "esdzh",
            "msppodcast"} <= set(registry.CORPORA)
    for c in registry.CORPORA.values():
        assert c.label_policy.keep, c.name
        assert callable(c.load_reader()), c.name
        assert c.trainable == bool(c.units), c.name  # a corpus with transcripts names the units they allow
    names = [c.name for c in registry.CORPORA.values() if c.trainable]
    assert "ravdess" in names and "emodb" in names and "savee" not in names   # EmoDB: German IPA units
    from fairseq_emo.recipe.options import parse, RecipeError
    from fairseq_emo.recipe.plan import run_plan

    with pytest.raises(RecipeError, match="registered: iemocap.*trainable here: iemocap demo mandarin emodb"):
        run_plan(parse("run.sh", ["--corpus", "nosuch"]))


@pytest.mark.parametrize("corpus, maker, speakers, rate", [
    ("ravdess", corpus_trees.ravdess, {"ravdess01", "ravdess02"}, 48000),
    ("cremad", corpus_trees.cremad, {"cremad1001", "cremad1002", "cremad1003"}, 16000),
    ("tess", corpus_trees.tess, {"tessOAF", "tessYAF"}, 24414),
    ("esd", corpus_trees.esd, {"esd0011", "esd0012"}, 16000),
])
def test_trainable_corpora_read_with_counts_texts_and_phones(corpus, maker, speakers, rate, tmp_path):
    root, expected = maker(str(tmp_path / "release"))
    proc = prepare(corpus, root, tmp_path / "data")
    table = read_table(str(tmp_path / "data" / "utterances.tsv"))
    assert counts(table) == expected
    assert {u.speaker for u in table} == speakers and {u.corpus for u in table} == {corpus}
    assert all(u.words and u.phones for u in table)  # English G2P: every utterance can make phonetic units
    assert {u.source_rate for u in table} == {rate} and {u.sample_rate for u in table} == {16000}
    assert all(soundfile.info(u.wav).channels == 1 for u in table)
    policy = POLICIES[corpus]
    assert f"{policy.counts_source} for the full {policy.corpus}" in proc.stdout
    assert "dropped by the 4-class label policy: " in proc.stdout and "none" not in proc.stdout.split(
        "dropped by the 4-class label policy: ")[1].splitlines()[0]


def test_ravdess_fields_gender_calm_and_song(tmp_path):
    root, _ = corpus_trees.ravdess(str(tmp_path / "r"))
    proc = prepare("ravdess", root, tmp_path / "d")
    table = {u.utt_id: u for u in read_table(str(tmp_path / "d" / "utterances.tsv"))}
    u = table["ravdess_03_01_03_02_01_01_01"]
    assert (u.gender, u.emotion, u.text, u.dialog) == ("M", "hap", "Kids are talking by the door",
                                                       "statement01_intensity02_take01")
    assert table["ravdess_03_01_04_01_02_01_02"].gender == "F"
    assert u.phones.split(" | ")[0] == "K IH1 D Z"
    assert "tolerated: 1 RAVDESS files not audio-only speech" in proc.stdout and "02=8" in proc.stdout
    prepare("ravdess", root, tmp_path / "calm", "--set", "calm=neutral")
    merged = read_table(str(tmp_path / "calm" / "utterances.tsv"))
    assert counts(merged)[0] == 4 + 8 and {u.raw_emotion for u in merged if u.emotion == "neu"} == {"01", "02"}
    bad = prepare("ravdess", root, tmp_path / "x", "--set", "colour=red", check=False)
    assert bad.returncode == 2 and "ravdess has no option colour" in bad.stderr and "calm" in bad.stderr


def test_cremad_genders_from_demographics_or_said_missing(tmp_path):
    root, _ = corpus_trees.cremad(str(tmp_path / "c"))
    prepare("cremad", root, tmp_path / "d")
    table = read_table(str(tmp_path / "d" / "utterances.tsv"))
    assert {(u.speaker, u.gender) for u in table} == {("cremad1001", "M"), ("cremad1002", "F"), ("cremad1003", "M")}
    assert {u.text for u in table} == {"It's eleven o'clock", "Don't forget a jacket"}
    os.remove(os.path.join(root, "VideoDemographics.csv"))
    proc = prepare("cremad", root, tmp_path / "d2")
    assert "warning: no VideoDemographics.csv" in proc.stderr
    assert {u.gender for u in read_table(str(tmp_path / "d2" / "utterances.tsv"))} == {"U"}


@pytest.mark.parametrize("corpus, maker, extra", [
    ("savee", corpus_trees.savee, {}), ("savee", corpus_trees.savee, {"flat": True}),
    ("msppodcast", corpus_trees.msppodcast, {}),
])
def test_test_only_corpora_read_audio_and_labels(corpus, maker, extra, tmp_path):
    root, expected = maker(str(tmp_path / "release"), **extra)
    prepare(corpus, root, tmp_path / "data")
    table = read_table(str(tmp_path / "data" / "utterances.tsv"))
    assert counts(table) == expected and not any(u.words for u in table)
    assert not registry.get(corpus).trainable
    if corpus == "msppodcast":
        assert {u.dialog for u in table} == {"Train", "Test1"} and "mspUnknown" in {u.speaker for u in table}
        assert all(u.gender in "MF" for u in table)


def test_esd_mandarin_half_gets_pinyin_and_the_split_is_kept(tmp_path):
    root, _ = corpus_trees.esd(str(tmp_path / "e"))
    proc = prepare("esdzh", root, tmp_path / "zh")
    assert "other language half not read (corpus esd reads them): 0011, 0012" in proc.stdout
    table = read_table(str(tmp_path / "zh" / "utterances.tsv"))
    assert {u.speaker for u in table} == {"esd0001"} and counts(table) == [2, 2, 2, 2]
    assert all(u.phones for u in table) and {u.dialog for u in table} == {"train", "test"}


def test_emodb_sentences_are_its_german_texts_and_words_without_phones_are_refused(tmp_path):
    from fairseq_emo.data.corpora.emodb import SENTENCES
    from fairseq_emo.data.manifest import label_all
    from fairseq_emo.data.table import Utterance
    from fairseq_emo.units import UnitSpec

    assert list(SENTENCES) == ["a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10"]
    u = Utterance("03a01Fa", "emodb03", "emodb03", "M", "a01", "hap", "F", SENTENCES["a01"],
                  "der lappen liegt auf dem eisschrank", "", "/x.wav", 16000, 16000, "emodb")
    with pytest.raises(ValueError, match=r"03a01Fa \(emodb\): 6 word\(s\) but no phones"):
        label_all([u], UnitSpec("phoneme"))   # a table written without its German phones is refused, not NSN


def _copy(src, dst):
    shutil.copytree(src, dst)
    return str(dst)


def test_bad_trees_get_a_clear_message(tmp_path):
    # a wrong name: a problem naming the file (stop, or a counted skip)
    root, _ = corpus_trees.ravdess(str(tmp_path / "r"))
    corpus_trees.tone(os.path.join(root, "Actor_01", "03-01-03-01-01-01-02.wav"), 48000)  # actor 02 in Actor_01
    proc = prepare("ravdess", root, tmp_path / "o1", check=False)
    assert proc.returncode == 2 and "actor 02 in the name, folder Actor_01" in proc.stderr
    assert prepare("ravdess", root, tmp_path / "o1", "--skip-bad").returncode == 0
    assert os.path.isfile(tmp_path / "o1" / "skipped.tsv")
    # an unknown code: an error naming the file
    root, _ = corpus_trees.cremad(str(tmp_path / "c"))
    corpus_trees.tone(os.path.join(root, "AudioWAV", "1001_IEO_XYZ_XX.wav"), 16000)
    proc = prepare("cremad", root, tmp_path / "o2", check=False)
    assert proc.returncode == 2 and "1001_IEO_XYZ_XX.wav" in proc.stderr and "unknown CREMA-D emotion label" in proc.stderr
    # a missing labels file
    root, _ = corpus_trees.msppodcast(str(tmp_path / "m"))
    os.remove(os.path.join(root, "Labels", "labels_consensus.csv"))
    proc = prepare("msppodcast", root, tmp_path / "o3", check=False)
    assert proc.returncode == 2 and "labels_consensus.csv not found" in proc.stderr
    # a truncated wav: the header declares more samples than the file holds
    root, _ = corpus_trees.tess(str(tmp_path / "t"))
    victim = os.path.join(root, "OAF_angry", "OAF_back_angry.wav")
    with open(victim, "r+b") as f:
        f.truncate(os.path.getsize(victim) - 2000)
    proc = prepare("tess", root, tmp_path / "o4", check=False)
    assert proc.returncode == 2 and "OAF_back_angry" in proc.stderr
    # a transcript that disagrees with its folder
    root, _ = corpus_trees.esd(str(tmp_path / "e"))
    listing = os.path.join(root, "0011", "0011.txt")
    text = open(listing, encoding="utf-8").read().replace("0011_000351\tThe nine the eggs, I keep.\tAngry",
                                                           "0011_000351\tThe nine the eggs, I keep.\tSad")
    open(listing, "w", encoding="utf-8").write(text)
    proc = prepare("esd", root, tmp_path / "o5", check=False)
    assert proc.returncode == 2 and "labels it sad, its folder Angry" in proc.stderr
    # a folder that is no release at all
    proc = prepare("savee", tmp_path / "nothing", tmp_path / "o6", check=False)
    assert proc.returncode == 2 and "no SAVEE tree" in proc.stderr


def test_the_old_prepare_scripts_and_the_generic_one_write_the_same_table(tmp_path):
    from fairseq_emo.data.demo_corpora import make_emodb_tree

    root = make_emodb_tree(str(tmp_path / "emodb"), per_emotion=1, speakers=("03",))
    run_script("prepare.py", "--corpus", "emodb", "--data", root, "--out", tmp_path / "a")
    prepare("emodb", root, tmp_path / "b")
    a, b = (open(tmp_path / d / "utterances.tsv").read() for d in ("a", "b"))
    assert a == b and "Der Lappen liegt auf dem Eisschrank." in a
    listing = run_script("prepare.py", "--list").stdout
    assert all(name in listing for name in registry.CORPORA) and REPO


def test_each_training_corpus_has_its_cross_folder_and_the_matrix_reads_them_all(tmp_path):
    """Models trained on different corpora write different exp/cross*/ folders (never each other's cells); the
    matrix is made from their results.json files alone, one row per training corpus."""
    import json

    from conftest import check_schema
    from fairseq_emo.core import layout
    from fairseq_emo.reporting.cross_report import write_matrix

    exp = tmp_path / "exp"
    assert layout.cross_dir(str(exp)) == str(exp / "cross") and registry.iemocap_layout("demo")
    assert layout.cross_dir(str(exp), "ravdess") == str(exp / "cross-from-ravdess")
    cell = {"WA": 50.0, "UA": 40.0, "n": 10, "empty": 1}
    for train, wa in (("iemocap", 61.0), ("ravdess", 44.0)):
        d = layout.cross_dir(str(exp), None if registry.iemocap_layout(train) else train)
        os.makedirs(d)
        json.dump({"train_corpus": train, "cells": {"emodb": {"bpc": dict(cell, WA=wa)},
                                                    "tess": {"bpc": dict(cell, WA=wa + 1)}},
                   "baselines": {"emodb": {"WA": 33.3, "UA": 30.0, "n": 10}}}, open(os.path.join(d, "results.json"), "w"))
    m = write_matrix(str(exp))
    check_schema(m, "cross_matrix")
    assert m["trains"] == ["iemocap", "ravdess"] and m["targets"] == ["emodb", "tess"]
    assert m["cells"]["bpc"]["ravdess"]["tess"]["WA"] == 45.0 and m["cells"]["bpc"]["iemocap"]["emodb"]["WA"] == 61.0
    text = (exp / "cross-matrix" / "report.md").read_text()
    assert "| RAVDESS (speech) |" not in text  # rows are named by the label policy's corpus name
    assert "| RAVDESS | 44.0 / 40.0 (n=10, 1 empty) | 45.0 / 40.0 (n=10, 1 empty) |" in text
    assert "## eGeMAPS baseline" in text and "33.3 / 30.0 (n=10)" in text


def test_the_release_split_is_a_fold_scheme_of_its_own(tmp_path):
    """ESD's train/evaluation/test folders -> the 'official' scheme: one fold, the release's valid set held out of
    training (validation policy 'release'); a table without a split is refused, and so is --valid-policy."""
    import json

    from fairseq_emo.data.folds import make_folds

    root, _ = corpus_trees.esd(str(tmp_path / "e"), speakers=("0011", "0012"))
    listing = os.path.join(root, "0011", "0011.txt")
    corpus_trees.tone(os.path.join(root, "0011", "Angry", "evaluation", "0011_000353.wav"), 16000)
    with open(listing, "a", encoding="utf-8") as f:
        f.write("0011_000353\tI am going to the store.\tAngry\n")
    prepare("esd", root, tmp_path / "d")
    table = read_table(str(tmp_path / "d" / "utterances.tsv"))
    assert {u.split for u in table} == {"train", "evaluation", "test"}
    proc = run_script("make_manifests.py", "--table", tmp_path / "d" / "utterances.tsv", "--unit", "bpc",
                      "--folds", "official", "--manifest-root", tmp_path / "m")
    assert "the release's own split: train 8, valid (its evaluation/development set, held out of train) 1, test 8" \
        in proc.stdout
    fold = tmp_path / "m" / "esd" / "bpc" / "official" / "fold1"
    record = json.load(open(fold / "fold.json"))
    assert record["valid_policy"] == "release" and record["counts"]["test"] == 8
    utt = {s: {l.split("\t")[0] for l in open(fold / f"{s}.utt")} for s in ("train", "valid", "test")}
    assert utt["valid"] == {"esd_0011_000353"} and not utt["valid"] & utt["train"] and not utt["test"] & utt["train"]
    assert all(i.endswith(("000001", "000351", "000701", "001051")) for i in utt["train"])
    cremad_root, _ = corpus_trees.cremad(str(tmp_path / "c"))
    prepare("cremad", cremad_root, tmp_path / "cd")
    with pytest.raises(ValueError, match="has none"):
        make_folds(read_table(str(tmp_path / "cd" / "utterances.tsv")), "official")
    with pytest.raises(ValueError, match="valid-policy does not apply"):
        make_folds(table, "official", valid_policy="heldout")


def test_english_g2p_espeak_gives_ipa_phones_with_their_provenance(tmp_path):
    from conftest import require_tool

    require_tool("espeak-ng", "apt-get install espeak-ng")
    root, _ = corpus_trees.ravdess(str(tmp_path / "r"))
    proc = prepare("ravdess", root, tmp_path / "d", "--g2p", "espeak")
    u = {u.utt_id: u for u in read_table(str(tmp_path / "d" / "utterances.tsv"))}["ravdess_03_01_03_02_01_01_01"]
    # 'Kids are talking by the door': CMUdict's K IH1 D Z, written by espeak-ng in IPA
    assert u.phones.split(" | ")[:2] == ["k ɪ d z", "ɑː ɹ"]
    assert "G2P provenance of" in proc.stdout
    sources = open(tmp_path / "d" / "g2p_sources.tsv").read().splitlines()
    assert sources[0] == "source\tword\ttokens" and {line.split("\t")[0] for line in sources[1:]} <= {"lexicon", "rules"}
    assert "lexicon\tthe\t" in "\n".join(sources)
    other = prepare("emodb", root, tmp_path / "x", "--g2p", "espeak", check=False)
    assert other.returncode == 2 and "--g2p applies to English corpora; emodb is de" in other.stderr
