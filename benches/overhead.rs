//! Family `overhead`: what one hand-off costs on this machine, the ladder the grain sweep's
//! break-even points follow from (a technique pays once a task costs a few times its
//! hand-off). One group, `overhead/handoff`; the function is the hand-off, the parameter 1:
//! - spawning: `thread-spawn-join` (`std::thread::spawn` + `join`), `scoped-spawn`
//!   (`thread::scope` with one spawned thread), `process-spawn` (`true` run to its exit);
//! - pools: `pool-submit` (our `ThreadPoolExecutor`: `submit` + `result`), `rayon-join-outside`
//!   (`install(join)` from the main thread, which wakes the pool) and `rayon-join-inside`
//!   (`join` from a pool thread); `tokio-spawn-outside` (spawn from the main thread, await
//!   with `block_on`), `tokio-spawn-inside` (spawn + await in a task) and
//!   `tokio-spawn-blocking` (`spawn_blocking` + await in a task);
//! - channels, a round trip to an echo thread (task): `channel-std`, `channel-crossbeam`,
//!   `channel-tokio`;
//! - memory: `mutex-uncontended`, `mutex-contended` (a second thread takes the same lock in
//!   a loop while the benchmark runs; stopped after it), `atomic-add`.
//!
//! The process family's `process/pipe-roundtrip` and `process/startup` rows belong on the
//! same ladder; the report reads them from there rather than measuring them twice. Every
//! hand-off's result is checked (a round trip returns what was sent, a join both halves, a
//! counter the number of adds). Each benchmark times a batch of hand-offs with no clock read
//! between them (a clock read would cost more than an atomic add); "inside" rows run their
//! whole batch inside the pool or runtime and time it there (the block_on pitfall). No CPU
//! time is recorded for this family.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

use workloads::Kind;

use crate::finish::fail;
use crate::ids::BenchId;
use crate::settings::Settings;
use crate::{progress, sidecar};

/// The criterion group every hand-off is in.
pub const GROUP: &str = "overhead/handoff";

/// The longest one checked hand-off may take before the run fails (a bug, not a slow VM).
const BOUND: Duration = Duration::from_secs(30);

pub fn benches(c: &mut Criterion, settings: &Settings) {
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    // Hand-offs are short and steady: 0.1 s of warm-up and 0.4 s of samples each.
    group.warm_up_time(Duration::from_millis(100));
    group.measurement_time(Duration::from_millis(400));
    spawning(&mut group, settings);
    pools(&mut group, settings);
    channels(&mut group, settings);
    memory(&mut group, settings);
    group.finish();
}

/// The benchmark id of a hand-off, if the filter selects it: its kind noted and its progress
/// line started.
fn begin(settings: &Settings, id: &str, kind: Kind) -> Option<(BenchId, Instant)> {
    let id = BenchId::new(GROUP, id, 1);
    if !settings.selected(&id) {
        return None;
    }
    sidecar::record_kind(id.name(), kind);
    let started = crate::measure::announce(id.name());
    Some((id, started))
}

/// Benchmarks `routine` under `id` if the filter selects it, after one checked run; every
/// timed call is checked too.
fn handoff<O>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    id: (&str, Kind),
    mut routine: impl FnMut() -> Result<O, String>,
) {
    handoff_batch(group, settings, id, |iters| {
        let started = Instant::now();
        for _ in 0..iters {
            black_box(routine()?);
        }
        Ok(started.elapsed())
    });
}

/// Like [`handoff`], for a batch timed inside a pool or runtime: `batch(n)` runs `n`
/// checked hand-offs and returns how long they took.
fn handoff_batch(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    (id, kind): (&str, Kind),
    mut batch: impl FnMut(u64) -> Result<Duration, String>,
) {
    let Some((id, started)) = begin(settings, id, kind) else {
        return;
    };
    let name = id.name();
    batch(1).unwrap_or_else(|e| fail(name, e));
    group.bench_function(id.criterion(), |b| {
        b.iter_custom(|iters| batch(iters).unwrap_or_else(|e| fail(name, e)))
    });
    progress::done(name, started);
}

fn expect<T: PartialEq + std::fmt::Debug>(got: T, want: T) -> Result<(), String> {
    match got == want {
        true => Ok(()),
        false => Err(format!("expected {want:?}, got {got:?}")),
    }
}

