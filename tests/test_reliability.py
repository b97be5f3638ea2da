"""Nothing silently wrong: each case here gave a wrong or shrunken result with exit status 0 before it was fixed."""
import json
import os
import shutil

import numpy as np
import pytest
import soundfile

from conftest import run_script
from fairseq_emo.corpora.iemocap import read_iemocap
from iemocap_tree import default_turns, make_tree


def tree(tmp_path):
    return make_tree(str(tmp_path / "corpus"), default_turns())


def evaluation_file(release, dialog="Ses01F_impro01"):
    return os.path.join(release, "Session1", "dialog", "EmoEvaluation", f"{dialog}.txt")


def transcript_file(release, dialog="Ses01F_impro01"):
    return os.path.join(release, "Session1", "dialog", "transcriptions", f"{dialog}.txt")


def test_turn_line_with_leading_space_is_kept_and_counted(tmp_path):
    release = tree(tmp_path)
    before = len(read_iemocap(release).utterances)
    path = evaluation_file(release)
    text = open(path).read().replace("[1.0000 - ", " [1.0000 - ", 1)
    open(path, "w").write(text)
    result = read_iemocap(release)
    assert len(result.utterances) == before and not result.problems
    assert result.tolerated == {"EmoEvaluation turn lines with surrounding whitespace": 1}


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_session_without_evaluations_is_a_problem(tmp_path, how):
    release = tree(tmp_path)
    folder = os.path.join(release, "Session2", "dialog", "EmoEvaluation")
    shutil.rmtree(folder)
    if how == "empty":
        os.makedirs(folder)
    result = read_iemocap(release)
    (problem,) = [p for p in result.problems if p.utt_id == "Session2"]
    assert "every turn of this session would be lost" in problem.reason and problem.path == folder
    proc = run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "out", check=False)
    assert proc.returncode == 2 and "Session2" in proc.stderr


def test_non_utf8_transcript_is_a_problem_not_mojibake(tmp_path):
    release = tree(tmp_path)
    path = transcript_file(release)
    lines = open(path, encoding="utf-8").read().splitlines()
    utt = lines[0].split()[0]
    lines[0] = f"{utt} [001.0000-001.5000]: Café naïve résumé"
    with open(path, "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("latin-1"))
    result = read_iemocap(release)
    assert utt not in {u.utt_id for u in result.utterances}
    (problem,) = [p for p in result.problems if p.utt_id == utt]
    assert "not UTF-8" in problem.reason and problem.path == f"{path}:1"
    # once converted, the words come through intact
    with open(path, "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))
    words = {u.utt_id: u.words for u in read_iemocap(release).utterances}
    assert words[utt] == "cafe naive resume"  # accents folded by the transcript policy, letters kept


def test_conflicting_duplicate_transcript_and_label_are_problems(tmp_path):
    release = tree(tmp_path)
    path = transcript_file(release)
    first = open(path).read().splitlines()[0]
    utt = first.split()[0]
    with open(path, "a") as f:
        f.write(first + "\n")                                      # identical: tolerated
    result = read_iemocap(release)
    assert not result.problems and result.tolerated == {"transcript lines repeated identically": 1}
    with open(path, "a") as f:
        f.write(f"{utt} [001.0000-001.5000]: Something else entirely.\n")
    result = read_iemocap(release)
    assert [p.utt_id for p in result.problems] == [utt] and "second transcript line" in result.problems[0].reason
    # a turn labelled twice with different labels
    release2 = make_tree(str(tmp_path / "c2"), default_turns())
    ev = evaluation_file(release2)
    line = next(l for l in open(ev).read().splitlines() if "\tneu\t" in l)
    with open(ev, "a") as f:
        f.write(line.replace("\tneu\t", "\tang\t") + "\n")
    result = read_iemocap(release2)
    (problem,) = result.problems
    assert problem.utt_id == line.split("\t")[1] and "labelled 'ang' here and 'neu'" in problem.reason
    assert problem.utt_id not in {u.utt_id for u in result.utterances}


def test_truncated_wav_is_a_problem(tmp_path):
    release = tree(tmp_path)
    wav = os.path.join(release, "Session1", "sentences", "wav", "Ses01F_impro01", "Ses01F_impro01_F000.wav")
    data = open(wav, "rb").read()
    open(wav, "wb").write(data[:len(data) - 4000])
    assert len(soundfile.read(wav)[0]) > 0  # libsndfile reads what is there without a word
    result = read_iemocap(release)
    (problem,) = result.problems
    assert problem.utt_id == "Ses01F_impro01_F000" and "truncated" in problem.reason


def test_turn_id_with_a_path_is_refused(tmp_path):
    release = tree(tmp_path)
    path = evaluation_file(release)
    open(path, "a").write("[9.0000 - 9.5000]\tSes01F_impro01_../../../etc_F001\tneu\t[2.5, 2.5, 2.5]\n")
    with pytest.raises(ValueError, match="does not look like"):
        read_iemocap(release)


def test_forced_rewrite_leaves_exactly_the_new_folds(tmp_path):
    from fairseq_emo.table import read_table, write_table

    release = tree(tmp_path)
    run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "big")
    out = tmp_path / "m"
    run_script("make_manifests.py", "--table", tmp_path / "big" / "utterances.tsv", "--unit", "bpc", "--out", out)
    assert sorted(os.listdir(out)) == ["fold1", "fold2", "fold3", "fold4", "folds.tsv"]
    small = [u for u in read_table(str(tmp_path / "big" / "utterances.tsv")) if u.session == "Ses01"]
    write_table(str(tmp_path / "small.tsv"), small)
    (out / ".fold9.tmp-999999999").mkdir()                      # an orphan of a dead writer
    proc = run_script("make_manifests.py", "--table", tmp_path / "small.tsv", "--unit", "bpc", "--out", out,
                      check=False)
    assert proc.returncode == 3 and "fold3, fold4" in proc.stderr
    assert ".fold9.tmp-999999999" in proc.stdout and not (out / ".fold9.tmp-999999999").exists()
    (out / "fold4" / "my_notes.txt").write_text("mine")          # a user's file is never removed unsaid
    proc = run_script("make_manifests.py", "--table", tmp_path / "small.tsv", "--unit", "bpc", "--out", out,
                      "--force", check=False)
    assert proc.returncode == 3 and "my_notes.txt" in proc.stderr and (out / "fold4" / "my_notes.txt").exists()
    (out / "fold4" / "my_notes.txt").unlink()
    proc = run_script("make_manifests.py", "--table", tmp_path / "small.tsv", "--unit", "bpc", "--out", out,
                      "--force")
    assert "removed fold3, fold4" in proc.stdout
    assert sorted(os.listdir(out)) == ["fold1", "fold2", "folds.tsv"]
    assert len(open(out / "folds.tsv").read().splitlines()) == 3
