"""The recipe scripts' command lines, one grammar for the three: argv -> {option: value} and the hydra overrides
after `--`, every value checked once, with the message the user sees.

Each script names its options in SCRIPTS; an option is a flag, or takes a value checked by its WORDS rule (every
space-separated word must match: unit, fold and seed lists are split on spaces later, and a '*' or a space must
never reach a shell loop or a hydra override).
"""
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple


class RecipeError(ValueError):
    """A refused command line or plan: the message says what to do; the scripts exit 2 with it."""


# option -> (regex every word must match, what it takes); options not listed here take any one value
WORDS = {
    "--stage": (r"[0-9]", "a stage number {stages}"),
    "--stop-stage": (r"[0-9]", "a stage number {stages}"),
    "--units": (r"[A-Za-z0-9_-]+", "unit (variant) names"),
    "--train-units": (r"[A-Za-z0-9_-]+", "unit (variant) names"),
    "--seeds": (r"[0-9]+", 'non-negative integers, e.g. --seeds "1 2 3"'),
    "--jobs": (r"[1-9][0-9]*", "a positive number"),
    "--stagger": (r"[0-9]+", "seconds"),
    "--gpus": (r"[0-9]+", 'GPU indices, e.g. --gpus "0 1"'),
    "--bpc-set": (r"[A-Za-z0-9_]+", "BPC set names (make_manifests.py --list-bpc-sets)"),
    "--slurm-config": (r"[A-Za-z0-9_-]+", "a settings name (configs/slurm/NAME.yaml)"),
    "--mas-conditions": (r"bandlimit8k|resample|relabel", "rate policies: bandlimit8k resample relabel"),
    "--num-folds": (r"[1-9][0-9]*", "a positive number of folds"),
    "--per-emotion": (r"[1-9][0-9]*", "a positive number"),
}
# --train-folds: run.sh also takes 'all'; run_folds.sh fold numbers only
TRAIN_FOLDS = {"run.sh": (r"[0-9]+|all", "fold numbers or 'all'"),
               "run_folds.sh": (r"[0-9]+", 'fold numbers, e.g. --train-folds "1 2"')}
CHOICES = {"--launcher": ("local", "slurm", "submitit_local"), "--valid-policy": ("monitor", "heldout"),
           "--subset": ("improvised", "scripted"), "--syllabifier": ("phonetic", "pyphen")}

_VALUE = "value"
_FLAG = "flag"
_REPEAT = "repeat"   # NAME=DIR, given once per item
POOL = ("--jobs", "--gpus", "--stagger", "--slurm-config", "--keep-optimizer", "--force")
SCRIPTS: Dict[str, Dict[str, str]] = {
    "run.sh": dict({o: _VALUE for o in (
        "--stage", "--stop-stage", "--corpus", "--data", "--units", "--folds", "--num-folds", "--bpc-set",
        "--syllabifier", "--per-emotion", "--work", "--w2v", "--train-units", "--config", "--launcher",
        "--train-folds", "--valid-policy", "--subset", "--rate-policy", "--seeds", "--jobs", "--gpus", "--stagger",
        "--slurm-config", "--emotions", "--emobox-data")}, **{"--status": _FLAG, "--keep-optimizer": _FLAG, "--force": _FLAG}),
    "run_folds.sh": dict({o: _VALUE for o in (
        "--corpus", "--units", "--scheme-dir", "--train-folds", "--config", "--w2v", "--manifests", "--exp",
        "--launcher", "--seeds", "--jobs", "--gpus", "--stagger", "--slurm-config")},
        **{"--keep-optimizer": _FLAG, "--force": _FLAG, "--decode": _FLAG}),
    "run_cross_corpus.sh": dict({o: _VALUE for o in (
        "--stage", "--stop-stage", "--iemocap", "--train", "--emodb", "--ksu", "--mas", "--w2v", "--units",
        "--config", "--launcher", "--work", "--per-emotion", "--mas-conditions")},
        **{"--demo": _FLAG, "--target": _REPEAT}),
}
STAGES = {"run.sh": 9, "run_cross_corpus.sh": 6}


@dataclass
class CommandLine:
    script: str
    values: Dict[str, object]   # option -> value (str), True for a given flag, [str] for a repeated option
    overrides: List[str]        # after --: hydra overrides for training
    help: bool = False
    version: bool = False

    def get(self, option: str, default=None):
        value = self.values.get(option)
        return default if value is None else value

    def words(self, option: str, default: str = "") -> List[str]:
        return str(self.get(option, default)).split()


def parse(script: str, argv: List[str]) -> CommandLine:
    """argv of one script -> CommandLine; RecipeError naming the option for anything it does not take."""
    spec = SCRIPTS[script]
    values: Dict[str, object] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return _checked(script, CommandLine(script, values, list(argv[i + 1:])))
        if arg in ("-h", "--help"):
            return CommandLine(script, values, [], help=True)
        if arg == "--version":
            return CommandLine(script, values, [], version=True)
        kind = spec.get(arg)
        if kind is None:
            raise RecipeError(f"unknown option {arg} (see --help)")
        if kind == _FLAG:
            values[arg] = True
            i += 1
            continue
        if i + 1 >= len(argv):
            raise RecipeError(f"{arg} needs a value (see --help)")
        if kind == _REPEAT:
            values.setdefault(arg, []).append(argv[i + 1])
        else:
            values[arg] = argv[i + 1]
        i += 2
    return _checked(script, CommandLine(script, values, []))


def check_words(option: str, value: str, regex: str, what: str) -> None:
    for word in str(value).split():
        if not re.fullmatch(regex, word):
            raise RecipeError(f"{option} takes {what}; got '{word}'")


def _checked(script: str, line: CommandLine) -> CommandLine:
    stages = f"0-{STAGES.get(script, 9)}"
    for option, value in line.values.items():
        if option in WORDS:
            regex, what = WORDS[option]
            if option in ("--stage", "--stop-stage"):
                regex = f"[0-{STAGES[script]}]"
            check_words(option, value, regex, what.format(stages=stages))
        elif option == "--train-folds":
            check_words(option, value, *TRAIN_FOLDS[script])
        elif option in CHOICES and value not in CHOICES[option]:
            raise RecipeError(f"{option} {'|'.join(CHOICES[option])}, not '{value}'")
    if script in STAGES:
        start, stop = int(line.get("--stage", 0)), int(line.get("--stop-stage", STAGES[script]))
        if start > stop:
            raise RecipeError(f"--stage {start} is after --stop-stage {stop}: no stage would run")
    return line


def pool_options(line: CommandLine) -> List[str]:
    """The fold-loop options run.sh passes on to run_folds.sh, as given."""
    out: List[str] = []
    for option in POOL:
        value = line.values.get(option)
        if value is True:
            out.append(option)
        elif value is not None:
            out += [option, str(value)]
    return out


def pairs(option: str, given: Optional[List[str]]) -> List[Tuple[str, str]]:
    """--target NAME=DIR (repeated) -> [(name, dir)]."""
    out = []
    for item in given or []:
        name, sep, folder = item.partition("=")
        if not (name and sep and folder):
            raise RecipeError(f"{option} NAME=DIR (a registered corpus and its release folder), not '{item}'")
        out.append((name, folder))
    return out
