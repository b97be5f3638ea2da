"""The experiment layout, one owner: (corpus, unit variant, fold scheme, validation policy, seed, fold) -> paths,
the markers that say a stage finished, and the checkpoint rule.

  manifests/<corpus>/<variant>/<scheme dir>/fold<k>/          scheme dir = <scheme>[-k<K>][-heldout]
  exp/<corpus>/<variant>[.<scheme dir>][.seed<s>]/fold<k>/    (a "run"; '.speaker', the paper's scheme, is left out)
      DONE                     training finished (key=value: config, data, seed, device, `finished` stamp, ...)
      FAILED, LOCK, LOCK.pid   the last failed attempt; the runner's lock
      cmd.sh, train.log, check.err   the exact command; fairseq's log; check_fold.py's complaint
      checkpoints/checkpoint_last.pt   the test checkpoint (CHECKPOINT_RULE: the final one, no selection)
      decode_<split>/decode.json       decoding finished (written last; names the model's `finished` stamp)
      decode_<split>/pred.txt          voted (ref_emotions.txt, units.jsonl, emo|noemo/{hyp,ref}.trn beside)
  exp/<corpus>/<run>/scores_<split>.tsv   scored (sclite, every fold and pooled)
  exp/<corpus>/baseline/<scheme dir>/fold<k>/   the eGeMAPS baseline (pred.txt; baseline.json = done)
  exp/<corpus>/baseline/egemaps_features.npz    its feature cache
  exp/<corpus>/report/                    the report: results.json (the product), report.md and PNGs (its views)
  exp/<corpus>/w2v_<size>.pt              the demo's random-init pre-trained model
  exp/cross[-from-<train>]/<target>/<variant>/   a cross-corpus cell: decode.json, pred.txt as in decode_<split>/;
  exp/cross[-from-<train>]/<target>/baseline/   the eGeMAPS baseline trained on <train>, tested on <target>
  exp/cross-matrix/{results.json, report.md}     every training corpus x every target
  exp/cross/{results.json, report.md}     the cross-corpus report
  data/<corpus>/utterances.tsv; manifests/<corpus>/eval/{test.tsv, eval.json}   the prepared inputs

- `-k<K>`: speakers dealt into K groups (Mandarin: 7) instead of one fold per speaker.
- `-heldout`: the validation slice is held out of training (checkpoint-selection studies). The default
  policy, `monitor`, trains on every utterance of the training groups as the paper does, and gets no suffix.
- `.seed<s>`: one training run per seed (`run.sh --seeds "1 2 3"`); without it fairseq's default seed (1).
A decode is current only when its decode.json names the `finished` stamp of the DONE it was made from, so a
retrained fold is decoded again whatever the files' ages. The bash scripts get these names and paths from the
recipe's plan (fairseq_emo/recipe/plan.py, `shell_names()`) instead of re-coding them; a fast test
(tests/test_file_names.py) fails where any other file builds these names.
"""
import json
import os
import re
from typing import Dict, List, Optional

