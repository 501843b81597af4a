#!/usr/bin/env bash
# One command: install (first time only), ingest the shipped corpus, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1
# Ingest is incremental: unchanged documents are skipped, so a second run is up in seconds.
.venv/bin/standards ingest corpus/
exec .venv/bin/standards serve "$@"
