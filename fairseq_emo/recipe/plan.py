"""The recipe's decisions: a script's checked command line -> its plan (every default, name and path the stages
use), refused with one message before anything is written.

  run.sh               corpus facts from the registry, unit variants (UnitSpec), fold schemes, the demo's
                       defaults, the rate-policy condition, the runs of every scheme dir, the stage-8 paths
  run_folds.sh         the folds to train (unit, labels, config, data, output dir, seed), refused overrides
  run_cross_corpus.sh  the training corpus, the targets in registry order (one per Mandarin rate condition)

The bash scripts `eval` a plan rendered by `shell()`; run.sh's plan is also kept as JSON in its experiment dir
(layout.RUN_PLAN), so the command that made a report can be read back.
"""
import os
import re
import shlex
import sys
import time
from typing import Dict, List, Optional

from fairseq_emo.core import layout
from fairseq_emo.core.emotions import LABEL_SETS, set_suffix
from fairseq_emo.core.repo import CONFIG_DIR, PACKAGE_DIR, REPO_ROOT
from fairseq_emo.data.audio_cache import corpus_name, RATE_POLICIES
from fairseq_emo.data.corpora import registry
from fairseq_emo.recipe.options import CommandLine, pairs, pool_options, RecipeError
from fairseq_emo.training import slurm
from fairseq_emo.units import POOLED_CRITERION, UnitSpec

# a path fairseq-hydra-train's override grammar can take, and that the stage loops cannot word-split
_HYDRA_SAFE = re.compile(r"[A-Za-z0-9_./+@%:~-]+")
DEMO_TRAIN_UNITS = "bpc utterance pooled"   # the README's main job: BPC, utterance units, the pooled classifier
DEMO_TRAIN_FOLDS = "1 2"                    # held-out speakers Ses01F and Ses01M
DEMO_PER_EMOTION = 15
# The demo's folds two at a time, one math thread each (run_folds.sh --jobs): on 2 cores faster than one at a time
# with two threads (docs/benchmarks.md, "The demo"), and its figures then do not depend on the machine's core
# count. Only the demo: a paper run's --jobs is the user's.
DEMO_JOBS = 2
FOLD_LOOP_UNITS = "phoneme bpc syllable utterance pooled"
CROSS_UNITS = "phoneme bpc syllable"        # the paper's Table 5 columns


def log(script: str, message: str) -> None:
    """The scripts' log line format, on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {script}: {message}", file=sys.stderr, flush=True)


def hydra_safe(option: str, path: str) -> None:
    if not _HYDRA_SAFE.fullmatch(path):
        raise RecipeError(f"{option} {path}: hydra overrides cannot take this path (',' '=' spaces quotes brackets "
                          f"...); use a directory whose path has only letters, digits and _ . / + @ % : ~ -")


def _absolute(path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def variants(units: List[str], bpc_sets: List[str], syllabifier: str) -> List[str]:
    """Unit names as asked -> variant names, each once: bpc stands for one variant per --bpc-set, syllable for
    its --syllabifier's; a variant name is kept as given (UnitSpec checks it)."""
    out: List[str] = []
    for unit in units:
        try:
            if unit == "bpc":
                names = [UnitSpec("bpc", bpc_set=s).variant for s in bpc_sets]
            elif unit == "syllable":
                names = [UnitSpec("syllable", syllabifier=syllabifier).variant]
            else:
                names = [UnitSpec.from_variant(unit).variant]
        except ValueError as err:
            raise RecipeError(str(err)) from None
        out += [n for n in names if n not in out]
    return out


def fold_config(variant: str, config: str) -> str:
    """The config a variant trains with: a variant defined by its recipe (pooled-light) has its own
    configs/paper_<variant>.yaml; every other one configs/<--config>.yaml, default paper_<unit type>."""
    unit = UnitSpec.from_variant(variant).unit
    own = f"paper_{variant}"
    if variant != unit and os.path.isfile(os.path.join(CONFIG_DIR, f"{own}.yaml")):
        if config:
            raise RecipeError(f"--units {variant} is defined by its config (configs/{own}.yaml): with --config "
                              f"{config} it would train the same model as {unit}; leave it out or drop --config")
        return own
    return config or f"paper_{unit}"


