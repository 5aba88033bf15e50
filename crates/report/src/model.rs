//! The results schema (`cb-results-v1`): what one `cargo bench` run measured, on which machine.
//!
//! The schema is versioned in the data (`"schema": "cb-results-v1"`), so a reader refuses a file
//! it does not understand instead of misreading it. Times are nanoseconds per iteration, as
//! criterion's `estimates.json` gives them. `reports/README.md` documents every field.

use std::path::Path;

use serde::{Deserialize, Serialize};
pub use workloads::Kind;

use crate::error::Error;

/// The schema this crate writes and the only one it reads.
pub const SCHEMA: &str = "cb-results-v1";

/// One run's results file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Results {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// When, from what code, and how the suite ran.
    pub run: Run,
    /// Where it ran.
    pub machine: Machine,
    /// One record per benchmark, sorted by id.
    pub benchmarks: Vec<Record>,
}

/// Run metadata.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Run {
    /// `<UTC time>-<machine label>`, also the file name under `reports/runs/`.
    pub id: String,
    /// When the report was published, RFC 3339 UTC.
    pub time_utc: String,
    /// `git rev-parse HEAD`, with `-dirty` for a changed tree, or "unknown".
    pub git_revision: String,
    /// `quick` (criterion's `--quick` or `CB_PRESET=quick`) or `full`.
    pub profile: String,
    /// The workload preset (`CB_PRESET`): quick, default, large.
    pub preset: String,
    /// The bench binary's arguments, as run.
    pub command_line: String,
    /// criterion's output folder, relative to the folder of `index.html` where possible;
    /// links to criterion's pages are made from it. `None` for files made elsewhere.
    #[serde(default)]
    pub criterion_dir: Option<String>,
    /// The language the techniques were written in: `rust` or `python`; absent means rust
    /// (files written before the Python side existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The interpreter and runner of a Python run (`language: python`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PythonRun>,
    /// Why the run stopped before measuring everything it planned (a failure, a Ctrl-C),
    /// when it did: its results are partial. Absent for a complete run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
}

impl Run {
    /// `rust` or `python`: the language field, rust when absent.
    pub fn language(&self) -> &str {
        self.language.as_deref().unwrap_or("rust")
    }

    /// criterion's filter on the command line (`cargo bench -- map/primes`): the first
    /// argument after `--` that is neither an option nor an option's value; `None` for a
    /// run of every benchmark of its preset.
    pub fn filter(&self) -> Option<&str> {
        let mut words = self.command_line.split_whitespace();
        words.by_ref().find(|w| *w == "--")?;
        crate::publish::criterion_filter(words)
    }

    /// Whether the run measured every benchmark of its preset: no filter, not stopped early.
    pub fn complete(&self) -> bool {
        self.filter().is_none() && self.partial.is_none()
    }
}

/// What ran the Python side: the interpreter, the GIL, the start method, pyperf.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PythonRun {
    /// `sys.version` as pyperf records it, e.g. `3.11.7 (64-bit)`.
    pub version: String,
    /// `cpython`, `pypy`, ...
    pub implementation: String,
    /// `enabled` or `disabled` (`sys._is_gil_enabled()` where it exists, else enabled).
    pub gil: String,
    /// `multiprocessing.get_start_method()`: the default of `with Pool()` rows; the rows
    /// with `spawn` in their id use spawn.
    pub start_method: String,
    /// pyperf's version.
    pub pyperf: String,
    /// How each tier was sampled, e.g. `slow: 1 process x 2 values, 0 warmups, 1 loop`:
    /// rows that take seconds in Python get fewer values, so a run fits its time budget.
    pub tiers: Vec<String>,
    /// The interpreter's short name, `<major>.<minor>` plus `t` for a free-threaded build
    /// (`3.11`, `3.13t`, `3.14`): one column per interpreter. Empty in files written before
    /// it was recorded: [`PythonRun::interpreter`] derives it from `version` and `build`.
    #[serde(default)]
    pub interpreter: String,
    /// `free-threaded` or `gil` (sysconfig's `Py_GIL_DISABLED`); empty in older files, which
    /// are GIL builds.
    #[serde(default)]
    pub build: String,
    /// Rows left out on this interpreter, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<Absent>,
    /// What a reader must know about this interpreter's figures (a package without its C
    /// extensions, say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// On a free-threaded build, the benchmarks after one of whose runs the GIL was enabled
    /// (an imported module can turn it back on): those rows did not run free-threaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gil_enabled_rows: Vec<String>,
}

