"""Nothing silently wrong: each case here gave a wrong or shrunken result with exit status 0 before it was fixed."""
import json
import os
import shutil

import numpy as np
import pytest
import soundfile

from conftest import run_script
from fairseq_emo.data.corpora.iemocap import read_iemocap
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
    proc = run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "out", check=False)
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
    from fairseq_emo.data.table import read_table, write_table

    release = tree(tmp_path)
    run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "big")
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


def _fold_updates(fold):
    import torch

    state = torch.load(str(fold / "checkpoints" / "checkpoint_last.pt"), weights_only=False, mmap=True)
    return state["optimizer_history"][-1]["num_updates"]


@pytest.mark.e2e
def test_finished_fold_without_done_is_not_trained_again_and_truncated_last_falls_back(
        demo_manifests, tiny_w2v, tiny_finetuned, tmp_path):
    from conftest import TINY_FIXTURE_ARGS, TINY_FIXTURE_OVERRIDES, run_folds

    # the session's finished training (12 of 12 updates), copied, as if the loop had died before writing DONE
    fold = tmp_path / "demo" / "bpc" / "fold1"
    shutil.copytree(os.path.dirname(os.path.dirname(tiny_finetuned)), fold)
    common = [*TINY_FIXTURE_ARGS, "--w2v", tiny_w2v, "--manifests", demo_manifests, "--exp", tmp_path / "demo", "--",
              *TINY_FIXTURE_OVERRIDES]
    assert _fold_updates(fold) == 12
    (fold / "DONE").unlink()
    shutil.copyfile(fold / "checkpoints" / "checkpoint_last.pt", fold / "checkpoints" / "checkpoint_2_8.pt")
    proc = run_folds(*common)
    assert proc.returncode == 0 and "at update 12 of 12: finished; not trained again" in proc.stderr, proc.stderr
    assert _fold_updates(fold) == 12 and (fold / "DONE").exists()
    # after DONE only the test checkpoint is kept, its optimizer state stripped, its update count intact
    assert sorted(p.name for p in (fold / "checkpoints").iterdir()) == ["checkpoint_last.pt", "dict.bpc.txt"]
    import torch
    assert torch.load(str(fold / "checkpoints" / "checkpoint_last.pt"), weights_only=False)[
        "last_optimizer_state"] is None
    # a truncated checkpoint_last.pt (fairseq copies it non-atomically) beside an intact periodic checkpoint,
    # as an interrupted fold leaves them: the newest loadable one takes over
    last = fold / "checkpoints" / "checkpoint_last.pt"
    shutil.copyfile(last, fold / "checkpoints" / "checkpoint_3_12.pt")
    periodic = [fold / "checkpoints" / "checkpoint_3_12.pt"]
    last.write_bytes(last.read_bytes()[:5000])
    (fold / "DONE").unlink()
    proc = run_folds(*common)
    assert proc.returncode == 0, proc.stderr
    assert "checkpoint_last.pt could not be loaded" in proc.stderr and f"resuming from {periodic[-1].name}" in proc.stderr
    assert list((fold / "checkpoints").glob("checkpoint_last.pt.broken-*"))
    assert _fold_updates(fold) == 12


