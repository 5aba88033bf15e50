#!/usr/bin/env bash
# The article's Python on the suite's workloads, timed with pyperf, beside the Rust run.
#
#   scripts/python-bench.sh            # CB_PRESET (default: default) -> reports/runs/<id>-python.json
#   scripts/python-bench.sh --check    # every Python technique once, every answer checked, no timing
#
# Creates target/python-venv and installs scripts/python/requirements.txt (pinned pyperf,
# aiohttp, pandas and what they pull in) from the Python package index; builds the `tools`
# crate's file-server and loadgen and exports the workloads (tasks, answers, worker sweep)
# with `export-workloads`; runs scripts/python/bench.py once per benchmark to check every
# answer (a wrong one stops the run naming the workload, expected and actual value), then
# times it with pyperf in three tiers (rows that take seconds in Python get fewer values),
# converts pyperf's JSON with `import-pyperf`, and renders reports/index.html with the
# newest Rust run of this machine and preset beside it. CB_PY_ONLY=substring narrows it.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-time}"
preset="${CB_PRESET:-default}"
work=target/python-bench
venv=target/python-venv
requirements=scripts/python/requirements.txt

if ! command -v python3 >/dev/null 2>&1; then
  echo "python-bench: python3 is not installed: the Python side is skipped (install python3 >= 3.9 with venv to run it)" >&2
  exit 2
fi

stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "==> python venv: $venv ($(python3 --version)), packages from $requirements"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
py="$venv/bin/python"

echo "==> build: the tools' file-server and loadgen, the workloads export ($preset preset)"
cargo build --quiet --release -p tools --bin file-server --bin loadgen
mkdir -p "$work"
cargo run --quiet --release -p tools --bin export-workloads -- --preset "$preset" --out "$work/workloads.json"
export CB_TOOLS_DIR="${CB_TOOLS_DIR:-target/release}"

only=(--only "${CB_PY_ONLY:-}")
if [[ "$mode" == "--check" ]]; then
  echo "==> check: every Python technique once, every answer verified"
  "$py" scripts/python/bench.py --workloads "$work/workloads.json" "${only[@]}" --check
  exit 0
fi
# The slow rows (seconds per run) check their answer on every timed run instead.
echo "==> check: every Python technique but the slow rows once, every answer verified"
"$py" scripts/python/bench.py --workloads "$work/workloads.json" "${only[@]}" --check \
  --tier measured --plan-out "$work/plan.json"

rm -f "$work"/fast.json "$work"/medium.json "$work"/slow.json "$work/latency.jsonl"
declare -A options=(
  [fast]="--processes 2 --values 5 --warmups 1 --loops 1"
  [medium]="--processes 1 --values 3 --warmups 0 --loops 1"
  [slow]="--processes 1 --values 2 --warmups 0 --loops 1"
)
files=()
for tier in fast medium slow; do
  echo "==> pyperf, $tier tier: ${options[$tier]}"
  # shellcheck disable=SC2086 # the options are words
  "$py" scripts/python/bench.py --workloads "$work/workloads.json" "${only[@]}" --tier "$tier" \
    --plan "$work/plan.json" --sidecar "$work/latency.jsonl" --quiet ${options[$tier]} \
    -o "$work/$tier.json"
  [[ -f "$work/$tier.json" ]] && files+=("$work/$tier.json")
done

results="$(cargo run --quiet -p report --bin import-pyperf -- "${files[@]}" \
  --sidecar "$work/latency.jsonl" --command-line "CB_PRESET=$preset scripts/python-bench.sh")"
echo "results: $results"
if cargo run --quiet -p report --bin render -- --latest --python "$results" --out reports/index.html; then
  echo "the page shows it in the section \"Rust against the article's Python\""
else
  echo "no Rust run to show it beside yet: run cargo bench (same CB_PRESET), then cargo run -p report --bin render -- --latest"
fi
