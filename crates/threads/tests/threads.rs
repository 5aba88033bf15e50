//! Every thread technique on every map workload, and the ThreadPoolExecutor's semantics.
//! Every wait here is bounded: a deadlocked pool fails the test instead of hanging CI.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use threads::{PoolError, ShutdownMode, ThreadPoolExecutor};
use workloads::sync::with_deadline;
use workloads::{Kind, MapJob, Preset};

const BOUND: Duration = Duration::from_secs(10);

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

#[test]
fn every_technique_verifies_on_every_quick_workload() {
    for job in MapJob::for_preset(Preset::Quick) {
        for technique in threads::map_techniques() {
            for workers in [1, 2, 3, 4] {
                let mut runner = technique.start(nz(workers)).unwrap();
                let outputs = runner.run(&job).unwrap_or_else(|e| {
                    panic!("{} on {} at {workers}: {e}", technique.id(), job.id())
                });
                job.verify(&outputs)
                    .unwrap_or_else(|e| panic!("{} at {workers}: {e}", technique.id()));
            }
        }
    }
}

/// Each technique declares what it pays for: the sequential baselines say so, the rest are
/// threads (the report files every row by these, not by the ids).
#[test]
fn every_technique_declares_its_kind() {
    let map = threads::map_techniques();
    let downloads = threads::download_techniques();
    let servers = threads::web_server_techniques();
    let kinds = (map.iter().map(|t| (t.id(), t.kind())))
        .chain(downloads.iter().map(|t| (t.id(), t.kind())))
        .chain(servers.iter().map(|t| (t.id(), t.kind())));
    for (id, kind) in kinds {
        let expected = match id {
            "sequential" => Kind::Sequential,
            _ => Kind::Thread,
        };
        assert_eq!(kind, expected, "{id}");
    }
}

#[test]
fn technique_ids_are_unique_kebab_case() {
    let ids: Vec<_> = threads::map_techniques().iter().map(|t| t.id()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    assert!(
        ids.iter()
            .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
    );
}

#[test]
fn a_panicking_task_is_an_error_on_its_handle_and_the_pool_still_serves() {
    with_deadline("panic", BOUND, || {
        let pool = ThreadPoolExecutor::new(nz(1)).unwrap();
        let bad = pool.submit(|| -> u32 { panic!("boom in task") });
        let good = pool.submit(|| 7);
        match bad.result() {
            Err(PoolError::Panicked { message }) => assert_eq!(message, "boom in task"),
            other => panic!("expected a panic error, got {other:?}"),
        }
        // The single worker survived the panic and serves the next tasks.
        assert_eq!(good.result().unwrap(), 7);
        assert_eq!(pool.submit(|| 8).result().unwrap(), 8);
    })
    .unwrap();
}

#[test]
fn map_keeps_input_order_even_when_tasks_finish_out_of_order() {
    let results = with_deadline("map", BOUND, || {
        let pool = ThreadPoolExecutor::new(nz(4)).unwrap();
        // Early items sleep longest, so they finish last.
        pool.map(
            |i: u64| {
                thread::sleep(Duration::from_millis(20 - 2 * i));
                i * 10
            },
            0..8,
        )
    })
    .unwrap();
    assert_eq!(results.unwrap(), [0, 10, 20, 30, 40, 50, 60, 70]);
}

#[test]
fn map_reports_the_first_error_in_input_order() {
    let result = with_deadline("map error", BOUND, || {
        let pool = ThreadPoolExecutor::new(nz(2)).unwrap();
        pool.map(|i: u32| if i == 3 { panic!("item {i}") } else { i }, 0..6)
    })
    .unwrap();
    assert!(matches!(result, Err(PoolError::Panicked { message }) if message == "item 3"));
}

#[test]
fn shutdown_wait_runs_every_pending_task() {
    let ran = with_deadline("shutdown wait", BOUND, || {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPoolExecutor::new(nz(1)).unwrap();
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let ran = Arc::clone(&ran);
                pool.submit(move || {
                    thread::sleep(Duration::from_millis(1));
                    ran.fetch_add(1, Ordering::SeqCst)
                })
            })
            .collect();
        pool.shutdown(ShutdownMode::Wait);
        assert!(handles.into_iter().all(|h| h.result().is_ok()));
        ran.load(Ordering::SeqCst)
    })
    .unwrap();
    assert_eq!(ran, 20);
}

