"""fairseq-emo predict on generated speech at several rates and channel counts, long, corrupt and silent files."""
import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile
import soxr

from conftest import check_schema, require_tool

pytestmark = pytest.mark.e2e  # real training / recipe runs: the end-to-end tier

CLI = os.path.join(os.path.dirname(sys.executable), "fairseq-emo")


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory):
    require_tool("espeak-ng", "apt-get install espeak-ng")
    d = tmp_path_factory.mktemp("audio")
    wav = d / "speech22k.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), "Where did you put the umbrella? It is raining."],
                   check=True)
    x, rate = soundfile.read(wav, dtype="float32")
    for target in (8000, 16000, 44100, 48000):
        y = soxr.resample(x, rate, target)
        soundfile.write(d / f"speech{target}.wav", y, target)
        if target >= 44100:
            soundfile.write(d / f"stereo{target}.flac", np.stack([y, 0.5 * y], axis=1), target)
    pause = np.zeros(int(0.7 * rate), np.float32)
    long = np.concatenate([np.concatenate([x, pause])] * int(np.ceil(180 * rate / (len(x) + len(pause)))))
    soundfile.write(d / "long.flac", long[: 180 * rate], rate)
    soundfile.write(d / "chunk.flac", long[: 20 * rate], rate)  # exactly one chunk  # 3 minutes (libsndfile's Vorbis encoder crashes on long writes)
    soundfile.write(d / "silent.wav", np.zeros(32000, np.float32), 16000)
    (d / "corrupt.wav").write_bytes(b"RIFF" + bytes(300))
    soundfile.write(d / "tiny.wav", np.zeros(400, np.float32), 16000)  # 25 ms
    return d


def run_cli(*args):
    return subprocess.run([CLI, "predict", *map(str, args), "--no-progress"], capture_output=True, text=True)


def check_record(r):
    check_schema(r, "predict")
    # every emotion's score; the winner's are the record's; mass shares sum to 1; the winner has the most votes;
    # nothing decoded: no speech, no emotion (the scores still show the posterior mass)
    for x in [r] + r["chunks"]:
        assert x["no_speech"] == (not any(u["emotion"] for c in (r["chunks"] if x is r else [x])
                                          for u in c["timeline"]))
        assert sum(v["mass_share"] for v in x["scores"].values()) == pytest.approx(1.0, abs=1e-3)
        if x["no_speech"]:
            assert x["emotion"] is None and x["confidence"] is None and x["vote_share"] is None
            continue
        assert x["emotion"] in ("neu", "hap", "ang", "sad")
        assert 0.0 <= x["vote_share"] <= 1.0 and 0.0 <= x["mass_share"] <= 1.0
        # one confidence everywhere: the vote share (what the exported pipeline scores); mass_share beside it
        assert x["confidence"] == x["vote_share"] and x["mass_share"] == x["scores"][x["emotion"]]["mass_share"]
        assert x["vote_share"] == x["scores"][x["emotion"]]["vote_share"]
        assert x["scores"][x["emotion"]]["vote_share"] == max(v["vote_share"] for v in x["scores"].values())
    assert r["n_units"] == sum(c["n_units"] for c in r["chunks"]) == sum(len(c["timeline"]) for c in r["chunks"])
    previous_end = 0.0
    for c in r["chunks"]:
        assert c["start"] == pytest.approx(previous_end) and c["end"] > c["start"]
        previous_end = c["end"]
        last = c["start"]
        for u in c["timeline"]:
            assert c["start"] <= u["start"] < u["end"] <= c["end"] + 0.02
            assert u["start"] >= last - 1e-9
            last = u["start"]
            assert u["emotion"] in ("neu", "hap", "ang", "sad") and 0.0 <= u["posterior"] <= 1.0
    assert previous_end == pytest.approx(r["duration"])


