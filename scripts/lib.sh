# Shared by run.sh, run_folds.sh and run_cross_corpus.sh (sourced): the Python to use, log lines, stage
# selection, and the door to the recipe's decisions (fairseq_emo/recipe/). Each script sets `me` first.

# No pathname expansion: unit, fold and seed lists are split on spaces unquoted, and a '*' in a value must stay
# a '*' (the plan refuses it), never become file names.
set -f
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The project's venv unless PYTHON says otherwise (the tests run the scripts with their own interpreter).
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then PYTHON=$repo/.venv/bin/python; else PYTHON=python3; fi
fi

log() { echo "[$(date +%H:%M:%S)] $me: $*" >&2; }
die() { echo "$me: $*" >&2; exit 2; }
# want N: stage N lies within --stage .. --stop-stage
want() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }
# recipe WHAT ARGS...: a decision of fairseq_emo/recipe/ (python -m fairseq_emo.recipe --help lists them)
recipe() { "$PYTHON" -m fairseq_emo.recipe "$me" "$@"; }
# plan ARGS...: the script's options checked into its plan (defaults, names, paths), set as shell variables;
# a refused option stops the script here with one line (exit 2), --help prints the usage
plan() { local code; code=$(recipe plan "$@") || exit $?; eval "$code"; }
# Ctrl-C: one line (the Python stages print theirs, not tracebacks); finished work is kept, the same command resumes
trap 'echo "$me: interrupted; finished stages and folds are kept: run the same command again to resume" >&2; exit 130' INT
