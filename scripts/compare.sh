#!/usr/bin/env bash
# Compares results files: with no arguments, every committed baseline
# (reports/baselines/<label>/results.json, the first the reference) and the newest run under
# reports/runs/; otherwise passes its arguments to `compare` (files, --reference NAME,
# --out PATH, --single-file, --fail-above PCT). Writes reports/compare.html.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -eq 0 ]]; then
  shopt -s nullglob
  baselines=(reports/baselines/*/results.json)
  run="$(ls reports/runs/*.json 2>/dev/null | tail -1)"
  [[ ${#baselines[@]} -gt 0 ]] || { echo "error: reports/baselines/: no <label>/results.json" >&2; exit 1; }
  [[ -n "$run" ]] || { echo "error: reports/runs/: no results file (run cargo bench first)" >&2; exit 1; }
  set -- "${baselines[@]}" "$run"
fi
exec cargo run --quiet -p report --bin compare -- "$@"