/// Rows the Python side left out on an interpreter, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Absent {
    /// A group (`map/chunk-mean-100k`), a group and technique
    /// (`map/chunk-mean-100k/interpreter-pool-executor`), or a technique id alone.
    pub rows: String,
    /// Why, in words.
    pub why: String,
}

impl Absent {
    /// Whether the entry covers `technique` of `group`, or the whole group when `technique`
    /// is `None`: the group itself, a prefix of it ending at a `/` (a family), the group and
    /// technique, or the technique id alone.
    pub fn covers(&self, group: &str, technique: Option<&str>) -> bool {
        let rows = self.rows.as_str();
        let prefix = group
            .strip_prefix(rows)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        prefix
            || technique.is_some_and(|t| {
                rows == t
                    || rows
                        .strip_prefix(group)
                        .and_then(|rest| rest.strip_prefix('/'))
                        == Some(t)
            })
    }
}

/// The build of a free-threaded interpreter, as `cb_build` writes it.
pub const FREE_THREADED: &str = "free-threaded";

impl PythonRun {
    /// The interpreter's short name: the recorded one, else `<major>.<minor>` of `version`
    /// plus `t` for a free-threaded build (`3.11.7 (64-bit)` -> `3.11`), else `unknown`.
    pub fn interpreter(&self) -> String {
        match self.interpreter.as_str() {
            "" => interpreter_of(&self.version, self.build()),
            name => name.to_string(),
        }
    }

    /// `free-threaded` or `gil`; `gil` for files that do not say.
    pub fn build(&self) -> &str {
        match self.build.as_str() {
            "" => "gil",
            build => build,
        }
    }

    /// Whether the interpreter was built without the GIL.
    pub fn free_threaded(&self) -> bool {
        self.build() == FREE_THREADED
    }

    /// For people: `CPython 3.13.5 free-threaded (GIL disabled)`.
    pub fn label(&self) -> String {
        let implementation = match self.implementation.as_str() {
            "cpython" => "CPython",
            "pypy" => "PyPy",
            other => other,
        };
        let version = self.version.split_whitespace().next().unwrap_or("unknown");
        let build = if self.free_threaded() {
            " free-threaded"
        } else {
            ""
        };
        format!("{implementation} {version}{build} (GIL {})", self.gil)
    }

    /// Why the interpreter has no row of `technique` in `group` (of the whole group when
    /// `technique` is `None`), from its `absent` list.
    pub fn why_absent(&self, group: &str, technique: Option<&str>) -> Option<&str> {
        (self.absent.iter())
            .find(|a| a.covers(group, technique))
            .map(|a| a.why.as_str())
    }
}

/// `<major>.<minor>` of a Python version (`3.11.7 (64-bit)`), plus `t` for a free-threaded
/// build; `unknown` when the version does not start with two numbers.
pub fn interpreter_of(version: &str, build: &str) -> String {
    let numbers: Vec<&str> = version
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .collect();
    match numbers[..] {
        [major, minor] if !major.is_empty() && !minor.is_empty() => {
            let t = if build == FREE_THREADED { "t" } else { "" };
            format!("{major}.{minor}{t}")
        }
        _ => "unknown".to_string(),
    }
}

/// The order interpreters are shown in: by version, then the GIL build before the
/// free-threaded one (`3.11`, `3.13`, `3.13t`, `3.14`); names that are no version last.
pub fn interpreter_order(name: &str) -> (bool, Vec<u64>, bool, String) {
    let free_threaded = name.ends_with('t');
    let numbers: Option<Vec<u64>> = name
        .trim_end_matches('t')
        .split('.')
        .map(|n| n.parse().ok())
        .collect();
    (
        numbers.is_none(),
        numbers.unwrap_or_default(),
        free_threaded,
        name.to_string(),
    )
}

/// Machine metadata; every text field is "unknown" when it could not be read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// `CB_MACHINE`, else the host name, else (a generic host name) a description: `epyc-2cpu`.
    pub label: String,
    /// CPU brand string.
    pub cpu_model: String,
    /// Logical cores (hardware threads).
    pub logical_cores: Option<u64>,
    /// Physical cores.
    pub physical_cores: Option<u64>,
    /// Total memory in bytes.
    pub memory_bytes: Option<u64>,
    /// Operating system name and version.
    pub os: String,
    /// Kernel version.
    pub kernel: String,
    /// CPU architecture.
    pub arch: String,
    /// `rustc --version`.
    pub rustc: String,
    /// A hash of what makes timings comparable (CPU model, cores, memory, OS, arch); equal
    /// fingerprints mean "the same kind of machine".
    pub fingerprint: String,
    /// What limited this run: CPUs allowed, quota, frequency, hypervisor, build, neighbours.
    /// Absent in files written before it existed.
    #[serde(default)]
    pub limits: Option<Limits>,
    /// Each CPU's speed at the start and the end of the run (absent in files written
    /// before the calibration existed, and in Python files: those are not normalised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// The run's calibration: a short fixed single-thread measurement on each CPU the run may
