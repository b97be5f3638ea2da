"""Scoring (real sclite vs the Python re-implementation) and the vote script."""
import random

import pytest

from conftest import run_script
from fairseq_emo.decoding.scoring import Counts, align_counts, score_python, score_sclite, sclite_command
from fairseq_emo.decoding.trn import read_trn, write_trn


@pytest.fixture(scope="module")
def sclite():
    try:
        return sclite_command()
    except FileNotFoundError as err:
        pytest.fail(str(err))


def random_pairs(seed, n=300):
    rng = random.Random(seed)
    refs, hyps = [], []
    for k in range(n):
        ref = [rng.choice(["V_hap", "V_sad", "STOP_hap", "NAS_neu", "FRIC_ang"]) for _ in range(rng.randint(1, 12))]
        hyp = list(ref)
        for _ in range(rng.randint(0, 6)):
            op = rng.random()
            if op < 0.33 and hyp:
                hyp.pop(rng.randrange(len(hyp)))
            elif op < 0.66:
                hyp.insert(rng.randint(0, len(hyp)), rng.choice(["V_hap", "V_neu", "AFFR_sad"]))
            elif hyp:
                hyp[rng.randrange(len(hyp))] = rng.choice(["V_ang", "STOP_sad"])
        if rng.random() < 0.05:
            hyp = []
        refs.append((f"spk{k % 3}", f"utt{k}", ref))
        hyps.append((f"spk{k % 3}", f"utt{k}", hyp))
    return refs, hyps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_python_scorer_equals_sclite_per_utterance(tmp_path, sclite, seed):
    refs, hyps = random_pairs(seed)
    write_trn(str(tmp_path / "ref.trn"), refs)
    write_trn(str(tmp_path / "hyp.trn"), hyps)
    total_py, per_py = score_python(str(tmp_path / "ref.trn"), str(tmp_path / "hyp.trn"))
    total_sc, per_sc = score_sclite(str(tmp_path / "ref.trn"), str(tmp_path / "hyp.trn"), str(tmp_path / "sc"))
    assert len(per_sc) == len(refs)  # sclite saw every utterance, empty hypotheses included
    assert per_py == per_sc and total_py == total_sc
    assert (tmp_path / "sc" / "score.sys").is_file() and (tmp_path / "sc" / "score.pra").is_file()


def test_weighted_alignment_differs_from_plain_levenshtein_split():
    # costs sub 4, ins 3, del 3: 'a b' vs 'b c' is one deletion + one insertion (6), not two substitutions (8)
    assert align_counts(["a", "b"], ["b", "c"]) == Counts(corr=1, sub=0, dele=1, ins=1)
    assert align_counts(["a"], []) == Counts(0, 0, 1, 0)


def test_score_script_line_and_missing_ids(tmp_path, sclite):
    write_trn(str(tmp_path / "ref.trn"), [("s", "u1", ["a", "b", "c", "d"]), ("s", "u2", ["a", "b"])])
    write_trn(str(tmp_path / "hyp.trn"), [("s", "u1", ["a", "x", "c", "d", "e"]), ("s", "u2", [])])
    for scorer in ("sclite", "python"):
        proc = run_script("score.py", "--ref", tmp_path / "ref.trn", "--hyp", tmp_path / "hyp.trn", "--scorer", scorer,
                          "--out", tmp_path / "out")
        assert "N=6 Corr=50.0% Sub=16.7% Del=33.3% Ins=16.7% Err=66.7%" in proc.stdout
    assert "[python scorer, not sclite]" in proc.stdout
    write_trn(str(tmp_path / "short.trn"), [("s", "u1", ["a"])])
    proc = run_script("score.py", "--ref", tmp_path / "ref.trn", "--hyp", tmp_path / "short.trn", check=False)
    assert proc.returncode == 2 and "1 missing from the hypothesis" in proc.stderr


PAPER_TABLE_2 = {  # target -> predicted counts, order neutral happy angry sad (Yuan et al. 2021, BPC)
    "neu": [1189, 298, 100, 121], "hap": [222, 1328, 64, 22], "ang": [67, 69, 958, 9], "sad": [195, 93, 25, 771]}


def test_vote_reproduces_paper_table_2(tmp_path):
    emotions = ["neu", "hap", "ang", "sad"]
    hyp_rows, ref_lines, k = [], [], 0
    for target, row in PAPER_TABLE_2.items():
        for predicted, count in zip(emotions, row):
            for _ in range(count):
                other = emotions[(emotions.index(predicted) + 1) % 4]
                # two units of the predicted emotion, one of another: the majority decides
                hyp_rows.append(("spk", f"u{k}", [f"V_{predicted}", f"STOP_{other}", f"NAS_{predicted}"]))
                ref_lines.append(f"u{k} {target}")
                k += 1
    write_trn(str(tmp_path / "hyp.trn"), hyp_rows)
    (tmp_path / "ref.txt").write_text("\n".join(ref_lines) + "\n")
    proc = run_script("vote.py", "--hyp", tmp_path / "hyp.trn", "--out", tmp_path / "pred.txt", "--ref",
                      tmp_path / "ref.txt")
    assert k == 5531
    assert "WA 76.8" in proc.stdout.splitlines() and "UA 77.2" in proc.stdout.splitlines()
    assert "neutral                1189      298      100      121" in proc.stdout
    assert len((tmp_path / "pred.txt").read_text().splitlines()) == 5531


def test_vote_empty_hypothesis_and_bad_reference(tmp_path):
    write_trn(str(tmp_path / "hyp.trn"), [("s", "u1", []), ("s", "u2", ["V_sad", "V_ang"])])
    run_script("vote.py", "--hyp", tmp_path / "hyp.trn", "--out", tmp_path / "pred.txt")
    assert (tmp_path / "pred.txt").read_text().split() == ["u1", "neu", "u2", "ang"]
    (tmp_path / "ref.txt").write_text("u1 neu\nu2 bored\n")
    proc = run_script("vote.py", "--hyp", tmp_path / "hyp.trn", "--out", tmp_path / "p2.txt", "--ref",
                      tmp_path / "ref.txt", check=False)
    assert proc.returncode == 2 and "ref.txt:2" in proc.stderr


def test_trn_reader_errors(tmp_path):
    (tmp_path / "bad.trn").write_text("a b (s-u1)\na b without id\n")
    with pytest.raises(ValueError, match="bad.trn:2"):
        read_trn(str(tmp_path / "bad.trn"))
