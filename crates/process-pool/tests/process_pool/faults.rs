//! Every fault a worker can have: each is reported with its pid and cause, and the pool serves on.

use std::time::{Duration, Instant};

use process_pool::{Chunksize, Fault, PoolError};
use workloads::{MapJob, Task, TaskOutput};

use crate::support::*;

/// Submits `fault` next to ordinary work on a 2-worker pool; checks that the fault's handle
/// names the worker that took it, that the other tasks are served, that the worker was
/// replaced (when `replaced`), and that the pool still verifies a job afterwards.
fn break_a_worker(fault: Fault, replaced: bool) -> PoolError {
    bounded("fault", move || {
        let pool = pool(2);
        let before = pool.worker_pids();
        let broken = pool.submit(fault).unwrap();
        let others: Vec<_> = (0..50)
            .map(|x| pool.submit(Task::Square { x }).unwrap())
            .collect();
        let started = Instant::now();
        let err = broken.result_timeout(BOUND).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "slow: {err}");
        let pid = match &err {
            PoolError::WorkerLost { worker, .. } | PoolError::Panicked { worker, .. } => worker.pid,
            other => panic!("unexpected error {other}"),
        };
        assert!(before.contains(&pid), "{err} names a worker of the pool");
        assert!(err.to_string().contains(&pid.to_string()), "{err}");
        for (x, handle) in (0..50).zip(others) {
            assert_eq!(handle.result().unwrap(), TaskOutput::Square(x * x));
        }
        let job = MapJob::squares(500);
        job.verify(&pool.map(job.tasks().clone(), Chunksize::Auto).unwrap())
            .unwrap();
        // The replacement starts right after the loss is reported, so it may still be coming.
        wait_until("a replacement", || pool.worker_pids().len() == 2);
        let after = pool.worker_pids();
        if replaced {
            assert!(!after.contains(&pid), "pid {pid} still serving: {after:?}");
            assert!(!exists(pid), "the lost worker {pid} was not reaped");
        } else {
            assert_eq!(before, after);
        }
        err
    })
}

#[test]
fn a_panicking_task_reports_its_message_and_the_worker_keeps_serving() {
    let err = break_a_worker(Fault::Panic("boom in a worker".into()), false);
    assert!(matches!(err, PoolError::Panicked { task: 0, .. }), "{err}");
    assert!(err.to_string().contains("boom in a worker"), "{err}");
}

#[test]
fn a_worker_that_exits_mid_task_is_reported_and_replaced() {
    let err = break_a_worker(Fault::Exit(3), true);
    assert!(err.to_string().contains("exited with status 3"), "{err}");
}

#[test]
fn a_worker_killed_by_a_signal_is_reported_and_replaced() {
    for (signal, name) in [
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGSEGV, "SIGSEGV"),
    ] {
        let err = break_a_worker(Fault::Signal(signal), true);
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn corrupt_and_truncated_frames_are_errors_and_the_worker_is_replaced() {
    let err = break_a_worker(Fault::CorruptReply, true);
    assert!(err.to_string().contains("corrupt frame"), "{err}");
    let err = break_a_worker(Fault::TruncatedReply, true);
    assert!(err.to_string().contains("truncated frame"), "{err}");
}

#[test]
fn a_worker_killed_from_outside_mid_task_fails_only_its_task() {
    bounded("sigkill from outside", || {
        let pool = pool(2);
        let victim = pool.submit(Task::Sleep { ms: 30_000 }).unwrap();
        wait_until("the task starts", || victim.worker_pid().is_some());
        let pid = victim.worker_pid().unwrap();
        // SAFETY (test): `pid` is a live child of this process, held unreaped by the pool.
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
        let started = Instant::now();
        let err = victim.result_timeout(BOUND).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "{err}");
        assert!(
            matches!(&err, PoolError::WorkerLost { worker, cause } if worker.pid == pid && cause.contains("SIGKILL")),
            "{err}"
        );
        let job = MapJob::primes(10_000, 4);
        job.verify(&pool.map(job.tasks().clone(), Chunksize::Auto).unwrap())
            .unwrap();
        assert!(!pool.worker_pids().contains(&pid));
    });
}
