"""'Is this the paper's experiment?' (paper.compare / compare_cross) on the conditions a run records, and the Holm
correction the report applies to its pairwise tests."""
import pytest

from fairseq_emo.training.reproduce import seed_of
from fairseq_emo.reporting import paper
from fairseq_emo.evaluation.stats import holm

COMMAND = ("fairseq-hydra-train --config-dir /r/configs --config-name {config} hydra.run.dir=/e/f/hydra "
           "task.data=/m/fold1 task.labels={unit} model.w2v_path=/models/libri960_big.pt common.user_dir=/r/fairseq_emo "
           "checkpoint.save_dir=/e/f/checkpoints")


def conditions(**changes):
    facts = dict(corpus="iemocap", scheme="speaker", unit="bpc", variant="bpc", folds=list(range(1, 11)),
                 total_folds=10, valid_policy="monitor", config="paper_bpc", w2v="/models/libri960_big.pt",
                 command=COMMAND.format(config="paper_bpc", unit="bpc"), n=5531)
    facts.update(changes)
    return paper.RunConditions(**facts)


def test_the_paper_protocol_is_the_paper_experiment_and_gets_its_figure():
    c = paper.compare(conditions())
    assert c.comparable and c.table == "table1" and c.differences == []
    assert c.figure("bpc") == {"WA": 76.8, "UA": 77.2}
    # the seed is not a difference
    c = paper.compare(conditions(command=conditions().command + " common.seed=3"))
    assert c.comparable and seed_of(conditions().command + " common.seed=3") == "3"
    # the paper gives no BPC set: only the default set (the stated reconstruction) gets its figure, others are named
    c = paper.compare(conditions(variant="bpc-cv2"))
    assert not c.comparable and c.figure("bpc") is None and "BPC set cv2 (the paper does not give its set" in \
        c.differences[0]
    # logging and saving overrides do not change what is trained
    assert paper.compare(conditions(command=conditions().command + " common.log_interval=10 dataset.num_workers=2")
                         ).comparable


@pytest.mark.parametrize("changes, named", [
    (dict(folds=[1, 2]), "folds 1-2 of 10"),
    (dict(folds=[1, 3, 5]), "folds 1, 3, 5 of 10"),
    (dict(config="tiny"), "config tiny (the paper's recipe: paper_bpc)"),
    (dict(w2v="/m/w2v_tiny.pt"), "pre-trained model w2v_tiny.pt (the paper: libri960_big.pt)"),
    (dict(command=COMMAND.format(config="paper_bpc", unit="bpc") + " backbone=hubert_large"),
     "backbone hubert_large (the paper: libri960)"),
    (dict(command=COMMAND.format(config="paper_bpc", unit="bpc") + " lr_scheduler.phase_ratio=[0.1,0.5667,0.3333]"),
     "override lr_scheduler.phase_ratio=[0.1,0.5667,0.3333]"),
    # a second task.data after the script's own is the user's (it would train on other data)
    (dict(command=COMMAND.format(config="paper_bpc", unit="bpc") + " task.data=/m/fold2"), "override task.data=/m/fold2"),
    (dict(valid_policy="heldout", scheme="speaker-heldout"), "validation policy heldout"),
    (dict(n=5500), "5500 test utterances (the paper: 5531)"),
    (dict(unit="syllable", variant="syllable-pyphen", config="paper_syllable"), "unit variant syllable-pyphen"),
])
def test_each_difference_from_the_paper_is_named_and_takes_the_figure_away(changes, named):
    c = paper.compare(conditions(**changes))
    assert not c.comparable and c.figure(changes.get("unit", "bpc")) is None
    assert any(named in d for d in c.differences), c.differences


def test_other_corpora_and_schemes_have_no_paper_table():
    for changes in (dict(corpus="demo"), dict(scheme="session"), dict(corpus="iemocap", scheme="dialog")):
        c = paper.compare(conditions(**changes))
        assert c.table is None and not c.comparable and c.figure("bpc") is None