/// use (`host::calibrate`), taken before the first benchmark and after the last.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// Before the first benchmark.
    pub start: Vec<CpuCalibration>,
    /// After the last benchmark (empty when the run stopped before its end).
    #[serde(default)]
    pub end: Vec<CpuCalibration>,
}

/// One CPU's calibration samples, nanoseconds per run of each kernel.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CpuCalibration {
    /// The CPU's number, as the kernel counts it.
    pub cpu: u64,
    /// The compute-bound kernel (independent xorshift chains in registers).
    pub compute_ns: Vec<f64>,
    /// The memory kernel (a sum over 16 MiB).
    pub memory_ns: Vec<f64>,
    /// The compute kernel's wall time per run over a window of runs longer than the
    /// scheduler's slices: what the CPU gives this thread, a neighbour's share included
    /// (absent in files from before it was measured).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_ns: Vec<f64>,
}

/// What limits a run on its machine. Each field is `null` where it could not be
/// read, never a guess.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Limits {
    /// CPUs the scheduler lets this process use (affinity: `taskset`, cpusets).
    pub affinity_cpus: Option<u64>,
    /// The same as the kernel's list (`0-1`).
    pub affinity_list: Option<String>,
    /// The cgroup CPU quota as a fraction of CPUs (v2 `cpu.max`, v1 `cfs_quota_us` over
    /// `cfs_period_us`); `null` with no quota or none readable (see `cpu_quota_source`).
    pub cpu_quota: Option<f64>,
    /// Where the quota was read and what it said; `null` when no cgroup was readable.
    pub cpu_quota_source: Option<String>,
    /// min(affinity, ceil(quota)), at least 1: the CPUs the run could use, and what the
    /// worker sweep was built from.
    pub effective_cpus: Option<u64>,
    /// cpufreq scaling driver (`intel_pstate`, `acpi-cpufreq`).
    pub cpufreq_driver: Option<String>,
    /// cpufreq governor (`performance`, `powersave`, `schedutil`).
    pub cpufreq_governor: Option<String>,
    /// Whether turbo/boost is on.
    pub cpu_boost: Option<bool>,
    /// The hypervisor (`kvm`, `xen`, `microsoft`) or `none`; containers are named too
    /// (`docker`).
    pub hypervisor: Option<String>,
    /// How the measured code was built.
    pub build: Option<Build>,
    /// The 1, 5 and 15 minute load averages when the run ended.
    pub load_average: Option<Vec<f64>>,
    /// Other processes' and steal's share of all CPU time over the run.
    pub contention: Option<Contention>,
    /// The CPU wake-up latency Linux must meet (PM QoS, `/dev/cpu_dma_latency`, readable by
    /// root) when the run was published, in microseconds: 0 means idle CPUs poll instead of
    /// halting (`CB_IDLE_POLL=1`, or a tuned latency profile); 2000000000 means no limit.
    #[serde(default)]
    pub cpu_dma_latency_us: Option<i64>,
    /// How late a 5 ms sleep to an absolute deadline (1 ns timer slack) ends on this machine
    /// at the median of 20, in microseconds: the wake-up every sleep, hand-off and answer of
    /// a waiting technique pays, which no floor counts.
    #[serde(default)]
    pub sleep_overshoot_us: Option<f64>,
    /// How long a thread blocked on another CPU, idle for 10 ms, takes to run after a write
    /// wakes it, at the median of 20, in microseconds: the hand-off every released permit
    /// and every answer on a socket pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_up_us: Option<f64>,
}

/// How the measured code was built.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Build {
    /// `release` (optimized, no debug assertions) or `debug`.
    pub profile: String,
    /// `RUSTFLAGS` (or `CARGO_ENCODED_RUSTFLAGS`) as the run saw it; "" when unset.
    pub rustflags: String,
    /// `-C target-cpu=...` from those flags, else `default`.
    pub target_cpu: String,
}

/// The share of all CPU time (all CPUs x wall time) that others took while measuring.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Contention {
    /// Busy time of other processes (all busy time minus this run's own CPU time).
    pub others_share: f64,
    /// Steal time (the hypervisor ran someone else on this VM's CPUs).
    pub steal_share: f64,
    /// How long the readings cover, seconds of wall time.
    pub seconds: f64,
}

