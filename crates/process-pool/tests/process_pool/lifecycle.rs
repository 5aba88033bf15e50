//! Submitting, shutting down, terminating and dropping: no child outlives a pool.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use process_pool::{PoolError, ShutdownMode};
use workloads::{Task, TaskOutput};

use crate::support::*;

#[test]
fn submit_returns_handles_and_shutdown_wait_runs_what_is_pending() {
    bounded("submit", || {
        let pool = pool(2);
        let handles: Vec<_> = (0..20)
            .map(|x| pool.submit(Task::Square { x }).unwrap())
            .collect();
        let sleeper = pool.submit(Task::Sleep { ms: 30 }).unwrap();
        pool.shutdown(ShutdownMode::Wait);
        for (x, handle) in (0..20).zip(handles) {
            assert_eq!(handle.result().unwrap(), TaskOutput::Square(x * x));
        }
        assert_eq!(sleeper.result().unwrap(), TaskOutput::Slept(30));
    });
}

#[test]
fn shutdown_cancel_pending_cancels_what_has_not_started() {
    bounded("cancel", || {
        let pool = pool(1);
        let running = pool.submit(Task::Sleep { ms: 300 }).unwrap();
        let pending: Vec<_> = (0..5)
            .map(|x| pool.submit(Task::Square { x }).unwrap())
            .collect();
        wait_until("the sleeper starts", || running.worker_pid().is_some());
        pool.shutdown(ShutdownMode::CancelPending);
        assert_eq!(running.result().unwrap(), TaskOutput::Slept(300));
        for handle in pending {
            assert_eq!(handle.result(), Err(PoolError::Cancelled));
        }
    });
}

#[test]
fn drop_and_terminate_leave_no_child_behind() {
    bounded("drop", || {
        let first = pool(3);
        let pids = first.worker_pids();
        assert_eq!(pids.len(), 3);
        assert!(pids.iter().all(|&pid| alive(pid)));
        drop(first);
        assert!(
            pids.iter().all(|&pid| !exists(pid)),
            "left behind: {pids:?}"
        );

        // A pool ended with a task running and one pending: bounded, and reaped.
        let pool = pool(1);
        let pids = pool.worker_pids();
        let running = pool.submit(Task::Sleep { ms: 30_000 }).unwrap();
        let pending = pool.submit(Task::Square { x: 2 }).unwrap();
        wait_until("the task starts", || running.worker_pid().is_some());
        let started = Instant::now();
        pool.terminate();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            pids.iter().all(|&pid| !exists(pid)),
            "left behind: {pids:?}"
        );
        assert!(matches!(
            running.result(),
            Err(PoolError::WorkerLost { .. })
        ));
        assert!(matches!(
            pending.result(),
            Err(PoolError::Cancelled | PoolError::WorkerLost { .. })
        ));
    });
}

/// Not a test on its own: the host process of `workers_die_with_a_parent_killed_by_sigkill`.
#[test]
fn host_of_an_orphaned_pool() {
    if std::env::var_os("PROCESS_POOL_TEST_HOST").is_none() {
        return;
    }
    let pool = pool(2);
    let pids: Vec<String> = pool.worker_pids().iter().map(u32::to_string).collect();
    println!("PIDS {}", pids.join(" "));
    thread::sleep(BOUND);
}

#[test]
fn workers_die_with_a_parent_killed_by_sigkill() {
    // Orphans are re-parented to the nearest subreaper: make that us, so we can reap them.
    // SAFETY (test): prctl with plain integer arguments.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) }, 0);
    let mut host = Command::new(std::env::current_exe().unwrap())
        .args([
            "lifecycle::host_of_an_orphaned_pool",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PROCESS_POOL_TEST_HOST", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = host.stdout.take().unwrap();
    let pids: Vec<u32> = bounded("the host's pool", move || {
        let line = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| Some(line.split_once("PIDS ")?.1.to_string()))
            .expect("the host prints its workers");
        line.split(' ').map(|p| p.parse().unwrap()).collect()
    });
    assert_eq!(pids.len(), 2);
    host.kill().unwrap();
    host.wait().unwrap();
    for pid in pids {
        wait_until("the orphaned worker dies", || {
            let mut status = 0;
            // SAFETY (test): reaping a process re-parented to us; WNOHANG never blocks.
            let r = unsafe { libc::waitpid(pid as i32, &mut status, libc::WNOHANG) };
            r == pid as i32 || !exists(pid)
        });
    }
}