# official: the release's own split (ESD, MSP-Podcast); emobox: EmoBox's published folds (data/emobox.py)
SCHEMES = ("speaker", "dialog", "session", "scenario", "all", "official", "emobox")
VALID_POLICIES = ("monitor", "heldout")
DEFAULT_VALID_POLICY = "monitor"
DONE = "DONE"                  # training finished
FAILED = "FAILED"              # the last attempt failed (exit status, log tail)
LOCK = "LOCK"                  # flock'ed by the runner training the fold
LOCK_PID = "LOCK.pid"          # who holds it (pid, host, time)
COMMAND = "cmd.sh"             # the fold's exact fairseq-hydra-train command
TRAIN_LOG = "train.log"        # fairseq's log, appended across attempts
CHECK_ERR = "check.err"        # check_fold.py's complaint, when the fold data is bad
CHECK_MAX_UPDATE = "check.max_update"  # the composed config's max_update (check_fold.py --max-update-out)
SLURM_SCRIPT = "job.sh"        # the fold's Slurm job (slurm.py): its training and decode, as submitted
SLURM_JOB = "slurm.job"        # '<job id> <submitted>': the fold's latest Slurm job
SLURM_OUTPUT = "slurm-%j.out"  # the job's stdout/stderr (%j: sbatch's job id)
PREPARE_LOCK = ".prepare.lock"  # data/<...>: run.sh holds it while stages 0-2 write the shared inputs
CHECKPOINTS = "checkpoints"    # fairseq's checkpoint.save_dir (the test checkpoint and the dictionary stay)
HYDRA = "hydra"                # hydra's run dir (its own log; fairseq's log under the submitit launcher)
DECODED = "decode.json"        # decoding finished (written last)
VOTED = "pred.txt"             # the vote
VOTE_LOG = "vote.txt"          # the vote's printed summary (cross-corpus cells)
REF_EMOTIONS = "ref_emotions.txt"  # '<utt_id> <emotion>': the reference of the vote (decode, baseline)
UNIT_TIMELINES = "units.jsonl"  # decode.py: units with times and posteriors, one utterance per line
VIEWS = ("emo", "noemo")       # decode_<split>/<view>/: units with and without their emotion suffixes
HYP_TRN, REF_TRN = "hyp.trn", "ref.trn"  # the sclite pair of a view
TEST_CHECKPOINT = "checkpoint_last.pt"
FOLD_RECORD = "fold.json"      # manifests/.../fold<k>/: the fold's protocol (fold_protocol.py)
EVAL_RECORD = "eval.json"      # manifests/<corpus>/eval/: a test-only set's counts and rates
EVAL_DIR = "eval"              # manifests/<corpus>/eval: a test-only corpus (cross-corpus targets)
BASELINE_RECORD = "baseline.json"  # a baseline fold is done (written last)
BASELINE_CACHE = "egemaps_features.npz"
UTTERANCE_TABLE = "utterances.tsv"  # data/<corpus>/: the prepare stage's table (table.py)
RESULTS = "results.json"       # the product of a report: every number, under docs/schema/
REPORT = "report.md"           # its markdown view, rendered from results.json
RESULTS_MD = "RESULTS.md"      # the short record beside it: a row and the run.sh command per run (results_md.py)
LOSS_FIGURE = "training_loss.png"
BASELINE_DIR = "baseline"
REPORT_DIR = "report"
CROSS_DIR = "cross"
NOT_RUNS = (BASELINE_DIR, REPORT_DIR)   # folders of exp/<corpus>/ that are not training runs
CHECKPOINT_RULE = "final (checkpoint_last.pt; no selection on the test fold)"
# a kind of dialog -> the marker in its IEMOCAP name (folds.select_subset keeps one kind; its scheme dirs say which)
SUBSETS = {"improvised": "_impro", "scripted": "_script"}
_SCHEME_DIR = re.compile(r"^(?P<scheme>speaker|dialog|session|scenario|all|official|emobox)(?:-k(?P<k>\d+))?(?:-(?P<policy>heldout))?"
                         r"(?:-(?P<subset>improvised|scripted))?$")
# 'seed<s>' is never a scheme: 'bpc.seed1' is the speaker scheme with seed 1 (what run_folds.sh --seeds names)
_EXP_NAME = re.compile(r"^(?P<variant>[^.]+)(?:\.(?P<scheme_dir>(?!seed\d+$)[^.]+))?(?:\.seed(?P<seed>\d+))?$")


def scheme_dir(scheme: str, num_folds: Optional[int] = None, valid_policy: str = DEFAULT_VALID_POLICY,
               subset: Optional[str] = None) -> str:
    """('speaker', 7, 'heldout') -> 'speaker-k7-heldout'; ('speaker', None, 'monitor') -> 'speaker';
    ('speaker', None, 'monitor', 'improvised') -> 'speaker-improvised' (SUBSETS: one kind of dialog only)."""
    if subset is not None and subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown fold scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if valid_policy not in VALID_POLICIES:
        raise ValueError(f"unknown validation policy {valid_policy!r}; choose one of {', '.join(VALID_POLICIES)}")
    name = f"{scheme}-k{num_folds}" if num_folds else scheme
    name = name if valid_policy == DEFAULT_VALID_POLICY else f"{name}-{valid_policy}"
    return f"{name}-{subset}" if subset else name


