#!/usr/bin/env bash
# Compares results files: with no arguments, the newest committed baseline (the reference)
# against the newest run under reports/runs/; otherwise passes its arguments to `compare`
# (files, --reference NAME, --out PATH, --fail-above PCT). Writes reports/compare.html.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -eq 0 ]]; then
  baseline="$(ls reports/baselines/*.json 2>/dev/null | tail -1)"
  run="$(ls reports/runs/*.json 2>/dev/null | tail -1)"
  [[ -n "$baseline" ]] || { echo "error: reports/baselines/: no results file" >&2; exit 1; }
  [[ -n "$run" ]] || { echo "error: reports/runs/: no results file (run cargo bench first)" >&2; exit 1; }
  set -- "$baseline" "$run"
fi
exec cargo run --quiet -p report --bin compare -- "$@"
