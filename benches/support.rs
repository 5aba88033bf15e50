//! What every family shares: settings from the environment, the benchmark id built once,
//! sampling sized to the cost of one iteration, the one helper that runs, verifies, sizes and
//! times every benchmark ([`bench_checked`], and [`bench_map`] and [`bench_jobs`] on top of
//! it), and publishing the report at the end.

use std::fmt::Display;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use concurrency_bench::{BenchFilter, IdlePoll, Slowdown};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use workloads::map::grain::Grain;
use workloads::{Job, Kind, MapJob, MapTechnique, MapWorkload, Preset, Technique};

use crate::cpu::iter_timed_with_cpu;
use crate::paired::Baseline;
use crate::{progress, sidecar};

/// The run's preset and worker sweep, read once from `CB_PRESET` and `CB_WORKERS`.
pub struct Settings {
    /// Workload sizes (`CB_PRESET`).
    pub preset: Preset,
    /// The worker sweep (`CB_WORKERS`, or powers of two up to the effective CPUs, those
    /// and twice them).
    pub workers: Vec<NonZeroUsize>,
    /// criterion's filter from the command line, so setup is skipped for what it skips.
    filter: BenchFilter,
    /// The dry pass that counts the benchmarks for the progress lines: every benchmark is
    /// listed and none is run.
    planning: bool,
    /// criterion's `--list`: each selected benchmark is printed as criterion prints it, and
    /// nothing is started or run (no pool, no verifying run).
    listing: bool,
    /// `CB_SLOWDOWN`: the A/A check's positive control (see [`Slowdown`]).
    slowdown: Option<Slowdown>,
    /// `CB_IDLE_POLL=1`: idle CPUs poll while the settings live, publishing included.
    _idle_poll: Option<IdlePoll>,
}

impl Settings {
    /// Reads the environment; a bad value ends the run with a message naming it.
    pub fn from_env() -> Settings {
        let preset = Preset::from_env().unwrap_or_else(|e| fail("settings", e));
        let workers = workloads::worker_counts(report::cpus::effective_cpus() as usize)
            .unwrap_or_else(|e| fail("settings", e));
        let args: Vec<String> = std::env::args().collect();
        let filter = BenchFilter::from_args(&args);
        let listing = args.iter().any(|a| a == "--list");
        let slowdown = Slowdown::from_env().unwrap_or_else(|e| fail("settings", e));
        if let Some(s) = &slowdown {
            eprintln!(
                "note: {}: benchmarks matching {} are slowed {}x on purpose",
                concurrency_bench::SLOWDOWN_ENV,
                s.pattern,
                s.factor
            );
        }
        let idle_poll = IdlePoll::from_env().unwrap_or_else(|e| fail("settings", e));
        if idle_poll.is_some() {
            eprintln!(
                "note: {}: idle CPUs poll for this run ({} held at 0 us): wake-ups cost less than \
                 on this machine by default, and the results say so",
                concurrency_bench::IDLE_POLL_ENV,
                concurrency_bench::CPU_DMA_LATENCY
            );
        }
        Settings {
            preset,
            workers,
            filter,
            planning: false,
            listing,
            slowdown,
            _idle_poll: idle_poll,
        }
    }

    /// The same settings for the dry pass that lists the benchmarks the run will measure.
    pub fn planning(&self) -> Settings {
        Settings {
            preset: self.preset,
            workers: self.workers.clone(),
            filter: self.filter.clone(),
            planning: true,
            listing: false,
            slowdown: None,
            _idle_poll: None,
        }
    }

    /// Whether criterion will run the benchmark `id`: setup (starting a pool, a server, a
    /// verifying run) is skipped for the ones it filters out. In the dry pass the benchmark
    /// is counted instead, and under `--list` printed the way criterion lists it; nothing is
    /// run in either.
    pub fn selected(&self, id: &BenchId) -> bool {
        let selected = self.filter.matches(id.name());
        if selected && self.planning {
            progress::plan(id.name());
            return false;
        }
        if selected && self.listing {
            println!("{}: benchmark", id.name());
            return false;
        }
        selected
    }

