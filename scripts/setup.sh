#!/usr/bin/env bash
# Set up fairseq_emo on a fresh machine: a virtualenv in .venv with torch, fairseq-fixed and this
# package, plus the Debian tools the recipe calls (SCTK's sclite, espeak-ng for the demo corpus).
# Idempotent: a second run checks what is there and installs nothing new.
#
#   bash scripts/setup.sh            # venv at ./.venv
#   VENV=/path/to/venv bash scripts/setup.sh
#   PYTHON=/path/to/python3 bash scripts/setup.sh   # the base interpreter (one with a CUDA torch is reused)
#
# Without root (a cluster account) it sets up everything it can: the venv and all Python packages. sclite and
# espeak-ng already on PATH are used; missing ones are listed with the stages that need them and the apt-get line
# for an administrator (third_party/install_debian_tools.sh). FAIRSEQ_EMO_NO_APT=1 skips apt-get even as root.
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0
fi
[ $# -eq 0 ] || { echo "setup.sh: no arguments (see --help); settings are VENV=... and PYTHON=..." >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$repo/.venv}
python=${PYTHON:-python3}
log() { echo "[setup] $*" >&2; }

# 1. Debian tools (sclite, espeak-ng). As root we install them; otherwise we say what is missing, what needs it
#    and what to run, and go on.
bash "$repo/third_party/install_debian_tools.sh"

# 2. The virtualenv. A user who already has torch in the base interpreter (say a CUDA build) keeps it:
#    the venv then sees the base site-packages instead of downloading another torch.
if [ ! -x "$venv/bin/python" ]; then
  if "$python" -c "import torch" 2>/dev/null; then
    log "base $python already has torch $("$python" -c 'import torch; print(torch.__version__)'): venv reuses it (--system-site-packages)"
    "$python" -m venv --system-site-packages "$venv"
  else
    "$python" -m venv "$venv"
  fi
fi
vpy="$venv/bin/python"
pip() { "$vpy" -m pip --disable-pip-version-check "$@"; }

# 3. torch: keep whatever is importable; otherwise the pinned CPU wheel (an unpinned torch pulls a multi-GB CUDA build).
if ! "$vpy" -c "import torch" 2>/dev/null; then
  log "installing torch==2.13.0"
  pip install -q "torch==2.13.0"
fi

# 4. fairseq-fixed without its declared deps (they would replace torch and pull torchaudio, which the wav2vec
#    path never imports), then the dependencies it really uses. Build needs numpy + cython present.
# (checked by installed metadata: importing fairseq takes seconds)
if ! "$vpy" -c "import importlib.metadata as m; m.version('fairseq-fixed')" 2>/dev/null; then
  pip install -q "numpy" "cython" "setuptools" "wheel"
  log "building fairseq-fixed==0.12.3.1 (compiles extensions: a few minutes the first time, cached afterwards)"
  pip install -q --no-deps --no-build-isolation "fairseq-fixed==0.12.3.1"
fi

# 5. This package (editable) and its own dependencies, from setup.py. Reinstalled only when setup.py changed
#    (its hash is kept in the venv) or the package is not importable from this checkout.
stamp="$venv/.fairseq_emo_setup_py.sha256"
want_hash=$(sha256sum "$repo/setup.py" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want_hash" ] \
   || ! "$vpy" -c "import importlib.util as u, sys; s = u.find_spec('fairseq_emo'); sys.exit(0 if s and s.origin.startswith('$repo/') else 1)" 2>/dev/null; then
  log "installing fairseq_emo (editable) and its dependencies"
  pip install -q --no-build-isolation -e "$repo[recipe,test,tensorboard]"
  echo "$want_hash" > "$stamp"
fi

log "ready: $venv ($("$vpy" -c "import sys, importlib.metadata as m; print('python', sys.version.split()[0] + ', torch', m.version('torch') + ', fairseq-fixed', m.version('fairseq-fixed'))"))"
