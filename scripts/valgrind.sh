#!/usr/bin/env bash
# valgrind over the code that uses `unsafe` and the synchronization written here.
#
#   scripts/valgrind.sh            memcheck (gating) + helgrind (a report, not gating)
#   scripts/valgrind.sh memcheck   only memcheck: what .ci/run runs
#
# memcheck runs the unit tests of the unsafe code: the spin lock (locks/src/spin.rs), the
# shared-memory Value and its process-shared lock (process-pool/src/shared_value.rs), the pipe
# framing (process-pool/src/frame.rs). Any invalid read or write, use of uninitialised
# memory or definite leak fails the run.
#
# helgrind runs the stress tests of the hand-made primitives (the spin lock, the Mutex+Condvar
# semaphore, the queue.Queue analog). It understands pthread locks, not the futexes and
# atomics std's `Mutex`, `Condvar` and our spin lock are built on, so it reports races inside
# std's own synchronization (test output capture, thread bookkeeping, every futex lock) that
# loom's exhaustive models and the stress tests rule out. The script therefore prints only
# the reports whose stacks pass through our crates' sources, and does not gate on them.
# (Miri cannot be installed on these machines; loom is the model check, see .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-all}"
case "$mode" in
  all | memcheck) ;;
  *) echo "usage: $0 [memcheck]" >&2; exit 2 ;;
esac

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind: installing Debian's package"
  if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >/dev/null
fi

# The unit-test executable of a crate's library, built (debug) if needed.
test_binary() {
  cargo test -p "$1" --lib --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4
}

failed=0
memcheck() {
  local crate="$1"; shift
  local bin
  bin="$(test_binary "$crate")"
  echo "memcheck: $crate $*"
  if ! valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite --track-origins=yes -q \
    "$bin" --test-threads=1 "$@" >/dev/null 2>target/valgrind-memcheck-"$crate".log; then
    echo "error: memcheck found errors in $crate (target/valgrind-memcheck-$crate.log):" >&2
    grep -vE '^==[0-9]+==    (by|at) ' target/valgrind-memcheck-"$crate".log | head -40 >&2
    failed=1
  fi
}

mkdir -p target
memcheck locks spin::
memcheck process-pool shared:: frame::

if [[ "$mode" == all ]]; then
  helgrind() {
    local crate="$1"; shift
    local bin log
    bin="$(test_binary "$crate")"
    log="target/valgrind-helgrind-$crate.log"
    echo "helgrind: $crate $*"
    valgrind --tool=helgrind -q "$bin" --test-threads=1 "$@" >/dev/null 2>"$log" || true
    local total ours
    total="$(grep -c 'Possible data race' "$log" || true)"
    # A report goes through our code when a frame of its stack is in one of the primitives.
    ours="$(awk -v RS='----------------------------------------------------------------' '/Possible data race/ && /(locks|semaphore|queue)::(spin|counting|fifo)::/ {n++}
                 END {print n + 0}' "$log")"
    echo "  $total race reports in all, $ours with a frame in locks::spin, semaphore::counting or"
    echo "  queue::fifo: accesses ordered by std's futex Mutex/Condvar or the spin lock's atomics,"
    echo "  which helgrind does not model (loom checks these orderings). Full log: $log"
  }
  helgrind locks spin::tests::counts_under_contention
  helgrind semaphore counting::tests::never_more_than_permits_inside_under_stress
  helgrind queue fifo::tests::many_threads_each_item_once
fi

if [[ $failed -ne 0 ]]; then
  exit 1
fi
echo "valgrind: memcheck clean"