def check_slurm(settings_name: str) -> List[str]:
    """The Slurm client and the job settings, before any fold is touched -> sbatch arguments."""
    missing = slurm.missing_client()
    if missing:
        raise RecipeError(f"--launcher slurm needs the Slurm client, and {' and '.join(missing)} is not on PATH (on "
                          f"a cluster: load it, e.g. `module load slurm`, or run from a login node); to train on "
                          f"this machine instead use --launcher local")
    try:
        return slurm.sbatch_args(slurm.load_settings(slurm_settings(settings_name)))
    except ValueError as err:
        raise RecipeError(str(err)) from None


def slurm_settings(name: str) -> str:
    return os.path.join(CONFIG_DIR, "slurm", f"{name}.yaml")


def _corpus(name: str, option: str = "--corpus") -> registry.Corpus:
    trainable = " ".join(c.name for c in registry.CORPORA.values() if c.trainable)
    try:
        corpus = registry.get(name)
    except ValueError as err:
        raise RecipeError(f"{err} (trainable here: {trainable})") from None
    if not corpus.trainable:
        if option == "--train":
            raise RecipeError(f"--train {name}: it has no transcripts here, so no phonetic units (trainable: "
                              f"{trainable})")
        raise RecipeError(f"corpus {name} has no transcripts here, so no phonetic units: it is only tested on "
                          f"(scripts/run_cross_corpus.sh); trainable: {trainable}")
    return corpus


def _schemes(requested: List[str], corpus: registry.Corpus, num_folds_given: bool, valid_policy: str,
             emobox_data: str = "") -> None:
    """Every requested scheme must be one the recipe can run end to end on this corpus."""
    if emobox_data and "emobox" not in requested:
        raise RecipeError("--emobox-data applies to --folds emobox")
    for scheme in requested:
        if scheme == "all":
            raise RecipeError("--folds all has no test fold: it trains the cross-corpus models of "
                              "scripts/run_cross_corpus.sh")
        if scheme in ("dialog", "session", "scenario"):
            if scheme not in corpus.schemes:
                raise RecipeError(f"--folds {scheme}: corpus {corpus.name} has no IEMOCAP sessions, dialogs or "
                                  f"scenarios; its fold schemes: {' '.join(corpus.schemes)} (registry)")
            if num_folds_given:
                raise RecipeError(f"--num-folds applies to the speaker scheme only, not --folds {scheme}")
        elif scheme == "official":
            if scheme not in corpus.schemes:
                raise RecipeError(f"--folds official: corpus {corpus.name} has no split of its own; its fold "
                                  f"schemes: {' '.join(corpus.schemes)} (registry)")
            if valid_policy != "monitor":
                raise RecipeError("--folds official uses the release's own valid set: no --valid-policy")
        elif scheme == "emobox":
            if scheme not in corpus.schemes:
                raise RecipeError(f"--folds emobox: EmoBox publishes no folds of {corpus.name}; its fold schemes: "
                                  f"{' '.join(corpus.schemes)} (registry)")
            if not emobox_data or not os.path.isdir(emobox_data):
                raise RecipeError(f"--folds emobox needs --emobox-data DIR, a checkout of EmoBox's data/ folder"
                                  + (f" ({emobox_data}: no such folder)" if emobox_data else ""))
            if num_folds_given:
                raise RecipeError("--num-folds applies to the speaker scheme only, not --folds emobox")
        elif scheme != "speaker":
            raise RecipeError(f"unknown fold scheme '{scheme}' (speaker, dialog, session, scenario, official, emobox)")


