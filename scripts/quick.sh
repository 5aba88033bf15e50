#!/usr/bin/env bash
# A fast look at the whole suite: small workloads (CB_PRESET=quick), criterion's --quick mode
# and no criterion plots (--noplot: drawing its per-benchmark charts would take half the time),
# then the same report as a full run, without links to criterion's pages. Extra arguments go to criterion, e.g. a filter:
#   scripts/quick.sh map/
set -euo pipefail
cd "$(dirname "$0")/.."
CB_PRESET=quick exec cargo bench --bench suite -- --quick --noplot "$@"
