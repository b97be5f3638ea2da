"""The scenario fold scheme (folds.py): speaker and scenario held out together, IEMOCAP's lexical control.

Oracles: IEMOCAP's real 4-class utterance list (bench/data/iemocap_4class.tsv: ids and labels of all 5531),
checked by a disjointness test written here from the ids alone; and a planted lexical cue (each scenario's words
name its emotion) that the text baseline exploits on speaker folds and cannot on scenario folds.
"""
import json
import os
import re
from collections import Counter

import pytest

from conftest import run_script
from fairseq_emo.core.emotions import iemocap_emotion
from fairseq_emo.data.folds import NoScenarios, make_folds, scenario_plan
from fairseq_emo.data.table import Utterance
from iemocap_tree import TurnSpec, make_tree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_LIST = os.path.join(REPO, "bench", "data", "iemocap_4class.tsv")


def real_iemocap():
    """The 5531 utterances as table rows (speaker = session + the turn's gender letter; dialog = the id's stem)."""
    rows = []
    with open(REAL_LIST, encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")][1:]
    for utt, emo, _ in lines:
        dialog, turn = utt.rsplit("_", 1)
        speaker = dialog[:5] + turn[0]
        rows.append(Utterance(utt, speaker, dialog[:5], turn[0], dialog, iemocap_emotion(emo), emo, "", "", "",
                              f"/x/{utt}.wav", 16000, 16000, "iemocap"))
    return rows


def held_out_oracle(utt_id):
    """(speaker, scenario type) from the id alone, written independently of folds.py."""
    m = re.fullmatch(r"(Ses\d\d)[FM]_(impro|script)(\d\d)[ab]?(?:_\d[ab]?)?_([FM])\d+", utt_id)
    assert m, utt_id
    return m[1] + m[4], m[2] + m[3]


def test_scenario_folds_on_real_iemocap_hold_out_speaker_and_scenario_and_test_each_utterance_once():
    utts = real_iemocap()
    assert len(utts) == 5531 and Counter(u.emotion for u in utts) == {"neu": 1708, "hap": 1636, "ang": 1103,
                                                                       "sad": 1084}
    folds = make_folds(utts, "scenario")
    assert len(folds) == 10
    tested = Counter(u.utt_id for f in folds for u in f.test)
    assert len(tested) == 5531 and set(tested.values()) == {1}
    for f in folds:
        test = {held_out_oracle(u.utt_id) for u in f.test}
        train = {held_out_oracle(u.utt_id) for u in f.train + f.valid}
        assert not {s for s, _ in test} & {s for s, _ in train}, f.test_group
        assert not {t for _, t in test} & {t for _, t in train}, f.test_group
        assert len(f.train) + len(f.test) + f.excluded == 5531
        assert 0.3 < len(f.train) / 5531 < 0.5   # sessions x groups = 5 x 2: about 40 % trains
    groups = folds[0].scenario_groups
    assert sorted(t for members in groups.values() for t in members) == [f"impro{k:02d}" for k in range(1, 9)] + [
        f"script{k:02d}" for k in range(1, 4)]
    # the grouping documented in docs/recipe.md ("The scenario scheme")
    assert groups == {"T1": ["impro01", "impro03", "impro05", "script01", "script02"],
                      "T2": ["impro02", "impro04", "impro06", "impro07", "impro08", "script03"]}
    # each group's emotion distribution stays near the corpus's (the grouping's purpose)
    overall = Counter(u.emotion for u in utts)
    for name, members in groups.items():
        c = Counter(u.emotion for u in utts if any(f"_{t}" in u.dialog for t in members))
        n = sum(c.values())
        assert max(abs(c[e] / n - overall[e] / 5531) for e in overall) < 0.05, (name, c)


def test_scenario_folds_improvised_only_use_the_eight_improvisations():
    utts = [u for u in real_iemocap() if "_impro" in u.dialog]
    sessions, groups = scenario_plan(utts)
    assert sessions == [f"Ses0{k}" for k in range(1, 6)] and len(groups) == 2
    assert sorted(t for m in groups.values() for t in m) == [f"impro{k:02d}" for k in range(1, 9)]


def test_a_table_without_scenarios_is_refused_by_name():
    rows = [Utterance(f"03a01Fa{k}", "03", "03", "M", "a01", "hap", "F", "", "", "", "/x.wav", 16000, 16000, "emodb")
            for k in range(4)]
    with pytest.raises(NoScenarios, match="IEMOCAP's sessions and dialogs only"):
        make_folds(rows, "scenario")
    iemocap_named = [Utterance(f"Ses0{s}F_impro01_F00{k}", f"Ses0{s}F", f"Ses0{s}", "F", f"Ses0{s}F_impro01", "hap",
                               "hap", "", "", "", "/x.wav", 16000, 16000, "iemocap") for s in (1, 2) for k in range(3)]
    with pytest.raises(NoScenarios, match="at least 2 sessions and 2 scenario types"):
        make_folds(iemocap_named, "scenario")
    odd = iemocap_named + [Utterance("Ses01F_chat_F000", "Ses01F", "Ses01", "F", "Ses01F_chat", "sad", "sad", "", "",
                                     "", "/x.wav", 16000, 16000, "iemocap")]
    with pytest.raises(NoScenarios, match="Ses01F_chat_F000"):
        make_folds(odd, "scenario")


def test_make_manifests_refuses_the_scenario_scheme_on_a_corpus_without_scenarios(tmp_path):
    from fairseq_emo.data.table import write_table
    rows = [Utterance(f"03a01F{e}{k}", f"0{k}", f"0{k}", "M", "a01", e, e, "das", "das", "D AH", "/x.wav", 16000,
                      16000, "emodb") for k in range(3) for e in ("hap", "sad")]
    write_table(str(tmp_path / "utterances.tsv"), rows)
    proc = run_script("make_manifests.py", "--table", tmp_path / "utterances.tsv", "--unit", "utterance", "--folds",
                      "scenario", "--manifest-root", tmp_path / "m", check=False)
    assert proc.returncode == 2 and "scenario scheme is defined on IEMOCAP's sessions and dialogs only" in proc.stderr


# one scenario = one emotion, its words a cue: two scenarios per emotion, five sessions
PLANTED = {"impro01": "ang", "impro02": "sad", "impro03": "hap", "impro04": "neu",
           "impro05": "ang", "impro06": "sad", "impro07": "hap", "impro08": "neu"}
CUES = {"impro01": "traffic", "impro02": "funeral", "impro03": "wedding", "impro04": "weather",
        "impro05": "refund", "impro06": "hospital", "impro07": "lottery", "impro08": "schedule"}


@pytest.fixture(scope="module")
def planted_folds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scenario")
    turns = []
    for session in range(1, 6):
        for scenario, emo in PLANTED.items():
            dialog = f"Ses{session:02d}{'F' if int(scenario[-1]) % 2 else 'M'}_{scenario}"
            for gender in "FM":
                for k in range(2):
                    turns.append(TurnSpec(f"{dialog}_{gender}{k:03d}", emo, f"The {CUES[scenario]} again.",
                                          seconds=0.3))
    make_tree(str(tmp / "corpus"), turns)
    run_script("prepare.py", "--corpus", "iemocap", "--data", tmp / "corpus", "--out", tmp / "data")
    out = {}
    for scheme in ("speaker", "scenario"):
        run_script("make_manifests.py", "--table", tmp / "data" / "utterances.tsv", "--unit", "utterance",
                   "--folds", scheme, "--manifest-root", tmp / "manifests")
        folds_dir = tmp / "manifests" / "iemocap" / "utterance" / scheme
        run_script("baseline.py", "--text", "--folds-dir", folds_dir, "--out", tmp / "text" / scheme)
        correct = total = 0
        for d in sorted((tmp / "text" / scheme).glob("fold*")):
            info = json.loads((d / "baseline.json").read_text())
            correct, total = correct + info["correct"], total + info["test"]
        out[scheme] = (correct / total, folds_dir, total)
    return out


def test_the_planted_lexical_cue_is_exploited_on_speaker_folds_and_not_on_scenario_folds(planted_folds):
    speaker_acc, _, n_speaker = planted_folds["speaker"]
    scenario_acc, folds_dir, n_scenario = planted_folds["scenario"]
    assert n_speaker == n_scenario == 160     # every utterance tested once under both schemes
    assert speaker_acc == 1.0                 # the test speaker's scenario (and its cue) was in training
    assert scenario_acc <= 0.35               # the test scenarios' words were never seen: chance (0.25) or near
    record = json.loads((folds_dir / "fold1" / "fold.json").read_text())
    assert record["scheme"] == "scenario" and record["test_group"] == "Ses01.T1"
    assert sorted(t for m in record["scenario_groups"].values() for t in m) == sorted(PLANTED)
    assert record["counts"]["excluded"] + record["counts"]["train"] + record["counts"]["test"] == 160