def run_plan(line: CommandLine) -> Dict:
    """run.sh's command line -> its plan."""
    corpus = _corpus(line.get("--corpus", "demo"))
    stop = int(line.get("--stop-stage", 9))
    work = os.path.normpath(_absolute(line.get("--work", REPO_ROOT)))
    w2v = line.get("--w2v", "")
    status = bool(line.get("--status"))
    if corpus.name == "demo":
        data = line.get("--data") or os.path.join(work, "data", "demo")
    else:
        data = line.get("--data", "")
        if not data:
            raise RecipeError(f"--corpus {corpus.name} needs --data DIR (its release folder; python "
                              f"scripts/prepare.py --list)")
        if stop >= 3 and not w2v:
            raise RecipeError(f"--corpus {corpus.name} needs --w2v /path/to/libri960_big.pt for stages 3-4")
    valid_policy = line.get("--valid-policy", "monitor")
    schemes = line.words("--folds", "speaker")
    emobox_data = _absolute(line.get("--emobox-data")) if line.get("--emobox-data") else ""
    _schemes(schemes, corpus, "--num-folds" in line.values, valid_policy, emobox_data)
    emotions = line.get("--emotions", "four")
    if emotions not in LABEL_SETS:   # a mapping file: read now, so that a bad one stops the run before stage 0
        emotions = _absolute(emotions)
        try:
            corpus.label_policy.with_set(emotions)
        except ValueError as err:
            raise RecipeError(str(err)) from None
    for option, path in (("--emobox-data", emobox_data), ("--emotions", emotions)):
        if any(c.isspace() for c in path):   # the stage commands split these words on spaces
            raise RecipeError(f"{option} {path}: a path without spaces, please")
    num_folds = int(line.get("--num-folds", 0)) or corpus.num_folds or None
    subset = line.get("--subset") or None
    launcher = line.get("--launcher", "local")
    if launcher == "slurm" and not status:
        check_slurm(line.get("--slurm-config", "default"))
    bpc_sets = line.words("--bpc-set", "manner6")
    syllabifier = line.get("--syllabifier", "phonetic")
    variants(["bpc", "syllable"], bpc_sets, syllabifier)   # a bad --bpc-set/--syllabifier stops here
    units = variants(line.words("--units") or list(corpus.units), bpc_sets, syllabifier)
    rate_policy = line.get("--rate-policy") or corpus.rate_policy
    if rate_policy not in RATE_POLICIES:
        raise RecipeError(f"--rate-policy {'|'.join(RATE_POLICIES)}, not '{rate_policy}'")
    name = corpus.name
    if rate_policy != "resample":
        if not corpus.audio_options:
            raise RecipeError(f"--rate-policy does not apply to --corpus {corpus.name} (read as recorded, 16 kHz)")
        name = corpus_name(corpus.name, rate_policy)   # another input condition: mandarin-bandlimit8k
    name = name + set_suffix(emotions)   # another label set: ravdess-full (emotions.set_suffix)
    hydra_safe("--work", work)
    exp = os.path.join(work, "exp", name)
    config = line.get("--config", "")
    train_folds = line.get("--train-folds", "")
    size = ""
    if corpus.name == "demo":
        train_units = line.words("--train-units", DEMO_TRAIN_UNITS)
        config = config or "demo"
        train_folds = train_folds or DEMO_TRAIN_FOLDS
        size = "demo" if config == "demo" else "tiny"
        w2v = w2v or layout.demo_w2v(exp, size)
    else:
        train_units = line.words("--train-units") or units
    train_units = variants(train_units, bpc_sets, syllabifier)
    train_folds = "" if train_folds == "all" else train_folds
    seeds = line.words("--seeds") or [None]
    manifests = os.path.join(work, "manifests")
    scheme_dirs = [layout.scheme_dir(s, num_folds if s == "speaker" else None, valid_policy, subset)
                   for s in schemes]
    runs = {sd: " ".join(os.path.join(exp, layout.exp_name(u, sd, int(s) if s else None))
                         for u in train_units for s in seeds) for sd in scheme_dirs}
    fold_loop = ["--corpus", name, "--units", " ".join(train_units), "--w2v", w2v, "--manifests", manifests,
                 "--exp", exp, "--launcher", launcher] + (["--config", config] if config else []) \
        + (["--train-folds", train_folds] if train_folds else []) \
        + (["--seeds", line.get("--seeds")] if line.get("--seeds") else []) + pool_options(line) \
        + (["--jobs", str(DEMO_JOBS)] if corpus.name == "demo" and launcher == "local" and not line.get("--jobs")
           else [])
    return dict(
        layout.shell_names(), stage=int(line.get("--stage", 0)), stop_stage=stop, corpus=corpus.name, name=name,
        data=data, work=work, w2v=w2v, size=size, per_emotion=line.get("--per-emotion", str(DEMO_PER_EMOTION)),
        table=layout.utterance_table(os.path.join(work, "data", name)), exp=exp, manifests=manifests,
        units=" ".join(units), train_units=" ".join(train_units), schemes=" ".join(schemes),
        scheme_dirs=" ".join(scheme_dirs), runs=runs, config=config, train_folds=train_folds, launcher=launcher,
        rate_policy=rate_policy, valid_policy=valid_policy, status=status, emotions=emotions,
        slurm_config=line.get("--slurm-config", "default"),
        scheme_options={s: f"--num-folds {num_folds}" if s == "speaker" and num_folds else
                        f"--emobox-data {emobox_data}" if s == "emobox" else "" for s in schemes},
        manifest_options=(["--subset", subset] if subset else []) + (["--force"] if line.get("--force") else []),
        fold_loop=fold_loop, overrides=line.overrides,
        folds_dir={sd: layout.manifest_dir(manifests, name, units[0], sd) for sd in scheme_dirs},
        baseline={sd: layout.baseline_dir(exp, sd) for sd in scheme_dirs},
        text_baseline={sd: layout.text_baseline_dir(exp, sd) for sd in scheme_dirs},
        baseline_cache=layout.baseline_cache(exp), report_dir=layout.report_dir(exp))


