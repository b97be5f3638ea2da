#!/usr/bin/env bash
# Set up fairseq_emo on a fresh machine: a virtualenv in .venv with torch, fairseq-fixed and this
# package, plus the Debian tools the recipe calls (SCTK's sclite, espeak-ng for the demo corpus).
# Idempotent: a second run checks what is there and installs nothing new.
#
#   bash scripts/setup.sh            # venv at ./.venv
#   VENV=/path/to/venv bash scripts/setup.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$repo/.venv}
python=${PYTHON:-python3}
log() { echo "[setup] $*" >&2; }

# 1. Debian tools (sclite, espeak-ng). As root we install them; otherwise we say exactly what to run.
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
  pip install -q --no-build-isolation -e "$repo[test]"
  echo "$want_hash" > "$stamp"
fi

log "ready: $venv ($("$vpy" -c "import sys, importlib.metadata as m; print('python', sys.version.split()[0] + ', torch', m.version('torch') + ', fairseq-fixed', m.version('fairseq-fixed'))"))"
