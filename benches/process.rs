//! Family `process`: what a process boundary costs, next to the map family's `process-pool`,
//! `process-pool-fresh` and `procspawn-pool` rows. Measured:
//! - `process/squares-chunksize`: the squares workload through a reused pool of `cores`
//!   workers with `chunksize = 1` (a frame per task) and with Python's default
//!   (`len / (4 x workers)`); parameter: the chunksize. Why: tiny tasks invert rankings,
//!   and chunking is the process pool's one lever against that. Rows: `process-pool`, the
//!   pool as it ships (window 32: up to 32 batches written ahead to each worker, as
//!   `multiprocessing.Pool` writes tasks ahead of results), and `process-pool-window1`, the
//!   plain design (one batch in flight per worker: two cross-process wake-ups per batch).
//! - `process/pipeline-window`: the same squares with `chunksize = 1`, sweeping the window
//!   (batches in flight per worker: 1, 2, 4, 8, 16, 32, 64); parameter: the window. Why: the
//!   sweep the default window (32, `ProcessPool::DEFAULT_WINDOW`) was chosen from, recorded
//!   with every run.
//! - `process/startup`: starting a pool and waiting until every worker is ready, alone
//!   (ours and procspawn's); parameter: workers. Why: `with Pool() as pool:` pays it per call.
//! - `process/pipe-roundtrip`: 8 bytes to a child (`cat`) and back, the physical floor of
//!   one task (`raw-pipe`), and one `submit` + `result` of a square through the pool
//!   (`pool-submit`), which adds framing, bincode and two thread hand-offs.
//! - `process/shared-counter`: the article's `Value` in 4 worker processes, each adding 1
//!   `increments` times, with `get_lock()` and with an atomic add; parameter: increments per
//!   process (100 as in the article, 10_000). The count is checked after every run.
//!
//! Worker processes re-execute this binary: `suite.rs` calls `process_pool::init()` and
//! `procspawn::init()` before anything else.

use std::io::{Read, Write};
use std::num::NonZeroUsize;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use process_pool::{
    Chunksize, CounterVariant, ProcessPool, ProcspawnPool, ReusedPool, SharedValue, Task,
    WINDOW1_ID, Work,
};
use workloads::map::squares::{self, Squares};
use workloads::sync::{CounterJob, SyncSizes};
use workloads::{Kind, MapJob, TaskOutput};

use crate::finish::fail;
use crate::ids::BenchId;
use crate::measure::{bench_checked, bench_started, timed};
use crate::settings::Settings;

/// Every row of this family crosses a process boundary.
const KIND: Kind = Kind::Process;

pub fn benches(c: &mut Criterion, settings: &Settings) {
    squares_chunksize(c, settings);
    pipeline_window(c, settings);
    startup(c, settings);
    pipe_roundtrip(c, settings);
    shared_counter(c, settings);
}

/// The windows `process/pipeline-window` sweeps.
const WINDOWS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

fn cores() -> NonZeroUsize {
    host::run_cpus()
}

fn start_windowed(id: &BenchId, workers: NonZeroUsize, window: usize) -> ProcessPool {
    let window = NonZeroUsize::new(window).unwrap_or(NonZeroUsize::MIN);
    ProcessPool::builder()
        .workers(workers)
        .window(window)
        .start()
        .unwrap_or_else(|e| fail(id, e))
}

/// Times one `map` of `job` through `pool` with `chunksize`, verified before timing.
fn bench_map_through(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    id: &BenchId,
    pool: &ProcessPool,
    (job, chunksize): (&MapJob, usize),
) {
    bench_checked(
        group,
        settings,
        (id, KIND),
        timed(|| pool.map(job.tasks().clone(), Chunksize::new(chunksize))),
        |(outputs, took)| job.verify(outputs).map(|()| *took),
    );
}

fn squares_chunksize(c: &mut Criterion, settings: &Settings) {
    let job = MapJob::of(Squares::of(settings.preset));
    let workers = cores();
    let mut group = c.benchmark_group("process/squares-chunksize");
    group.throughput(Throughput::Elements(job.elements()));
    let auto = Chunksize::Auto.resolve(job.tasks().len(), workers.get());
    let rows = [
        (ReusedPool::ID, ProcessPool::DEFAULT_WINDOW.get()),
        (WINDOW1_ID, 1),
    ];
    for (technique, window) in rows {
        let ids = [1, auto].map(|chunksize| {
            let id = BenchId::new("process/squares-chunksize", technique, chunksize);
            (chunksize, id)
        });
        // A pool starts only when one of its rows is wanted.
        if !settings.any_selected(ids.iter().map(|(_, id)| id)) {
            continue;
        }
        let pool = start_windowed(&ids[0].1, workers, window);
        for (chunksize, id) in &ids {
            bench_map_through(&mut group, settings, id, &pool, (&job, *chunksize));
        }
    }
    group.finish();
}

