#!/usr/bin/env bash
# Runs the tests that count threads, processes, files or time again and again beside a busy
# neighbour (one CPU-bound process per CPU), so that a test which passes only on an idle
# machine fails here rather than on someone's busy one. Builds the test binaries once (the
# loopback, threads, process-pool and tools packages, and the lib tests of semaphore and
# queue), runs each binary RUNS times (default 5), each run bounded by a timeout so that a
# hang is a failure, and prints per binary its runs, failures and time, per failing test how
# often it failed, and the total time. Exits 1 if any run failed or anything was left running.
#
# Usage: scripts/stress-tests.sh [RUNS]
# Environment: CB_STRESS_TIMEOUT (seconds per run of one binary, default 600).
# The output of every failed run is kept under target/stress-tests/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [RUNS]  (RUNS: a positive number of rounds, default 5)" >&2
  exit 2
fi
per_run_timeout="${CB_STRESS_TIMEOUT:-600}"
logs=target/stress-tests
rm -rf "$logs"
mkdir -p "$logs"

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

started="$(now)"

# Build once. The JSON lines name every test executable with its package and target; `fresh`
# units are listed too, so a second call finds the binaries of the first.
build_json="$logs/build.json"
echo "==> building the test binaries"
cargo test --no-run --message-format=json -p loopback -p threads -p process-pool -p tools \
  >"$build_json"
cargo test --no-run --message-format=json -p semaphore -p queue --lib >>"$build_json"

# "<package dir> <kind> <target name> <executable>" for every artifact built as a test.
# cargo's objects `target` and `profile` hold no nested objects, so `[^}]*` stays inside each.
mapfile -t binaries < <(
  grep '"reason":"compiler-artifact"' "$build_json" |
    sed -n 's/.*"manifest_path":"\([^"]*\)\/Cargo.toml".*"target":{"kind":\["\([a-z-]*\)"\][^}]*"name":"\([^"]*\)".*"profile":{[^}]*"test":true}.*"executable":"\([^"]*\)".*/\1 \2 \3 \4/p' |
    sort -u
)
if ((${#binaries[@]} == 0)); then
  echo "error: no test executables found in cargo's output ($build_json)" >&2
  exit 1
fi
echo "built in $(seconds "$started" "$(now)") s: ${#binaries[@]} test binaries"

# The busy neighbour: one CPU-bound process per CPU. It and the test binary running are
# stopped on every way out (success, failure, Ctrl-C, SIGTERM).
neighbours=()
running=""
stop_neighbours() {
  if ((${#neighbours[@]} > 0)); then
    kill "${neighbours[@]}" 2>/dev/null || true
    wait "${neighbours[@]}" 2>/dev/null || true
    neighbours=()
  fi
}
cleanup() {
  if [[ -n "$running" ]]; then
    # `timeout` passes the signal on to the test binary's process group.
    kill -TERM "$running" 2>/dev/null || true
    wait "$running" 2>/dev/null || true
    running=""
  fi
  stop_neighbours
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
for _ in $(seq "$(nproc)"); do
  yes >/dev/null &
  neighbours+=("$!")
done
neighbour_pids=("${neighbours[@]}")
echo "==> $runs rounds beside $(nproc) busy processes (pids ${neighbours[*]})"

# Every process a test starts inherits this tag (pool workers, procspawn's included, and the
# commands' servers); any still alive at the end was left behind. Unlike the workers' own
# markers it does not match the workers of someone else's tests running meanwhile.
tag="CB_STRESS_TESTS=$$"

declare -A binary_failures=() binary_seconds=() test_failures=()
labels=()
for round in $(seq "$runs"); do
  for line in "${binaries[@]}"; do
    read -r dir kind name exe <<<"$line"
    label="${dir##*/} $kind $name"
    [[ $round == 1 ]] && labels+=("$label")
    log="$logs/${dir##*/}-$kind-$name-$round.log"
    run_started="$(now)"
    # cargo runs a test binary in its package's directory; so do we. `timeout` signals the
    # binary's whole process group, so servers it started go with it. In the background and
    # waited for, so that Ctrl-C is handled at once rather than after the run.
    (cd "$dir" && exec env "$tag" timeout --kill-after=10 "$per_run_timeout" "$exe") >"$log" 2>&1 &
    running=$!
    status=0
    wait "$running" || status=$?
    running=""
    took="$(seconds "$run_started" "$(now)")"
    binary_seconds[$label]="$(awk -v a="${binary_seconds[$label]:-0}" -v b="$took" 'BEGIN { print a + b }')"
    if ((status == 0)); then
      rm -f "$log"
      continue
    fi
    binary_failures[$label]=$((${binary_failures[$label]:-0} + 1))
    failed="$(sed -n 's/^test \(.*\) \.\.\. FAILED$/\1/p' "$log")"
    if ((status == 124 || status == 137)); then
      # libtest names the tests that ran for over a minute; those are the likely hangs.
      failed+=$'\n'"$(sed -n 's/^test \(.*\) has been running for over 60 seconds$/\1 (running at the timeout)/p' "$log")"
      failed+=$'\n'"(timed out after ${per_run_timeout} s)"
    elif [[ -z "$failed" ]]; then
      failed="(exit status $status, no test named)"
    fi
    while IFS= read -r test; do
      [[ -n "$test" ]] || continue
      key="$label: $test"
      test_failures[$key]=$((${test_failures[$key]:-0} + 1))
    done <<<"$failed"
    echo "round $round: $label FAILED (status $status, $took s): $(tr '\n' ' ' <<<"$failed")-> $log"
  done
  echo "round $round of $runs done at $(seconds "$started" "$(now)") s"
done
stop_neighbours

echo
echo "==> summary: $runs rounds beside a busy neighbour"
printf '%-40s %5s %9s %10s\n' binary runs failures seconds
total_failures=0
for label in "${labels[@]}"; do
  failures="${binary_failures[$label]:-0}"
  total_failures=$((total_failures + failures))
  printf '%-40s %5d %9d %10.1f\n' "$label" "$runs" "$failures" "${binary_seconds[$label]}"
done
if ((${#test_failures[@]} > 0)); then
  echo
  echo "failing tests (times failed of $runs):"
  for key in "${!test_failures[@]}"; do
    printf '  %3d  %s\n' "${test_failures[$key]}" "$key"
  done | sort -k2
fi

# Nothing a test started may outlive it: no process with the tag, and none of the neighbours.
# A worker whose parent has just exited dies of its death signal a moment later, so this
# waits (10 s at most) for the list to empty; whatever is still there after that was left.
survivors() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    if grep -qxszaF "$tag" "$environ" 2>/dev/null; then
      pid="${environ#/proc/}"
      printf ' %s' "${pid%/environ}"
    fi
  done
  for pid in "${neighbour_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then printf ' %s(neighbour)' "$pid"; fi
  done
}
leftover="$(survivors)"
for _ in $(seq 100); do
  [[ -n "$leftover" ]] || break
  sleep 0.1
  leftover="$(survivors)"
done
echo
echo "total: $(seconds "$started" "$(now)") s"
if [[ -n "$leftover" ]]; then
  echo "error: processes outlived the tests:$leftover" >&2
  exit 1
fi
if ((total_failures > 0)); then
  echo "error: $total_failures failed runs (logs in $logs)" >&2
  exit 1
fi
echo "no failures"