@pytest.mark.e2e
def test_second_runner_skips_a_locked_fold_and_killing_the_loop_kills_training(demo_manifests, tiny_w2v, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import REPO, run_folds

    env = dict(os.environ, PYTHON=sys.executable)
    cmd = ["bash", os.path.join(REPO, "scripts", "run_folds.sh"), "--corpus", "demo", "--units", "bpc", "--config",
           "tiny", "--w2v", tiny_w2v, "--manifests", demo_manifests, "--exp", str(tmp_path / "demo"), "--train-folds", "8", "--",
           "optimization.max_update=400"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    fold = tmp_path / "demo" / "bpc" / "fold8"
    deadline = time.time() + 120
    while time.time() < deadline and "[train_inner]" not in (
            (fold / "train.log").read_text() if (fold / "train.log").exists() else ""):
        time.sleep(0.5)
    second = run_folds("--corpus", "demo", "--units", "bpc", "--config", "tiny", "--w2v", tiny_w2v, "--manifests",
                       demo_manifests, "--exp", tmp_path / "demo", "--train-folds", "8")
    assert second.returncode == 0 and "another runner holds" in second.stderr and "skipped" in second.stderr
    trainers = subprocess.run(["pgrep", "-f", f"checkpoint.save_dir={fold}/checkpoints"], capture_output=True,
                              text=True).stdout.split()
    assert trainers, "fairseq-hydra-train is not running"
    first.send_signal(signal.SIGKILL)   # kill -9 of the loop alone
    first.wait()
    deadline = time.time() + 30
    while time.time() < deadline and subprocess.run(["pgrep", "-f", f"checkpoint.save_dir={fold}/checkpoints"],
                                                    capture_output=True).returncode == 0:
        time.sleep(0.5)
    assert subprocess.run(["pgrep", "-f", f"checkpoint.save_dir={fold}/checkpoints"],
                          capture_output=True).returncode != 0, "training outlived the loop"


def test_check_fold_refuses_short_missing_audio_and_unsafe_ids(demo_manifests, tmp_path):
    src = os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1")
    fold = tmp_path / "fold"
    shutil.copytree(src, fold)
    assert run_script("check_fold.py", "--data", fold, "--labels", "bpc").returncode == 0
    lines = open(fold / "train.tsv").read().splitlines()
    root, first = lines[0], lines[1].split("\t")[0]
    short = tmp_path / "short.wav"
    soundfile.write(str(short), np.zeros(100, dtype="float32"), 16000)
    lines[1] = f"{os.path.relpath(short, root)}\t100"
    lines[2] = f"{first}.missing.wav\t{lines[2].split(chr(9))[1]}"
    open(fold / "train.tsv", "w").write("\n".join(lines) + "\n")
    utt = open(fold / "test.utt").read().splitlines()
    utt[0] = "Ses01F impro01 F000\tSes01F\tneu"
    open(fold / "test.utt", "w").write("\n".join(utt) + "\n")
    proc = run_script("check_fold.py", "--data", fold, "--labels", "bpc", check=False)
    assert proc.returncode == 2
    assert "has 100 samples; the model needs at least 400" in proc.stderr
    assert "cannot read" in proc.stderr and ".missing.wav" in proc.stderr
    assert "test.utt:1" in proc.stderr and "spaces or parentheses" in proc.stderr


def test_prepare_refuses_ids_that_break_trn_and_drops_a_stale_skip_list(tmp_path):
    from fairseq_emo.data.corpora.common import CorpusRead
    from fairseq_emo.data.prepare import finish
    from fairseq_emo.data.table import Utterance

    def utt(utt_id, speaker):
        return Utterance(utt_id=utt_id, speaker=speaker, session="s", gender="F", dialog="d", emotion="neu",
                         raw_emotion="neutral", text="", words="", phones="", wav="/x.wav", frames=16000,
                         sample_rate=16000, corpus="mandarin")
    (tmp_path / "skipped.tsv").write_text("utt_id\treason\tpath\nold\tfrom an earlier run\t/x\n")
    result = CorpusRead(utterances=[utt("f 01_anger_s01", "f 01"), utt("ok_1", "f02"), utt("ok_1", "f02")],
                        corpus="mandarin")
    assert finish(result, str(tmp_path), "tree") == 2
    assert {p.utt_id for p in result.problems} == {"f 01_anger_s01", "ok_1"}
    assert not (tmp_path / "skipped.tsv").exists() and not (tmp_path / "utterances.tsv").exists()


@pytest.mark.parametrize("args, message", [
    (["--units", "z*"], "--units takes unit (variant) names; got 'z*'"),
    (["--train-folds", "1 x"], "--train-folds takes fold numbers"),
    (["--config", "nosuch"], "no configs/nosuch.yaml; choose one of"),
    (["--exp", "EXP/a,b"], "hydra overrides cannot take this path"),
])
def test_run_folds_refuses_bad_names_and_paths_before_anything_runs(tiny_w2v, tmp_path, args, message):
    from conftest import run_folds

    args = [str(a).replace("EXP", str(tmp_path)) for a in args]
    proc = run_folds("--corpus", "demo", "--w2v", tiny_w2v, "--manifests", tmp_path / "m", *args)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "a,b").exists() or not os.listdir(tmp_path / "a,b")


def test_empty_references_are_one_error_for_both_scorers(tmp_path):
    (tmp_path / "ref.trn").write_text(" (S1-u1)\n (S1-u2)\n")
    (tmp_path / "hyp.trn").write_text(" (S1-u1)\n (S1-u2)\n")
    for scorer in ("python", "sclite"):
        proc = run_script("score.py", "--ref", tmp_path / "ref.trn", "--hyp", tmp_path / "hyp.trn", "--scorer",
                          scorer, check=False)
        assert proc.returncode == 2 and "holds no unit" in proc.stderr, (scorer, proc.stderr)


def test_full_disk_while_writing_folds_is_a_message_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    import errno

    import fairseq_emo.data.manifest as manifest

    release = tree(tmp_path)
    run_script("prepare.py", "--corpus", "iemocap", "--data", release, "--out", tmp_path / "t")
    calls = {"n": 0}
    real = manifest._write_text

    def filling_up(path, lines):
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, lines)

    monkeypatch.setattr(manifest, "_write_text", filling_up)
    out = tmp_path / "m"
    proc = run_script("make_manifests.py", "--table", tmp_path / "t" / "utterances.tsv", "--unit", "bpc", "--out",
                      out, check=False)
    assert proc.returncode == 2 and "No space left on device" in proc.stderr and "Traceback" not in proc.stderr
    assert not [n for n in os.listdir(out) if ".tmp-" in n]


