# Shared by run.sh, run_folds.sh and run_cross_corpus.sh (sourced, not run): the Python to use, log lines,
# stage selection, option checks. Each script sets `me` (its name for messages) before sourcing this file.
# Names and paths of the experiment layout are not coded here: the scripts ask fairseq_emo/layout.py.

# No pathname expansion: unit, fold and seed lists are split on spaces unquoted, and a '*' in a value must stay
# a '*' (and be refused by check_words), never become file names.
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
# print_header FILE: the comment block at the top of a script (its usage text)
print_header() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }
# need_value OPTION ARGC: an option that takes a value was given one (else a clear error, not "unbound variable")
need_value() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }
# check_words OPTION 'REGEX' 'WHAT' VALUE...: every word of the option's value matches, else say what it takes
check_words() {
  local opt=$1 regex=$2 what=$3 w; shift 3
  for w in "$@"; do [[ "$w" =~ $regex ]] || die "$opt takes $what; got '$w'"; done
}
# layout ARGS...: a name or path from fairseq_emo/layout.py
layout() { "$PYTHON" -m fairseq_emo.layout "$@"; }

# hydra_safe OPTION PATH: a path fairseq-hydra-train's override grammar can take (no ',' '=' spaces quotes
# brackets ...), and that the stage loops cannot word-split; else a clear error before anything is written
hydra_safe() {
  [[ "$2" =~ ^[A-Za-z0-9_./+@%:~-]+$ ]] || die "$1 $2: hydra overrides cannot take this path (',' '=' spaces quotes" \
    "brackets ...); use a directory whose path has only letters, digits and _ . / + @ % : ~ -"
}
