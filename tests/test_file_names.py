"""One owner for every file name: only fairseq_emo/core/layout.py spells the names of exp/, data/ and manifest files.

Python: every string literal of the package and scripts/ (docstrings and help texts aside: prose may name a file)
that *is* one of layout's names, or ends in '/<name>', builds a path by hand. Bash: a non-comment line of a
script that spells one. Both fail here with the file and line, and say which layout name to use.
"""
import ast
import glob
import os
import re

from fairseq_emo.core import layout

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {getattr(layout, k): k for k in (
    "DONE", "FAILED", "LOCK", "LOCK_PID", "COMMAND", "TRAIN_LOG", "CHECK_ERR", "CHECK_MAX_UPDATE", "PREPARE_LOCK",
    "DECODED", "VOTED", "VOTE_LOG", "REF_EMOTIONS", "UNIT_TIMELINES", "HYP_TRN", "REF_TRN", "TEST_CHECKPOINT",
    "FOLD_RECORD", "EVAL_RECORD", "BASELINE_RECORD", "BASELINE_CACHE", "UTTERANCE_TABLE", "RESULTS", "REPORT",
    "LOSS_FIGURE", "SLURM_SCRIPT", "SLURM_JOB", "SLURM_OUTPUT")}
# f-string pieces that build the names layout builds with a parameter (decode_<split>, scores_<split>.tsv, ...)
PREFIXES = ("decode_", "scores_", "confusion_")


def _docstring_nodes(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                yield first.value


def _help_nodes(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("help", "description", "epilog"):
            yield from ast.walk(node.value)


def python_offences(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    prose = {id(n) for n in _docstring_nodes(tree)} | {id(n) for n in _help_nodes(tree)}
    in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in prose:
            continue
        text = node.value
        for name, const in NAMES.items():
            if text == name or text.endswith("/" + name) or text.endswith(os.sep + name):
                found.append(f"{os.path.relpath(path, REPO)}:{node.lineno}: {text!r} (use layout.{const})")
        if id(node) in in_fstring and text.lstrip("/").startswith(PREFIXES):
            found.append(f"{os.path.relpath(path, REPO)}:{node.lineno}: f-string piece {text!r} builds a layout "
                         f"name (use the layout function that makes it)")
    return found


def bash_offences(path):
    # a name starting a path piece (after '/', '=', a quote or the line start); ' FAILED' in a log message is prose
    pattern = re.compile(r"(?:^|(?<=[/=\"']))(" + "|".join(re.escape(n) for n in NAMES) + r")(?![\w.])")
    found = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
            for m in pattern.finditer(code):
                found.append(f"{os.path.relpath(path, REPO)}:{lineno}: {m.group(1)!r} (use the plan's variable: "
                             f"fairseq_emo/recipe/plan.py, layout.shell_names)")
    return found


def test_only_layout_py_spells_the_file_names_of_the_recipe_in_python():
    files = [p for p in glob.glob(os.path.join(REPO, "fairseq_emo", "**", "*.py"), recursive=True)
             + glob.glob(os.path.join(REPO, "scripts", "*.py")) if os.path.basename(p) != "layout.py"
             or os.path.basename(os.path.dirname(p)) != "core"]
    assert len(files) > 40
    offences = [o for p in files for o in python_offences(p)]
    assert not offences, "file names built outside fairseq_emo/core/layout.py:\n" + "\n".join(offences)


def test_the_bash_scripts_take_file_names_from_layout():
    files = glob.glob(os.path.join(REPO, "scripts", "*.sh"))
    assert len(files) >= 4
    offences = [o for p in files for o in bash_offences(p)]
    assert not offences, "file names spelled in bash:\n" + "\n".join(offences)


def test_the_checker_catches_a_hand_built_name(tmp_path):
    """The oracle of the two tests above: a literal name in code is caught; the same name in prose is not."""
    py = tmp_path / "x.py"
    py.write_text('"""Reads pred.txt."""\nimport os\n\ndef f(d, split):\n    """decode.json."""\n'
                  '    a = os.path.join(d, "pred.txt")\n    b = f"{d}/DONE"\n    c = f"decode_{split}"\n'
                  '    return a, b, c, "no pred.txt here"\n')
    found = python_offences(str(py))
    assert [o.split(":")[1] for o in found] == ["6", "7", "8"], found
    sh = tmp_path / "x.sh"
    sh.write_text('# writes pred.txt\nout=$d/pred.txt\necho "$d/$voted_file"  # pred.txt\nx=$results_file\n')
    assert [o.split(":")[1] for o in bash_offences(str(sh))] == ["2"]
