"""The experiment layout's owners: paths and stage markers (layout.py), DONE and the command check (fold_run.py),
the typed fold record (fold_protocol.py), the scores table (scoring.py), the RESULT line (report.py), and the
shared bash (scripts/lib.sh). Fast: no training."""
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import REPO
from fairseq_emo.core import layout
from fairseq_emo.data.fold_protocol import FoldRecord, SchemeProtocol, read_fold_record, write_fold_record
from fairseq_emo.core.layout import read_done
from fairseq_emo.training.fold_run import mark_done, same_command
from fairseq_emo.reporting.render import format_result
from fairseq_emo.decoding.scoring import Counts, read_scores_table, write_scores_table
from fairseq_emo.decoding.vote import weighted_votes, write_predictions


def test_paths_come_from_one_module(tmp_path):
    assert layout.manifest_dir("m", "iemocap", "bpc-cv2", "speaker-k7") == os.path.join("m", "iemocap", "bpc-cv2",
                                                                                         "speaker-k7")
    assert layout.run_dir("exp", "demo", "bpc", "session", 2) == os.path.join("exp", "demo", "bpc.session.seed2")
    assert layout.run_dir("exp", "demo", "bpc") == os.path.join("exp", "demo", "bpc")
    for name in ("fold10", "fold2", "fold1", "fold2.replaced-20260101T000000Z", "folds.tsv"):
        (tmp_path / name).mkdir() if name != "folds.tsv" else (tmp_path / name).write_text("")
    assert [os.path.basename(d) for d in layout.fold_dirs(str(tmp_path))] == ["fold1", "fold2", "fold10"]
    assert layout.fold_number(str(tmp_path / "fold10")) == 10
    with pytest.raises(ValueError, match="not a fold directory"):
        layout.fold_number(str(tmp_path / "fold2.replaced-20260101T000000Z"))
    assert layout.test_checkpoint("f").endswith(os.path.join("checkpoints", "checkpoint_last.pt"))
    assert layout.baseline_dir("exp/demo", "session") == os.path.join("exp/demo", "baseline", "session")
    assert layout.report_dir("exp/demo") == os.path.join("exp/demo", "report")
    assert layout.cross_dir("exp") == os.path.join("exp", "cross")
    assert layout.demo_w2v("exp/demo", "tiny") == os.path.join("exp/demo", "w2v_tiny.pt")
    # the report never mistakes these folders for runs
    assert set(layout.NOT_RUNS) == {"baseline", "report"}
    with pytest.raises(ValueError, match="not a fold scheme directory"):
        layout.manifest_dir("m", "demo", "bpc", "speakers")


def test_a_decode_is_current_only_for_the_training_that_made_it(tmp_path):
    fold = tmp_path / "bpc" / "fold1"
    (fold / "checkpoints").mkdir(parents=True)
    dec = fold / "decode_test"
    dec.mkdir()
    assert not layout.is_trained(str(fold)) and layout.model_fold_of(str(fold / "checkpoints" / "x.pt")) is None
    mark_done(str(fold), {"config": "tiny", "command": "fairseq-hydra-train a=1 "})
    stamp = layout.trained_stamp(str(fold))
    assert layout.is_trained(str(fold)) and stamp
    assert layout.model_fold_of(str(fold / "checkpoints" / "x.pt")) == str(fold)
    assert not layout.is_decoded(str(dec), str(fold))          # nothing decoded yet
    (dec / layout.DECODED).write_text(json.dumps({"model_finished": stamp}))
    assert layout.is_decoded(str(dec), str(fold)) and layout.is_decoded(str(dec))
    time.sleep(1.1)                                             # the fold trains again: a new stamp
    mark_done(str(fold), {"config": "tiny"})
    assert not layout.is_decoded(str(dec), str(fold)) and layout.is_decoded(str(dec))
    # the same answers through the recipe's door the bash scripts use
    cli = [sys.executable, "-m", "fairseq_emo.recipe", "run.sh"]
    assert subprocess.run(cli + ["is-decoded", str(dec), str(fold)]).returncode == 1
    out = subprocess.run(cli + ["trained-folds", str(tmp_path / "bpc"), "1 3"], capture_output=True,
                         text=True).stdout.split()
    assert out == [str(fold)]


