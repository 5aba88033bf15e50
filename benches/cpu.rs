//! CPU time (user + sys) next to wall time, for every timed benchmark.
//!
//! Idle spinning is invisible in wall time (<https://github.com/rayon-rs/rayon/issues/642>): a
//! technique that burns a core while it waits looks as fast as one that sleeps. So every
//! benchmark is timed through
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
//!
//! Around the same samples it reads `/proc/stat` (see `host::contention`), so each entry
//! also holds the share of all CPU time that other processes (`others_share`) and the
//! hypervisor (`steal_share`) took while the benchmark was timed, over `seconds` of timed
//! wall time; `cb-run.json` (`{"schema": "cb-run-v1", "run": {"contention": {...}}}`) holds
//! the same from the first timed sample to the end of the suite. A neighbour that ran for a
//! few seconds shows in the benchmarks it overlapped, not diluted in a ten-minute run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use criterion::Bencher;
use host::contention::{Delta, Snapshot};
use report::inputs::side::{self, CpuEntry, CpuFile, RunFile, Shares};

#[derive(Default, Clone, Copy)]
struct Totals {
    iterations: u64,
    wall_ns: f64,
    cpu_ns: f64,
    /// Others' and steal time over the timed samples (`None` without `/proc/stat`).
    contention: Option<Delta>,
}

/// `/proc/stat` and this process's CPU time at the first timed sample: the run's start.
static RUN_START: LazyLock<(Option<Snapshot>, Duration)> =
    LazyLock::new(|| (Snapshot::now(), cpu_time()));

/// The readings before one sample: the wall clock, `/proc/stat`, then this process's CPU
/// time.
///
/// The wall interval encloses both CPU readings, so the CPU time between them can never
/// exceed what the CPUs could give in that interval. Reading the children's CPU time scans
/// `/proc` (a fraction of a millisecond of this process's own CPU): a wall clock started
/// after that scan charged its CPU time to the sample but not its wall time, and every
/// one-thread row read 1.02-1.21 cores busy.
struct Before {
    wall: Instant,
    stat: Option<Snapshot>,
    cpu: Duration,
}

impl Before {
    fn now() -> Before {
        LazyLock::force(&RUN_START);
        let wall = Instant::now();
        Before {
            wall,
            stat: Snapshot::now(),
            cpu: cpu_time(),
        }
    }

    /// Records the sample under `id`: its iterations, wall time, and what it used.
    fn record(self, id: &str, iterations: u64) {
        let cpu = cpu_time().saturating_sub(self.cpu);
        let delta = self
            .stat
            .zip(Snapshot::now())
            .map(|(a, b)| a.until(&b, cpu.as_nanos() as f64));
        record(id, iterations, self.wall.elapsed(), cpu, delta);
    }
}

static TOTALS: Mutex<BTreeMap<String, Totals>> = Mutex::new(BTreeMap::new());

/// Times `routine` like `Bencher::iter_custom`, recording CPU time under the benchmark's `id`
/// (`group/function/parameter`). The routine times itself and returns the time (threads
/// released together by a barrier, async work timed inside its runtime, or a clock around
/// the run): criterion gets the sum of those times; the CPU record gets the wall and CPU time
/// around the whole routine. `after_sample` runs after each sample, outside both records,
/// with the sample's iterations and time (the paired baseline runs there).
pub fn iter_timed_with_cpu(
    b: &mut Bencher<'_>,
    id: &str,
    mut routine: impl FnMut() -> Duration,
    mut after_sample: impl FnMut(u64, Duration),
) {
    b.iter_custom(|iters| {
        let before = Before::now();
        let timed = (0..iters).map(|_| routine()).sum();
        before.record(id, iters);
        after_sample(iters, timed);
        timed
    });
}

fn record(id: &str, iterations: u64, wall: Duration, cpu: Duration, delta: Option<Delta>) {
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    let entry = totals.entry(id.to_string()).or_default();
    entry.iterations += iterations;
    entry.wall_ns += wall.as_nanos() as f64;
    entry.cpu_ns += cpu.as_nanos() as f64;
    if let Some(d) = delta {
        entry.contention.get_or_insert_default().add(d);
    }
}

/// Others' and steal's shares of `delta`, each left out where `/proc/stat` was not read.
fn shares(delta: Option<Delta>) -> Shares {
    match delta.and_then(|d| d.shares(host::machine_cpus())) {
        Some(c) => Shares {
            others_share: Some(c.others_share),
            steal_share: Some(c.steal_share),
            seconds: Some(c.seconds),
        },
        None => Shares::default(),
    }
}

/// Writes the run's contention (first timed sample to now) to `cb-run.json`.
fn write_run(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let (start, start_cpu) = *RUN_START;
    let run = start.zip(Snapshot::now()).map(|(a, b)| {
        let own = cpu_time().saturating_sub(start_cpu);
        a.until(&b, own.as_nanos() as f64)
    });
    let entry = (side::RUN_CONTENTION.to_string(), shares(run));
    side::merge::<RunFile>(criterion_dir, [entry]).map_err(std::io::Error::other)
}

/// Merges this run's totals into `cb-cpu.json` (a filtered run keeps the other entries),
/// then the run's contention into `cb-run.json`.
pub fn write_sidecar(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let entries = totals
        .into_iter()
        .filter(|(_, t)| t.iterations > 0)
        .map(|(id, t)| {
            let entry = CpuEntry {
                iterations: t.iterations,
                wall_ns: t.wall_ns,
                cpu_ns: t.cpu_ns,
                shares: shares(t.contention),
            };
            (id, entry)
        });
    let path = side::merge::<CpuFile>(criterion_dir, entries).map_err(std::io::Error::other)?;
    write_run(criterion_dir)?;
    Ok(path)
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
