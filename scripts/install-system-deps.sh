#!/bin/sh
# Installs the system packages ifqueue needs from Debian: unar (RecodeGame's archive extractor, with
# lsar) and tmux (the dashboard's end-to-end test). Idempotent: installs only what is missing.
set -eu

missing=""
command -v unar >/dev/null 2>&1 && command -v lsar >/dev/null 2>&1 || missing="$missing unar"
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"

if [ -z "$missing" ]; then
  echo "system packages present: unar, tmux"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: need root (or sudo) to install:$missing" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "installed:$missing"
