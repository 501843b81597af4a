#!/usr/bin/env bash
# One command: install (first time only), make sure Chromium is there for the browser tests, start a
# throwaway PostgreSQL cluster for the store tests on both engines, run every test.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = "0" ]; then APT=apt-get; else APT="sudo apt-get"; fi
  $APT update -qq && DEBIAN_FRONTEND=noninteractive $APT install -y -qq chromium >/dev/null
fi
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
# The cluster is stopped and its folder deleted when this script exits, pass or fail.
source scripts/test_postgres.sh
trap pg_test_stop EXIT
trap "exit 130" INT
trap "exit 143" TERM
pg_test_start
.venv/bin/python -m pytest "$@"