def test_done_records_the_command_and_the_checkpoint_rule(tmp_path):
    recorded = ("/venv/bin/fairseq-hydra-train --config-dir /repo/configs --config-name paper_bpc "
                "hydra.run.dir=/old/exp/bpc/fold1/hydra task.data=/m/fold1 checkpoint.save_dir=/old/exp/bpc/fold1/c "
                "common.user_dir=/repo/fairseq_emo optimization.max_update=4 ")
    mark_done(str(tmp_path), {"config": "paper_bpc", "seed": "1", "command": recorded})
    done = read_done(str(tmp_path))
    assert done["checkpoint_rule"] == layout.CHECKPOINT_RULE and done["config"] == "paper_bpc"
    assert done["test_checkpoint"] == layout.test_checkpoint(str(tmp_path))
    assert same_command(str(tmp_path), recorded)
    # moved experiment dir, another clone, another venv: the same training
    moved = recorded.replace("/old/exp", "/new/exp").replace("/repo", "/clone").replace("/venv", "/v2")
    assert same_command(str(tmp_path), moved)
    # another override, config or data: not the same
    assert not same_command(str(tmp_path), recorded.replace("max_update=4", "max_update=5"))
    assert not same_command(str(tmp_path), recorded.replace("paper_bpc", "tiny"))
    assert not same_command(str(tmp_path), recorded + " common.seed=2")
    with pytest.raises(ValueError, match="unknown key"):
        mark_done(str(tmp_path), {"colour": "red"})
    # a DONE from before commands were recorded: nothing to compare, not called different
    (tmp_path / "DONE").write_text("config=tiny\nfinished=2026-01-01T00:00:00Z\n")
    assert same_command(str(tmp_path), "anything")


def test_fold_record_round_trips_and_refuses_foreign_files(tmp_path):
    record = FoldRecord(**vars(SchemeProtocol("iemocap", "/t.tsv", "speaker", "bpc", "bpc-cv2", "cv2")), fold=3,
                        test_group="Ses02F", valid_policy="monitor", counts={"train": 9, "valid": 1, "test": 2})
    write_fold_record(str(tmp_path), record)
    assert read_fold_record(str(tmp_path)) == record
    data = json.loads((tmp_path / "fold.json").read_text())
    data["future_key"] = 1                                       # unknown keys are ignored, not fatal
    del data["valid_policy"]                                     # folds from before the policy: heldout
    (tmp_path / "fold.json").write_text(json.dumps(data))
    assert read_fold_record(str(tmp_path)).valid_policy == "heldout"
    (tmp_path / "fold.json").write_text("{}")
    with pytest.raises(ValueError, match="fold.json: no corpus"):
        read_fold_record(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="make_manifests.py"):
        read_fold_record(str(tmp_path / "nowhere"))


def test_scores_table_round_trips_with_counts_summed_over_folds(tmp_path):
    rows = [("fold1", "emo", Counts(8, 1, 1, 0)), ("fold1", "noemo", Counts(9, 0, 1, 1)),
            ("all", "emo", Counts(8, 1, 1, 0)), ("all", "noemo", Counts(9, 0, 1, 1))]
    path = str(tmp_path / "scores_test.tsv")
    write_scores_table(path, rows)
    table = read_scores_table(path)
    assert table["fold1"]["emo"]["Err"] == "20.00" and table["all"]["noemo"]["n_ins"] == "1"
    # a table written before the row was renamed ('pooled' now names only the same-backbone classifier)
    old = tmp_path / "old.tsv"
    old.write_text(open(path).read().replace("\nall\t", "\npooled\t"))
    assert read_scores_table(str(old))["all"]["noemo"]["n_ins"] == "1"
    assert table["fold1"]["noemo"]["N"] == "10"
    assert read_scores_table(str(tmp_path / "none.tsv")) == {}


def test_weighted_vote_and_predictions_file(tmp_path):
    units = tmp_path / "units.jsonl"
    records = [{"utt_id": "a", "units": [{"unit": "X_hap", "posterior": 0.9}, {"unit": "Y_sad", "posterior": 0.2},
                                         {"unit": "Z_sad", "posterior": 0.3}], "emotion_mass": {"neu": 1.0}},
               {"utt_id": "b", "units": [], "emotion_mass": {"ang": 2.0, "neu": 1.0}}]
    units.write_text("".join(json.dumps(r) + "\n" for r in records))
    # the majority says sad (2 units), the posteriors say happy (0.9 > 0.5); no units: the mass decides
    assert weighted_votes(str(units), ["a", "b"]) == {"a": "hap", "b": "ang"}
    with pytest.raises(KeyError, match="no record of 1 voted utterance"):
        weighted_votes(str(units), ["a", "c"])
    write_predictions(str(tmp_path / "pred.txt"), {"a": "hap", "b": "ang"})
    assert (tmp_path / "pred.txt").read_text() == "a hap\nb ang\n"


