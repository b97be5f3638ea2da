#!/usr/bin/env bash
# Install the Debian packages the recipe calls: sctk (sclite, for unit error rates) and espeak-ng (the demo corpus).
# As root they are installed with apt-get; otherwise the exact command is printed and we stop (exit 1).
set -euo pipefail
pkgs=()
[ -x /usr/lib/sctk/bin/sclite ] || command -v sctk >/dev/null 2>&1 || pkgs+=(sctk)
command -v espeak-ng >/dev/null 2>&1 || pkgs+=(espeak-ng)
[ ${#pkgs[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "[setup] apt-get install ${pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${pkgs[@]}" >/dev/null
else
  echo "[setup] missing Debian packages: ${pkgs[*]}. Run as root, then re-run setup:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
