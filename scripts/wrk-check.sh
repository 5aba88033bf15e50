#!/usr/bin/env bash
# Checks that the suite's load generator is never the ceiling: drives each hello server (and
# the canned responder, the generator's own ceiling) with wrk and with the suite's generator
# at 16 and 256 connections, prints one line per pair, and fails when the suite's generator
# draws less than 0.9x what wrk draws, or when its ceiling is not above every server's figure.
#
#   scripts/wrk-check.sh [seconds per run, default 3]
#
# Output: `<server> <connections> suite=<req/s> wrk=<req/s> ratio=<suite/wrk>`. Installs
# Debian's wrk when it is missing. Servers get one worker per core; wrk runs with one thread
# (`wrk -t1`), the generator with one per core; both share the cores with the server.
set -euo pipefail

seconds="${1:-3}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "error: seconds: '$seconds' is not a positive integer" >&2; exit 2; }
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null \
    || { echo "error: wrk: missing and could not be installed" >&2; exit 1; }
fi
cargo build --release -q -p tools --bin hello-server --bin loadgen
bin="${CARGO_TARGET_DIR:-target}/release"
cores="$(nproc)"

work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -INT "$server_pid" 2>/dev/null || true
    # Bounded: a server that ignores Ctrl-C for 15 s is killed and the check fails.
    for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      kill -KILL "$server_pid"; echo "error: $server did not stop on SIGINT within 15 s" >&2; failed=1
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

failed=0
declare -A ceiling best
for server in canned tokio-hyper thread-per-connection thread-pool; do
  "$bin/hello-server" --technique "$server" --workers "$cores" --port 0 >"$work/out" 2>"$work/err" &
  server_pid=$!
  url=""
  for _ in $(seq 100); do
    url="$(sed -n 's/^listening on //p' "$work/out")"
    [[ -n "$url" ]] && break
    sleep 0.05
  done
  [[ -n "$url" ]] || { echo "error: $server: no address within 5 s: $(cat "$work/err")" >&2; exit 1; }
  for connections in 16 256; do
    wrk_out="$(timeout $((seconds + 30)) wrk -t1 -c"$connections" -d"${seconds}s" "$url/")"
    wrk_rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$wrk_out")"
    if grep -qE 'Non-2xx|Socket errors' <<<"$wrk_out"; then
      echo "note: $server $connections: wrk saw errors: $(grep -E 'Non-2xx|Socket errors' <<<"$wrk_out" | tr -s ' ')" >&2
    fi
    suite_json="$(timeout $((seconds + 30)) "$bin/loadgen" --connections "$connections" \
      --duration "${seconds}s" --expect 'Hello, Anonymous!' --json "$url/")" \
      || { echo "error: $server $connections: the suite's generator failed: $suite_json" >&2; failed=1; continue; }
    suite_rps="$(sed -n 's/.*"req_per_s":\([0-9.e+]*\).*/\1/p' <<<"$suite_json")"
    ratio="$(awk -v s="$suite_rps" -v w="$wrk_rps" 'BEGIN { printf "%.2f", s / w }')"
    printf '%s %s suite=%.0f wrk=%.0f ratio=%s\n' "$server" "$connections" "$suite_rps" "$wrk_rps" "$ratio"
    if awk -v r="$ratio" 'BEGIN { exit !(r < 0.9) }'; then
      echo "FAIL: $server $connections: the suite's generator drew ${ratio}x of wrk's rate" >&2; failed=1
    fi
    if [[ "$server" == canned ]]; then
      ceiling[$connections]="$suite_rps"
    elif awk -v s="$suite_rps" -v c="${ceiling[$connections]}" 'BEGIN { exit !(s >= c) }'; then
      echo "FAIL: $server $connections: $suite_rps req/s reaches the generator's ceiling ${ceiling[$connections]}" >&2; failed=1
    fi
  done
  stop_server
done
exit "$failed"
