//! CPU time (user + sys) next to wall time, for every timed benchmark.
//!
//! Idle spinning is invisible in wall time (rayon #642): a technique that burns a core while
//! it waits looks as fast as one that sleeps. So every benchmark is timed through
//! [`iter_timed_with_cpu`], which reads the CPU time of this process, of its reaped children
//! and of its live children (process-pool workers) around each sample, inside criterion's
//! own timing loop: no extra runs. At the end of the suite the totals are merged into
//! `<target>/criterion/cb-cpu.json`:
//!
//! ```json
//! {"schema": "cb-cpu-v1",
//!  "benchmarks": {"map/primes-1m-r4/rayon/2": {"iterations": 55, "wall_ns": 1.1e9, "cpu_ns": 2.1e9}}}
//! ```
//!
//! `cpu_ns / wall_ns` is the number of cores the technique kept busy on average.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::Bencher;
use serde_json::json;

#[derive(Default, Clone, Copy)]
struct Totals {
    iterations: u64,
    wall_ns: f64,
    cpu_ns: f64,
}

static TOTALS: Mutex<BTreeMap<String, Totals>> = Mutex::new(BTreeMap::new());

/// Times `routine` like `Bencher::iter_custom`, recording CPU time under the benchmark's `id`
/// (`group/function/parameter`). The routine times itself and returns the time (threads
/// released together by a barrier, async work timed inside its runtime, or a clock around
/// the run): criterion gets the sum of those times; the CPU record gets the wall and CPU time
/// around the whole routine.
pub fn iter_timed_with_cpu(b: &mut Bencher<'_>, id: &str, mut routine: impl FnMut() -> Duration) {
    b.iter_custom(|iters| {
        let cpu_before = cpu_time();
        let started = Instant::now();
        let timed = (0..iters).map(|_| routine()).sum();
        let wall = started.elapsed();
        record(id, iters, wall, cpu_time().saturating_sub(cpu_before));
        timed
    });
}

fn record(id: &str, iterations: u64, wall: Duration, cpu: Duration) {
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    let entry = totals.entry(id.to_string()).or_default();
    entry.iterations += iterations;
    entry.wall_ns += wall.as_nanos() as f64;
    entry.cpu_ns += cpu.as_nanos() as f64;
}

/// Merges this run's totals into `cb-cpu.json` (a filtered run keeps the other entries),
/// writing a temporary file and renaming it over the old one.
pub fn write_sidecar(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    let entries = totals
        .iter()
        .filter(|(_, t)| t.iterations > 0)
        .map(|(id, t)| {
            let entry =
                json!({"iterations": t.iterations, "wall_ns": t.wall_ns, "cpu_ns": t.cpu_ns});
            (id.clone(), entry)
        });
    crate::sidecar::merge(
        criterion_dir,
        "cb-cpu.json",
        ("cb-cpu-v1", "benchmarks"),
        entries,
    )
}

/// CPU time of this process, its reaped children, and its live children.
fn cpu_time() -> Duration {
    rusage(libc::RUSAGE_SELF) + rusage(libc::RUSAGE_CHILDREN) + live_children_cpu()
}

fn rusage(who: libc::c_int) -> Duration {
    // SAFETY: getrusage writes a plain-data struct we own; a zeroed one is a valid start.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return Duration::ZERO;
        }
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Sum of `/proc/<pid>/task/*/schedstat` run time (ns) over the children of this process.
/// Linux only; elsewhere live children count as zero (reaped ones are in RUSAGE_CHILDREN).
fn live_children_cpu() -> Duration {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    let children = entries.filter_map(|e| {
        let path = e.ok()?.path();
        let stat = std::fs::read_to_string(path.join("stat")).ok()?;
        // Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
        let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
        (ppid == me).then_some(path)
    });
    let nanos: u64 = children
        .flat_map(|child| std::fs::read_dir(child.join("task")).into_iter().flatten())
        .filter_map(|task| {
            let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            text.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum();
    Duration::from_nanos(nanos)
}