def parse_scheme_dir(name: str) -> Dict:
    """'speaker-k7-heldout' -> {'scheme': 'speaker', 'num_folds': 7, 'valid_policy': 'heldout', 'subset': None}."""
    m = _SCHEME_DIR.match(name)
    if not m:
        raise ValueError(f"{name!r} is not a fold scheme directory (<scheme>[-k<K>][-heldout][-improvised|-scripted])")
    return {"scheme": m["scheme"], "num_folds": int(m["k"]) if m["k"] else None,
            "valid_policy": m["policy"] or DEFAULT_VALID_POLICY, "subset": m["subset"]}


def exp_name(variant: str, scheme_dir_name: str = "speaker", seed: Optional[int] = None) -> str:
    """('bpc', 'session', 2) -> 'bpc.session.seed2'; ('bpc', 'speaker', None) -> 'bpc'."""
    parse_scheme_dir(scheme_dir_name)
    name = variant if scheme_dir_name == "speaker" else f"{variant}.{scheme_dir_name}"
    return name if seed is None else f"{name}.seed{seed}"


def parse_exp_name(name: str) -> Dict:
    """'bpc-cv2.session.seed2' -> {'variant': 'bpc-cv2', 'scheme_dir': 'session', 'seed': 2, ...} (the variant's unit
    type: units.unit_type)."""
    m = _EXP_NAME.match(name)
    if not m:
        raise ValueError(f"{name!r} is not an experiment directory name (<variant>[.<scheme>][.seed<s>])")
    scheme = m["scheme_dir"] or "speaker"
    return dict(variant=m["variant"], scheme_dir=scheme,
                seed=int(m["seed"]) if m["seed"] else None, **parse_scheme_dir(scheme))


def manifest_dir(root: str, corpus: str, variant: str, scheme_dir_name: str) -> str:
    """manifests/<corpus>/<variant>/<scheme dir>."""
    parse_scheme_dir(scheme_dir_name)
    return os.path.join(root, corpus, variant, scheme_dir_name)


def run_dir(exp_root: str, corpus: str, variant: str, scheme_dir_name: str = "speaker",
            seed: Optional[int] = None) -> str:
    """exp/<corpus>/<variant>[.<scheme dir>][.seed<s>]."""
    return os.path.join(exp_root, corpus, exp_name(variant, scheme_dir_name, seed))


def baseline_dir(corpus_exp: str, scheme_dir_name: str) -> str:
    """exp/<corpus>/baseline/<scheme dir>: the eGeMAPS baseline's folds."""
    return os.path.join(corpus_exp, BASELINE_DIR, scheme_dir_name)


TEXT_BASELINE = "text"          # baseline/<scheme dir>/text/: the lexical control (text_baseline.py)


def text_baseline_dir(corpus_exp: str, scheme_dir_name: str) -> str:
    """exp/<corpus>/baseline/<scheme dir>/text: the transcript-only baseline's folds."""
    return os.path.join(baseline_dir(corpus_exp, scheme_dir_name), TEXT_BASELINE)


def baseline_cache(corpus_exp: str) -> str:
    return os.path.join(corpus_exp, BASELINE_DIR, BASELINE_CACHE)


def utterance_table(data_dir: str) -> str:
    """data/<corpus> -> data/<corpus>/utterances.tsv."""
    return os.path.join(data_dir, UTTERANCE_TABLE)


def eval_dir(manifest_root: str, corpus: str) -> str:
    """manifests/<corpus>/eval: a test-only corpus's set."""
    return os.path.join(manifest_root, corpus, EVAL_DIR)


