"""predict's inputs (predict_inputs.py): wav.scp ids, list files, folders, unique stable ids, skipped non-audio.
Fast tier: no model."""
import pytest

from fairseq_emo.serving.predict_inputs import InputError, expand_inputs


def test_scp_ids_lists_folders_and_collisions(tmp_path):
    for rel in ("a/x.wav", "b/x.wav", "b/notes.txt", "b/.DS_Store", "c/y.flac", "talk one.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    scp = tmp_path / "wav.scp"
    scp.write_text(f"utt7 {tmp_path}/talk one.wav\n# a comment\nx {tmp_path}/c/y.flac\n")
    lst = tmp_path / "paths.lst"
    lst.write_text(f"{tmp_path}/c/y.flac\n")
    files, skipped = expand_inputs([str(scp), str(tmp_path / "a"), str(tmp_path / "b"), "@" + str(lst)])
    ids = [i for i, _ in files]
    # scp ids as written (the path keeps its space); equal stems told apart by their folders; the list's file
    # keeps its stem; the order is the order given
    assert files[0] == ("utt7", f"{tmp_path}/talk one.wav") and files[1] == ("x", f"{tmp_path}/c/y.flac")
    assert ids[2:4] == ["a_x", "b_x"] and ids[4] == "y"
    assert len(set(ids)) == len(ids)
    assert skipped == [str(tmp_path / "b" / ".DS_Store"), str(tmp_path / "b" / "notes.txt")]   # hidden ones too
    # stable: the same inputs give the same ids
    assert expand_inputs([str(scp), str(tmp_path / "a"), str(tmp_path / "b"), "@" + str(lst)])[0] == files


def test_a_stem_that_an_scp_id_uses_gets_a_number(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"")
    scp = tmp_path / "wav.scp"
    scp.write_text(f"x {tmp_path}/other.wav\n")
    files, _ = expand_inputs([str(scp), str(tmp_path / "x.wav")])
    assert [i for i, _ in files] == ["x", "x_2"]


@pytest.mark.parametrize("text, message", [
    ("a /x.wav\na /y.wav\n", "wav.scp:2: id 'a' already used on line 1"),
    ("lonely\n", "wav.scp:1: expected '<id> <path>'"),
    ("a sox x.wav -t wav - |\n", "wav.scp:1: a command"),
])
def test_bad_scp_lines_are_errors_naming_the_line(tmp_path, text, message):
    scp = tmp_path / "wav.scp"
    scp.write_text(text)
    with pytest.raises(InputError, match=message):
        expand_inputs([str(scp)])
