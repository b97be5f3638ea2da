"""Decoding a real fine-tuned tiny checkpoint, and the whole demo pipeline (shortened) through run.sh."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, check_schema, run_script, strict_json
from fairseq_emo.decoding.trn import read_trn

pytestmark = pytest.mark.e2e  # real training / recipe runs: the end-to-end tier


def last_valid(log_path):
    with open(log_path) as f:
        records = [json.loads(l.split(" - ", 1)[1]) for l in f if "[valid][INFO] - {" in l]
    return records[-1]


def test_decoder_uer_equals_criterion_uer(demo_manifests, tiny_finetuned, tmp_path):
    # batch size 1 in fairseq's validation (conftest.TINY_FIXTURE_OVERRIDES) and in the decoder: the group-norm
    # CNN then sees no padding in either
    fold = Path(tiny_finetuned).parent.parent
    assert "dataset.batch_size_valid=1" in (fold / "cmd.sh").read_text()
    valid = last_valid(fold / "train.log")
    out = tmp_path / "dec"
    run_script("decode.py", "--fold-exp", fold, "--split", "valid", "--out", out, "--batch-size", "1", "--no-progress")
    test_dir = tmp_path / "decode_test"
    run_script("decode.py", "--fold-exp", fold, "--split", "test", "--out", test_dir, "--no-progress")
    # the criterion aligns with sclite's weights, as the scorer does: the same number as Table 3's
    from fairseq_emo.decoding.scoring import align_counts
    refs, hyps = read_trn(str(out / "emo" / "ref.trn")), read_trn(str(out / "emo" / "hyp.trn"))
    errors = sum(align_counts(refs[i], hyps[i]).errors for i in refs)
    total = sum(len(r) for r in refs.values())
    assert round(100.0 * errors / total, 3) == float(valid["valid_uer_emo"])
    assert any(hyps.values()), "the model emitted no unit: the comparison above would be trivial"
    # every utterance of the split is written, in both views, and units.jsonl is consistent
    manifest_lines = len(open(os.path.join(demo_manifests, "demo/bpc/speaker/fold1/test.tsv")).read().splitlines()) - 1
    for view in ("emo", "noemo"):
        assert len(read_trn(str(test_dir / view / "hyp.trn"))) == manifest_lines
    with open(test_dir / "units.jsonl") as f:
        records = [json.loads(line) for line in f]
    assert len(records) == manifest_lines
    for r in records:
        check_schema(r, "units")   # every line as documented
    for r in records:
        times = [(u["start"], u["end"]) for u in r["units"]]
        assert all(0 <= a < b <= r["seconds"] + 0.02 for a, b in times)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(times, times[1:]))
        assert all(u["unit"].rsplit("_", 1)[1] in ("neu", "hap", "ang", "sad") for u in r["units"])
        assert set(r["emotion_mass"]) == {"neu", "hap", "ang", "sad"}
    noemo = read_trn(str(test_dir / "noemo" / "hyp.trn"))
    assert all("_" not in tok for toks in noemo.values() for tok in toks)


def test_run_sh_end_to_end_shortened(demo_tree, tiny_w2v, tmp_path):
    # two fold schemes: each is trained, decoded, scored, voted and reported, with its own protocol line; the
    # utterance unit beside the same-backbone pooled classifier, with the paired tests between them
    env = dict(os.environ, PYTHON=sys.executable)
    cmd = ["bash", os.path.join(REPO, "scripts", "run.sh"), "--data", os.path.dirname(demo_tree), "--work",
           str(tmp_path), "--units", "utterance pooled", "--train-units", "utterance pooled", "--train-folds", "1",
           "--config", "tiny", "--folds", "speaker session", "--w2v", tiny_w2v]
    overrides = ["--", "optimization.max_update=4"]
    base, cmd = cmd, cmd + overrides
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    assert len(result) == 4, proc.stdout
    assert result[0].startswith("RESULT corpus=demo unit=utterance folds=speaker WA=")
    assert result[1].startswith("RESULT corpus=demo unit=pooled folds=speaker WA=")
    assert result[2].startswith("RESULT corpus=demo unit=utterance folds=session WA=")
    wa = float(result[0].split("WA=")[1].split()[0])
    assert 0.0 <= wa <= 100.0 and "valid=monitor" in result[0]
    report = tmp_path / "exp" / "demo" / "report"
    text = (report / "report.md").read_text()
    assert "fold scheme `speaker`" in text and "fold scheme `session`" in text and text.count("Protocol:") == 2
    assert "checkpoint_last.pt" in text and "Table 3" in text and "**Synthetic corpus.**" in text
    from fairseq_emo.reporting.render import POOLED_NOTE
    table1_rows = [line for line in text.splitlines() if line.startswith("| pooled | ")]
    assert text.count(POOLED_NOTE) == 2 and len(table1_rows) >= 2, table1_rows
    # the eGeMAPS baseline ran on the same folds (stage 8) and stands beside Table 1 in both schemes
    assert text.count("| baseline: eGeMAPSv02 functionals + logistic regression |") == 2
    for scheme in ("speaker", "session"):
        fold = tmp_path / "exp" / "demo" / "baseline" / scheme / "fold1"
        assert json.load(open(fold / "baseline.json"))["test"] == len(open(fold / "ref_emotions.txt").readlines())
    assert (report / "confusion_utterance.png").stat().st_size > 1000
    assert (report / "confusion_utterance.session.png").stat().st_size > 1000
    assert (report / "training_loss.png").stat().st_size > 1000
    results = strict_json(report / "results.json")
    assert set(results["schemes"]) == {"speaker", "session"}
    check_schema(results, "results")
    tests = results["schemes"]["speaker"]["paired_tests"]
    assert any({t["a"], t["b"]} == {"utterance", "pooled"} for t in tests), tests
    pooled_run = next(r for r in results["schemes"]["speaker"]["runs"] if r["run"] == "pooled")
    assert pooled_run["decision_rules"] is None and pooled_run["bootstrap"] is not None
    assert pooled_run["rules"]["empty"] == 0   # the classifier always decides
    assert "criterion._name=emotion_pooled_ce" in (tmp_path / "exp" / "demo" / "pooled" / "fold1" / "cmd.sh").read_text()
    check_pooled_decode_is_the_criterions_decision(tmp_path / "exp" / "demo" / "pooled" / "fold1")
    assert isinstance(results["schemes"]["speaker"]["runs"][0]["scores"]["emo"]["N"], int)
    assert (tmp_path / "exp" / "demo" / "utterance" / "scores_test.tsv").is_file()
    assert (tmp_path / "exp" / "demo" / "utterance.session" / "scores_test.tsv").is_file()
    decode = tmp_path / "exp" / "demo" / "utterance" / "fold1" / "decode_test"
    assert json.load(open(decode / "decode.json"))["utterances"] == len(open(decode / "ref_emotions.txt").readlines())
    sys_files = list((decode / "emo").glob("*.sys"))
    assert sys_files, "sclite's report was not kept"
    # a rerun skips the finished trainings, decodes and baseline folds
    proc = subprocess.run(base + ["--stage", "4", "--stop-stage", "5"] + overrides, capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0 and proc.stderr.count("finished earlier, skipped") == 4, proc.stderr
    assert proc.stderr.count("decode_test exists, skipped") == 4, proc.stderr
    proc = subprocess.run(base + ["--stage", "8", "--stop-stage", "8"], capture_output=True, text=True, env=env)
    # both schemes, each with the eGeMAPS baseline and the lexical control
    assert proc.returncode == 0 and proc.stdout.count("BASELINE fold1: done earlier, skipped") == 4


def test_a_test_utterance_longer_than_a_minute_is_decoded_in_chunks_joined(demo_manifests, tiny_finetuned, tmp_path):
    """The oracle: each chunk (the same quiet-frame cuts as predict) decoded on its own, then joined; utterances of
    normal length are decoded whole, as before."""
    import numpy as np
    import soundfile
    import torch

    from fairseq_emo.evaluation import decode
    from fairseq_emo.decoding import inference
    from fairseq_emo.data.manifest import read_split, SplitEntry
    from fairseq_emo.decoding.chunking import chunk_bounds
    from fairseq_emo.training.fine_tuned import load_model

    model, task = load_model(tiny_finetuned, None, "cpu")
    fold = os.path.join(demo_manifests, "demo", "bpc", "speaker", "fold1")
    short = read_split(fold, "test", "bpc")[:2]
    waves = [soundfile.read(e.wav, dtype="float32")[0] for e in short]
    long_wave = np.concatenate([np.concatenate(waves)] * int(70 * 16000 / sum(map(len, waves)) + 1))
    path = tmp_path / "long.wav"
    soundfile.write(str(path), long_wave, 16000, subtype="FLOAT")
    long_entry = SplitEntry(wav=str(path), frames=len(long_wave), utt_id="long", speaker=short[0].speaker,
                                   emotion="neu", ref=[])
    results = decode.decode_split(model, task, short + [long_entry], progress=False)
    vocab = inference.Vocabulary.of(task.target_dictionary)
    # normal lengths: whole, unchanged
    for e, r in zip(short, results):
        (lp,) = inference.forward(model, [torch.from_numpy(soundfile.read(e.wav, dtype="float32")[0])], False, "cpu")
        assert [u["unit"] for u in r["units"]] == [u.token for u in inference.decode(lp, vocab).units]
    bounds = chunk_bounds(long_wave, decode.CHUNK_SECONDS)
    assert len(bounds) >= 4 and bounds[-1][1] == len(long_wave)
    expected, mass = [], {}
    for start, end in bounds:
        (lp,) = inference.forward(model, [torch.from_numpy(long_wave[start:end])], False, "cpu")
        part = inference.decode(lp, vocab, offset=start / 16000)
        expected += [(u.token, u.start) for u in part.units]
        mass = {k: mass.get(k, 0.0) + v for k, v in part.mass.items()}
    got = results[2]
    assert [(u["unit"], u["start"]) for u in got["units"]] == expected
    assert got["emotion_mass"] == {k: round(v, 4) for k, v in mass.items()} and got["seconds"] > 60


def check_pooled_decode_is_the_criterions_decision(fold):
    """The decoder's pooled decision (inference.classify_pooled, on the encoder's hidden states) and the training
    criterion's (emotion_pooled_ce, on the output layer's frames) agree on every test utterance of a real model:
    the linear head on the mean-pooled encoder is the mean of the output layer, as fairseq_emo/decoding/pooled.py says."""
    import soundfile
    import torch

    from fairseq_emo.data.manifest import read_split
    from fairseq_emo.training.fine_tuned import load_model
    from fairseq_emo.training.fairseq_plugin.pooled_criterion import EmotionPooledCriterion
    from fairseq_emo.core.layout import read_done

    done = read_done(str(fold))
    model, task = load_model(done["test_checkpoint"], done["data"], "cpu")
    assert model.fairseq_emo_pooled
    criterion = EmotionPooledCriterion(None, task)
    hyps = read_trn(str(fold / "decode_test" / "emo" / "hyp.trn"))
    entries = read_split(done["data"], "test", "pooled")
    for e in entries:
        wav, _ = soundfile.read(e.wav, dtype="float32")
        target = torch.tensor([[task.target_dictionary.index(e.ref[0])]])
        with torch.no_grad():
            _, _, log = criterion(model, {"net_input": {"source": torch.from_numpy(wav)[None],
                                                        "padding_mask": torch.zeros(1, len(wav), dtype=torch.bool)},
                                          "target": target})
        decoded_right = hyps[f"{e.speaker}-{e.utt_id}"] == e.ref
        assert (log["_emo_errors"] == 0) == decoded_right, e.utt_id
    # predict gives the decoder's decision, and the export (a CTC unit model for transformers) refuses the model
    from fairseq_emo.serving.hf_export import export
    from fairseq_emo.serving.predict import Predictor

    predictor = Predictor(done["test_checkpoint"])
    for e in entries[:3]:
        record = predictor.predict_file(e.wav)
        assert record["chunks"][0]["units"].split() == hyps[f"{e.speaker}-{e.utt_id}"] and record["n_units"] == 1
    # its head answers every chunk; silence is no speech by the energy gate (predict.SILENCE_DBFS), as a unit
    # model's blanks are, and the quietest test utterance still gets its emotion
    import numpy as np

    silence = predictor.predict_array(np.zeros(3 * 16000, np.float32), 16000)
    assert silence["no_speech"] and silence["emotion"] is None and silence["n_units"] == 0
    quiet = min(entries, key=lambda e: float(np.abs(soundfile.read(e.wav, dtype="float32")[0]).max()))
    assert predictor.predict_file(quiet.wav)["emotion"] is not None
    with pytest.raises(ValueError, match="is the pooled classifier"):
        export(done["test_checkpoint"], str(fold / "exported"))