/// criterion's raw samples (`sample.json`): sample `i` ran `iters[i]` iterations in
/// `times_ns[i]` nanoseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Sample {
    /// Iterations per sample.
    pub iters: Vec<f64>,
    /// Total time of each sample, nanoseconds.
    pub times_ns: Vec<f64>,
}

impl Sample {
    /// Time per iteration of each sample, nanoseconds.
    pub fn per_iteration(&self) -> Vec<f64> {
        self.iters
            .iter()
            .zip(&self.times_ns)
            .filter(|(i, _)| **i > 0.0)
            .map(|(i, t)| t / i)
            .collect()
    }
}

/// How steady a benchmark was within its run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stability {
    /// Coefficient of variation of the per-iteration sample times (std dev / mean).
    pub cv: f64,
    /// criterion's outlier classes (Tukey fences of `tukey.json`), counted over the samples.
    pub outliers: Outliers,
    /// Why it is unstable, when it is (see `stats::stability`); `null` when stable.
    pub unstable: Option<String>,
}

/// Samples in each of criterion's outlier classes.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Outliers {
    /// Below the low severe fence.
    pub low_severe: u64,
    /// Between the low severe and low mild fences.
    pub low_mild: u64,
    /// Between the high mild and high severe fences.
    pub high_mild: u64,
    /// Above the high severe fence.
    pub high_severe: u64,
}

/// A point estimate with its 95% confidence interval, in nanoseconds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub point_ns: f64,
    /// Lower bound of the 95% confidence interval.
    pub lower_ns: f64,
    /// Upper bound of the 95% confidence interval.
    pub upper_ns: f64,
}

/// What one iteration processes, as the benchmark declared it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Throughput {
    /// `elements`, `bytes`, `bits`, or criterion's kind name in lower case for kinds this
    /// crate does not know (then `per_iteration` is its first number).
    pub unit: String,
    /// Units per iteration.
    pub per_iteration: f64,
    /// Units per second at the median time.
    pub per_second: f64,
}

/// Latency percentiles a server benchmark wrote beside criterion's files (`latency.json`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    /// Requests answered.
    pub requests: u64,
    /// Failed requests (non-2xx or socket errors); any is a failed run.
    pub errors: u64,
    /// Requests per second of the load generator.
    pub requests_per_sec: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile, microseconds.
    pub p99_us: f64,
    /// Worst latency, microseconds.
    pub max_us: f64,
    /// How long the load ran, seconds.
    pub duration_s: f64,
}

/// CPU time (user + sys, children included) the benchmark's timed runs used, from the
/// suite's `cb-cpu.json`: a technique that spins while it waits shows here, not in wall time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CpuTime {
    /// Iterations the totals cover.
    pub iterations: u64,
    /// Wall time of those iterations, nanoseconds.
    pub wall_ns: f64,
    /// CPU time of those iterations, nanoseconds.
    pub cpu_ns: f64,
    /// `cpu_ns / wall_ns`: how many cores were busy on average.
    pub cores_busy: f64,
}

/// One benchmark: a technique at one parameter on one workload.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// criterion's full id: `<family>/<workload>/<technique>/<parameter>`.
    pub id: String,
    /// criterion's group: `<family>/<workload>`.
    pub group: String,
    /// The family: the group's first segment (`map`, `sync`, `io`, ...).
    pub family: String,
    /// The workload: the rest of the group.
    pub workload: String,
    /// The technique id (criterion's function id).
    pub technique: String,
    /// The parameter: worker count, connections or size ("" when there is none).
    pub parameter: String,
    /// What the technique declared it pays for (the suite's `cb-kinds.json`, the Python
    /// side's `cb_kind`); written `sequential`, `thread`, `process` or `async`.
    pub kind: Kind,
    /// Median time per iteration.
    pub median: Estimate,
    /// Mean time per iteration.
    pub mean: Estimate,
    /// Standard deviation of the time per iteration.
    pub std_dev: Estimate,
    /// Samples criterion took.
    pub samples: u64,
    /// Declared throughput, if any.
    #[serde(default)]
    pub throughput: Option<Throughput>,
    /// Server latency, if the benchmark wrote it.
    #[serde(default)]
    pub latency: Option<Latency>,
    /// CPU time beside wall time, if the suite recorded it.
    #[serde(default)]
    pub cpu: Option<CpuTime>,
    /// criterion's page for this benchmark, relative to `run.criterion_dir`.
    #[serde(default)]
    pub criterion_page: Option<String>,
    /// Others' and steal's share of CPU time while this benchmark was timed.
    #[serde(default)]
    pub contention: Option<Contention>,
    /// Raw samples, for compare's statistics (criterion's `sample.json`, pyperf's values).
    #[serde(default)]
    pub sample: Option<Sample>,
    /// Coefficient of variation and outliers.
    #[serde(default)]
    pub stability: Option<Stability>,
    /// The pyperf tier a Python benchmark was timed in (`fast`, `medium`, `slow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The baseline measured beside this row's samples, and the speedup over it from the
    /// pairs (map rows of a group with a sequential baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired: Option<Paired>,
    /// The least time one iteration can take, from the job's structure (the sleeps of a
    /// waiting workload in a chain), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_ns: Option<f64>,
    /// The chain behind `floor_ns`: rounds of waits in a row and the wake-ups each round
    /// pays, from which the machine's floor follows ([`Record::machine_floor_ns`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Chain>,
    /// The threads the technique declared it runs on (1 for a sequential technique), when it
    /// declared a fixed number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u64>,
    /// The worker count the technique was started with, when it bounds the CPUs the row can
    /// use; absent for a technique that spreads the work its own way (a thread per task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u64>,
    /// What a reader must know before trusting the row: a busy neighbour, a bound of physics
    /// it breaks (see `bounds`). Empty for a clean row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
}