#[test]
fn shutdown_cancel_drops_pending_tasks_and_their_handles_say_so() {
    with_deadline("shutdown cancel", BOUND, || {
        let pool = ThreadPoolExecutor::new(nz(1)).unwrap();
        // Hold the only worker until every other task is queued behind it.
        let gate = Arc::new(Barrier::new(2));
        let (started, has_started) = mpsc::channel();
        let running = {
            let gate = Arc::clone(&gate);
            pool.submit(move || {
                started.send(()).unwrap();
                gate.wait();
                "finished"
            })
        };
        has_started
            .recv_timeout(BOUND)
            .expect("the first task starts");
        let pending: Vec<_> = (0..5).map(|i| pool.submit(move || i)).collect();
        // The gate opens once every queued task has its answer, which only the shutdown's
        // cancelling can give while the one worker is held: no sleep decides the order.
        let releaser = thread::spawn(move || {
            let answers: Vec<_> = (pending.into_iter())
                .map(|handle| handle.result_timeout(BOUND))
                .collect();
            gate.wait();
            answers
        });
        pool.shutdown(ShutdownMode::CancelPending);
        let answers = releaser.join().unwrap();
        // The running task finished; every queued one was cancelled, none ran.
        assert_eq!(running.result().unwrap(), "finished");
        for answer in answers {
            assert!(matches!(answer, Err(PoolError::Cancelled)), "{answer:?}");
        }
    })
    .unwrap();
}

#[test]
fn result_timeout_is_bounded() {
    let pool = ThreadPoolExecutor::new(nz(1)).unwrap();
    // The task cannot end before the timeout has been seen: it waits for the test to say so
    // (a task that only sleeps could finish first if the test thread were held up).
    let (release, gate) = mpsc::channel::<()>();
    let slow = pool.submit(move || gate.recv_timeout(BOUND).is_ok());
    let started = Instant::now();
    let answer = slow.result_timeout(Duration::from_millis(10));
    // Generous on purpose (10 s for a 10 ms timeout on a busy machine): it only catches a
    // timeout that waits without bound, never how fast it returns.
    assert!(started.elapsed() < BOUND);
    assert!(matches!(answer, Err(PoolError::Timeout(_))), "{answer:?}");
    release.send(()).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn drop_joins_every_worker_thread() {
    use testkit::{threads_named, wait_for_eq};
    // Longer than the two waits inside, so that theirs is the message a failure shows.
    with_deadline("drop", 3 * BOUND, || {
        let pool = ThreadPoolExecutor::with_name(nz(3), "cbdrop").unwrap();
        let handle = pool.submit(|| thread::sleep(Duration::from_millis(20)));
        // A thread sets its own name once it runs: wait (bounded) until all three have.
        wait_for_eq("3 workers named", BOUND, 3, || threads_named("cbdrop-"));
        drop(pool);
        // Drop waited for the pending task and joined the threads: none is left. The
        // kernel clears a joined thread's id (which ends `pthread_join`) before it drops
        // the thread from /proc/self/task, so the listing may lag the join by a moment:
        // wait for it, bounded. A thread that was never joined would still be running
        // after the bound.
        assert!(handle.result().is_ok());
        wait_for_eq("every worker joined and gone", BOUND, 0, || {
            threads_named("cbdrop-")
        });
    })
    .unwrap();
}

/// Stress: many submitters and tiny tasks on a few workers; every result arrives, in a bound.
#[test]
fn stress_many_submitters_many_tiny_tasks() {
    let total = with_deadline("stress", BOUND, || {
        let pool = Arc::new(ThreadPoolExecutor::new(nz(3)).unwrap());
        let submitters: Vec<_> = (0..8u64)
            .map(|s| {
                let pool = Arc::clone(&pool);
                thread::spawn(move || {
                    let handles: Vec<_> = (0..2_000u64)
                        .map(|i| pool.submit(move || s * 1_000_000 + i))
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.result().unwrap())
                        .sum::<u64>()
                })
            })
            .collect();
        submitters
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum::<u64>()
    })
    .unwrap();
    let expected: u64 = (0..8u64)
        .map(|s| (0..2_000u64).map(|i| s * 1_000_000 + i).sum::<u64>())
        .sum();
    assert_eq!(total, expected);
}

/// More tasks than `MAX_LIVE_THREADS`: the oldest threads are joined first, and the order
/// and every answer still hold.
#[test]
fn thread_per_task_bounds_live_threads_and_keeps_order() {
    use workloads::MapTechnique;
    let job = MapJob::squares(3 * threads::MAX_LIVE_THREADS as u64 + 7);
    let outputs = with_deadline("thread per task", BOUND, move || {
        let mut runner = threads::ThreadPerTask.start(nz(1)).unwrap();
        runner.run(&job).map(|outputs| (outputs, job))
    })
    .unwrap();
    let (outputs, job) = outputs.unwrap();
    job.verify(&outputs).unwrap();
}
