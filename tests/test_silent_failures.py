"""Nothing silently wrong, round two: each case gave a wrong result, lost data or a traceback from deep inside a
library before it was fixed (fast tier: readers, tables, audio checks, argument checks)."""
import os
import shutil

import numpy as np
import pytest
import soundfile

from conftest import run_script
from fairseq_emo.data.corpora.iemocap import read_iemocap
from fairseq_emo.data.table import read_table
from iemocap_tree import default_turns, make_tree


def test_a_corpus_path_with_two_spaces_is_kept_exactly(tmp_path):
    release = make_tree(str(tmp_path / "A  B"), default_turns())
    (tmp_path / "A B").mkdir()  # a sibling the collapsed path would point at
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    rows = read_table(str(tmp_path / "out" / "utterances.tsv"))
    assert rows and all("/A  B/" in r.wav and os.path.isfile(r.wav) for r in rows)


def test_a_path_with_a_tab_cannot_be_written_into_a_table(tmp_path):
    from fairseq_emo.data.table import write_table

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
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "out", check=False)
    assert proc.returncode == 2 and "Ses01F_impro01" in proc.stderr
    # --skip-bad lists it, as every other skipped item
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "out", "--skip-bad")
    assert proc.returncode == 0 and "Ses01F_impro01" in open(tmp_path / "out" / "skipped.tsv").read()


def test_missing_sessions_are_said(tmp_path):
    release = make_tree(str(tmp_path / "corpus"), default_turns())  # Sessions 1 and 2 only
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "out")
    assert proc.returncode == 0
    assert "warning:" in proc.stderr and "Session3, Session4, Session5 not found" in proc.stderr
    assert "IEMOCAP has five sessions, this table holds 2" in proc.stdout


def nan_wav(path, frames=16000):
    samples = np.random.default_rng(0).uniform(-0.1, 0.1, frames).astype(np.float32)
    samples[100:103] = [np.nan, np.inf, -np.inf]
    soundfile.write(path, samples, 16000, subtype="FLOAT")
    return path


def test_nan_samples_are_refused_by_prepare_check_fold_decode_and_predict(tmp_path):
    from fairseq_emo.core.audio import AudioProblem, read_header
    from fairseq_emo.evaluation.decode import _read
    from fairseq_emo.data.manifest import SplitEntry
    from fairseq_emo.serving.audio_input import ArrayStream, load_audio

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
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "out", check=False)
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

    from fairseq_emo.training.fold_run import resume_state

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
    run_script("prepare.py", "--corpus", "iemocap", "--data", tmp / "corpus", "--out", tmp / "data")
    run_script("make_manifests.py", "--table", tmp / "data" / "utterances.tsv", "--unit", "bpc",
               "--manifest-root", tmp / "m")
    return tmp / "m" / "iemocap" / "bpc" / "speaker" / "fold1"


def test_check_fold_refuses_an_utterance_fairseq_would_drop_for_max_tokens(small_fold, tmp_path):
    longest = max(int(l.split("\t")[1]) for l in open(small_fold / "train.tsv").read().splitlines()[1:])
    out = tmp_path / "max_update"
    ok = run_script("check_fold.py", "--data", small_fold, "--labels", "bpc", "--config", "tiny",
                    "--max-update-out", out, "--", f"dataset.max_tokens={longest}", check=False)
    assert ok.returncode == 0, ok.stderr
    from fairseq_emo.training.recipe_config import compose_recipe
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
    from fairseq_emo.serving.predict_inputs import expand_inputs

    folder = tmp_path / "rec"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.wav", "sub/b.wav"):
        soundfile.write(str(folder / name), np.zeros(1600, dtype=np.float32), 16000)
    os.symlink(folder, folder / "sub" / "loop")   # rec/sub/loop -> rec
    files, skipped = expand_inputs([str(folder)])
    assert sorted(os.path.basename(p) for _, p in files) == ["a.wav", "b.wav"] and not skipped


def test_ids_from_a_wav_scp_never_name_a_file_outside_the_plot_folder():
    from fairseq_emo.serving.predict_inputs import file_name_part

    for ident in ("a/b", "../x", "../../etc/passwd", "..", "/abs"):
        part = file_name_part(ident)
        assert "/" not in part and not part.startswith(".") and part


def test_done_is_written_last_and_never_with_an_empty_command(small_fold, tmp_path):
    from fairseq_emo.training.fold_run import complete

    fold = tmp_path / "fold1"
    (fold / "checkpoints").mkdir(parents=True)
    facts = {"config": "tiny", "data": str(small_fold), "command": "fairseq-hydra-train --config-name tiny"}
    with pytest.raises(ValueError, match="no training command to record"):
        complete(str(fold), dict(facts, command=""))
    # finalize fails (no checkpoint): nothing says the fold is done
    with pytest.raises(FileNotFoundError):
        complete(str(fold), facts)
    assert not (fold / "DONE").exists()