def test_predict_rates_channels_errors(audio_dir, tiny_finetuned, tmp_path):
    files = [audio_dir / f for f in ("speech8000.wav", "speech16000.wav", "speech22k.wav", "speech44100.wav",
                                     "speech48000.wav", "stereo44100.flac", "stereo48000.flac", "silent.wav",
                                     "corrupt.wav", "tiny.wav")]
    out, ctm = tmp_path / "out.jsonl", tmp_path / "out.ctm"
    proc = run_cli("--checkpoint", tiny_finetuned, *files, "--out", out, "--ctm", ctm, "--plot", tmp_path / "t.png")
    assert proc.returncode == 1, proc.stderr  # two files fail, the batch goes on
    assert "real-time factor" in proc.stderr and "2 channels averaged to mono" in proc.stderr
    # no noise from fairseq's imports or torch's weight_norm deprecation on every call
    assert "FutureWarning" not in proc.stderr and "tensorboardX" not in proc.stderr, proc.stderr
    records = {os.path.basename(r["file"]): r for r in map(json.loads, out.read_text().splitlines())}
    assert len(records) == len(files)
    assert "unreadable audio" in records["corrupt.wav"]["error"] and "emotion" not in records["corrupt.wav"]
    assert "too short" in records["tiny.wav"]["error"]
    check_schema(records["corrupt.wav"], "predict")   # a failed file is a valid record too: id, file, error, no emotion
    durations = set()
    for name in ("speech8000.wav", "speech16000.wav", "speech22k.wav", "speech44100.wav", "speech48000.wav",
                 "stereo44100.flac", "stereo48000.flac", "silent.wav"):
        r = records[name]
        check_record(r)
        if name.startswith("speech"):
            durations.add(round(r["duration"], 1))
    assert len(durations) == 1  # the same speech, whatever its rate
    assert records["stereo48000.flac"]["mixed_to_mono"] and records["speech8000.wav"]["resampled"]
    assert not records["speech16000.wav"]["resampled"]
    lines = ctm.read_text().splitlines()
    n_units = sum(len(c["timeline"]) for r in records.values() for c in r.get("chunks", []))
    assert len(lines) == n_units
    assert all(len(l.split()) == 6 for l in lines)
    assert len(list(tmp_path.glob("t_*.png"))) == 8


def test_predict_csv_and_python_api(audio_dir, tiny_finetuned, tmp_path):
    proc = run_cli("--checkpoint", tiny_finetuned, audio_dir / "speech16000.wav", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["scope"] for r in rows] == ["file", "chunk"]
    assert rows[0]["emotion"] in ("neu", "hap", "ang", "sad") or rows[0]["no_speech"] == "True"
    assert {r["id"] for r in rows} == {"speech16000"}
    # a wav.scp: its ids name each file in the JSONL, the CTM and the plots
    scp = tmp_path / "wav.scp"
    scp.write_text(f"spk1_utt1 {audio_dir / 'speech16000.wav'}\nspk2_utt9 {audio_dir / 'speech48000.wav'}\n")
    out, ctm, plot = tmp_path / "o.jsonl", tmp_path / "o.ctm", tmp_path / "t.png"
    proc = run_cli("--checkpoint", tiny_finetuned, scp, "--out", out, "--ctm", ctm, "--plot", plot)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["spk1_utt1", "spk2_utt9"]
    assert {line.split()[0] for line in ctm.read_text().splitlines()} <= {"spk1_utt1", "spk2_utt9"}
    assert (tmp_path / "t_spk1_utt1.png").is_file() and (tmp_path / "t_spk2_utt9.png").is_file()
    import fairseq  # noqa: F401
    from fairseq_emo.serving import predict
    results = predict.predict([str(audio_dir / "speech48000.wav")], checkpoint=tiny_finetuned)
    check_record(results[0])


