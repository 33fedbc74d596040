#!/bin/sh
# Installs the system packages the IFDB tasks need: Debian's unar (RecodeGame's archive extractor).
# Idempotent: does nothing when unar is already on PATH.
set -eu

if command -v unar >/dev/null 2>&1 && command -v lsar >/dev/null 2>&1; then
  echo "unar already installed: $(command -v unar)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: need root (or sudo) to install unar" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends unar
echo "unar installed: $(command -v unar)"
