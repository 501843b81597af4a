#!/usr/bin/env bash
# Create .venv and install everything the project needs. Re-running is a no-op unless
# pyproject.toml changed (a stamp file records the hash of what was installed).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# This machine's pip config names extra local indexes; pip warns about each missing folder.
quiet_pip() { "$VENV/bin/pip" install --quiet "$@" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }; }

if [ ! -f "$STAMP" ]; then
  echo "==> installing torch==2.13.0 (CPU build) first, so no CUDA wheels are pulled"
  quiet_pip "torch==2.13.0"
  echo "==> installing Standards Assistant and its dependencies"
  quiet_pip -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