def test_long_file_is_chunked_and_memory_bounded(audio_dir, tiny_finetuned, tmp_path):
    def peak_rss(path):
        # measured from a small helper process: a child started straight from this (large) test process reports
        # the parent's high-water mark when that is higher (Linux keeps it across fork + exec)
        cmd = [CLI, "predict", "--checkpoint", tiny_finetuned, str(path), "--no-progress",
               "--out", str(tmp_path / (path.stem + ".jsonl"))]
        helper = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, "
                  "stderr=subprocess.DEVNULL); _, status, usage = os.wait4(p.pid, 0); "
                  "print(status, usage.ru_maxrss)")
        status, maxrss = subprocess.run([sys.executable, "-S", "-c", helper, *cmd], capture_output=True,
                                        text=True, check=True).stdout.split()
        assert status == "0"
        return int(maxrss) / 1024.0
    one_chunk, long = peak_rss(audio_dir / "chunk.flac"), peak_rss(audio_dir / "long.flac")
    record = json.loads((tmp_path / "long.jsonl").read_text())
    check_record(record)
    assert record["duration"] == pytest.approx(180.0, abs=0.05)
    assert len(record["chunks"]) >= 9 and all(c["end"] - c["start"] <= 20.0 + 1e-6 for c in record["chunks"])
    # memory is bounded by the chunk, not the recording: 3 minutes cost about what one 20-s chunk costs (the
    # whole waveform in memory is ~16 MiB); without the mmap setting the heap grew by >200 MiB here
    assert long - one_chunk < 60, f"peak RSS {long:.0f} MiB for 3 minutes vs {one_chunk:.0f} MiB for 20 seconds"
    # streamed read: a 60-second 96 kHz 6-channel file (138 MiB as float32 if read whole) costs about one chunk
    rng = np.random.default_rng(3)
    wide = tmp_path / "wide.wav"
    with soundfile.SoundFile(str(wide), "w", 96000, 6, subtype="PCM_16") as f:
        for _ in range(6):
            f.write((rng.standard_normal((96000 * 10, 6)) * 0.05).astype(np.float32))
    many = peak_rss(wide)
    record = json.loads((tmp_path / "wide.jsonl").read_text())
    assert record["duration"] == pytest.approx(60.0, abs=0.05) and record["channels"] == 6
    assert many - one_chunk < 60, f"peak RSS {many:.0f} MiB for 60 s at 96 kHz x 6 vs {one_chunk:.0f} MiB (3 min: {long:.0f})"


def test_predict_fails_early_on_unusable_outputs_and_checkpoints(audio_dir, tiny_finetuned, tmp_path):
    wav = audio_dir / "speech16000.wav"
    proc = run_cli("--checkpoint", tiny_finetuned, wav, "--out", tmp_path / "no" / "such" / "dir" / "o.jsonl")
    assert proc.returncode == 2 and "--out" in proc.stderr and "does not exist" in proc.stderr
    assert "file(s) done" not in proc.stderr          # nothing was decoded
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all")
    proc = run_cli("--checkpoint", junk, wav)
    assert proc.returncode == 2 and "is not a usable fine-tuned fairseq_emo checkpoint" in proc.stderr
    assert "Traceback" not in proc.stderr
    # results appear file by file: the output holds one line per finished file
    out = tmp_path / "o.jsonl"
    proc = run_cli("--checkpoint", tiny_finetuned, wav, audio_dir / "speech48000.wav", "--out", out)
    assert proc.returncode == 0 and len(out.read_text().splitlines()) == 2


