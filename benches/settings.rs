//! The run's settings, read once from the environment and the command line: the preset,
//! the worker sweep, criterion's filter, the A/A check's slowdown and idle polling; and
//! which benchmarks the run selects (counted in the dry pass, printed under `--list`).

use std::num::NonZeroUsize;

use concurrency_bench::{BenchFilter, Slowdown};
use host::IdlePoll;
use workloads::map::grain::Grain;
use workloads::{MapJob, MapTechnique, MapWorkload, Preset};

use crate::finish::fail;
use crate::ids::BenchId;
use crate::progress;

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
    pub slowdown: Option<Slowdown>,
    /// `CB_IDLE_POLL=1`: idle CPUs poll while the settings live, publishing included.
    _idle_poll: Option<IdlePoll>,
}

impl Settings {
    /// Reads the environment; a bad value ends the run with a message naming it.
    pub fn from_env() -> Settings {
        let preset = Preset::from_env().unwrap_or_else(|e| fail("settings", e));
        let workers = workloads::worker_counts(host::run_cpus().get())
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
                host::wake::IDLE_POLL_ENV,
                host::wake::CPU_DMA_LATENCY
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
            // Quick mode's budget: the grain points at the run's CPU count only.
            return vec![host::run_cpus()];
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
