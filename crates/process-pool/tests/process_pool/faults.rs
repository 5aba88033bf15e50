//! Every fault a worker can have: each is reported with its pid and cause, and the pool serves on.

use process_pool::{Chunksize, Fault, PoolError};
use workloads::map::{sleep, squares};
use workloads::{MapJob, Task, TaskOutput};

use crate::support::*;

/// Submits `fault` next to ordinary work on a 2-worker pool; checks that the fault's handle
/// names the worker that took it, that the other tasks are served except exactly those the
/// broken worker had taken behind the fault (its window), which fail with the same pid and
/// cause, that the worker was replaced (when `replaced`), and that the pool still verifies a
/// job afterwards.
fn break_a_worker(fault: Fault, replaced: bool) -> PoolError {
    with_deadline("fault", BOUND, move || {
        let pool = pool(2);
        let before = pool.worker_pids();
        let broken = pool.submit(fault).unwrap();
        let others: Vec<_> = (0..50)
            .map(|x| pool.submit(Task::Square(squares::Task { x })).unwrap())
            .collect();
        let err = broken.result_timeout(BOUND).unwrap_err();
        let pid = match &err {
            PoolError::WorkerLost { worker, .. } | PoolError::Panicked { worker, .. } => worker.pid,
            other => panic!("unexpected error {other}"),
        };
        assert!(before.contains(&pid), "{err} names a worker of the pool");
        assert!(err.to_string().contains(&pid.to_string()), "{err}");
        // A task's worker is noted when it is written, for good: wait until all are.
        wait_until("every task is taken", || {
            others.iter().all(|h| h.worker_pid().is_some())
        });
        let mut lost = 0;
        for (x, handle) in (0..50).zip(others) {
            let took = handle.worker_pid();
            match handle.result_timeout(BOUND) {
                Err(e) if replaced && took == Some(pid) => {
                    assert_eq!(e, err, "task {x}: the same worker, the same cause");
                    lost += 1;
                }
                got => assert_eq!(got, Ok(TaskOutput::Square(x * x)), "task {x} on {took:?}"),
            }
        }
        let window = pool.window().get();
        assert!(
            lost < window,
            "{lost} tasks lost behind the fault, window {window}"
        );
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
    .unwrap()
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
    with_deadline("sigkill from outside", BOUND, || {
        let pool = pool(2);
        let victim = pool.submit(Task::Sleep(sleep::Task { ms: 30_000 })).unwrap();
        wait_until("the task starts", || victim.worker_pid().is_some());
        let pid = victim.worker_pid().unwrap();
        assert!(kill_worker(pid), "{pid} is a live worker");
        let err = victim.result_timeout(BOUND).unwrap_err();
        assert!(
            matches!(&err, PoolError::WorkerLost { worker, cause } if worker.pid == pid && cause.contains("SIGKILL")),
            "{err}"
        );
        let job = MapJob::primes(10_000, 4);
        job.verify(&pool.map(job.tasks().clone(), Chunksize::Auto).unwrap())
            .unwrap();
        assert!(!pool.worker_pids().contains(&pid));
    }).unwrap();
}

/// The victim holds a task that cannot end before the kill (a 30 s sleep), so the kill always
/// finds work in flight to it: the held task and the map's tasks written behind it fail,
/// naming it, and no more than its window; every other task of the map is served.
#[test]
fn a_sigkill_mid_map_fails_exactly_the_tasks_that_worker_had_in_flight() {
    with_deadline("sigkill mid-map", BOUND, || {
        let window = 4;
        let pool = pool_with_window(2, window);
        assert!(pool.window().get() > 1);
        let held = pool
            .submit(Task::Sleep(sleep::Task { ms: 30_000 }))
            .unwrap();
        wait_until("the held task is written", || held.worker_pid().is_some());
        let victim = held.worker_pid().unwrap();
        let tasks: Vec<Task> = (0..400)
            .map(|_| Task::Sleep(sleep::Task { ms: 2 }))
            .collect();
        let mut results = pool.imap_unordered(tasks, Chunksize::new(1)).unwrap();
        // Well inside the map: the other worker has served these, and the victim's window
        // has had time to fill behind the held task.
        for (_, result) in results.by_ref().take(40) {
            assert_eq!(result, Ok(TaskOutput::Slept(2)));
        }
        assert!(kill_worker(victim), "{victim} is a live worker");
        let lost_by_victim = |err: &PoolError| {
            matches!(err, PoolError::WorkerLost { worker, cause }
                if worker.pid == victim && cause.contains("SIGKILL"))
        };
        let err = held.result_timeout(BOUND).unwrap_err();
        assert!(lost_by_victim(&err), "the held task: {err}");
        let mut lost = 1;
        for (i, result) in results {
            match result {
                Ok(output) => assert_eq!(output, TaskOutput::Slept(2), "task {i}"),
                Err(e) => {
                    assert!(lost_by_victim(&e), "task {i}: {e}");
                    lost += 1;
                }
            }
        }
        // What it had written and not yet answered: at most its window.
        assert!(lost <= window, "{lost} lost, window {window}");
        wait_until("full strength without the victim", || {
            let pids = pool.worker_pids();
            pids.len() == 2 && !pids.contains(&victim)
        });
        assert!(!exists(victim), "the killed worker {victim} was not reaped");
    })
    .unwrap();
}
