#!/usr/bin/env bash
# The Debian packages the recipe calls: sctk (sclite: stage 6, unit error rates; the report's Table 3) and espeak-ng
# (the demo corpus: stage 0 of the demo and the tests). Tools already on PATH are used as they are (a cluster
# module, a build in ~/bin): `sclite` or `sctk`, and `espeak-ng`.
# As root the missing ones are installed with apt-get. Without root nothing is installed here: the exact command
# is printed with what cannot run until then, and setup goes on with everything else (exit status 0).
set -euo pipefail
pkgs=()
[ -x /usr/lib/sctk/bin/sclite ] || command -v sclite >/dev/null 2>&1 || command -v sctk >/dev/null 2>&1 || pkgs+=(sctk)
command -v espeak-ng >/dev/null 2>&1 || pkgs+=(espeak-ng)
[ ${#pkgs[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && [ -z "${FAIRSEQ_EMO_NO_APT:-}" ]; then
  echo "[setup] apt-get install ${pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${pkgs[@]}" >/dev/null
  exit 0
fi
echo "[setup] not root: not installing the Debian package(s) ${pkgs[*]}; everything else is set up. Until they are" >&2
echo "        installed (sudo apt-get update && sudo apt-get install -y ${pkgs[*]}) or on PATH:" >&2
for p in "${pkgs[@]}"; do
  case "$p" in
    sctk) echo "        - sctk missing: run.sh stage 6 (sclite scoring) stops with the install line; scripts/score.py" \
            "--scorer python is the labelled fallback; the tests that need sclite fail saying so" >&2 ;;
    espeak-ng) echo "        - espeak-ng missing: the demo corpus (run.sh stage 0 of the demo, run_cross_corpus.sh --demo)" \
                 "and the tests cannot synthesise speech; real corpora (IEMOCAP, ...) do not need it" >&2 ;;
  esac
done