def test_checkpoint_carries_its_record_and_predict_states_it(audio_dir, tiny_finetuned, tmp_path):
    info = subprocess.run([CLI, "info", tiny_finetuned, "--json"], capture_output=True, text=True)
    assert info.returncode == 0, info.stderr
    record = json.loads(info.stdout)
    assert (record["corpus"], record["unit_variant"], record["scheme"], record["test_group"]) == \
        ("demo", "bpc", "speaker", "Ses01F")
    assert record["valid_policy"] == "monitor" and record["utterances"]["train"] > 0
    assert "optimization.max_update=12" in record["command"] and record["config"] == "tiny"
    assert record["evaluation"] is None
    # the vote stage adds the evaluation; predict states the record and warns about the synthetic corpus
    fold = os.path.dirname(os.path.dirname(tiny_finetuned))
    import shutil
    copy = tmp_path / "fold1"
    shutil.copytree(fold, copy)
    done = (copy / "DONE").read_text().replace(fold, str(copy))
    (copy / "DONE").write_text(done)
    dec = copy / "decode_test"
    dec.mkdir(exist_ok=True)
    (dec / "ref_emotions.txt").write_text("a neu\nb hap\n")
    (dec / "pred.txt").write_text("a neu\nb sad\n")
    proc = subprocess.run([sys.executable, "-m", "fairseq_emo.recipe", "run.sh", "record-evaluation", str(copy)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "test WA 50.0 / UA 50.0 on 2 utterances" in proc.stdout and "WARNING: trained on the synthetic" in proc.stdout
    out = tmp_path / "o.jsonl"
    proc = run_cli("--checkpoint", copy / "checkpoints" / "checkpoint_last.pt", audio_dir / "speech16000.wav",
                   "--out", out)
    assert proc.returncode == 0 and "model: bpc units trained on demo" in proc.stderr and "WARNING" in proc.stderr
    (result,) = map(json.loads, out.read_text().splitlines())
    assert result["model"]["evaluation"] == {"split": "test", "n": 2, "WA": 50.0, "UA": 50.0}
    # a checkpoint without a record is said to be foreign
    import torch
    state = torch.load(str(copy / "checkpoints" / "checkpoint_last.pt"), weights_only=False)
    state.pop("fairseq_emo_record")
    torch.save(state, str(tmp_path / "foreign.pt"))
    info = subprocess.run([CLI, "info", str(tmp_path / "foreign.pt")], capture_output=True, text=True)
    assert info.returncode == 1 and "carries no fairseq_emo record" in info.stdout
    # a fold whose checkpoint lost its record (a kill between DONE and the record, before DONE was written last):
    # the vote stage rebuilds the whole record from the fold instead of writing a partial one
    shutil.copy(tmp_path / "foreign.pt", copy / "checkpoints" / "checkpoint_last.pt")
    proc = subprocess.run([sys.executable, "-m", "fairseq_emo.recipe", "run.sh", "record-evaluation", str(copy)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "bpc units trained on demo" in proc.stdout, proc.stderr
    info = subprocess.run([CLI, "info", str(copy / "checkpoints" / "checkpoint_last.pt"), "--json"],
                          capture_output=True, text=True)
    assert json.loads(info.stdout)["utterances"]["train"] == record["utterances"]["train"]


def test_python_api_from_checkpoint_and_arrays(audio_dir, tiny_finetuned):
    import fairseq  # noqa: F401
    import torch

    from fairseq_emo.serving.predict import Predictor, resolve_device

    p = Predictor.from_checkpoint(tiny_finetuned)           # device None: cuda when present, else cpu
    assert p.device == ("cuda" if torch.cuda.is_available() else "cpu")
    path = audio_dir / "speech16000.wav"
    from_file = p.predict_file(str(path))
    samples, rate = soundfile.read(str(path), dtype="float32")
    from_array = p.predict_array(samples, rate, ident="mine")
    check_schema(from_array, "predict")
    # no conversion at 16 kHz mono: the same chunks, units and scores as the file
    assert from_array["id"] == "mine" and from_array["file"] is None
    for key in ("emotion", "scores", "n_units", "duration"):
        assert from_array[key] == from_file[key], key
    assert [c["units"] for c in from_array["chunks"]] == [c["units"] for c in from_file["chunks"]]
    # int16 and (frames, channels) arrays at another rate are converted as prepare converts files
    stereo = (np.stack([samples, samples], axis=1) * 32767).astype(np.int16)
    wide = p.predict_array(soxr.resample(stereo, 16000, 44100), 44100)
    check_record(wide)
    assert wide["mixed_to_mono"] and wide["resampled"] and abs(wide["duration"] - from_file["duration"]) < 0.01
    with pytest.raises(ValueError, match="expected a non-empty"):
        p.predict_array(np.zeros((2, 2, 2)), 16000)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA device"):
            resolve_device("cuda")
        proc = run_cli("--checkpoint", tiny_finetuned, path, "--device", "cuda")
        assert proc.returncode == 2 and "sees no CUDA device" in proc.stderr


def test_batches_give_the_single_file_results(audio_dir, tiny_finetuned, tmp_path):
    """predict_files(batch_size=8) = predict_file one by one, and inference.forward's padded batch = each
    utterance alone, for the fairseq model (group-norm CNN) and its transformers export."""
    import fairseq  # noqa: F401
    import torch

    from fairseq_emo.decoding import inference
    from fairseq_emo.serving.hf_export import export
    from fairseq_emo.serving.predict import Predictor

    names = ["speech8000.wav", "stereo44100.flac", "chunk.flac", "long.flac", "corrupt.wav", "speech48000.wav",
             "tiny.wav"]
    paths = [str(audio_dir / n) for n in names]
    p = Predictor.from_checkpoint(tiny_finetuned, "cpu")
    batched = p.predict_files(paths, batch_size=8, chunk_seconds=15.0)
    assert [r["file"] for r in batched] == paths          # input order, errors in place
    assert "error" in batched[4] and "too short" in batched[6]["error"]
    assert len(batched[3]["chunks"]) >= 12               # the long file's chunks were decoded among the others'
    from fairseq_emo.serving.predict import PredictError

    for r in batched:
        if "error" in r:   # the single-file call raises where the batch records the error and goes on
            with pytest.raises(PredictError) as err:
                p.predict_file(r["file"], chunk_seconds=15.0)
            assert str(err.value) == f"{r['file']}: {r['error']}"
            continue
        single = p.predict_file(r["file"], chunk_seconds=15.0)
        check_record(r)
        assert [c["units"] for c in r["chunks"]] == [c["units"] for c in single["chunks"]]
        assert [(c["start"], c["end"]) for c in r["chunks"]] == [(c["start"], c["end"]) for c in single["chunks"]]
        for e in r["scores"]:
            assert r["scores"][e]["mass_share"] == pytest.approx(single["scores"][e]["mass_share"], abs=2e-4)

    # the log-probs themselves, on utterances of very different lengths
    gen = torch.Generator().manual_seed(0)
    waves = [0.1 * torch.randn(n, generator=gen) for n in (16000, 3200, 48000, 800)]
    exported = export(tiny_finetuned, str(tmp_path / "hf"))
    hf = Predictor.from_checkpoint(exported, "cpu")
    for model in (p.model, hf.model):
        together = inference.forward(model, waves, False, "cpu")
        alone = [inference.forward(model, [w], False, "cpu")[0] for w in waves]
        for a, b in zip(together, alone):
            assert a.shape == b.shape
            assert (a - b).abs().max() < 1e-4
    # without running the group-norm CNN per utterance, padding would change the short utterances' outputs
    # (what the per-utterance CNN is for; if this stops holding the CNN is not group-normed any more)
    source = torch.zeros(2, 48000)
    source[0, :3200], source[1] = waves[1], waves[2]
    mask = torch.zeros(2, 48000, dtype=torch.bool)
    mask[0, 3200:] = True
    with torch.inference_mode():
        plain, _ = inference.log_probs(p.model, p.model(source=source, padding_mask=mask))
    assert (plain[0, :len(alone[1])] - alone[1]).abs().max() > 1e-3


def test_python_api_verdicts_batches_and_errors(audio_dir, tiny_finetuned, tmp_path):
    """classify_batch gives per item what predict_array gives; a single-item call raises on a bad input; a
    channels-first array is named; the CLI's paper cuts: --version, info --checkpoint, .csv output, missing files
    said before the model loads."""
    import fairseq  # noqa: F401

    from fairseq_emo.serving.predict import PredictError, Predictor

    p = Predictor.from_checkpoint(tiny_finetuned, "cpu")
    waves = [soundfile.read(str(audio_dir / f), dtype="float32")[0] for f in ("speech16000.wav", "silent.wav")]
    longest = max(len(w) for w in waves)
    batch = np.stack([np.pad(w, (0, longest - len(w))) for w in waves])
    got = p.classify_batch(batch, lengths=[len(w) for w in waves])
    for k, w in enumerate(waves):
        one = p.predict_array(w, 16000)
        share = "mass_share" if one["no_speech"] else "vote_share"
        assert got.labels[k] == one["emotion"] and (got.index[k] == -1) == one["no_speech"]
        assert np.allclose(got.probs[k], [one["scores"][e][share] for e in ("neu", "hap", "ang", "sad")], atol=1e-4)
    relative = p.classify_batch(batch, lengths=[len(w) / longest for w in waves])
    assert relative.labels == got.labels and np.allclose(relative.probs, got.probs)
    # SpeechBrain's types: tensors (out_prob, score, index) and the labels; classify_file is classify_batch of one
    import torch

    assert all(isinstance(x, torch.Tensor) for x in got[:3]) and got.index.dtype == torch.int64
    one = p.classify_file(str(audio_dir / "speech16000.wav"))
    assert one.labels == got.labels[:1] and torch.allclose(one.probs, got.probs[:1], atol=1e-4)
    with pytest.raises(PredictError, match="no-such.wav"):
        p.predict_file(str(tmp_path / "no-such.wav"))
    with pytest.raises(PredictError, match="channels-first"):
        p.predict_array(np.zeros((2, 48000), np.float32), 48000)
    with pytest.raises(PredictError, match="too short"):
        p.predict_array(np.zeros(100, np.float32), 16000)
    # CLI
    version = subprocess.run([CLI, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("fairseq-emo ")
    a = subprocess.run([CLI, "info", tiny_finetuned, "--json"], capture_output=True, text=True)
    b = subprocess.run([CLI, "info", "--checkpoint", tiny_finetuned, "--json"], capture_output=True, text=True)
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout
    out = tmp_path / "emotions.csv"
    proc = run_cli("--checkpoint", tiny_finetuned, audio_dir / "speech16000.wav", "--out", out)
    assert proc.returncode == 0 and out.read_text().startswith("id,file,scope,")
    proc = run_cli("--checkpoint", tiny_finetuned, audio_dir / "speech16000.wav", "--out", out, "--format", "jsonl")
    assert proc.returncode == 2 and "name the file .jsonl" in proc.stderr
    proc = run_cli("--checkpoint", tiny_finetuned, tmp_path / "gone.wav")
    assert proc.returncode == 2 and "gone.wav: no such file" in proc.stderr and "model:" not in proc.stderr


def test_utterance_embeddings_from_the_same_forward_pass(audio_dir, tiny_finetuned, tmp_path):
    """embed_file = the encoder's last hidden state averaged over the file's frames, computed here independently
    with a hook on fairseq's model; --embeddings DIR writes one .npy per file and never overwrites one."""
    import fairseq  # noqa: F401
    import torch

    from fairseq_emo.serving.predict import Predictor

    p = Predictor.from_checkpoint(tiny_finetuned, "cpu")
    path = audio_dir / "speech16000.wav"
    emb = p.embed_file(str(path))
    x, _ = soundfile.read(str(path), dtype="float32")
    seen = []
    hook = p.model.w2v_encoder.proj.register_forward_hook(lambda m, a, o: seen.append(a[0]))
    with torch.no_grad():
        p.model(source=torch.from_numpy(x)[None], padding_mask=None)
    hook.remove()
    expected = seen[0][:, 0].mean(0).numpy()     # (T, B, C) -> the one utterance's mean over frames
    assert emb.shape == expected.shape == (p.model.w2v_encoder.proj.in_features,)
    assert np.allclose(emb, expected, atol=1e-5)
    assert np.allclose(p.embed_array(x, 16000), emb, atol=1e-6)
    out = tmp_path / "emb"
    proc = run_cli("--checkpoint", tiny_finetuned, path, audio_dir / "speech48000.wav", "--embeddings", out,
                   "--out", tmp_path / "o.jsonl")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(l) for l in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [os.path.basename(r["embedding_file"]) for r in records] == ["speech16000.npy", "speech48000.npy"]
    assert np.allclose(np.load(out / "speech16000.npy"), emb, atol=1e-5) and "embedding" not in records[0]
    again = run_cli("--checkpoint", tiny_finetuned, path, "--embeddings", out)
    assert again.returncode == 2 and "would be overwritten" in again.stderr
