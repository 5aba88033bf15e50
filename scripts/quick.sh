#!/usr/bin/env bash
# A fast look at the whole suite: small workloads (CB_PRESET=quick) and criterion's --quick
# mode, then the same report as a full run. Extra arguments go to criterion, e.g. a filter:
#   scripts/quick.sh map/
set -euo pipefail
cd "$(dirname "$0")/.."
CB_PRESET=quick exec cargo bench --bench suite -- --quick "$@"
