#!/bin/sh
# Installs the system packages ifqueue needs from Debian: unar (RecodeGame's archive extractor, with
# lsar), tmux (the dashboard's end-to-end test), and Debian's python3 with Django and psycopg2 (the
# tests of IFDB's drop-in, integrations/ifdb; /usr/bin/python3, since a pyenv python3 on PATH cannot
# see Debian's packages). Idempotent: installs only what is missing.
set -eu

missing=""
command -v unar >/dev/null 2>&1 && command -v lsar >/dev/null 2>&1 || missing="$missing unar"
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
/usr/bin/python3 -c 'import django, psycopg2' >/dev/null 2>&1 || missing="$missing python3-django python3-psycopg2"

if [ -z "$missing" ]; then
  echo "system packages present: unar, tmux, python3-django, python3-psycopg2"
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