# Overrides of what run_folds.sh sets itself, each refused with the option that says it instead.
def _refused_override(override: str, launcher: str, slurm_config: str) -> Optional[str]:
    key = override.lstrip("+~").split("=", 1)[0]
    if key in ("task.data", "task.labels"):
        return (f"override {override} refused: the fold's data and labels come from --manifests, --units, "
                f"--scheme-dir and --train-folds (another fold's data would hold this fold's test speaker)")
    if key == "model.w2v_path":
        return f"override {override} refused: give the pre-trained model with --w2v"
    if key in ("checkpoint.save_dir", "hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir"):
        return f"override {override} refused: outputs go under --exp (<exp>/<run>/fold<k>/)"
    if key == "common.user_dir":
        return f"override {override} refused: the plugin is this checkout's fairseq_emo (common.user_dir is set)"
    if key == "common.seed":
        return (f"override {override} refused: use --seeds {override.split('=', 1)[-1]} (the seed is then recorded "
                f"and names the run directory, <unit>.seed<s>)")
    if key == "hydra/launcher":
        return f"override {override} refused: use --launcher local|slurm|submitit_local"
    if key.startswith("hydra.launcher.") and launcher == "slurm":
        return (f"override {override} refused: with --launcher slurm the job's settings are "
                f"configs/slurm/{slurm_config}.yaml (--slurm-config NAME), checked before anything is submitted")
    return None


