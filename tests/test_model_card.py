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
    head = card.split("\n---\n")[0]
    assert "pipeline_tag: audio-classification" in head and "license: cc-by-nc-4.0" in head
    assert "datasets: [iemocap]" in head and "name: WA, value: 77.41" in head and "name: UA, value: 78.02" in head
    assert "/home/someone" not in card and "/scratch/u" not in card and REPO_ROOT not in card
    assert "--config-dir configs" in card and ".../models/libri960_big.pt" in card
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
