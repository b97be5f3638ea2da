"""The improvised-only protocol option (a lexical control): the subset of dialogs, its folds, its name, its
comparison with the paper (fast tier)."""
import json

import pytest

from conftest import run_script
from fairseq_emo.core import layout
from fairseq_emo.reporting import paper
from fairseq_emo.data.folds import select_subset
from fairseq_emo.data.table import read_table
from iemocap_tree import TurnSpec, default_turns, make_tree


@pytest.fixture()
def mixed_table(tmp_path):
    """Improvised dialogs (default_turns) plus one scripted dialog per session."""
    turns = default_turns(per_speaker=6)
    for session in (1, 2):
        for gender in ("F", "M"):
            for k, emo in enumerate(["neu", "hap", "ang", "sad"]):
                turns.append(TurnSpec(f"Ses{session:02d}F_script01_1_{gender}{k:03d}", emo, "Where are you going?"))
    make_tree(str(tmp_path / "corpus"), turns)
    run_script("prepare.py", "--corpus", "iemocap", "--data", tmp_path / "corpus", "--out", tmp_path / "prep")
    return str(tmp_path / "prep" / "utterances.tsv")


def test_the_improvised_subset_keeps_exactly_the_improvised_dialogs(mixed_table, tmp_path):
    utterances = read_table(mixed_table)
    impro = select_subset(utterances, "improvised")
    scripted = select_subset(utterances, "scripted")
    assert len(impro) + len(scripted) == len(utterances) and len(scripted) == 16
    assert all("_impro" in u.dialog for u in impro) and all("_script" in u.dialog for u in scripted)
    run_script("make_manifests.py", "--table", mixed_table, "--unit", "bpc", "--subset", "improvised",
               "--manifest-root", tmp_path / "m")
    root = tmp_path / "m" / "iemocap" / "bpc" / "speaker-improvised"
    written = set()
    for fold in sorted(d for d in root.glob("fold*") if d.is_dir()):
        info = json.load(open(fold / "fold.json"))
        assert info["subset"] == "improvised" and info["scheme"] == "speaker-improvised"
        written |= {line.split()[0] for line in open(fold / "test.utt")}
    assert written == {u.utt_id for u in impro}   # every improvised utterance is tested once, no scripted one


def test_subset_names_round_trip_and_other_corpora_are_refused(mixed_table):
    name = layout.scheme_dir("speaker", None, "heldout", "improvised")
    assert name == "speaker-heldout-improvised"
    assert layout.parse_scheme_dir(name) == {"scheme": "speaker", "num_folds": None, "valid_policy": "heldout",
                                             "subset": "improvised"}
    assert layout.parse_exp_name("bpc.speaker-improvised")["subset"] == "improvised"
    assert layout.parse_scheme_dir("speaker")["subset"] is None
    with pytest.raises(ValueError, match="unknown subset"):
        layout.scheme_dir("speaker", subset="spontaneous")
    import dataclasses

    odd = [dataclasses.replace(u, dialog="03a01", corpus="emodb") for u in read_table(mixed_table)]
    with pytest.raises(ValueError, match="neither improvised nor scripted.*IEMOCAP-layout tables only"):
        select_subset(odd, "improvised")


def test_a_subset_run_is_never_the_papers_experiment_and_says_why():
    conditions = paper.RunConditions(corpus="iemocap", scheme="speaker-improvised", unit="bpc", variant="bpc",
                                     folds=list(range(1, 11)), total_folds=10, valid_policy="monitor",
                                     config="paper_bpc", w2v="/m/libri960_big.pt", command="", n=5531)
    comparison = paper.compare(conditions)
    assert comparison.table == "table1" and not comparison.comparable
    assert "improvised dialogs only (the paper: every utterance of the 4-class set)" in comparison.differences