def trn(decode: str, view: str, side: str = "hyp") -> str:
    """(decode_<split>, 'emo', 'hyp') -> decode_<split>/emo/hyp.trn."""
    if view not in VIEWS or side not in ("hyp", "ref"):
        raise ValueError(f"trn view {view!r} / side {side!r}: views are {', '.join(VIEWS)}, sides hyp and ref")
    return os.path.join(decode, view, HYP_TRN if side == "hyp" else REF_TRN)


def unit_emotion_figure(run: str) -> str:
    """The file name of a run's per-unit emotion figure in report/."""
    return f"unit_emotion_{run}.png"


def confusion_figure(run: str) -> str:
    """The file name of a run's confusion-matrix figure in report/."""
    return f"confusion_{run}.png"


def report_dir(corpus_exp: str) -> str:
    return os.path.join(corpus_exp, REPORT_DIR)


def cross_dir(exp_root: str, train: Optional[str] = None) -> str:
    """exp/cross (train None: models trained on all of IEMOCAP, or of the demo corpus, the paper's Section 4 setup)
    or exp/cross-from-<train> (all of another corpus): the cross-corpus cells <target>/<variant>/, the baselines <target>/baseline/, results.json, report.md.
    One folder per training corpus, so cells of two training corpora never overwrite each other."""
    return os.path.join(exp_root, CROSS_DIR if train is None else f"{CROSS_DIR}-from-{train}")


def cross_dirs(exp_root: str) -> List[str]:
    """Every cross-corpus folder under exp/ (one per training corpus), sorted."""
    if not os.path.isdir(exp_root):
        return []
    return [os.path.join(exp_root, n) for n in sorted(os.listdir(exp_root))
            if (n == CROSS_DIR or n.startswith(f"{CROSS_DIR}-from-")) and os.path.isdir(os.path.join(exp_root, n))]


def cross_baseline(cross: str, target: str) -> str:
    """<cross>/<target>/baseline: the eGeMAPS baseline trained on the training corpus, tested on the target."""
    return os.path.join(cross, target, BASELINE_DIR)


def cross_matrix_dir(exp_root: str) -> str:
    """exp/cross-matrix: the train x test matrix over every cross-corpus folder (results.json, report.md)."""
    return os.path.join(exp_root, f"{CROSS_DIR}-matrix")


def demo_w2v(corpus_exp: str, size: str) -> str:
    return os.path.join(corpus_exp, f"w2v_{size}.pt")


def fold_number(fold_dir: str) -> int:
    """'.../fold12' -> 12."""
    m = re.fullmatch(r"fold(\d+)", os.path.basename(os.path.normpath(fold_dir)))
    if not m:
        raise ValueError(f"{fold_dir} is not a fold directory (fold<k>)")
    return int(m.group(1))


def fold_dirs(parent: str) -> List[str]:
    """The fold<k> directories of a manifest scheme dir or a run, in fold order."""
    if not os.path.isdir(parent):
        return []
    names = [n for n in os.listdir(parent) if re.fullmatch(r"fold\d+", n) and os.path.isdir(os.path.join(parent, n))]
    return [os.path.join(parent, n) for n in sorted(names, key=lambda n: int(n[4:]))]


def test_checkpoint(fold_dir: str) -> str:
    return os.path.join(fold_dir, CHECKPOINTS, TEST_CHECKPOINT)


def decode_dir(fold_dir: str, split: str = "test") -> str:
    return os.path.join(fold_dir, f"decode_{split}")


def scores_table(run: str, split: str = "test") -> str:
    return os.path.join(run, f"scores_{split}.tsv")


def is_trained(fold_dir: str) -> bool:
    return os.path.isfile(os.path.join(fold_dir, DONE))


def read_key_values(path: str) -> Dict[str, str]:
    """'key=value' lines -> dict."""
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


