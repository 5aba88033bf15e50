//! Submitting, shutting down, terminating and dropping: no child outlives a pool.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread;

use process_pool::{PoolError, ShutdownMode};
use workloads::map::{sleep, squares};
use workloads::{Task, TaskOutput};

use crate::support::*;

#[test]
fn submit_returns_handles_and_shutdown_wait_runs_what_is_pending() {
    with_deadline("submit", BOUND, || {
        let pool = pool(2);
        let handles: Vec<_> = (0..20)
            .map(|x| pool.submit(Task::Square(squares::Task { x })).unwrap())
            .collect();
        let sleeper = pool.submit(Task::Sleep(sleep::Task { ms: 30 })).unwrap();
        pool.shutdown(ShutdownMode::Wait);
        for (x, handle) in (0..20).zip(handles) {
            assert_eq!(handle.result().unwrap(), TaskOutput::Square(x * x));
        }
        assert_eq!(sleeper.result().unwrap(), TaskOutput::Slept(30));
    })
    .unwrap();
}

#[test]
fn shutdown_cancel_pending_cancels_what_has_not_been_written() {
    for window in [1, 4] {
        with_deadline("cancel", BOUND, move || {
            let pool = pool_with_window(1, window);
            let running = pool.submit(Task::Sleep(sleep::Task { ms: 300 })).unwrap();
            let pending: Vec<_> = (0..10)
                .map(|x| pool.submit(Task::Square(squares::Task { x })).unwrap())
                .collect();
            wait_until("the sleeper starts", || running.worker_pid().is_some());
            pool.shutdown(ShutdownMode::CancelPending);
            assert_eq!(running.result().unwrap(), TaskOutput::Slept(300));
            // The worker's window (the sleeper and up to `window - 1` behind it) was already
            // written to it: those run, in order; everything after is cancelled.
            let outcomes: Vec<_> = pending.into_iter().map(|h| h.result()).collect();
            let ran = outcomes.iter().take_while(|r| r.is_ok()).count();
            assert!(ran < window, "window {window}: {ran} ran: {outcomes:?}");
            for (x, outcome) in (0..).zip(&outcomes) {
                match x < ran as u64 {
                    true => assert_eq!(*outcome, Ok(TaskOutput::Square(x * x))),
                    false => assert_eq!(*outcome, Err(PoolError::Cancelled), "task {x}"),
                }
            }
        })
        .unwrap();
    }
}

#[test]
fn drop_and_terminate_leave_no_child_behind() {
    with_deadline("drop", BOUND, || {
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
        let running = pool
            .submit(Task::Sleep(sleep::Task { ms: 30_000 }))
            .unwrap();
        let pending = pool.submit(Task::Square(squares::Task { x: 2 })).unwrap();
        wait_until("the task starts", || running.worker_pid().is_some());
        // Bounded by `bounded`: terminate kills rather than waits for the 30 s task.
        pool.terminate();
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
    })
    .unwrap();
}

/// Not a test on its own: the host process of `workers_die_with_a_parent_killed_by_sigkill`.
#[test]
#[ignore = "the host process of workers_die_with_a_parent_killed_by_sigkill"]
fn host_of_an_orphaned_pool() {
    if std::env::var_os("PROCESS_POOL_TEST_HOST").is_none() {
        return;
    }
    let pool = pool(2);
    let pids: Vec<String> = pool.worker_pids().iter().map(u32::to_string).collect();
    println!("PIDS {}", pids.join(" "));
    // Killed by the test long before this ends.
    thread::sleep(BOUND);
}

/// A pool whose whole process is killed with SIGKILL (no drop, no shutdown runs) leaves
/// orphans; each must die, of the SIGKILL its parent's death sends (`PR_SET_PDEATHSIG`) or
/// of its input closing, not linger. We make ourselves the subreaper, so the orphans become our children: we can then
/// see that they were alive and the host's children before, and reap them after.
#[test]
fn workers_die_with_a_parent_killed_by_sigkill() {
    // SAFETY (test): prctl with plain integer arguments.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) }, 0);
    let mut host = Command::new(std::env::current_exe().unwrap())
        .args([
            "lifecycle::host_of_an_orphaned_pool",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PROCESS_POOL_TEST_HOST", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = host.stdout.take().unwrap();
    let pids: Vec<u32> = with_deadline("the host's pool", BOUND, move || {
        let line = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| Some(line.split_once("PIDS ")?.1.to_string()))
            .expect("the host prints its workers");
        line.split(' ').map(|p| p.parse().unwrap()).collect()
    })
    .unwrap();
    assert_eq!(pids.len(), 2);
    for &pid in &pids {
        assert!(alive(pid), "worker {pid} runs before its parent dies");
        assert_eq!(
            parent_of(pid),
            Some(host.id()),
            "worker {pid} is the host's child"
        );
    }
    host.kill().unwrap();
    host.wait().unwrap();
    for pid in pids {
        let mut status = 0;
        wait_until("the orphaned worker dies", || {
            // SAFETY (test): reaping a process re-parented to us; WNOHANG never blocks.
            let r = unsafe { libc::waitpid(pid as i32, &mut status, libc::WNOHANG) };
            assert!(r >= 0, "worker {pid} was not re-parented to us (orphaned)");
            r == pid as i32
        });
        // Two ends are right, and which comes first is the scheduler's choice: the kernel
        // closes the dead parent's pipes before it sends the death signal, so a worker that
        // runs in between reads the end of its input and exits cleanly (0) on its own.
        let killed = libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL;
        let clean = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        assert!(
            killed || clean,
            "worker {pid} died of its parent's death signal or of its closed input \
             (status {status:#x})"
        );
        assert!(!exists(pid), "worker {pid} reaped");
    }
}