    /// Whether any of `ids` will run: the gate before setup that several benchmarks share (a
    /// server, a pool). Asks [`Settings::selected`] once for every id, so each is counted in
    /// the dry pass and printed under `--list` exactly once, by the gate.
    pub fn any_selected<'a>(&self, ids: impl IntoIterator<Item = &'a BenchId>) -> bool {
        ids.into_iter().filter(|id| self.selected(id)).count() > 0
    }

    /// The worker counts to measure `technique` at: the sweep, plus the article's own count
    /// where it has one (3 sleeping workers); one count for techniques it does not apply to;
    /// none for thread-per-task on grain tasks below 10 us (a thread per 100 ns task would
    /// take a minute to say what the 10 us point already says); in the quick preset, grain
    /// at the CPU count only.
    pub fn workers_for(&self, job: &MapJob, technique: &dyn MapTechnique) -> Vec<NonZeroUsize> {
        if let MapWorkload::Grain(Grain { nominal_ns, .. }) = job.workload()
            && nominal_ns < 10_000
            && technique.id() == threads::ThreadPerTask::ID
        {
            return Vec::new();
        }
        if !technique.sweeps_workers() {
            return vec![NonZeroUsize::MIN];
        }
        if let MapWorkload::Grain(_) = job.workload()
            && self.preset == Preset::Quick
        {
            // Quick mode's budget: the grain points at the full CPU count only.
            return vec![std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)];
        }
        self.counts_with(job.article_workers())
            .into_iter()
            .filter_map(NonZeroUsize::new)
            .collect()
    }

    /// The worker sweep plus counts that matter for one workload (the article's own),
    /// sorted and deduplicated.
    pub fn counts_with(&self, extra: &[usize]) -> Vec<usize> {
        let mut counts: Vec<usize> = self.workers.iter().map(|w| w.get()).collect();
        counts.extend_from_slice(extra);
        counts.sort_unstable();
        counts.dedup();
        counts
    }
}

/// A benchmark's id, built once: criterion's group, function (the technique) and parameter
/// (workers, connections, a size). [`BenchId::name`] is `group/function/parameter`, the key
/// of the filter, the sidecars and every message; [`BenchId::criterion`] is criterion's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchId {
    /// criterion's group, `<family>/<workload>`.
    pub group: String,
    /// The technique id.
    pub function: String,
    /// The swept value, as text.
    pub parameter: String,
    name: String,
    sampling: Sampling,
    /// What the benchmark declares for the report's bounds (`cb-declared.json`).
    declared: sidecar::Declared,
}

/// How closely a benchmark is sampled (see [`size_for`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sampling {
    /// Tight intervals for compare's statistics: 30 samples up to 20 ms an iteration.
    #[default]
    Precise,
    /// A point of a sweep read on a log scale (the grain sweep's break-even): from 2 ms an
    /// iteration already, 10 samples of one iteration and a one-iteration warm-up (the
    /// verifying run has warmed the technique), a few percent of precision at a fraction of
    /// the cost.
    Sweep,
}

impl BenchId {
    /// The id of `function` at `parameter` in `group`.
    pub fn new(group: &str, function: &str, parameter: impl Display) -> BenchId {
        let parameter = parameter.to_string();
        BenchId {
            name: format!("{group}/{function}/{parameter}"),
            group: group.to_string(),
            function: function.to_string(),
            parameter,
            sampling: Sampling::Precise,
            declared: sidecar::Declared::default(),
        }
    }

    /// The same id, sampled as a sweep point ([`Sampling::Sweep`]).
    pub fn sweep_point(mut self) -> BenchId {
        self.sampling = Sampling::Sweep;
        self
    }

    /// The same id, declaring `declared` (a floor, threads, workers) for the report's
    /// bounds.
    pub fn declaring(mut self, declared: sidecar::Declared) -> BenchId {
        self.declared = declared;
        self
    }

    /// `group/function/parameter`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// criterion's id of the benchmark inside its group.
    pub fn criterion(&self) -> BenchmarkId {
        BenchmarkId::new(self.function.clone(), &self.parameter)
    }
}

impl Display for BenchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// criterion's warm-up before each benchmark (a sweep point of [`Sampling::Sweep`] warms up
/// for one iteration instead).
const WARM_UP: Duration = Duration::from_millis(200);

/// Criterion as the suite uses it: fewer bootstrap resamples (the suite holds hundreds of
/// benchmarks), then the command line (`--quick`, filters, `--save-baseline`) on top.
pub fn criterion() -> Criterion {
    Criterion::default()
        .nresamples(20_000)
        .warm_up_time(WARM_UP)
        .configure_from_args()
}