def _reference_chunk_bounds(samples, chunk_seconds, rate=16000, frame=320):
    """The whole-array cutting rule the streaming version must reproduce (quietest 20-ms frame of the last
    quarter of every chunk longer than the limit)."""
    limit = int(chunk_seconds * rate)
    bounds, start = [], 0
    while len(samples) - start > limit:
        lo = start + limit * 3 // 4
        window = samples[lo:start + limit]
        n = len(window) // frame
        cut = lo + int(np.argmin((window[:n * frame].reshape(n, frame) ** 2).mean(axis=1))) * frame
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(samples)))
    return bounds


def test_streamed_chunks_cut_where_the_whole_file_would():
    from fairseq_emo.decoding.chunking import stream_chunks

    rng = np.random.default_rng(1)
    for seconds, block in ((95.3, 32000), (61.0, 7001), (19.0, 5000), (40.01, 16000)):
        samples = (rng.standard_normal(int(seconds * 16000)) * np.repeat(rng.uniform(0, 1, 2000), 10000)[
            :int(seconds * 16000)]).astype(np.float32)
        blocks = [samples[i:i + block] for i in range(0, len(samples), block)]
        got = [(s, s + len(c)) for s, c in stream_chunks(blocks, 20.0)]
        expected = _reference_chunk_bounds(samples, 20.0)
        if expected[-1][1] - expected[-1][0] < 400 and len(expected) > 1:  # a tiny tail joins the chunk before
            expected = expected[:-2] + [(expected[-2][0], expected[-1][1])]
        assert got == expected
        assert np.array_equal(np.concatenate([c for _, c in stream_chunks(blocks, 20.0)]), samples)


def test_audio_stream_converts_like_prepare(tmp_path):
    from fairseq_emo.data.audio_cache import convert
    from fairseq_emo.serving.audio_input import AudioStream

    rng = np.random.default_rng(2)
    stereo = (rng.standard_normal((48000 * 7, 2)) * 0.2).astype(np.float32)
    soundfile.write(str(tmp_path / "s.wav"), stereo, 48000, subtype="FLOAT")
    stream = AudioStream(str(tmp_path / "s.wav"))
    streamed = np.concatenate(list(stream))
    whole = convert(stereo, 48000, "resample")
    assert abs(len(streamed) - len(whole)) <= 2 and stream.frames == len(streamed)
    n = min(len(streamed), len(whole))
    # the same resampler and settings, fed in blocks: equal up to the filter's block edges
    assert np.sqrt(np.mean((streamed[100:n - 100] - whole[100:n - 100]) ** 2)) < 1e-3
    assert len(stream.envelope) == pytest.approx(len(streamed) / 320, abs=1)
