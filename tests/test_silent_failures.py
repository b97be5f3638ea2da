"""Nothing silently wrong, round two: each case gave a wrong result, lost data or a traceback from deep inside a
library before it was fixed (fast tier: readers, tables, audio checks, argument checks)."""
import os
import shutil

import numpy as np
import pytest
import soundfile

from conftest import run_script
from fairseq_emo.corpora.iemocap import read_iemocap
from fairseq_emo.table import read_table
from iemocap_tree import default_turns, make_tree


def test_a_corpus_path_with_two_spaces_is_kept_exactly(tmp_path):
    release = make_tree(str(tmp_path / "A  B"), default_turns())
    (tmp_path / "A B").mkdir()  # a sibling the collapsed path would point at
    proc = run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    rows = read_table(str(tmp_path / "out" / "utterances.tsv"))
    assert rows and all("/A  B/" in r.wav and os.path.isfile(r.wav) for r in rows)


def test_a_path_with_a_tab_cannot_be_written_into_a_table(tmp_path):
    from fairseq_emo.table import write_table

    row = read_iemocap(make_tree(str(tmp_path / "c"), default_turns())).utterances[0]
    row.wav = "/data/a\tb.wav"
    with pytest.raises(ValueError, match="holds a tab or newline"):
        write_table(str(tmp_path / "t.tsv"), [row])


def test_a_dialog_without_its_evaluation_file_is_a_problem_not_a_silent_loss(tmp_path):
    release = make_tree(str(tmp_path / "corpus"), default_turns())
    os.remove(os.path.join(release, "Session1", "dialog", "EmoEvaluation", "Ses01F_impro01.txt"))
    result = read_iemocap(release)
    (problem,) = [p for p in result.problems if p.utt_id == "Ses01F_impro01"]
    assert "no EmoEvaluation file" in problem.reason
    proc = run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "out", check=False)
    assert proc.returncode == 2 and "Ses01F_impro01" in proc.stderr
    # --skip-bad lists it, as every other skipped item
    proc = run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "out", "--skip-bad")
    assert proc.returncode == 0 and "Ses01F_impro01" in open(tmp_path / "out" / "skipped.tsv").read()


def test_missing_sessions_are_said(tmp_path):
    release = make_tree(str(tmp_path / "corpus"), default_turns())  # Sessions 1 and 2 only
    proc = run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "out")
    assert proc.returncode == 0
    assert "warning:" in proc.stderr and "Session3, Session4, Session5 not found" in proc.stderr
    assert "IEMOCAP has five sessions, this table holds 2" in proc.stdout


def nan_wav(path, frames=16000):
    samples = np.random.default_rng(0).uniform(-0.1, 0.1, frames).astype(np.float32)
    samples[100:103] = [np.nan, np.inf, -np.inf]
    soundfile.write(path, samples, 16000, subtype="FLOAT")
    return path


def test_nan_samples_are_refused_by_prepare_check_fold_decode_and_predict(tmp_path):
    from fairseq_emo.audio import AudioProblem, read_header
    from fairseq_emo.decode import _read
    from fairseq_emo.manifest import SplitEntry
    from fairseq_emo.predict import load_audio, ArrayStream

    bad = nan_wav(str(tmp_path / "bad.wav"))
    with pytest.raises(AudioProblem, match="3 of 16000 samples are NaN or Inf"):
        read_header(bad)
    # a PCM file is not read for this (it cannot hold NaN)
    soundfile.write(str(tmp_path / "ok.wav"), np.zeros(1600, dtype=np.float32), 16000, subtype="PCM_16")
    assert read_header(str(tmp_path / "ok.wav")).frames == 1600
    with pytest.raises(ValueError, match="NaN or Inf"):
        load_audio(bad)
    with pytest.raises(ValueError, match="NaN or Inf"):
        list(ArrayStream(np.full(16000, np.nan, dtype=np.float32), 16000))
    entry = SplitEntry(wav=bad, frames=16000, utt_id="x", speaker="Ses01F", emotion="neu", ref=[])
    with pytest.raises(ValueError, match="utterance x: .*NaN or Inf"):
        _read(entry)


def test_nan_samples_in_a_corpus_stop_prepare_naming_the_turn(tmp_path):
    release = make_tree(str(tmp_path / "corpus"), default_turns())
    wav = sorted(p for p in (tmp_path / "corpus").rglob("*.wav"))[0]
    nan_wav(str(wav))
    proc = run_script("prepare_iemocap.py", "--iemocap", release, "--out", tmp_path / "out", check=False)
    assert proc.returncode == 2 and wav.stem in proc.stderr and "NaN or Inf" in proc.stderr


@pytest.mark.parametrize("override, says", [
    ("task.data=/elsewhere/fold2", "another fold's data would hold this fold's test speaker"),
    ("+task.labels=phoneme", "--units"),
    ("model.w2v_path=/m/other.pt", "--w2v"),
    ("checkpoint.save_dir=/tmp/x", "under --exp"),
    ("common.seed=5", "use --seeds 5"),
    ("hydra/launcher=submitit_slurm", "--launcher"),
])
def test_overrides_of_what_the_fold_loop_sets_are_refused_before_anything_runs(tmp_path, override, says):
    from conftest import run_folds

    w2v = tmp_path / "w2v.pt"
    w2v.write_bytes(b"")
    proc = run_folds("--corpus", "demo", "--units", "bpc", "--w2v", w2v, "--manifests", tmp_path / "m",
                     "--exp", tmp_path / "exp", "--", "optimization.max_update=5", override)
    assert proc.returncode == 2 and f"override {override} refused" in proc.stderr and says in proc.stderr
    assert not (tmp_path / "exp").exists()