fn spawning(group: &mut BenchmarkGroup<'_, WallTime>, settings: &Settings) {
    handoff(group, settings, ("thread-spawn-join", Kind::Thread), || {
        let handle = thread::spawn(|| black_box(7_u64));
        expect(handle.join().map_err(|_| "the thread panicked")?, 7)
    });
    handoff(group, settings, ("scoped-spawn", Kind::Thread), || {
        let value = 7_u64;
        let got = thread::scope(|s| s.spawn(|| black_box(value)).join());
        expect(got.map_err(|_| "the thread panicked")?, 7)
    });
    handoff(group, settings, ("process-spawn", Kind::Process), || {
        let status = Command::new("true").status().map_err(|e| e.to_string())?;
        expect(status.success(), true)
    });
}

fn pools(group: &mut BenchmarkGroup<'_, WallTime>, settings: &Settings) {
    let two = NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN);
    let pool = threads::ThreadPoolExecutor::new(two).unwrap_or_else(|e| fail(GROUP, e));
    handoff(group, settings, ("pool-submit", Kind::Thread), || {
        let got = pool
            .submit(|| black_box(7_u64))
            .result_timeout(BOUND)
            .map_err(|e| e.to_string())?;
        expect(got, 7)
    });
    drop(pool);

    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap_or_else(|e| fail(GROUP, e));
    let join_outside = || rayon.install(|| rayon::join(|| black_box(3_u64), || black_box(4)));
    handoff(
        group,
        settings,
        ("rayon-join-outside", Kind::Thread),
        || expect(join_outside(), (3, 4)),
    );
    handoff_batch(
        group,
        settings,
        ("rayon-join-inside", Kind::Thread),
        |iters| {
            rayon.install(|| {
                let started = Instant::now();
                for i in 0..iters {
                    let got = rayon::join(|| black_box(i), || black_box(i + 1));
                    expect(got, (i, i + 1))?;
                }
                Ok(started.elapsed())
            })
        },
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(GROUP, e));
    handoff(
        group,
        settings,
        ("tokio-spawn-outside", Kind::Async),
        || {
            let task = runtime.spawn(async { black_box(7_u64) });
            expect(runtime.block_on(task).map_err(|e| e.to_string())?, 7)
        },
    );
    for (id, blocking) in [
        ("tokio-spawn-inside", false),
        ("tokio-spawn-blocking", true),
    ] {
        let batch = match blocking {
            false => |iters| Box::pin(spawn_each(iters, false)) as BoxedBatch,
            true => |iters| Box::pin(spawn_each(iters, true)) as BoxedBatch,
        };
        handoff_batch(
            group,
            settings,
            (id, Kind::Async),
            in_runtime(&runtime, batch),
        );
    }
    handoff_batch(
        group,
        settings,
        ("channel-tokio", Kind::Async),
        in_runtime(&runtime, |iters| {
            Box::pin(async move {
                let (to_echo, mut echo_in) = tokio::sync::mpsc::channel::<u64>(1);
                let (echo_out, mut back) = tokio::sync::mpsc::channel::<u64>(1);
                let echo = tokio::spawn(async move {
                    while let Some(v) = echo_in.recv().await {
                        if echo_out.send(v).await.is_err() {
                            break;
                        }
                    }
                });
                let started = Instant::now();
                for i in 0..iters {
                    to_echo.send(i).await.map_err(|e| e.to_string())?;
                    expect(back.recv().await, Some(i))?;
                }
                let took = started.elapsed();
                drop(to_echo);
                echo.await.map_err(|e| e.to_string())?;
                Ok(took)
            }) as BoxedBatch
        }),
    );
}

/// `iters` tasks spawned one at a time from inside a task (blocking: on tokio's blocking
/// pool) and awaited, each checked.
async fn spawn_each(iters: u64, blocking: bool) -> Result<Duration, String> {
    let started = Instant::now();
    for i in 0..iters {
        let got = match blocking {
            false => tokio::spawn(async move { black_box(i) }).await,
            true => tokio::task::spawn_blocking(move || black_box(i)).await,
        };
        expect(got.map_err(|e| e.to_string())?, i)?;
    }
    Ok(started.elapsed())
}

