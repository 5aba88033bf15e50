#!/usr/bin/env bash
# A/A check: runs the same benchmarks several times back to back on this machine, without a
# change, and writes each benchmark's run-to-run spread (max median / min median - 1) to
# reports/noise.json. `compare` reads that file by itself and calls a change significant only
# beyond that noise floor.
#
#   scripts/aa-check.sh [filter]          e.g. scripts/aa-check.sh sync/counter
#   AA_RUNS=5 scripts/aa-check.sh map/    more runs: a floor closer to the true spread
#
# Run it on a quiet machine (the results file of each run says whether it was busy), with the
# same filter, preset (CB_PRESET) and sweep (CB_WORKERS) as the runs it will judge.
set -euo pipefail
cd "$(dirname "$0")/.."

filter="${1:-}"
runs="${AA_RUNS:-3}"
if ! [[ "$runs" =~ ^[0-9]+$ ]] || (( runs < 2 )); then
  echo "error: AA_RUNS=$runs: an A/A check needs a whole number of runs, at least 2" >&2
  exit 1
fi
reports="${CB_REPORT_DIR:-reports}"
mkdir -p "$reports/runs"
marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT

files=()
for i in $(seq 1 "$runs"); do
  echo "==> A/A run $i of $runs: cargo bench --bench suite -- --noplot $filter" >&2
  touch "$marker"
  sleep 1 # results files are named by the second; never let two runs share one
  cargo bench --bench suite -- --noplot ${filter:+"$filter"}
  newest="$(find "$reports/runs" -name '*.json' -newer "$marker" | sort | tail -n 1)"
  if [[ -z "$newest" ]]; then
    echo "error: run $i published no results file under $reports/runs" >&2
    exit 1
  fi
  files+=("$newest")
done

cargo run --quiet --release -p report --bin compare -- --write-noise "$reports/noise.json" "${files[@]}"