def folds_plan(line: CommandLine, quiet: bool = False) -> Dict:
    """run_folds.sh's command line -> its plan: `folds`, one 'name|unit|labels|config|data|out|seed|k' per fold
    to train (paths are hydra-safe, so '|' never occurs in them), and `missing`, units without manifests."""
    launcher = line.get("--launcher", "local")
    scheme_dir = line.get("--scheme-dir", "speaker")
    try:
        layout.parse_scheme_dir(scheme_dir)
    except ValueError:
        raise RecipeError(f"--scheme-dir {scheme_dir}: not a scheme directory name") from None
    jobs = int(line.get("--jobs", 1))
    if jobs > 1 and launcher != "local":
        raise RecipeError("--jobs applies to --launcher local (Slurm bounds its own queue)")
    slurm_config = line.get("--slurm-config", "default")
    for override in line.overrides:
        refused = _refused_override(override, launcher, slurm_config)
        if refused:
            raise RecipeError(refused)
    if launcher == "slurm":
        args = check_slurm(slurm_config)
        if not quiet:
            log(line.script, f"Slurm: one job per fold (training, then its test decode), sbatch {' '.join(args)}")
    w2v = line.get("--w2v", "")
    if not w2v:
        raise RecipeError("--w2v <pre-trained checkpoint> is required")
    if not os.path.isfile(w2v):
        raise RecipeError(f"--w2v {w2v}: no such file")
    w2v = os.path.abspath(w2v)   # hydra changes directory: absolute paths only
    hydra_safe("--w2v", w2v)
    corpus = line.get("--corpus", "demo")
    manifests = os.path.normpath(_absolute(line.get("--manifests", os.path.join(REPO_ROOT, "manifests"))))
    exp = os.path.normpath(_absolute(line.get("--exp", os.path.join(REPO_ROOT, "exp", corpus))))
    hydra_safe("--manifests", manifests)   # checked before anything is created: a refused path leaves nothing
    hydra_safe("--exp", exp)
    hydra_safe("(this repository)", REPO_ROOT)
    config = line.get("--config", "")
    if config and not os.path.isfile(os.path.join(CONFIG_DIR, f"{config}.yaml")):
        names = sorted(n[:-5] for n in os.listdir(CONFIG_DIR) if n.endswith(".yaml"))
        raise RecipeError(f"--config {config}: no configs/{config}.yaml; choose one of: {' '.join(names)}")
    os.makedirs(manifests, exist_ok=True)
    os.makedirs(exp, exist_ok=True)
    asked = line.words("--train-folds")
    folds, missing = [], []
    for unit in line.words("--units", FOLD_LOOP_UNITS):
        data_root = layout.manifest_dir(manifests, corpus, unit, scheme_dir)
        if not os.path.isdir(data_root):
            if not quiet:
                log(line.script, f"no folds in {data_root} (run make_manifests.py first)")
            missing.append(unit)
            continue
        present = [layout.fold_number(d) for d in layout.fold_dirs(data_root)]
        numbers = [int(k) for k in asked] or present
        for k in numbers:   # every asked fold exists before any is trained (no empty fold dir is made)
            if k not in present:
                raise RecipeError(f"--train-folds: no fold{k} in {data_root} (it has: "
                                  f"{' '.join(f'fold{p}' for p in present)} )")
        try:
            labels = UnitSpec.from_variant(unit).unit   # 'bpc-cv2' folds carry bpc labels
        except ValueError as err:
            raise RecipeError(f"--units {unit}: {err}") from None
        cfg = fold_config(unit, config)
        for seed in line.words("--seeds") or [""]:
            run_name = layout.exp_name(unit, scheme_dir, int(seed) if seed else None)
            for k in numbers:
                folds.append("|".join((f"{run_name} fold{k}", unit, labels, cfg,
                                       os.path.join(data_root, f"fold{k}"), os.path.join(exp, run_name, f"fold{k}"),
                                       seed, str(k))))
    train_bin = os.path.join(os.path.dirname(sys.executable), "fairseq-hydra-train")
    return dict(layout.shell_names(), folds=folds, missing=missing, w2v=w2v, exp=exp, manifests=manifests,
                launcher=launcher, jobs=jobs, gpus=line.get("--gpus", ""), stagger=int(line.get("--stagger", 0)),
                decode=bool(line.get("--decode")), keep_optimizer=bool(line.get("--keep-optimizer")),
                force=bool(line.get("--force")), extra=line.overrides, repo=REPO_ROOT, package=PACKAGE_DIR,
                configs=CONFIG_DIR, pooled_criterion=POOLED_CRITERION,
                train_bin=train_bin if os.access(train_bin, os.X_OK) else "fairseq-hydra-train")