/// Sizes the next benchmark of `group` from the cost of one iteration (`per_iter`, the
/// verifying run's time), so the samples are many enough for compare's statistics and the
/// whole suite fits its budget (15 minutes on 2 CPUs):
///
/// | one iteration | samples | iterations each | warm-up |
/// |---|---|---|---|
/// | under 1 ms | 30, linear (1, 2, 3, ... x d) | about 800 ms in all | 200 ms |
/// | 1 to 20 ms | 30, flat | 2 | 200 ms |
/// | 20 ms and more, or a sweep point from 2 ms | 10, flat | 1 | one iteration |
///
/// Linear sampling (criterion's slope) matters only where the timer's cost is not
/// negligible; from 1 ms each sample is a clean measurement of its own, and 30 of them give
/// the bootstrap in [`report::stats`] a much narrower interval than 10 linear samples did, at
/// about half their cost (a contended lock is bimodal within a run: `sync/counter/std-mutex/2`
/// went from [0.73, 1.37] to [0.61, 0.79] in an A/A pair, and 10 samples could not tell a 20%
/// slowdown from that spread). From 20 ms one iteration per sample is enough, and the
/// verifying run has already warmed the technique up. A sweep point ([`Sampling::Sweep`],
/// the grain sweep, read on a log scale) takes the slow plan from 2 ms on.
///
/// criterion rounds iterations per sample up (`ceil(time per sample / warm-up mean)`), so
/// the measurement time asked for is below the exact product: 30 x 1.5 iterations gives 2
/// each, 10 x 0.6 gives 1 each. With one iteration per sample criterion prints "Unable to
/// complete 10 samples in ...": that is this plan, not a problem.
///
/// Under criterion's `--quick` the measurement time is only its upper bound (criterion stops
/// once two doubling runs agree within 5%), capped here so a noisy benchmark cannot hold a
/// quick run for seconds, and the warm-up is at most 50 ms (the verifying run has warmed the
/// technique already).
pub fn size_for(group: &mut BenchmarkGroup<'_, WallTime>, per_iter: Duration, sampling: Sampling) {
    const QUICK_CAP: Duration = Duration::from_millis(150);
    const QUICK_WARM_UP: Duration = Duration::from_millis(50);
    const SLOW_FROM: Duration = Duration::from_millis(20);
    const SWEEP_SLOW_FROM: Duration = Duration::from_millis(2);
    const FLAT_FROM: Duration = Duration::from_millis(1);
    let slow =
        per_iter >= SLOW_FROM || (sampling == Sampling::Sweep && per_iter >= SWEEP_SLOW_FROM);
    let (warm_up, measurement) = if slow {
        // One iteration of warm-up (criterion warms up until this much time has passed).
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        (per_iter.mul_f64(0.5), per_iter.mul_f64(10.0 * 0.6))
    } else if per_iter >= FLAT_FROM {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(30);
        (WARM_UP, per_iter.mul_f64(30.0 * 1.5))
    } else {
        group.sampling_mode(SamplingMode::Linear);
        group.sample_size(30);
        (WARM_UP, Duration::from_millis(800))
    };
    // Quick mode is for fast feedback: 333 benchmarks x (0.2 s of warm-up + 0.25 s of
    // measuring) took 85 s of its 90 s budget; these caps bring it to ~68 s.
    let (warm_up, measurement) = if quick() {
        (warm_up.min(QUICK_WARM_UP), measurement.min(QUICK_CAP))
    } else {
        (warm_up, measurement)
    };
    group.warm_up_time(warm_up);
    group.measurement_time(measurement);
}

/// Whether criterion runs in `--quick` mode.
pub fn quick() -> bool {
    static QUICK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *QUICK.get_or_init(|| std::env::args().any(|a| a == "--quick"))
}

