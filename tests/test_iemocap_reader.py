import os

import pytest

from conftest import run_script
from fairseq_emo.data.corpora.iemocap import read_iemocap
from fairseq_emo.core.emotions import UnknownLabelError, iemocap_emotion
from fairseq_emo.data.table import read_table
from iemocap_tree import TurnSpec, default_turns, make_tree


def test_label_policy():
    assert [iemocap_emotion(x) for x in ("neu", "hap", "exc", "ang", "sad")] == ["neu", "hap", "hap", "ang", "sad"]
    assert all(iemocap_emotion(x) is None for x in ("xxx", "fru", "sur", "fea", "dis", "oth"))
    with pytest.raises(UnknownLabelError, match="bored"):
        iemocap_emotion("bored")


def test_reader_keeps_4_classes_and_speaker_is_the_turns_gender(tmp_path):
    turns = default_turns()
    make_tree(str(tmp_path), turns)
    result = read_iemocap(str(tmp_path))
    kept = [t for t in turns if t.label in ("neu", "hap", "exc", "ang", "sad")]
    assert len(result.utterances) == len(kept)
    assert result.dropped_labels == {"fru": 8, "xxx": 8}
    assert not result.problems
    by_id = {u.utt_id: u for u in result.utterances}
    u = by_id["Ses01F_impro01_M001"]
    assert (u.speaker, u.session, u.gender, u.dialog) == ("Ses01M", "Ses01", "M", "Ses01F_impro01")
    assert by_id["Ses01M_impro02_F002"].speaker == "Ses01F"
    assert by_id["Ses01F_impro01_F002"].emotion == "hap" and by_id["Ses01F_impro01_F002"].raw_emotion == "exc"
    assert by_id["Ses01F_impro01_F000"].frames == 8000
    laugh = by_id["Ses01F_impro01_F006"]
    assert laugh.words == "" and laugh.emotion == "sad"  # marker-only keeps its emotion
    assert by_id["Ses01F_impro01_F002"].words == "that's well known mister smith"


def test_prepare_script_prints_counts_and_writes_table(tmp_path):
    make_tree(str(tmp_path / "corpus"), default_turns())
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "corpus", "--out", tmp_path / "out")
    table = read_table(str(tmp_path / "out" / "utterances.tsv"))
    assert len(table) == 36
    assert "per class: neu=8  hap=16  ang=8  sad=4" in proc.stdout
    assert "Ses02M" in proc.stdout and "fru=8" in proc.stdout
    with open(tmp_path / "out" / "utterances.tsv") as f:
        header = f.readline().rstrip("\n").split("\t")
    for col in "utt_id speaker session gender dialog emotion text wav frames".split():
        assert col in header


@pytest.mark.parametrize("bad, reason", [
    (dict(write_wav=False), "missing audio file"),
    (dict(corrupt=True), "unreadable audio file"),
    (dict(rate=8000), "8000 Hz"),
    (dict(channels=2), "2 channel"),
    (dict(write_transcript=False), "absent from"),
])
def test_bad_turns_stop_the_run_or_are_counted_skips(tmp_path, bad, reason):
    turns = default_turns()
    victim = turns[0]
    for k, v in bad.items():
        setattr(victim, k, v)
    make_tree(str(tmp_path / "corpus"), turns)
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "corpus", "--out", tmp_path / "out", check=False)
    assert proc.returncode == 2
    assert victim.utt_id in proc.stderr and reason in proc.stderr and "--skip-bad" in proc.stderr
    assert not os.path.exists(tmp_path / "out" / "utterances.tsv")
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "corpus", "--out", tmp_path / "out",
                      "--skip-bad")
    assert "skipped 1 unusable turn" in proc.stdout
    assert len(read_table(str(tmp_path / "out" / "utterances.tsv"))) == 35
    with open(tmp_path / "out" / "skipped.tsv") as f:
        assert victim.utt_id in f.read()


def test_missing_tree_and_unknown_label_are_clear_errors(tmp_path):
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "Session1/dialog/EmoEvaluation" in proc.stderr
    make_tree(str(tmp_path / "c"), [TurnSpec("Ses01F_impro01_F000", "bored", "Hi.")])
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "c", "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "Ses01F_impro01.txt:3" in proc.stderr and "'bored'" in proc.stderr


def test_malformed_turn_line_is_an_error_not_a_skip(tmp_path):
    make_tree(str(tmp_path / "c"), default_turns(), extra_lines={"Ses01F_impro01": ["[1.0 - 2.0] Ses01F_impro01_F099 neu"]})
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "c", "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "malformed turn line" in proc.stderr and "Ses01F_impro01.txt:" in proc.stderr