/// The sequential baseline measured in the same interval as a row: after each sample of the
/// row, the baseline ran for about as long, so a host whose speed drifts moves both.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Paired {
    /// The baseline's technique id (`sequential`).
    pub baseline: String,
    /// The baseline's time per iteration beside each sample of the row, in the row's sample
    /// order (`sample.times_ns`), nanoseconds.
    pub baseline_ns: Vec<f64>,
    /// Baseline / row over the pairs: the median of the per-pair ratios, with a 95% interval
    /// of that median.
    pub speedup: Ratio,
}

/// A ratio with its 95% interval.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Ratio {
    /// The point estimate.
    pub point: f64,
    /// Lower bound of the interval.
    pub lower: f64,
    /// Upper bound of the interval.
    pub upper: f64,
}

/// How much a mark weighs.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum MarkKind {
    /// Measured beside a busy neighbour (others' or steal's share of the CPUs).
    Busy,
    /// Breaks a physical bound: a bug of the suite or a property of the machine, never a
    /// finding; the page's answers leave the row out.
    Implausible,
    /// Beyond a bound that an honest effect can cross (a cache split across cores); shown,
    /// not left out.
    Warning,
    /// Measured while the host's speed moved: the run's end calibration differs from its
    /// start beyond the calibration's own spread. Shown, not left out; said once per run.
    Drifting,
}

impl MarkKind {
    /// The word the mark shows as on a page and in compare.
    pub fn label(self) -> &'static str {
        match self {
            MarkKind::Busy => "busy",
            MarkKind::Implausible => "implausible",
            MarkKind::Warning => "above ideal",
            MarkKind::Drifting => "drifting",
        }
    }
}

/// One thing a reader must know about a row.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Mark {
    /// How much it weighs.
    pub kind: MarkKind,
    /// The bound or measurement, with the figures: `speedup 2.23x above the ideal 2.00x of
    /// 2 CPUs`.
    pub what: String,
    /// The likely cause.
    pub cause: String,
}

/// A waiting row's chain of waits: fixed from the job's structure before measuring (holds in
/// a row on the busiest permit, rounds of answers), with the wake-ups its technique declares
/// per round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// Rounds of waits in a row.
    pub rounds: u32,
    /// Sleeps that end by a timer, per round (each ends `sleep_overshoot_us` late).
    pub timers: u32,
    /// Threads woken on another CPU, per round (each takes `wake_up_us`).
    pub handoffs: u32,
}

impl Record {
    /// The least time this row can take on its machine: the nominal floor plus, for each
    /// round of its chain, the wake-ups it pays at what `limits` measured them to cost (a
    /// timer's lateness, a cross-CPU wake-up). `None` without a floor, a chain, or the
    /// machine's wake-up costs.
    pub fn machine_floor_ns(&self, limits: &Limits) -> Option<f64> {
        let (floor, chain) = (self.floor_ns?, self.chain?);
        let per_round_us = f64::from(chain.timers) * limits.sleep_overshoot_us?
            + f64::from(chain.handoffs) * limits.wake_up_us?;
        Some(floor + f64::from(chain.rounds) * per_round_us * 1e3)
    }

    /// How far this row's median is above its nominal floor and above its machine's floor
    /// (`(median - floor) / floor`, each), for a waiting row.
    pub fn above_floors(&self, limits: Option<&Limits>) -> Option<(f64, Option<f64>)> {
        let floor = self.floor_ns.filter(|f| *f > 0.0)?;
        let median = self.median.point_ns;
        let machine = limits.and_then(|l| self.machine_floor_ns(l));
        Some((median / floor - 1.0, machine.map(|m| median / m - 1.0)))
    }
}