def test_baseline_never_caches_a_non_finite_feature_row(small_fold, tmp_path, monkeypatch):
    """openSMILE swallows SIGINT and returns NaN for the utterance it was on; that row must not be cached (every
    rerun would fail), the rows before it must be. The NaN is injected into the real extractor's output."""
    import opensmile

    from fairseq_emo.evaluation.baseline import _key, features
    from fairseq_emo.data.manifest import read_split

    entries = read_split(str(small_fold), "train", None)[:3]
    real = opensmile.Smile.process_signal
    calls = []

    def interrupted_on_second(self, signal, rate, **kw):
        calls.append(1)
        frame = real(self, signal, rate, **kw)
        if len(calls) == 2:
            frame.iloc[0, 0] = float("nan")
        return frame

    monkeypatch.setattr(opensmile.Smile, "process_signal", interrupted_on_second)
    cache = tmp_path / "feats.npz"
    with pytest.raises(ValueError, match=f"utterance {entries[1].utt_id}: openSMILE returned non-finite"):
        features(entries, str(cache))
    with np.load(cache) as z:
        assert z["keys"].tolist() == [_key(entries[0])] and np.all(np.isfinite(z["values"]))
    monkeypatch.setattr(opensmile.Smile, "process_signal", real)
    # an older cache holding a NaN row: extracted again, not served
    np.savez(cache, keys=np.array([_key(e) for e in entries]), values=np.full((3, 88), np.nan))
    out = features(entries, str(cache))
    assert all(np.all(np.isfinite(v)) for v in out.values())


def test_a_failed_write_leaves_neither_a_half_file_nor_its_temporary(tmp_path, monkeypatch):
    import errno

    from fairseq_emo.core import atomic

    target = tmp_path / "report.md"
    target.write_text("the old report\n")
    real_replace = os.replace

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(atomic.WriteError, match="cannot write .*report.md.*the disk is full"):
        atomic.write_text(str(target), "new")
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    assert target.read_text() == "the old report\n" and os.listdir(tmp_path) == ["report.md"]


def run_sh(*args, script="run.sh"):
    import subprocess
    import sys

    from conftest import REPO

    return subprocess.run(["bash", os.path.join(REPO, "scripts", script), *map(str, args)], capture_output=True,
                          text=True, env=dict(os.environ, PYTHON=sys.executable))


def test_run_sh_refuses_a_work_dir_hydra_cannot_take_and_impossible_stages(tmp_path):
    proc = run_sh("--work", tmp_path / "dir with space", "--stage", "1")
    assert proc.returncode == 2 and "use a directory whose path has only" in proc.stderr
    assert not (tmp_path / "dir with space").exists()
    for args, says in ((("--stage", "99"), "a stage number 0-9"), (("--stage", "9", "--stop-stage", "0"),
                                                                  "is after --stop-stage")):
        proc = run_sh("--work", tmp_path / "w", *args)
        assert proc.returncode == 2 and says in proc.stderr, proc.stderr
    proc = run_sh("--demo", "--stage", "7", script="run_cross_corpus.sh")
    assert proc.returncode == 2 and "a stage number 0-6" in proc.stderr


def test_run_folds_refuses_absent_folds_and_bad_paths_without_creating_anything(small_fold, tmp_path):
    from conftest import run_folds

    w2v = tmp_path / "w2v.pt"
    w2v.write_bytes(b"")
    manifests = small_fold.parents[3]   # <root>/iemocap/bpc/speaker/fold1
    proc = run_folds("--corpus", "iemocap", "--units", "bpc", "--w2v", w2v, "--manifests", manifests,
                     "--exp", tmp_path / "exp", "--train-folds", "99")
    assert proc.returncode == 2 and "no fold99 in" in proc.stderr and "fold1" in proc.stderr
    assert not list((tmp_path / "exp").rglob("fold99"))
    proc = run_folds("--corpus", "iemocap", "--units", "bpc", "--w2v", w2v, "--manifests", manifests,
                     "--exp", tmp_path / "a,b")
    assert proc.returncode == 2 and "hydra overrides cannot take this path" in proc.stderr
    assert not (tmp_path / "a,b").exists()


def test_a_duplicate_dictionary_token_and_an_empty_done_are_named(small_fold, tmp_path):
    from fairseq_emo.core.layout import read_done
    from fairseq_emo.data.label_check import LabelCheckError, dictionary_symbols

    fold = tmp_path / "fold1"
    shutil.copytree(small_fold, fold)
    lines = (fold / "dict.bpc.txt").read_text().splitlines()
    (fold / "dict.bpc.txt").write_text("\n".join(lines + [lines[0]]) + "\n")
    with pytest.raises(LabelCheckError, match=f"token '{lines[0].split()[0]}' already on line 1"):
        dictionary_symbols(str(fold), "bpc")
    (fold / "DONE").write_text("")
    with pytest.raises(ValueError, match="empty or damaged"):
        read_done(str(fold))


def test_decode_refuses_a_batch_size_below_one():
    proc = run_script("decode.py", "--checkpoint", "x.pt", "--data", "d", "--out", "o", "--batch-size", "0",
                      check=False)
    assert proc.returncode == 2 and "at least 1" in proc.stderr