def cross_plan(line: CommandLine) -> Dict:
    """run_cross_corpus.sh's command line -> its plan: the training corpus and its data, the targets (registry
    order; Mandarin once per --mas-conditions policy, each its own target name), the cross folder."""
    demo = bool(line.get("--demo"))
    units = variants(line.words("--units", CROSS_UNITS), ["manner6"], "phonetic")
    conditions = line.words("--mas-conditions", "bandlimit8k")
    if not conditions:
        raise RecipeError("--mas-conditions needs at least one of bandlimit8k resample relabel")
    given = dict(pairs("--target", line.get("--target")))
    stage, stop = int(line.get("--stage", 0)), int(line.get("--stop-stage", 6))
    w2v = line.get("--w2v", "")
    if demo:
        work = _absolute(line.get("--work", os.path.join(REPO_ROOT, "demo_cross")))
        corpus, train_data = "demo", line.get("--iemocap") or os.path.join(work, "data", "demo")
        xdemo = os.path.join(work, "data", "xdemo")
        for key, option, folder in (("emodb", "--emodb", "EmoDB"), ("ksu", "--ksu", "KSUEmotions"),
                                    ("mandarin", "--mas", "MandarinAffectiveSpeech")):
            given[key] = line.get(option) or os.path.join(xdemo, folder)
        config = line.get("--config", "demo")
        w2v = w2v or layout.demo_w2v(os.path.join(work, "exp", "demo"), "demo")
    else:
        work = _absolute(line.get("--work", REPO_ROOT))
        corpus, train_data = "iemocap", line.get("--iemocap", "")
        if line.get("--train"):
            corpus, sep, train_data = line.get("--train").partition("=")
            if not (corpus and sep and train_data):
                raise RecipeError(f"--train NAME=DIR (a registered corpus with transcripts), not "
                                  f"'{line.get('--train')}'")
            _corpus(corpus, "--train")
        if not train_data:
            raise RecipeError("--iemocap DIR (or --train NAME=DIR) is required (or --demo)")
        for key, option in (("emodb", "--emodb"), ("ksu", "--ksu"), ("mandarin", "--mas")):
            if line.get(option):
                given[key] = line.get(option)
        if not given:
            raise RecipeError("give at least one target: --emodb --ksu --mas or --target NAME=DIR")
        if stop >= 3 and stage <= 3 and not os.path.isfile(w2v):
            raise RecipeError("--w2v /path/to/libri960_big.pt is required for training (stage 3)")
        config = line.get("--config", "")
    targets_ok = [c.name for c in registry.CORPORA.values() if not c.synthetic]
    for name in given:
        if name not in targets_ok:
            raise RecipeError(f"--target {name}: not a registered target corpus (registered: {' '.join(targets_ok)} )")
    targets, target_corpus, target_policy, target_data = [], {}, {}, {}
    for name in targets_ok:   # the registry's order
        if name not in given:
            continue
        for policy in (conditions if name == "mandarin" else ["resample"]):
            target = corpus_name(name, policy)
            targets.append(target)
            target_corpus[target], target_policy[target], target_data[target] = name, policy, given[name]
    exp_root = os.path.join(work, "exp")
    cross = layout.cross_dir(exp_root, None if registry.iemocap_layout(corpus) else corpus)
    return dict(
        layout.shell_names(), stage=stage, stop_stage=stop, demo=demo, work=work, corpus=corpus,
        train_data=train_data, table=layout.utterance_table(os.path.join(work, "data", corpus)),
        per_emotion=line.get("--per-emotion", ""), units=" ".join(units), config=config, w2v=w2v,
        launcher=line.get("--launcher", "local"), targets=" ".join(targets), target_corpus=target_corpus,
        target_policy=target_policy, target_data=target_data, manifests=os.path.join(work, "manifests"),
        corpus_exp=os.path.join(exp_root, corpus), exp_root=exp_root, cross=cross,
        cross_matrix=layout.cross_matrix_dir(exp_root),
        target_table={t: layout.utterance_table(os.path.join(work, "data", "cross", t)) for t in targets},
        eval_set={t: layout.eval_dir(os.path.join(work, "manifests"), t) for t in targets},
        target_baseline={t: layout.cross_baseline(cross, t) for t in targets},
        model={u: os.path.join(layout.run_dir(exp_root, corpus, u, "all"), "fold1") for u in units},
        train_fold=os.path.join(layout.manifest_dir(os.path.join(work, "manifests"), corpus, units[0], "all"),
                                "fold1"),
        baseline_cache=layout.baseline_cache(os.path.join(exp_root, corpus)))


def shell(plan: Dict) -> str:
    """A plan -> bash assignments (`eval`ed by the scripts): strings quoted, lists as arrays, dicts as global
    associative arrays, booleans as true/false."""
    lines = []
    for key, value in plan.items():
        if isinstance(value, bool):
            lines.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{key}=(" + " ".join(shlex.quote(str(v)) for v in value) + ")")
        elif isinstance(value, dict):
            lines.append(f"declare -gA {key}=(" + " ".join(f"[{shlex.quote(str(k))}]={shlex.quote(str(v))}"
                                                         for k, v in value.items()) + ")")
        else:
            lines.append(f"{key}={shlex.quote('' if value is None else str(value))}")
    return "\n".join(lines) + "\n"