# DONE's paths inside the work dir (the fold's manifest data, its test checkpoint) are also stored relative to the
# fold folder (`<key>_relative`), so that a work dir copied or moved elsewhere decodes and reports ITS models and
# folds, not the original's; the absolute path stays beside it for a fold copied out of its work dir alone
DONE_RELATIVE = ("data", "test_checkpoint")


def relative_done_paths(fold_dir: str, done: Dict[str, str]) -> Dict[str, str]:
    """DONE's facts as written to disk: each DONE_RELATIVE path also as `<key>_relative` (to the fold folder)."""
    out = dict(done)
    for key in DONE_RELATIVE:
        if out.get(key) and os.path.isabs(out[key]):
            out[f"{key}_relative"] = os.path.relpath(out[key], os.path.abspath(fold_dir))
    return out


def read_done(fold_dir: str) -> Dict[str, str]:
    """<fold>/DONE -> dict (the one DONE parser); a fold without it has not finished training (error says so)."""
    path = os.path.join(fold_dir, DONE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: the fold has not finished training")
    done = read_key_values(path)
    for key in DONE_RELATIVE:   # the path relative to this fold wins where it exists (relative_done_paths)
        relative = done.pop(f"{key}_relative", "")
        if relative:
            here = os.path.normpath(os.path.join(os.path.abspath(fold_dir), relative))
            if os.path.exists(here) or not os.path.exists(done.get(key, "")):
                done[key] = here
    missing = [k for k in ("config",) if not done.get(k)]  # every DONE ever written has it (older ones lack the rest)
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)} (empty or damaged: it was not written by "
                         f"run_folds.sh); remove it and run the fold loop again, which finds the trained "
                         f"checkpoint and completes the fold")
    return done


def trained_stamp(fold_dir: str) -> Optional[str]:
    """The `finished` stamp of a fold's DONE (None when the fold has not finished training)."""
    if not os.path.isfile(os.path.join(fold_dir, DONE)):
        return None
    return read_key_values(os.path.join(fold_dir, DONE)).get("finished", "")


def model_fold_of(checkpoint: str) -> Optional[str]:
    """<fold>/checkpoints/<file> -> <fold> when that fold has a DONE, else None (a checkpoint from elsewhere)."""
    fold = os.path.dirname(os.path.dirname(os.path.abspath(checkpoint)))
    return fold if is_trained(fold) else None


def is_decoded(decode: str, model_fold: Optional[str] = None) -> bool:
    """decode.json exists (decoding finished) and, when model_fold is given, names that fold's current
    `finished` stamp: a decode of an earlier training of the fold is not current."""
    path = os.path.join(decode, DECODED)
    if not os.path.isfile(path):
        return False
    if model_fold is None:
        return True
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return False
    return info.get("model_finished") == trained_stamp(model_fold)


def shell_names() -> Dict[str, str]:
    """The markers' and outputs' file names under the variable names the bash scripts use (the recipe's plans
    hand them over: fairseq_emo/recipe/plan.py), so no script spells a file name."""
    return dict(done_file=DONE, failed_file=FAILED, lock_file=LOCK, lock_pid_file=LOCK_PID, cmd_file=COMMAND,
                train_log=TRAIN_LOG, check_err=CHECK_ERR, checkpoints_dir=CHECKPOINTS, hydra_dir=HYDRA,
                check_max_update=CHECK_MAX_UPDATE, prepare_lock=PREPARE_LOCK, decoded_file=DECODED, voted_file=VOTED,
                vote_log=VOTE_LOG, ref_emotions_file=REF_EMOTIONS, units_file=UNIT_TIMELINES,
                hyp_trn_emo=os.path.join(VIEWS[0], HYP_TRN), table_file=UTTERANCE_TABLE, report_file=REPORT,
                results_file=RESULTS, baseline_record=BASELINE_RECORD, test_checkpoint_file=TEST_CHECKPOINT,
                slurm_script=SLURM_SCRIPT, slurm_job_file=SLURM_JOB, decode_test=os.path.basename(decode_dir("", "test")))