impl Record {
    /// The row of `technique` at `parameter` in `group` (`<family>/<workload>`), with what
    /// was measured and every later addition (throughput, latency, CPU time, samples, pairs,
    /// marks) empty: the one constructor the readers of criterion's and pyperf's files share.
    /// The id is `group/technique/parameter`, empty parts left out.
    pub fn new(
        (group, technique, parameter): (&str, &str, &str),
        kind: Kind,
        (median, mean, std_dev): (Estimate, Estimate, Estimate),
        samples: u64,
    ) -> Record {
        let (family, workload) = group.split_once('/').unwrap_or((group, ""));
        let id = [group, technique, parameter]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        Record {
            id,
            group: group.to_string(),
            family: family.to_string(),
            workload: workload.to_string(),
            technique: technique.to_string(),
            parameter: parameter.to_string(),
            kind,
            median,
            mean,
            std_dev,
            samples,
            throughput: None,
            latency: None,
            cpu: None,
            criterion_page: None,
            contention: None,
            sample: None,
            stability: None,
            tier: None,
            paired: None,
            floor_ns: None,
            chain: None,
            threads: None,
            workers: None,
            marks: Vec::new(),
        }
    }

    /// Whether a mark says the row breaks a physical bound.
    pub fn implausible(&self) -> bool {
        self.marks.iter().any(|m| m.kind == MarkKind::Implausible)
    }
}

impl Record {
    /// Checks every number: times finite and not negative (a median or mean above zero),
    /// throughput, latency and CPU time finite and not negative, so the record can be
    /// written and read back (JSON has no infinity: serde writes it as `null`).
    pub fn validate(&self) -> Result<(), String> {
        for (name, e) in [("median", self.median), ("mean", self.mean)] {
            check_time(&self.id, name, e.point_ns, true)?;
            check_time(&self.id, name, e.lower_ns, false)?;
            check_time(&self.id, name, e.upper_ns, false)?;
        }
        check_time(&self.id, "std_dev", self.std_dev.point_ns, false)?;
        let mut numbers = Vec::new();
        if let Some(t) = &self.throughput {
            numbers.extend([
                ("throughput per_iteration", t.per_iteration),
                ("throughput per_second", t.per_second),
            ]);
        }
        if let Some(l) = &self.latency {
            numbers.extend([
                ("latency requests_per_sec", l.requests_per_sec),
                ("latency p50_us", l.p50_us),
                ("latency p99_us", l.p99_us),
                ("latency max_us", l.max_us),
                ("latency duration_s", l.duration_s),
            ]);
        }
        if let Some(c) = &self.cpu {
            numbers.extend([
                ("cpu wall_ns", c.wall_ns),
                ("cpu cpu_ns", c.cpu_ns),
                ("cpu cores_busy", c.cores_busy),
            ]);
        }
        match numbers.iter().find(|(_, v)| !v.is_finite() || *v < 0.0) {
            Some((name, v)) => Err(format!(
                "benchmark {:?} has an invalid {name}: {v}",
                self.id
            )),
            None => Ok(()),
        }
    }

    /// The worker count (or size) as a number, when the parameter is one.
    pub fn parameter_value(&self) -> Option<f64> {
        self.parameter.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

impl Results {
    /// Reads and validates a results file; the error names the file and the problem.
    pub fn read(path: &Path) -> Result<Results, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Results::parse(&text).map_err(|problem| Error::new(path, problem))
    }

    /// Parses and validates results JSON.
    pub fn parse(text: &str) -> Result<Results, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(format!(
                    "schema {other:?} is not supported (expected {SCHEMA:?})"
                ));
            }
            None => return Err(format!("no \"schema\" field: not a {SCHEMA} results file")),
        }
        let results: Results =
            serde_json::from_value(value).map_err(|e| format!("does not match {SCHEMA}: {e}"))?;
        results.validate()?;
        Ok(results)
    }

    /// Checks what serde cannot: at least one benchmark, positive finite times, unique ids.
    pub fn validate(&self) -> Result<(), String> {
        if self.benchmarks.is_empty() {
            return Err("has no benchmarks".to_string());
        }
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.benchmarks {
            if !seen.insert(r.id.as_str()) {
                return Err(format!("benchmark {:?} appears twice", r.id));
            }
            r.validate()?;
        }
        Ok(())
    }

    /// Writes the file as pretty JSON, atomically (temp file, then rename).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let text = self
            .to_json()
            .map_err(|e| Error::new(path, format!("cannot serialize results: {e}")))?;
        crate::fsio::write_atomic(path, text.as_bytes())
    }

    /// The file's text: run and machine indented, then one line per benchmark, so a
    /// committed baseline stays small and a change to it diffs as the benchmarks it changed.
    pub fn to_json(&self) -> serde_json::Result<String> {
        let mut out = format!(
            "{{\n  \"schema\": {},\n  \"run\": {},\n  \"machine\": {},\n  \"benchmarks\": [\n",
            serde_json::to_string(&self.schema)?,
            indent(&serde_json::to_string_pretty(&self.run)?),
            indent(&serde_json::to_string_pretty(&self.machine)?),
        );
        let lines: Vec<String> = self
            .benchmarks
            .iter()
            .map(|r| serde_json::to_string(&r.rounded()))
            .collect::<Result<_, _>>()?;
        out.push_str(
            &lines
                .iter()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join(",\n"),
        );
        out.push_str("\n  ]\n}\n");
        Ok(out)
    }
}