def test_mandarin_seven_folds_compare_only_in_the_8khz_condition():
    mandarin = dict(scheme="speaker-k7", unit="initfinal", variant="initfinal", folds=list(range(1, 8)),
                    total_folds=7, config="paper_initfinal", n=16319,
                    command=COMMAND.format(config="paper_initfinal", unit="initfinal"))
    c = paper.compare(conditions(corpus="mandarin-bandlimit8k", **mandarin))
    assert c.comparable and c.figure("initfinal") == {"WA": 75.2}
    full = paper.compare(conditions(corpus="mandarin", **mandarin))
    assert full.table == "mandarin7" and not full.comparable and "audio full band" in full.differences[0]
    relabel = paper.compare(conditions(corpus="mandarin-relabel", **mandarin))
    assert not relabel.comparable and "slowed" in relabel.differences[0] and relabel.figure("initfinal") is None


def test_table5_figures_only_for_the_paper_training_and_the_paper_target_condition():
    training = conditions(scheme="all", folds=[1], total_folds=1, n=None)
    assert paper.compare_cross(training, "emodb").figure("bpc") == {"WA": 66.7}
    band = paper.compare_cross(training, "mandarin-bandlimit8k")
    assert band.comparable and band.figure("bpc") == {"WA": 39.9}
    for target, named in (("mandarin", "full band"), ("mandarin-relabel", "read as 16 kHz")):
        c = paper.compare_cross(training, target)
        assert c.table == "table5" and c.figure("bpc") is None and named in c.differences[0]
    demo = paper.compare_cross(conditions(corpus="demo", scheme="all", config="demo", folds=[1], total_folds=1),
                               "ksu")
    assert not demo.comparable and "trained on demo (the paper: all of IEMOCAP)" in demo.differences
    assert paper.compare_cross(training, "ravdess").table is None
    # the training scheme and count, and the target's Table 4 counts, are checked too
    session = paper.compare_cross(conditions(folds=[1], total_folds=1, scheme="session", n=4290), "emodb")
    assert not session.comparable and any("scheme all" in d for d in session.differences)
    few = paper.compare_cross(conditions(scheme="all", folds=[1], total_folds=1, n=5000), "emodb")
    assert "trained on 5000 utterances (the paper: all 5531)" in few.differences
    emodb = list(paper_counts("emodb"))
    assert paper.compare_cross(training, "emodb", target_counts=emodb).comparable
    off = paper.compare_cross(training, "emodb", target_counts=[emodb[0] - 1] + emodb[1:])
    assert not off.comparable and "the paper's Table 4" in off.differences[0]


def paper_counts(corpus):
    from fairseq_emo.core.emotions import POLICIES
    return POLICIES[corpus].paper_counts


def test_the_pretrained_model_is_judged_by_its_recorded_architecture_not_its_file_name():
    renamed = paper.compare(conditions(w2v="/models/my_copy.pt", w2v_arch=paper.PAPER_ARCHITECTURE))
    assert renamed.comparable
    tiny = paper.compare(conditions(w2v_arch="wav2vec2 2x64 layer_norm_first=False normalize=False"))
    assert not tiny.comparable and "pre-trained model wav2vec2 2x64" in tiny.differences[0]
    lv60 = paper.compare(conditions(w2v_arch="wav2vec2 24x1024 layer_norm_first=True normalize=True"))
    assert not lv60.comparable


def test_the_mandarin_fold_assumption_is_stated_beside_its_figure():
    from fairseq_emo.reporting.render import paper_notes
    sec = {"runs": [], "paper_table": "mandarin7", "paper_table1": {"initfinal": {"WA": 75.2}}, "synthetic": False,
           "baseline": None, "protocol": {"corpus": "mandarin-bandlimit8k", "scheme": "speaker-k7"}}
    assert "assumption: the paper does not say how its 7 folds split the 68 speakers" in " ".join(paper_notes(sec))


def test_holm_step_down_matches_the_hand_computation():
    # sorted: 0.01 (x3 = 0.03), 0.02 (x2 = 0.04), 0.04 (x1 = 0.04); monotone; None is not a test
    adjusted = holm([0.04, None, 0.01, 0.02])
    assert adjusted[1] is None and adjusted[0] == pytest.approx(0.04) and adjusted[2] == pytest.approx(0.03) \
        and adjusted[3] == pytest.approx(0.04)
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1, monotone
    assert holm([]) == []
