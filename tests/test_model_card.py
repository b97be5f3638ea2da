"""The exported model card: metadata a hub reads (pipeline tag, licence, dataset, metrics), no path of the machine
that trained it, intended use and limits; and the shipped vote code's scores against fairseq_emo's own vote."""
import os

import torch

from fairseq_emo.serving.hf_export import HF_CODE, REPO_ROOT, model_card, portable, shipped_module


def test_card_has_hub_metadata_and_no_machine_paths():
    record = {"corpus": "iemocap", "unit": "bpc", "unit_variant": "bpc", "scheme": "speaker", "fold": 3,
              "test_group": "Ses02F", "valid_policy": "monitor", "config": "paper_bpc", "seed": "1",
              "pretrained": "/home/someone/models/libri960_big.pt",
              "evaluation": {"split": "test", "n": 540, "WA": 77.41, "UA": 78.02},
              "command": f"fairseq-hydra-train --config-dir {REPO_ROOT}/configs --config-name paper_bpc "
                         f"task.data=/scratch/u/manifests/iemocap/bpc/speaker/fold3 model.w2v_path=/home/someone/"
                         f"models/libri960_big.pt"}
    card = model_card(record, normalize=False, n_units=32, license="cc-by-nc-4.0")
    import yaml

    head = yaml.safe_load(card.split("---\n")[1])   # the front matter parses (YAML), with the Hub's keys
    assert head["pipeline_tag"] == "audio-classification" and head["license"] == "cc-by-nc-4.0"
    assert head["datasets"] == ["iemocap"]
    metrics = head["model-index"][0]["results"][0]["metrics"]
    assert [(m["name"], m["value"]) for m in metrics] == [("WA", 77.41), ("UA", 78.02)]
    assert "/home/someone" not in card and "/scratch/u" not in card and REPO_ROOT not in card
    assert ("bash scripts/run.sh --corpus iemocap --data DIR --w2v .../models/libri960_big.pt --folds speaker "
            "--train-units bpc --train-folds 3") in card
    assert "| pre-trained model | libri960_big.pt |" in card and "**Intended use**" in card
    assert portable("/a/b") == "/a/b" and portable("x=/a/b/c/d") == "x=.../c/d"


def test_shipped_vote_scores_rank_as_fairseq_emos_vote():
    """vote_scores (shipped, torch only) against vote.vote on hand-set posteriors: a majority, a tie broken by
    posterior mass, and an empty hypothesis decided by mass."""
    from fairseq_emo.decoding.vote import vote

    modeling = shipped_module()
    # vocabulary: 4 specials, then A_neu A_hap A_ang A_sad
    table = torch.tensor([-1, -1, -1, -1, 0, 1, 2, 3])

    def lprobs(frames):  # frames: list of (id, p) -> (T, 8) log-probs with p on id, the rest spread
        rows = []
        for index, p in frames:
            row = torch.full((8,), (1 - p) / 7)
            row[index] = p
            rows.append(row.log())
        return torch.stack(rows)

    cases = {
        "majority": [(5, .9), (0, .9), (5, .9), (0, .9), (4, .9)],           # hap hap neu -> hap
        "two to one": [(4, .6), (0, .9), (6, .95), (0, .9), (6, .95)],     # neu 1, ang 2 -> ang
        "tie by mass": [(4, .6), (0, .9), (7, .95)],                       # neu 1, sad 1: sad has more mass
        "empty": [(0, .5), (0, .6)],                                       # only blanks
    }
    for name, frames in cases.items():
        lp = lprobs(frames)
        scores = modeling.vote_scores(lp, table, 4)
        best = lp.argmax(-1).tolist()
        units = [b for i, b in enumerate(best) if b >= 4 and (i == 0 or best[i - 1] != b)]
        emotions = [("neu", "hap", "ang", "sad")[b - 4] for b in units]
        mass = {e: float(lp.exp()[:, 4 + i].sum()) for i, e in enumerate(("neu", "hap", "ang", "sad"))}
        assert ("neu", "hap", "ang", "sad")[int(scores.argmax())] == vote(emotions, mass), name
        assert abs(float(scores.sum()) - 1) < 1e-6
    assert os.path.isfile(os.path.join(HF_CODE, "pipeline_fairseq_emo.py"))


def test_nothing_decoded_is_no_speech_not_a_confident_emotion():
    """predict's verdict: no emotion-suffixed unit -> emotion null and no_speech, the mass shares kept; units ->
    the vote. And a channels-first array is named, not read as thousands of channels."""
    import numpy as np
    import pytest

    from fairseq_emo.serving.audio_input import ArrayStream
    from fairseq_emo.serving.predict import _summarize

    mass = {"neu": 1.0, "hap": 2.0, "ang": 0.5, "sad": 6.5}
    silent = _summarize([], mass)
    assert silent["emotion"] is None and silent["no_speech"] and silent["confidence"] is None
    assert silent["scores"]["sad"]["mass_share"] == 0.65
    heard = _summarize([{"unit": "V", "emotion": "hap", "start": 0, "end": 1, "posterior": .9}], mass)
    assert heard["emotion"] == "hap" and not heard["no_speech"] and heard["vote_share"] == 1.0
    with pytest.raises(ValueError, match="channels-first"):
        ArrayStream(np.zeros((2, 48000), np.float32), 48000)
    assert ArrayStream(np.zeros((48000, 2), np.float32), 48000).channels == 2


