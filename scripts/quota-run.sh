#!/usr/bin/env bash
# Runs `cargo bench` under a real CPU quota: a child cgroup (v1 `cpu` controller) whose
# cpu.cfs_quota_us is CPUS x cpu.cfs_period_us. Needs root and a writable
# /sys/fs/cgroup/cpu (cgroup v1); the group is removed when the run ends.
#
#   scripts/quota-run.sh 1 -- map/primes-100k     1 CPU of quota: the run records
#                                                 cpu_quota 1.0, effective_cpus 1, sweeps 1, 2
#   scripts/quota-run.sh 1.5 -- --quick map/       a fraction of CPUs rounds up: 2 effective
set -euo pipefail
cd "$(dirname "$0")/.."

cpus="${1:-}"
if ! [[ "$cpus" =~ ^[0-9]+(\.[0-9]+)?$ ]] || [[ "$cpus" =~ ^0+(\.0+)?$ ]]; then
  echo "error: quota $cpus: give the CPUs as a positive number, e.g. 1 or 1.5" >&2
  exit 1
fi
shift
[[ "${1:-}" == "--" ]] && shift

root=/sys/fs/cgroup/cpu
if [[ ! -w "$root" || ! -f "$root/cpu.cfs_period_us" ]]; then
  echo "error: $root is not a writable cgroup v1 cpu controller (run as root on a cgroup v1 host)" >&2
  exit 1
fi
group="$root/cb-quota-$$"
mkdir "$group"
cleanup() {
  # Move anything left back to the root group, then remove ours.
  if [[ -f "$group/cgroup.procs" ]]; then
    while read -r pid; do echo "$pid" >"$root/cgroup.procs" 2>/dev/null || true; done <"$group/cgroup.procs"
    rmdir "$group" 2>/dev/null || true
  fi
}
trap cleanup EXIT
period="$(cat "$group/cpu.cfs_period_us")"
quota="$(awk -v c="$cpus" -v p="$period" 'BEGIN { printf "%d", c * p }')"
echo "$quota" >"$group/cpu.cfs_quota_us"
echo "==> $group: cfs_quota_us=$quota cfs_period_us=$period ($cpus CPUs)" >&2
# The child joins the group before it starts cargo, so everything the run starts is inside.
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec cargo bench --bench suite -- "$@"' sh "$group" "$@"