/// Runs one map job through every technique at every worker count: each is started outside
/// the timed part, then run, verified and timed by [`bench_started`]. Every row but the
/// baseline's own is paired with the group's sequential baseline, run beside each of its
/// samples (see [`paired`](crate::paired)).
pub fn bench_map(
    c: &mut Criterion,
    settings: &Settings,
    job: &MapJob,
    techniques: &[Box<dyn MapTechnique>],
) {
    let group_name = format!("map/{}", job.id());
    let mut group = c.benchmark_group(&group_name);
    group.throughput(Throughput::Elements(job.elements()));
    let baseline_technique = techniques
        .iter()
        .find(|t| t.id() == report::analysis::BASELINE_TECHNIQUE);
    // Started once per group, when the first paired row is selected.
    let mut baseline: Option<Baseline<'_>> = None;
    for technique in techniques {
        for workers in settings.workers_for(job, technique.as_ref()) {
            let id =
                BenchId::new(&group_name, technique.id(), workers).declaring(sidecar::Declared {
                    threads: technique.threads(workers),
                    workers: technique.sweeps_workers().then_some(workers.get()),
                    ..sidecar::Declared::floor(job.floor(technique.concurrent_waits(workers)))
                });
            let id = match job.workload() {
                MapWorkload::Grain(_) => id.sweep_point(),
                _ => id,
            };
            let pair_with = baseline_technique.filter(|b| b.id() != technique.id());
            let mut after = |iters: u64, sample: Duration| {
                let Some(b) = pair_with else { return };
                let base = baseline.get_or_insert_with(|| {
                    Baseline::start(b.as_ref(), job)
                        .unwrap_or_else(|e| fail(format!("{group_name}/{}", b.id()), e))
                });
                base.beside(id.name(), iters, sample)
                    .unwrap_or_else(|e| fail(format!("{group_name}/{}", b.id()), e));
            };
            measure_started(
                (&mut group, settings),
                (&id, technique.kind()),
                || technique.start(workers),
                |runner| runner.run(job),
                |outputs| job.verify(outputs),
                &mut after,
            );
        }
    }
    group.finish();
}

/// Runs every technique of a job family on the jobs `jobs` gives it (a parameter each:
/// workers, permits, consumers) in the group `group_name`, through [`bench_checked`]; the
/// job's note on the first run of each (how far from its floor) is printed.
pub fn bench_jobs<J: Job>(
    c: &mut Criterion,
    settings: &Settings,
    group_name: &str,
    techniques: &[Box<dyn Technique<J>>],
    jobs: impl Fn(&dyn Technique<J>) -> Vec<(usize, J)>,
) {
    let mut group = c.benchmark_group(group_name);
    for technique in techniques {
        for (parameter, job) in jobs(technique.as_ref()) {
            let id = BenchId::new(group_name, technique.id(), parameter).declaring(
                sidecar::Declared::floor(job.floor(technique.timer_resolution())),
            );
            group.throughput(Throughput::Elements(job.elements()));
            let first = bench_checked(
                &mut group,
                settings,
                (&id, technique.kind()),
                || technique.run(&job),
                |report| job.check(report),
            );
            let note = first.and_then(|r| job.note(&r, technique.timer_resolution()));
            if let Some(note) = note {
                eprintln!("{id}: {note}");
            }
        }
    }
    group.finish();
}

/// The one way a benchmark is measured: runs once and verifies, sizes the sampling, then
/// benches. criterion gets the duration `check` returns for each run (the technique's own
/// clock, or [`timed`] around `run`), so verifying every run stays outside the time. The
/// kind goes into the kinds sidecar. Returns the first
/// run's result, or `None` when criterion's filter leaves the benchmark out (and nothing
/// was run).
pub fn bench_checked<R, E: Display, M: Display>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    (id, kind): (&BenchId, Kind),
    run: impl FnMut() -> Result<R, E>,
    check: impl Fn(&R) -> Result<Duration, M>,
) -> Option<R> {
    measure(group, settings, (id, kind), run, check, &mut |_, _| {})
}

/// [`bench_checked`], with `after_sample` run after each sample, outside its time (the
/// paired baseline).
fn measure<R, E: Display, M: Display>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    (id, kind): (&BenchId, Kind),
    mut run: impl FnMut() -> Result<R, E>,
    check: impl Fn(&R) -> Result<Duration, M>,
    after_sample: &mut dyn FnMut(u64, Duration),
) -> Option<R> {
    if !settings.selected(id) {
        return None;
    }
    let name = id.name();
    let started = progress::start(name);
    sidecar::record_kind(name, kind);
    sidecar::declare(name, kind, id.declared);
    let first = run().unwrap_or_else(|e| fail(name, e));
    let once = check(&first).unwrap_or_else(|e| fail(name, e));
    size_for(group, once, id.sampling);
    let slowdown = settings.slowdown.as_ref().and_then(|s| s.factor_for(name));
    group.bench_function(id.criterion(), |b| {
        iter_timed_with_cpu(
            b,
            name,
            || {
                let result = run().unwrap_or_else(|e| fail(name, e));
                let took = check(&result).unwrap_or_else(|e| fail(name, e));
                slowdown.map_or(took, |factor| Slowdown::stretch(factor, took))
            },
            &mut *after_sample,
        )
    });
    progress::done(name, started);
    Some(first)
}