def test_two_run_sh_on_one_work_dir_take_turns_preparing(tmp_path):
    import fcntl
    import subprocess
    import sys
    import time

    from conftest import REPO

    release = make_tree(str(tmp_path / "corpus"), default_turns())
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    held = open(work / "data" / ".prepare.lock", "a")
    fcntl.flock(held, fcntl.LOCK_EX)   # another run.sh is preparing
    proc = subprocess.Popen(["bash", os.path.join(REPO, "scripts", "run.sh"), "--corpus", "iemocap", "--data",
                             release, "--work", work, "--stage", "1", "--stop-stage", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHON=sys.executable))
    time.sleep(3)
    assert proc.poll() is None and not (work / "data" / "iemocap" / "utterances.tsv").exists()
    fcntl.flock(held, fcntl.LOCK_UN)
    held.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "another run.sh is preparing" in err and (work / "data" / "iemocap" / "utterances.tsv").is_file()


class _Payload:
    """Unpickling this runs code: it writes the file named in `target`."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (exec, (f"open({self.target!r}, 'w').write('payload ran')",))


def test_a_crafted_checkpoint_pickle_never_runs_its_payload(tmp_path, small_fold):
    import contextlib
    import io

    import torch

    from fairseq_emo.cli import main

    target = tmp_path / "PAYLOAD_RAN"
    evil = tmp_path / "checkpoint_last.pt"
    torch.save({"cfg": {"model": {}, "task": {}}, "model": {}, "args": None, "x": _Payload(str(target))}, evil)
    (tmp_path / "dict.bpc.txt").write_text("V_neu 1\n")
    talk = tmp_path / "talk.wav"
    soundfile.write(str(talk), np.zeros(16000, dtype=np.float32), 16000)
    calls = {"info": ["info", evil], "predict": ["predict", "--checkpoint", evil, talk],
             "export": ["export", "--checkpoint", evil, "--out", tmp_path / "hf"]}
    for name, argv in calls.items():
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main([str(a) for a in argv])
        assert code != 0 and "refused to unpickle" in err.getvalue(), (name, err.getvalue())
    proc = run_script("decode.py", "--checkpoint", evil, "--data", small_fold, "--out", tmp_path / "dec",
                      check=False)
    assert proc.returncode == 2 and "refused to unpickle" in proc.stderr
    proc = run_script("check_fold.py", "--data", small_fold, "--labels", "bpc", "--w2v", evil, "--config", "tiny",
                      check=False)
    assert proc.returncode == 2 and "refused to unpickle" in proc.stderr
    assert not target.exists()
    # a real fairseq-format checkpoint (argparse Namespace inside) still loads
    from fairseq_emo.core import safe_load
    run_script("make_w2v_checkpoint.py", "--size", "tiny", "--out", tmp_path / "w2v.pt")
    assert "args" in safe_load.load(tmp_path / "w2v.pt")


def test_export_refuses_a_dangling_link_and_a_missing_parent(tmp_path):
    import contextlib
    import io

    from fairseq_emo.cli import main

    ckpt = tmp_path / "c.pt"
    ckpt.write_bytes(b"x")
    os.symlink(tmp_path / "nowhere", tmp_path / "link")
    for out, says in ((tmp_path / "link", "exists (a link to"), (tmp_path / "no" / "dir", "does not exist")):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main(["export", "--checkpoint", str(ckpt), "--out", str(out)]) == 2
        assert says in err.getvalue(), err.getvalue()
    assert not (tmp_path / "nowhere").exists()


def test_a_copied_work_dir_is_prepared_again_with_force(tmp_path):
    release = make_tree(str(tmp_path / "corpus"), default_turns())
    common = ["--corpus", "iemocap", "--data", release, "--units", "bpc", "--stage", "1", "--stop-stage", "2"]
    first = run_sh("--work", tmp_path / "w1", *common)
    assert first.returncode == 0, first.stderr
    shutil.copytree(tmp_path / "w1", tmp_path / "w2")
    again = run_sh("--work", tmp_path / "w2", *common)
    assert again.returncode != 0 and "pass --force to replace it" in again.stderr
    forced = run_sh("--work", tmp_path / "w2", *common, "--force")
    assert forced.returncode == 0, forced.stderr
    import json
    fold = json.load(open(tmp_path / "w2" / "manifests" / "iemocap" / "bpc" / "speaker" / "fold1" / "fold.json"))
    assert fold["table"].startswith(str(tmp_path / "w2")), (again.stderr, fold["table"])


def test_check_fold_stops_an_override_the_config_cannot_take(small_fold):
    """An override hydra cannot compose (a key the config lacks) stops the fold's check, and so a Slurm submission
    on the login node (fold_loop.start), instead of waiting in the queue to fail inside fairseq-hydra-train."""
    proc = run_script("check_fold.py", "--data", small_fold, "--labels", "bpc", "--config", "tiny", "--",
                      "optimization.no_such_key=3", check=False)
    assert proc.returncode == 2 and "cannot be composed" in proc.stderr and "optimization.no_such_key" in proc.stderr
    ok = run_script("check_fold.py", "--data", small_fold, "--labels", "bpc", "--config", "tiny", "--",
                    "optimization.max_update=7", check=False)
    assert ok.returncode == 0, ok.stderr