/// Six significant digits: far finer than any measurement here, and a third of the
/// file's size.
fn six(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap_or(v)
}

impl Estimate {
    fn rounded(self) -> Estimate {
        Estimate {
            point_ns: six(self.point_ns),
            lower_ns: six(self.lower_ns),
            upper_ns: six(self.upper_ns),
        }
    }
}

impl Record {
    /// The record with every measured number kept to six significant digits (for writing).
    fn rounded(&self) -> Record {
        let mut r = self.clone();
        (r.median, r.mean, r.std_dev) = (r.median.rounded(), r.mean.rounded(), r.std_dev.rounded());
        if let Some(t) = &mut r.throughput {
            t.per_second = six(t.per_second);
        }
        if let Some(l) = &mut r.latency {
            (l.requests_per_sec, l.duration_s) = (six(l.requests_per_sec), six(l.duration_s));
        }
        if let Some(c) = &mut r.cpu {
            (c.wall_ns, c.cpu_ns, c.cores_busy) =
                (six(c.wall_ns), six(c.cpu_ns), six(c.cores_busy));
        }
        if let Some(s) = &mut r.sample {
            s.times_ns.iter_mut().for_each(|t| *t = six(*t));
        }
        if let Some(c) = &mut r.contention {
            *c = c.rounded();
        }
        if let Some(s) = &mut r.stability {
            s.cv = six(s.cv);
        }
        if let Some(p) = &mut r.paired {
            p.baseline_ns.iter_mut().for_each(|t| *t = six(*t));
            p.speedup = Ratio {
                point: six(p.speedup.point),
                lower: six(p.speedup.lower),
                upper: six(p.speedup.upper),
            };
        }
        r
    }
}

impl Contention {
    /// The shares to four digits, seconds to six (for writing).
    pub fn rounded(self) -> Contention {
        let four = |v: f64| (v * 1e4).round() / 1e4;
        Contention {
            others_share: four(self.others_share),
            steal_share: four(self.steal_share),
            seconds: six(self.seconds),
        }
    }
}