def test_both_reports_print_one_result_format():
    line = format_result("emodb", "bpc", "cross-corpus", 71.04, 65.55, n=535, empty=3)
    assert line == "RESULT corpus=emodb unit=bpc folds=cross-corpus WA=71.0 UA=65.5  (n=535, empty=3)"
    assert format_result("demo", "bpc", "speaker", 81.5, 81.6, seed=2, n=1).startswith(
        "RESULT corpus=demo unit=bpc folds=speaker seed=2 WA=81.5 UA=81.6")


@pytest.mark.parametrize("script, args, message", [
    ("run_folds.sh", ["--units"], "--units needs a value"),
    ("run_folds.sh", ["--folds", "1"], "unknown option --folds"),  # fold numbers are --train-folds
    ("run_folds.sh", ["--scheme-dir", "speakers", "--w2v", "/nowhere"], "not a scheme directory name"),
    ("run.sh", ["--stage"], "--stage needs a value"),
    ("run.sh", ["--corpus", "nosuch"], "unknown corpus 'nosuch'; registered: iemocap"),
    ("run.sh", ["--corpus", "savee", "--data", "/x"], "corpus savee has no transcripts here"),
    ("run.sh", ["--corpus", "ravdess", "--data", "/x", "--w2v", "/w", "--folds", "session"],
     "corpus ravdess has no IEMOCAP sessions, dialogs or scenarios; its fold schemes: speaker emobox (registry)"),
    ("run.sh", ["--train-units", "a*"], "--train-units takes unit (variant) names; got 'a*'"),
    ("run_cross_corpus.sh", ["--units", "x y?"], "--units takes unit (variant) names; got 'y?'"),
    ("run_cross_corpus.sh", ["--iemocap", "/x", "--target", "nosuch=/y", "--stop-stage", "2"],
     "--target nosuch: not a registered target corpus"),
    ("run_cross_corpus.sh", ["--train", "savee=/x", "--target", "tess=/y", "--stop-stage", "2"],
     "--train savee: it has no transcripts here"),
    ("run_cross_corpus.sh", ["--target", "tess"], "--target NAME=DIR"),
])
def test_bash_options_are_checked_by_the_shared_library(script, args, message):
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", script), *args], capture_output=True, text=True,
                          env=env, cwd=REPO)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_usage_text_is_what_the_scripts_accept():
    import re

    env = dict(os.environ, PYTHON=sys.executable)
    from fairseq_emo.recipe.options import SCRIPTS

    for script in ("run.sh", "run_folds.sh", "run_cross_corpus.sh"):
        path = os.path.join(REPO, "scripts", script)
        usage = subprocess.run(["bash", path, "--help"], capture_output=True, text=True, env=env).stdout
        accepted = set(SCRIPTS[script])   # the options the script's parser takes (fairseq_emo/recipe/options.py)
        assert len(accepted) > 8, (script, accepted)
        assert len(usage.splitlines()) <= 25, f"{script} --help does not fit a screen"
        undocumented = sorted(o for o in accepted if not re.search(re.escape(o) + r"(?![a-z-])", usage))
        assert not undocumented, f"{script} accepts {undocumented} but its --help does not name them"
    run_help = subprocess.run(["bash", os.path.join(REPO, "scripts", "run.sh"), "--help"], capture_output=True,
                              text=True, env=env).stdout
    assert "--corpus NAME (default demo; any registered corpus with transcripts" in run_help


def test_decode_pairs_each_data_dir_with_one_output_dir(tmp_path):
    from conftest import run_script

    proc = run_script("decode.py", "--checkpoint", tmp_path / "c.pt", "--data", tmp_path / "a", tmp_path / "b",
                      "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "2 --data dir(s) but 1 --out dir(s)" in proc.stderr


def test_run_names_round_trip_for_every_scheme_and_seed():
    # 'bpc.seed1' (speaker folds, --seeds) was once read as a scheme called 'seed1', so the report found no runs
    for variant, scheme, seed in (("bpc", "speaker", 1), ("bpc", "speaker", None), ("bpc-cv2", "session", 2),
                                  ("utterance", "speaker-k7", 3), ("syllable", "speaker-heldout", None)):
        names = layout.parse_exp_name(layout.exp_name(variant, scheme, seed))
        assert (names["variant"], names["scheme_dir"], names["seed"]) == (variant, scheme, seed)
