#!/usr/bin/env bash
# Checks that the suite's load generator is never the ceiling: drives each hello server (and
# the canned responder) with wrk and with the suite's generator at 16 and 256 connections,
# prints one line per pair, and fails when the suite's generator draws less than 0.9x what
# wrk draws, or when a server's figure is not below the generator's ceiling.
#
#   scripts/wrk-check.sh [seconds per run, default 3] [rounds, default 3]
#
# Each pair is measured `rounds` times, wrk and the suite's generator in turn, and the best
# rate of each is compared. One run of each is not enough: on 2 shared CPUs a single pair's
# ratio swings by tens of percent by chance (docs/findings.md, "Servers on 2 shared cores").
#
# Output: `<server> <connections> suite=<req/s> wrk=<req/s> ratio=<suite/wrk>`, and after the
# canned pair, `ceiling <connections> suite=<req/s> req_per_cpu_s=<n> cpus=<n>`.
#
# The ceiling is the generator's own capacity: the requests per CPU-second its threads
# spent against the canned responder (the cheapest answer there is, so nearly all of a
# request's cost is the generator's), times the CPUs (`nproc`): the rate it could drive with
# the machine to itself and a server that cost nothing. It is not the canned pair's rate:
# generator and server share the cores, so a closed loop's rate is the cores over the sum of
# both sides' cost per request, and on 2 CPUs the canned responder (tokio, a thread per core)
# costs about what tokio-hyper costs, so "canned above tokio-hyper" is a coin toss. A
# server's rate is below the ceiling as long as the generator was not using every core.
#
# Installs Debian's wrk when it is missing. Servers get one worker per core; wrk runs with
# one thread (`wrk -t1`), the generator with one event-loop thread per core; both share the
# cores with the server. The machine's load changes both rates, so compare the ratio, which
# pairs runs made seconds apart, and run the check on a quiet machine.
set -euo pipefail

seconds="${1:-3}"
rounds="${2:-3}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "error: seconds: '$seconds' is not a positive integer" >&2; exit 2; }
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -gt 0 ]] || { echo "error: rounds: '$rounds' is not a positive integer" >&2; exit 2; }
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
declare -A ceiling
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
    wrk_rps=0; suite_rps=0; per_cpu=""
    for _ in $(seq "$rounds"); do
      wrk_out="$(timeout $((seconds + 30)) wrk -t1 -c"$connections" -d"${seconds}s" "$url/")"
      rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$wrk_out")"
      if grep -qE 'Non-2xx|Socket errors' <<<"$wrk_out"; then
        echo "note: $server $connections: wrk saw errors: $(grep -E 'Non-2xx|Socket errors' <<<"$wrk_out" | tr -s ' ')" >&2
      fi
      wrk_rps="$(awk -v a="$wrk_rps" -v b="${rps:-0}" 'BEGIN { print (b > a ? b : a) }')"
      suite_json="$(timeout $((seconds + 30)) "$bin/loadgen" --connections "$connections" \
        --duration "${seconds}s" --expect 'Hello, Anonymous!' --json "$url/")" \
        || { echo "error: $server $connections: the suite's generator failed: $suite_json" >&2
             [[ "$server" != canned ]] || exit 1  # no ceiling to check the others against
             failed=1; continue 2; }
      rps="$(sed -n 's/.*"req_per_s":\([0-9.e+]*\).*/\1/p' <<<"$suite_json")"
      suite_rps="$(awk -v a="$suite_rps" -v b="${rps:-0}" 'BEGIN { print (b > a ? b : a) }')"
      # The ceiling: the generator's cheapest requests of the rounds (most per CPU-second).
      cpu="$(sed -n 's/.*"req_per_cpu_s":\([0-9.e+]*\).*/\1/p' <<<"$suite_json")"
      [[ -z "$cpu" ]] || per_cpu="$(awk -v a="${per_cpu:-0}" -v b="$cpu" 'BEGIN { print (b > a ? b : a) }')"
    done
    ratio="$(awk -v s="$suite_rps" -v w="$wrk_rps" 'BEGIN { printf "%.2f", s / w }')"
    printf '%s %s suite=%.0f wrk=%.0f ratio=%s\n' "$server" "$connections" "$suite_rps" "$wrk_rps" "$ratio"
    if awk -v r="$ratio" 'BEGIN { exit !(r < 0.9) }'; then
      echo "FAIL: $server $connections: the suite's generator drew ${ratio}x of wrk's rate" >&2; failed=1
    fi
    if [[ "$server" == canned ]]; then
      [[ -n "$per_cpu" ]] || { echo "error: canned $connections: no req_per_cpu_s in $suite_json" >&2; exit 1; }
      ceiling[$connections]="$(awk -v p="$per_cpu" -v n="$cores" 'BEGIN { printf "%.0f", p * n }')"
      printf 'ceiling %s suite=%s req_per_cpu_s=%.0f cpus=%s\n' "$connections" "${ceiling[$connections]}" "$per_cpu" "$cores"
    fi
    if awk -v s="$suite_rps" -v c="${ceiling[$connections]}" 'BEGIN { exit !(s >= c) }'; then
      echo "FAIL: $server $connections: $suite_rps req/s reaches the generator's ceiling ${ceiling[$connections]}" >&2; failed=1
    fi
  done
  stop_server
done
exit "$failed"