type BoxedBatch = std::pin::Pin<Box<dyn Future<Output = Result<Duration, String>> + Send>>;

/// Runs a batch as a task in `runtime` (timed inside it), bounded by [`BOUND`].
fn in_runtime(
    runtime: &tokio::runtime::Runtime,
    batch: fn(u64) -> BoxedBatch,
) -> impl FnMut(u64) -> Result<Duration, String> + '_ {
    move |iters| {
        let task = runtime.spawn(batch(iters));
        match runtime.block_on(async { tokio::time::timeout(BOUND, task).await }) {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("{iters} hand-offs took over {BOUND:?}")),
        }
    }
}

/// An echo thread over a pair of channels; it ends when its input closes.
struct Echo<S> {
    send: Option<S>,
    thread: Option<thread::JoinHandle<()>>,
}

impl<S> Drop for Echo<S> {
    fn drop(&mut self) {
        drop(self.send.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Round trips of a counter through an echo thread over two channels of one kind (std's
/// and crossbeam's have the same `send`, `recv_timeout` and iteration).
macro_rules! round_trips {
    ($group:expr, $settings:expr, $id:expr, $channel:expr) => {{
        let (to_echo, echo_in) = $channel;
        let (echo_out, back) = $channel;
        let thread = thread::spawn(move || {
            for v in echo_in {
                if echo_out.send(v).is_err() {
                    break;
                }
            }
        });
        let echo = Echo {
            send: Some(to_echo),
            thread: Some(thread),
        };
        let mut next = 0_u64;
        handoff($group, $settings, ($id, Kind::Thread), || {
            next += 1;
            let send = echo.send.as_ref().ok_or("no echo")?;
            send.send(next).map_err(|e| e.to_string())?;
            expect(back.recv_timeout(BOUND).map_err(|e| e.to_string())?, next)
        });
    }};
}

fn channels(group: &mut BenchmarkGroup<'_, WallTime>, settings: &Settings) {
    round_trips!(group, settings, "channel-std", mpsc::channel::<u64>());
    round_trips!(
        group,
        settings,
        "channel-crossbeam",
        crossbeam_channel::unbounded::<u64>()
    );
}

fn memory(group: &mut BenchmarkGroup<'_, WallTime>, settings: &Settings) {
    let lock = Arc::new(Mutex::new(0_u64));
    let mut adds = 0_u64;
    let mut add = |lock: &Mutex<u64>| {
        adds += 1;
        let mut count = lock.lock().map_err(|_| "poisoned")?;
        *count += 1;
        Ok::<_, String>(())
    };
    handoff(group, settings, ("mutex-uncontended", Kind::Thread), || {
        add(&lock)
    });

    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let rival = {
        let (lock, stop, started) = (Arc::clone(&lock), Arc::clone(&stop), Arc::clone(&started));
        thread::spawn(move || {
            let mut theirs = 0_u64;
            started.store(true, Ordering::Relaxed);
            while !stop.load(Ordering::Relaxed) {
                *lock.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                theirs += 1;
            }
            theirs
        })
    };
    // Time only once the rival takes the lock too (bounded: a thread that never starts is a bug).
    let deadline = Instant::now() + BOUND;
    while !started.load(Ordering::Relaxed) && Instant::now() < deadline {
        thread::yield_now();
    }
    if !started.load(Ordering::Relaxed) {
        fail(GROUP, "the rival thread of mutex-contended did not start");
    }
    handoff(group, settings, ("mutex-contended", Kind::Thread), || {
        add(&lock)
    });
    stop.store(true, Ordering::Relaxed);
    let theirs = rival
        .join()
        .unwrap_or_else(|_| fail(GROUP, "the rival thread panicked"));
    let total = *lock.lock().unwrap_or_else(|e| e.into_inner());
    expect(total, adds + theirs).unwrap_or_else(|e| fail(format!("{GROUP}/mutex"), e));

    let counter = AtomicU64::new(0);
    let mut calls = 0_u64;
    handoff(group, settings, ("atomic-add", Kind::Thread), || {
        calls += 1;
        black_box(&counter).fetch_add(1, Ordering::SeqCst);
        Ok::<_, String>(())
    });
    expect(counter.load(Ordering::SeqCst), calls)
        .unwrap_or_else(|e| fail(format!("{GROUP}/atomic-add"), e));
}