fn pipeline_window(c: &mut Criterion, settings: &Settings) {
    let job = MapJob::of(Squares::of(settings.preset));
    let workers = cores();
    let mut group = c.benchmark_group("process/pipeline-window");
    group.throughput(Throughput::Elements(job.elements()));
    for window in WINDOWS {
        let id = BenchId::new("process/pipeline-window", ReusedPool::ID, window);
        if settings.selected(&id) {
            let pool = start_windowed(&id, workers, window);
            bench_map_through(&mut group, settings, &id, &pool, (&job, 1));
        }
    }
    group.finish();
}

fn startup(c: &mut Criterion, settings: &Settings) {
    let mut group = c.benchmark_group("process/startup");
    for &workers in &settings.workers {
        group.throughput(Throughput::Elements(workers.get() as u64));
        // Only the start is timed: the pool is shut down after its time is taken.
        let id = BenchId::new("process/startup", ReusedPool::ID, workers);
        bench_checked(
            &mut group,
            settings,
            (&id, KIND),
            timed(|| ProcessPool::new(workers)),
            |(pool, took)| match pool.worker_pids().len() == workers.get() {
                true => Ok(*took),
                false => Err(format!("{} of {workers} workers", pool.worker_pids().len())),
            },
        );
        let id = BenchId::new("process/startup", ProcspawnPool::ID, workers);
        bench_checked(
            &mut group,
            settings,
            (&id, KIND),
            timed(|| procspawn::Pool::new(workers.get())),
            |(_pool, took)| Ok::<_, String>(*took),
        );
    }
    group.finish();
}

/// A child that echoes its stdin: the least a process round trip can cost.
struct Echo {
    child: Child,
}

impl Echo {
    fn start() -> std::io::Result<Echo> {
        let child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        Ok(Echo { child })
    }

    fn round_trip(&mut self, message: &mut [u8; 8]) -> std::io::Result<()> {
        let (Some(input), Some(output)) = (&mut self.child.stdin, &mut self.child.stdout) else {
            return Err(std::io::Error::other("cat has no pipes"));
        };
        input.write_all(message)?;
        let sent = *message;
        output.read_exact(message)?;
        match *message == sent {
            true => Ok(()),
            false => Err(std::io::Error::other("cat echoed other bytes")),
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // cat exits at end of input
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}

fn pipe_roundtrip(c: &mut Criterion, settings: &Settings) {
    let mut group = c.benchmark_group("process/pipe-roundtrip");
    group.throughput(Throughput::Elements(1));
    // Each child (cat, a pool) starts only when its row is selected.
    let id = BenchId::new("process/pipe-roundtrip", "raw-pipe", 1);
    let mut message = *b"pingpong";
    // round_trip itself fails when cat echoes other bytes.
    bench_started(
        (&mut group, settings),
        (&id, KIND),
        Echo::start,
        |echo| echo.round_trip(&mut message),
        |()| Ok::<_, String>(()),
    );

    let id = BenchId::new("process/pipe-roundtrip", "pool-submit", 1);
    bench_started(
        (&mut group, settings),
        (&id, KIND),
        || ProcessPool::new(NonZeroUsize::MIN).map_err(|e| e.to_string()),
        |pool| {
            let handle = pool
                .submit(Task::Square(squares::Task { x: 9 }))
                .map_err(|e| e.to_string())?;
            handle
                .result_timeout(Duration::from_secs(60))
                .map_err(|e| e.to_string())
        },
        |output| match output {
            TaskOutput::Square(81) => Ok(()),
            other => Err(format!("expected Square(81), got {other:?}")),
        },
    );
    group.finish();
}

fn shared_counter(c: &mut Criterion, settings: &Settings) {
    let mut group = c.benchmark_group("process/shared-counter");
    let processes = CounterJob::ARTICLE_PROCESSES.workers;
    let value = SharedValue::new(0).unwrap_or_else(|e| fail("process/shared-counter", e));
    let pool = ProcessPool::builder()
        .workers(NonZeroUsize::new(processes).unwrap_or(NonZeroUsize::MIN))
        .share(&value)
        .start()
        .unwrap_or_else(|e| fail("process/shared-counter", e));
    for &increments in SyncSizes::of(settings.preset).shared_increments {
        let job = CounterJob {
            workers: processes,
            increments,
        };
        group.throughput(Throughput::Elements(job.expected()));
        for variant in [CounterVariant::Locked, CounterVariant::Atomic] {
            let id = BenchId::new("process/shared-counter", variant.id(), increments);
            let run = || {
                value.store(0);
                let work = Work::Increment {
                    variant,
                    times: increments,
                };
                let handles = (0..processes)
                    .map(|_| pool.submit(work.clone()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string())?;
                for handle in handles {
                    handle.result().map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(value.load() as u64)
            };
            bench_checked(
                &mut group,
                settings,
                (&id, KIND),
                timed(run),
                |(count, took)| job.verify(*count).map(|()| *took),
            );
        }
    }
    group.finish();
}