/// Indents every line after the first by two spaces (a nested pretty object).
fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// A time must be finite and not negative; a median or mean must be above zero, since every
/// ratio divides by it.
fn check_time(id: &str, name: &str, ns: f64, positive: bool) -> Result<(), String> {
    if !ns.is_finite() || ns < 0.0 || (positive && ns == 0.0) {
        return Err(format!(
            "benchmark {id:?} has an invalid {name} time: {ns} ns"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_the_first_argument_that_is_no_option_or_value() {
        let run = |command_line: &str| Run {
            id: "r".into(),
            time_utc: "t".into(),
            git_revision: "g".into(),
            profile: "full".into(),
            preset: "default".into(),
            command_line: command_line.into(),
            criterion_dir: None,
            language: None,
            python: None,
            partial: None,
        };
        assert_eq!(run("cargo bench -- --bench").filter(), None);
        assert!(run("cargo bench -- --bench").complete());
        assert_eq!(
            run("cargo bench -- --bench --save-baseline x map/primes").filter(),
            Some("map/primes")
        );
        assert_eq!(run("scripts/python-bench.sh").filter(), None);
    }

    #[test]
    fn a_python_run_written_before_the_interpreter_was_recorded_still_reads() {
        let mut value: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/results.json")).unwrap();
        value["run"]["language"] = "python".into();
        value["run"]["python"] = serde_json::json!({"version": "3.11.7 (64-bit)",
            "implementation": "cpython", "gil": "enabled", "start_method": "fork",
            "pyperf": "2.11.0", "tiers": []});
        let results = Results::parse(&value.to_string()).unwrap();
        let python = results.run.python.unwrap();
        assert_eq!(
            (python.interpreter().as_str(), python.build()),
            ("3.11", "gil")
        );
        assert!(python.absent.is_empty() && python.gil_enabled_rows.is_empty());
        assert_eq!(interpreter_of("3.13.5 (64-bit)", FREE_THREADED), "3.13t");
        assert_eq!(interpreter_of("unknown", "gil"), "unknown");
    }

    #[test]
    fn interpreters_are_ordered_by_version_then_build() {
        let mut names = ["3.14", "3.13t", "unknown", "3.11", "3.13", "3.9"];
        names.sort_by_key(|n| interpreter_order(n));
        assert_eq!(names, ["3.9", "3.11", "3.13", "3.13t", "3.14", "unknown"]);
    }

    #[test]
    fn an_absent_entry_covers_its_group_its_technique_or_both() {
        let absent = |rows: &str| Absent {
            rows: rows.into(),
            why: "why".into(),
        };
        let group = "map/chunk-mean-100k";
        assert!(absent(group).covers(group, None));
        assert!(absent("map").covers(group, Some("x")));
        assert!(!absent("map/chunk").covers(group, None));
        assert!(
            absent("interpreter-pool-executor").covers(group, Some("interpreter-pool-executor"))
        );
        assert!(
            absent("map/chunk-mean-100k/interpreter-pool-executor")
                .covers(group, Some("interpreter-pool-executor"))
        );
        assert!(!absent("map/chunk-mean-100k/interpreter-pool-executor").covers(group, None));
    }

    #[test]
    fn the_machine_floor_adds_each_rounds_wake_ups_at_their_measured_cost() {
        let e = Estimate {
            point_ns: 16.5e6,
            lower_ns: 16.5e6,
            upper_ns: 16.5e6,
        };
        let mut r = Record::new(
            ("sync/limited-resource", "fair-semaphore", "2"),
            Kind::Thread,
            (e, e, e),
            10,
        );
        let limits = Limits {
            sleep_overshoot_us: Some(100.0),
            wake_up_us: Some(150.0),
            ..Limits::default()
        };
        assert_eq!(r.machine_floor_ns(&limits), None, "no floor, no chain");
        r.floor_ns = Some(15e6);
        r.chain = Some(Chain {
            rounds: 3,
            timers: 1,
            handoffs: 1,
        });
        // 15 ms of holds plus 3 rounds x (100 + 150) us.
        let machine = r.machine_floor_ns(&limits).unwrap();
        assert!((machine - 15.75e6).abs() < 1.0, "{machine}");
        let (nominal, above_machine) = r.above_floors(Some(&limits)).unwrap();
        assert!((nominal - 0.1).abs() < 1e-9, "{nominal}");
        assert!((above_machine.unwrap() - (16.5 / 15.75 - 1.0)).abs() < 1e-9);
        assert_eq!(r.above_floors(None).unwrap().1, None);
    }

    #[test]
    fn written_files_read_back_equal() {
        let text = include_str!("../tests/data/results.json");
        let results = Results::parse(text).expect("the sample file is valid");
        let again = Results::parse(&results.to_json().unwrap()).expect("what we write reads back");
        assert_eq!(again.benchmarks.len(), results.benchmarks.len());
        for (a, b) in again.benchmarks.iter().zip(&results.benchmarks) {
            assert_eq!(a.id, b.id);
            assert!(
                (a.median.point_ns / b.median.point_ns - 1.0).abs() < 1e-5,
                "six digits kept"
            );
        }
        assert_eq!(
            (&again.run, &again.machine),
            (&results.run, &results.machine)
        );
        let text = results.to_json().unwrap();
        let one_per_line = text
            .lines()
            .filter(|l| l.trim_start().starts_with("{\"id\""))
            .count();
        assert_eq!(one_per_line, results.benchmarks.len());
    }

    #[test]
    fn every_number_reads_back_to_the_last_bit() {
        // Found by the property tests: without serde_json's float_roundtrip this latency read
        // back one unit in the last place off.
        let text = include_str!("../tests/data/results.json");
        let written = Results::parse(text).unwrap().to_json().unwrap();
        // Measured times are kept to six digits; latency percentiles are kept whole.
        let mut results = Results::parse(&written).unwrap();
        let latency = results
            .benchmarks
            .iter_mut()
            .find_map(|r| r.latency.as_mut());
        latency.expect("the sample has a server").p50_us = 25896.152381638178;
        let again = Results::parse(&results.to_json().unwrap()).unwrap();
        assert_eq!(again, results);
    }
}