def test_a_checkpoint_trained_toward_another_max_update_is_a_conflict_not_finished(tmp_path):
    import torch

    from fairseq_emo.fold_run import resume_state

    state = {"optimizer_history": [{"num_updates": 12}], "cfg": {"optimization": {"max_update": 12}}}
    torch.save(state, tmp_path / "checkpoint_last.pt")
    assert resume_state(str(tmp_path))[0] == "finished"
    assert resume_state(str(tmp_path), 12)[0] == "finished"
    state_, message = resume_state(str(tmp_path), 20)
    assert state_ == "conflict" and "trained toward max_update 12" in message and "asks for 20" in message
    state["optimizer_history"][0]["num_updates"] = 5
    torch.save(state, tmp_path / "checkpoint_last.pt")
    assert resume_state(str(tmp_path), 12)[0] == "resume" and resume_state(str(tmp_path), 8)[0] == "conflict"


@pytest.fixture(scope="module")
def small_fold(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fold")
    make_tree(str(tmp / "corpus"), default_turns())
    run_script("prepare_iemocap.py", "--iemocap", tmp / "corpus", "--out", tmp / "data")
    run_script("make_manifests.py", "--table", tmp / "data" / "utterances.tsv", "--unit", "bpc",
               "--manifest-root", tmp / "m")
    return tmp / "m" / "iemocap" / "bpc" / "speaker" / "fold1"


def test_check_fold_refuses_an_utterance_fairseq_would_drop_for_max_tokens(small_fold, tmp_path):
    longest = max(int(l.split("\t")[1]) for l in open(small_fold / "train.tsv").read().splitlines()[1:])
    out = tmp_path / "max_update"
    ok = run_script("check_fold.py", "--data", small_fold, "--labels", "bpc", "--config", "tiny",
                    "--max-update-out", out, "--", f"dataset.max_tokens={longest}", check=False)
    assert ok.returncode == 0, ok.stderr
    from fairseq_emo.recipe_config import compose_recipe
    assert int(out.read_text()) == int(compose_recipe("tiny", ["task.data=/x", "model.w2v_path=/x",
                                                               "common.user_dir=/x"]).optimization.max_update)
    proc = run_script("check_fold.py", "--data", small_fold, "--labels", "bpc", "--config", "tiny", "--",
                      f"dataset.max_tokens={longest - 1}", check=False)
    assert proc.returncode == 2 and f"more than dataset.max_tokens={longest - 1}: fairseq would drop it" in proc.stderr
    assert "train.tsv:" in proc.stderr


def test_check_fold_refuses_nan_audio_naming_the_manifest_line(small_fold, tmp_path):
    fold = tmp_path / "fold1"
    shutil.copytree(small_fold, fold)
    lines = open(fold / "test.tsv").read().splitlines()
    wav = os.path.join(lines[0], lines[1].split("\t")[0])
    copy = tmp_path / "nan.wav"
    samples, _ = soundfile.read(wav, dtype="float32")
    samples[10] = np.nan
    soundfile.write(str(copy), samples, 16000, subtype="FLOAT")
    lines[1] = f"{os.path.relpath(copy, lines[0])}\t{len(samples)}"
    (fold / "test.tsv").write_text("\n".join(lines) + "\n")
    proc = run_script("check_fold.py", "--data", fold, "--labels", "bpc", check=False)
    assert proc.returncode == 2 and "test.tsv:2" in proc.stderr and "1 of" in proc.stderr and "NaN or Inf" in proc.stderr


def predict_cli(*args):
    import contextlib
    import io

    from fairseq_emo.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(["predict", *map(str, args)])
        except SystemExit as exit_:  # argparse
            code = exit_.code
    return code, err.getvalue()


def test_predict_never_writes_over_an_input_and_refuses_bad_outputs_before_loading(tmp_path):
    ckpt = tmp_path / "not_loaded.pt"
    ckpt.write_bytes(b"junk: every refusal below comes before the model is read")
    talk = tmp_path / "talk.wav"
    soundfile.write(str(talk), np.zeros(16000, dtype=np.float32), 16000)
    before = talk.read_bytes()
    for flag in ("--out", "--ctm", "--plot"):
        code, err = predict_cli("--checkpoint", ckpt, talk, flag, talk)
        assert code == 2 and "one of the input recordings; writing it would destroy it" in err, err
    assert talk.read_bytes() == before
    code, err = predict_cli("--checkpoint", ckpt, talk, "--out", tmp_path)
    assert code == 2 and "is a directory" in err
    for bad in ("0", "-5", "nan", "x"):
        code, err = predict_cli("--checkpoint", ckpt, talk, "--chunk-seconds", bad)
        assert code == 2 and "expected seconds, at least 1" in err, (bad, err)


def test_a_folder_with_a_link_loop_is_read_once(tmp_path):
    from fairseq_emo.predict_inputs import expand_inputs

    folder = tmp_path / "rec"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.wav", "sub/b.wav"):
        soundfile.write(str(folder / name), np.zeros(1600, dtype=np.float32), 16000)
    os.symlink(folder, folder / "sub" / "loop")   # rec/sub/loop -> rec
    files, skipped = expand_inputs([str(folder)])
    assert sorted(os.path.basename(p) for _, p in files) == ["a.wav", "b.wav"] and not skipped


def test_ids_from_a_wav_scp_never_name_a_file_outside_the_plot_folder():
    from fairseq_emo.predict_inputs import file_name_part

    for ident in ("a/b", "../x", "../../etc/passwd", "..", "/abs"):
        part = file_name_part(ident)
        assert "/" not in part and not part.startswith(".") and part