/// Starts a technique outside the timed part (`start`, skipped when the filter leaves the
/// benchmark out), then measures `run` on what it started with [`bench_checked`]: `verify`
/// checks the first answer, and a later one that differs from it (an equal one is checked
/// by comparing, cheap next to the named check).
pub fn bench_started<S, R: Clone + PartialEq, E: Display, M: Display>(
    at: (&mut BenchmarkGroup<'_, WallTime>, &Settings),
    what: (&BenchId, Kind),
    start: impl FnOnce() -> Result<S, E>,
    run: impl FnMut(&mut S) -> Result<R, E>,
    verify: impl Fn(&R) -> Result<(), M>,
) {
    measure_started(at, what, start, run, verify, &mut |_, _| {});
}

/// [`bench_started`], with `after_sample` run after each sample (see [`measure`]).
fn measure_started<S, R: Clone + PartialEq, E: Display, M: Display>(
    (group, settings): (&mut BenchmarkGroup<'_, WallTime>, &Settings),
    (id, kind): (&BenchId, Kind),
    start: impl FnOnce() -> Result<S, E>,
    mut run: impl FnMut(&mut S) -> Result<R, E>,
    verify: impl Fn(&R) -> Result<(), M>,
    after_sample: &mut dyn FnMut(u64, Duration),
) {
    if !settings.selected(id) {
        return;
    }
    let mut started = start().unwrap_or_else(|e| fail(id, e));
    let verified = std::cell::OnceCell::new();
    let check = |(answer, took): &(R, Duration)| {
        if verified.get() != Some(answer) {
            verify(answer)?;
            verified.get_or_init(|| answer.clone());
        }
        Ok::<_, M>(*took)
    };
    let run = timed(|| run(&mut started));
    measure(group, settings, (id, kind), run, check, after_sample);
}

/// Wraps `run` so it also returns how long it took, for [`bench_checked`].
pub fn timed<R, E>(
    mut run: impl FnMut() -> Result<R, E>,
) -> impl FnMut() -> Result<(R, Duration), E> {
    move || {
        let started = Instant::now();
        run().map(|result| (result, started.elapsed()))
    }
}

/// Ends the run with one line naming the benchmark and what went wrong: a wrong answer or a
/// broken technique is a failed run, never a fast one. What was measured before is still
/// published, marked partial.
pub fn fail(what: impl Display, error: impl Display) -> ! {
    eprintln!("error: {what}: {error}");
    progress::stop(&format!("failed at {what}: {error}"));
    std::process::exit(1)
}

/// Whether criterion is measuring (`cargo bench`), as opposed to its test mode
/// (`cargo test`, `--test`) or listing (`--list`): only a measuring run writes results.
/// The report decides the same way whether to publish.
pub fn is_measuring() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    report::should_publish(&args)
}

/// Where criterion writes its files, found the way the report finds them (which may ask
/// `cargo metadata`, so it is asked once).
pub fn criterion_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        report::publish::criterion_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
    })
    .clone()
}

/// Publishes the results into `reports/` once the suite has run: `reports/runs/<id>.json`
/// and `reports/index.html`; `partial` says why a run that stopped early did (see
/// `progress`). Nothing is published in criterion's test mode (`cargo test --benches`,
/// `--test`, `--list`), and a failure leaves the previous report as it was.
pub fn publish(preset: &str, partial: Option<String>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !report::should_publish(&args) {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = report::PublishOptions {
        partial,
        ..report::PublishOptions::for_bench(root, preset, &args)
    };
    match report::publish(&options) {
        Ok(done) => eprintln!(
            "report: {} benchmarks -> {} and {}",
            done.benchmarks,
            done.results.display(),
            done.index.display()
        ),
        Err(e) => {
            eprintln!("error: report: {e}");
            std::process::exit(1)
        }
    }
}
