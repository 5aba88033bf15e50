#!/usr/bin/env bash
# The article's Python on the suite's workloads, timed with pyperf, beside the Rust run.
#
#   scripts/python-bench.sh                  # CB_PRESET (default: default) -> reports/runs/<id>-python-<interpreter>.json
#   scripts/python-bench.sh --check          # every Python technique once, every answer checked, no timing
#   scripts/python-bench.sh --test           # the Python side's unit tests (after a --check of the same preset)
#   scripts/python-bench.sh --python PATH …  # on another interpreter (or CB_PYTHON=PATH); default python3
#
# Any CPython >= 3.9: each interpreter gets its own venv, target/python-venv/<impl>-<version>[t],
# with scripts/python/requirements-<tag>.txt (e.g. cp313t: pandas has no wheel there) where one
# exists, else scripts/python/requirements.txt (pinned pyperf, aiohttp, pandas and what they
# pull in), installed from the Python package index. scripts/python-interpreters.sh provides
# free-threaded and 3.14 interpreters under target/python/; one that runs in a Debian root of
# its own has an `enter` beside its bin/, through which its venv's python is run too.
# Builds the `tools` crate's file-server and loadgen and exports the workloads (tasks,
# answers, worker sweep) with `export-workloads`; runs scripts/python/bench.py once per
# benchmark to check every answer (a wrong one stops the run naming the workload, expected
# and actual value), then times it with pyperf in three tiers (rows that take seconds in
# Python get fewer values), converts pyperf's JSON with `import-pyperf`, and renders
# reports/index.html with the newest Rust run of this machine and preset beside the newest
# run of each interpreter. CB_PY_ONLY=substring narrows it. PYTHON_GIL reaches pyperf's workers.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=time
python="${CB_PYTHON:-python3}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --check | --test) mode="$1" ;;
    --python)
      [[ $# -ge 2 ]] || { echo "python-bench: --python needs a path" >&2; exit 2; }
      python="$2"
      shift
      ;;
    *) echo "python-bench: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
preset="${CB_PRESET:-default}"
work=target/python-bench

if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-bench: $python is not installed: the Python side is skipped (install python3 >= 3.9 with venv to run it)" >&2
  exit 2
fi
# An interpreter in a root of its own (scripts/python-interpreters.sh) runs commands there.
launch=()
enter="$(dirname "$(dirname "$(command -v "$python")")")/enter"
[[ -x "$enter" ]] && launch=("$enter")
if ! key="$("$python" -c 'import sys, sysconfig
assert sys.version_info >= (3, 9), "Python 3.9 or newer is needed"
t = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
v = sys.version_info
print(f"{sys.implementation.name}-{v.major}.{v.minor}.{v.micro}{t} cp{v.major}{v.minor}{t}")')"; then
  echo "python-bench: $python does not run as Python 3.9 or newer" >&2
  exit 2
fi
venv="target/python-venv/${key% *}"
requirements="scripts/python/requirements-${key#* }.txt"
[[ -f "$requirements" ]] || requirements=scripts/python/requirements.txt

stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "==> python venv: $venv ($("$python" --version)), packages from $requirements"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "${launch[@]}" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
py=("${launch[@]}" "$venv/bin/python")

if [[ "$mode" == "--test" ]]; then
  echo "==> the Python side's tests ($venv)"
  [[ -f "$work/workloads.json" ]] || { echo "python-bench: $work/workloads.json: missing (run --check first)" >&2; exit 2; }
  CB_WORKLOADS="$work/workloads.json" "${py[@]}" -m unittest discover -s scripts/python
  exit 0
fi

echo "==> build: the tools' file-server and loadgen, the workloads export ($preset preset)"
cargo build --quiet --release -p tools --bin file-server --bin loadgen
mkdir -p "$work"
cargo run --quiet --release -p tools --bin export-workloads -- --preset "$preset" --out "$work/workloads.json"
export CB_TOOLS_DIR="${CB_TOOLS_DIR:-target/release}"

only=(--only "${CB_PY_ONLY:-}")
if [[ "$mode" == "--check" ]]; then
  echo "==> check: every Python technique once, every answer verified"
  "${py[@]}" scripts/python/bench.py --workloads "$work/workloads.json" "${only[@]}" --check
  exit 0
fi
# This interpreter's plan, pyperf files and latencies; the workloads are every interpreter's.
runs="$work/${key% *}"
mkdir -p "$runs"
# The slow rows (seconds per run) check their answer on every timed run instead.
echo "==> check: every Python technique but the slow rows once, every answer verified"
"${py[@]}" scripts/python/bench.py --workloads "$work/workloads.json" "${only[@]}" --check \
  --tier measured --plan-out "$runs/plan.json"

rm -f "$runs"/fast.json "$runs"/medium.json "$runs"/slow.json "$runs/latency.jsonl"
declare -A options=(
  [fast]="--processes 2 --values 5 --warmups 1 --loops 1"
  [medium]="--processes 1 --values 3 --warmups 0 --loops 1"
  [slow]="--processes 1 --values 3 --warmups 0 --loops 1"
)
files=()
for tier in fast medium slow; do
  echo "==> pyperf, $tier tier: ${options[$tier]}"
  # shellcheck disable=SC2086 # the options are words
  "${py[@]}" scripts/python/bench.py --workloads "$work/workloads.json" "${only[@]}" --tier "$tier" \
    --plan "$runs/plan.json" --sidecar "$runs/latency.jsonl" --quiet ${options[$tier]} \
    -o "$runs/$tier.json"
  [[ -f "$runs/$tier.json" ]] && files+=("$runs/$tier.json")
done

results="$(cargo run --quiet -p report --bin import-pyperf -- "${files[@]}" \
  --sidecar "$runs/latency.jsonl" --command-line "CB_PRESET=$preset scripts/python-bench.sh --python $python")"
echo "results: $results ($((SECONDS / 60)) min $((SECONDS % 60)) s)"
if cargo run --quiet -p report --bin render -- --latest --out reports/index.html; then
  echo "the page shows the newest run of each interpreter of this machine and preset in the section \"Rust against the article's Python\""
else
  echo "no Rust run to show it beside yet: run cargo bench (same CB_PRESET), then cargo run -p report --bin render -- --latest"
fi