def test_export_of_a_pretrained_checkpoint_is_refused_with_a_message(tiny_w2v, tmp_path, capsys):
    """libri960_big.pt's format (pre-trained, not fine-tuned): a message, not KeyError 'cfg'; nothing written."""
    from fairseq_emo import cli

    assert cli.main(["export", "--checkpoint", tiny_w2v, "--out", str(tmp_path / "hf")]) == 2
    err = capsys.readouterr().err
    assert "not a fine-tuned fairseq_emo checkpoint" in err and "Traceback" not in err
    assert not (tmp_path / "hf").exists()


def test_only_the_command_line_tunes_the_allocator():
    """glibc's allocator setting is the CLI's (long batches), never done by constructing the library's Predictor
    (a library must not change its host process): checked on the code itself."""
    import inspect

    from fairseq_emo import cli
    from fairseq_emo.serving import predict

    assert "allocate_large_buffers_with_mmap" not in inspect.getsource(predict)
    assert "allocate_large_buffers_with_mmap()" in inspect.getsource(cli._load_predictor)


def test_an_evaluated_folds_card_round_trips_through_huggingface_hub(tmp_path):
    """The card's YAML front matter is written by huggingface_hub (ModelCardData) and read back by ModelCard.load
    with the fold's test WA/UA in the model-index; the command is run.sh's, and no absolute path is left."""
    from huggingface_hub import ModelCard

    record = {"corpus": "iemocap", "unit": "bpc", "unit_variant": "bpc-cv2", "scheme": "session", "fold": 3,
              "test_group": "Ses03", "valid_policy": "monitor", "config": "paper_bpc", "seed": "2",
              "pretrained": "/scratch/u/models/libri960_big.pt", "commit": "abc",
              "command": "/home/someone/.venv/bin/fairseq-hydra-train --config-dir /home/someone/repo/configs "
                         "--config-name paper_bpc task.data=/d task.labels=bpc model.w2v_path=/w common.user_dir=/u "
                         "checkpoint.save_dir=/c common.seed=2 optimization.max_update=20000",
              "evaluation": {"split": "test", "n": 1087, "WA": 64.25, "UA": 65.5}}
    path = tmp_path / "README.md"
    path.write_text(model_card(record, normalize=False, n_units=30))
    card = ModelCard.load(str(path))
    metrics = {r.metric_name: r.metric_value for r in card.data.eval_results}
    assert metrics == {"WA": 64.25, "UA": 65.5} and card.data.pipeline_tag == "audio-classification"
    assert card.data.eval_results[0].dataset_name == "iemocap" and "fold 3" in card.data.eval_results[0].dataset_split
    text = path.read_text()
    assert ("bash scripts/run.sh --corpus iemocap --data DIR --w2v .../models/libri960_big.pt --folds session "
            "--train-units bpc-cv2 --train-folds 3 --seeds 2 -- optimization.max_update=20000") in text
    assert "/home/someone" not in text and "/scratch/u" not in text


def test_the_exports_chunking_is_predicts():
    """The chunk cut shipped in every export (modeling_fairseq_emo.chunk_bounds, torch only) is predict's
    (decoding/chunking.chunk_bounds) on speech-like signals of many lengths, quiet gaps included."""
    import numpy as np
    import torch

    from fairseq_emo.decoding.chunking import chunk_bounds

    modeling = shipped_module()
    rng = np.random.default_rng(3)
    for seconds in (0.5, 19.9, 20.0, 20.01, 31.7, 47.3, 65.0, 130.2):
        n = int(seconds * 16000)
        envelope = np.repeat(rng.uniform(0.0, 1.0, n // 1600 + 1), 1600)[:n]   # 100-ms loudness steps
        x = (rng.standard_normal(n) * envelope * 0.1).astype(np.float32)
        for limit in (20.0, 8.0):
            assert modeling.chunk_bounds(torch.from_numpy(x), limit) == chunk_bounds(x, limit), (seconds, limit)
    # the quietest frame last in the window: the cut leaves 370 samples, under the CNN's 400, joined to the chunk
    tail = (rng.standard_normal(320050) * 0.1).astype(np.float32)
    tail[319680:320000] = 0.0
    assert modeling.chunk_bounds(torch.from_numpy(tail)) == chunk_bounds(tail, 20.0) == [(0, 320050)]


def test_the_pipeline_answers_no_speech_where_no_unit_was_decoded():
    """The shipped model flags an input without any emotion unit (all frames blank: counts 0), and the shipped
    pipeline turns the flag into the one answer 'no_speech' (predict: emotion null, no_speech true)."""
    import importlib.util

    modeling = shipped_module()
    table = torch.tensor([-1, -1, -1, -1, 0, 1, 2, 3])
    blank = torch.full((5, 8), -20.0)
    blank[:, 0] = 0.0   # every frame: the blank
    counts, mass = modeling.units_and_mass(blank.log_softmax(-1), table, 4)
    assert counts.sum() == 0 and mass.sum() > 0
    spec = importlib.util.spec_from_file_location("pipeline_fairseq_emo", os.path.join(HF_CODE, "pipeline_fairseq_emo.py"))
    pipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipe)
    out = modeling.EmotionOutput(logits=torch.zeros(1, 4), no_speech=torch.tensor([True]))
    assert pipe.FairseqEmoAudioClassification.postprocess(None, out) == [{"score": 1.0, "label": "no_speech"}]
