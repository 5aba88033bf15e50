//! The process pool's contract, checked against real worker processes: every technique on
//! every workload, both faces of the API, every fault, the shared value, and that no child
//! process outlives a pool. Every wait is bounded: a bug fails the test, never hangs it.

use std::io::{BufRead, BufReader};
use std::num::NonZeroUsize;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use process_pool::{
    Chunksize, CounterVariant, Fault, PoolError, ProcessPool, SharedValue, ShutdownMode, Work,
    WorkerProgram,
};
use workloads::sync::CounterJob;
use workloads::sync::with_deadline;
use workloads::{MapJob, Preset, Task, TaskOutput};

// procspawn's comparison row re-executes this test binary through a helper test.
procspawn::enable_test_support!();

/// Long enough for a loaded 2-core machine, short enough that a hang fails fast.
const BOUND: Duration = Duration::from_secs(60);

fn program() -> WorkerProgram {
    WorkerProgram::Path(env!("CARGO_BIN_EXE_process-pool-worker").into())
}

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

fn pool(workers: usize) -> ProcessPool {
    ProcessPool::builder()
        .workers(nz(workers))
        .program(program())
        .start()
        .unwrap()
}

fn alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie's state is 'Z'.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + BOUND;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {BOUND:?}");
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn every_technique_verifies_every_quick_workload() {
    with_deadline("techniques x workloads", BOUND, || {
        for technique in process_pool::map_techniques(&program()) {
            for workers in [1, 2, 3] {
                let mut runner = technique.start(nz(workers)).unwrap();
                for job in MapJob::for_preset(Preset::Quick) {
                    let outputs = runner.run(&job).unwrap();
                    job.verify(&outputs)
                        .unwrap_or_else(|e| panic!("{} x{workers}: {e}", technique.id()));
                }
            }
        }
    })
    .unwrap();
}

#[test]
fn chunksize_defaults_like_python() {
    // Python: chunksize, extra = divmod(len, 4 * workers); chunksize += bool(extra).
    assert_eq!(Chunksize::Auto.resolve(10_000, 2), 1_250);
    assert_eq!(Chunksize::Auto.resolve(10_001, 2), 1_251);
    assert_eq!(Chunksize::Auto.resolve(10, 4), 1);
    assert_eq!(Chunksize::Auto.resolve(0, 4), 1);
    assert_eq!(Chunksize::new(0), Chunksize::Auto);
    assert_eq!(Chunksize::new(7).resolve(100, 2), 7);
}

#[test]
fn map_keeps_input_order_with_any_chunksize() {
    with_deadline("map", BOUND, || {
        let pool = pool(3);
        let job = MapJob::squares(1_000);
        for chunksize in [1, 7, 0, 5_000] {
            let outputs = pool
                .map(job.tasks().clone(), Chunksize::new(chunksize))
                .unwrap();
            job.verify(&outputs).unwrap();
        }
        assert_eq!(pool.map(Vec::new(), Chunksize::Auto).unwrap(), []);
    })
    .unwrap();
}

#[test]
fn imap_unordered_yields_every_task_once() {
    with_deadline("imap_unordered", BOUND, || {
        let pool = pool(2);
        let job = MapJob::primes(10_000, 64);
        let mut got = vec![None; job.tasks().len()];
        for (i, output) in pool
            .imap_unordered(job.tasks().clone(), Chunksize::new(3))
            .unwrap()
        {
            assert!(got[i].is_none(), "task {i} twice");
            got[i] = Some(output.unwrap());
        }
        let got: Vec<TaskOutput> = got.into_iter().map(Option::unwrap).collect();
        job.verify(&got).unwrap();
    })
    .unwrap();
}

#[test]
fn submit_returns_handles_and_shutdown_wait_runs_what_is_pending() {
    with_deadline("submit", BOUND, || {
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
    })
    .unwrap();
}

#[test]
fn shutdown_cancel_pending_cancels_what_has_not_started() {
    with_deadline("cancel", BOUND, || {
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
    })
    .unwrap();
}

/// Submits `fault` next to ordinary work on a 2-worker pool; checks that the fault's handle
/// names the worker that took it, that the other tasks are served, that the worker was
/// replaced (when `replaced`), and that the pool still verifies a job afterwards.
fn break_a_worker(fault: Fault, replaced: bool) -> PoolError {
    with_deadline("fault", BOUND, move || {
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
    }).unwrap();
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
    })
    .unwrap();
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
            "host_of_an_orphaned_pool",
            "--exact",
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

fn count_in_processes(variant: CounterVariant, job: CounterJob) -> i64 {
    with_deadline("shared counter", BOUND, move || {
        let value = SharedValue::new(0).unwrap();
        let pool = ProcessPool::builder()
            .workers(nz(job.workers))
            .program(program())
            .share(&value)
            .start()
            .unwrap();
        let handles: Vec<_> = (0..job.workers)
            .map(|_| {
                let work = Work::Increment {
                    variant,
                    times: job.increments,
                };
                pool.submit(work).unwrap()
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.result().unwrap(), TaskOutput::Count(job.increments));
        }
        value.load()
    })
    .unwrap()
}

#[test]
fn the_articles_shared_counter_is_exact_in_four_processes() {
    let big = CounterJob {
        workers: 4,
        increments: 10_000,
    };
    for job in [CounterJob::ARTICLE_PROCESSES, big] {
        for variant in [CounterVariant::Locked, CounterVariant::Atomic] {
            let got = count_in_processes(variant, job);
            job.verify(got as u64)
                .unwrap_or_else(|e| panic!("{}: {e}", variant.id()));
        }
    }
    // Without the lock, `value += 1` races: never more than expected, often less.
    let racy = count_in_processes(CounterVariant::Unlocked, big);
    assert!(racy > 0 && racy as u64 <= big.expected(), "{racy}");
}

#[test]
fn a_replacement_worker_maps_the_shared_value_too() {
    with_deadline("replacement sees the value", BOUND, || {
        let value = SharedValue::new(0).unwrap();
        let pool = ProcessPool::builder()
            .workers(nz(1))
            .program(program())
            .share(&value)
            .start()
            .unwrap();
        let err = pool.submit(Fault::Exit(1)).unwrap().result().unwrap_err();
        assert!(matches!(err, PoolError::WorkerLost { .. }), "{err}");
        let work = Work::Increment {
            variant: CounterVariant::Locked,
            times: 100,
        };
        pool.submit(work).unwrap().result().unwrap();
        assert_eq!(value.load(), 100);
    })
    .unwrap();
}

#[test]
fn a_counter_task_needs_a_shared_value() {
    with_deadline("refused", BOUND, || {
        let pool = pool(1);
        let work = Work::Increment {
            variant: CounterVariant::Atomic,
            times: 1,
        };
        let err = pool.submit(work).unwrap().result().unwrap_err();
        assert!(err.to_string().contains("shares no value"), "{err}");
    })
    .unwrap();
}

#[test]
fn a_program_that_is_not_a_worker_is_a_clear_start_error() {
    with_deadline("bad programs", BOUND, || {
        let start = |path: &str| {
            ProcessPool::builder()
                .workers(nz(1))
                .program(WorkerProgram::Path(path.into()))
                .start()
                .unwrap_err()
                .to_string()
        };
        let err = start("/bin/echo");
        assert!(err.contains("process_pool::init()"), "{err}");
        let err = start("/nonexistent/worker");
        assert!(err.contains("/nonexistent/worker"), "{err}");
    })
    .unwrap();
}

#[test]
fn megabyte_chunks_cross_the_pipes_in_every_technique() {
    // chunk-mean at the default size: 800 KB per task, several MB per frame with 1 worker,
    // far beyond a pipe's 64 KB buffer; procspawn deadlocked here before its runner bounded
    // the calls in flight.
    with_deadline("large arguments", BOUND, || {
        let job = MapJob::chunk_mean(1_000_000, 10);
        for technique in process_pool::map_techniques(&program()) {
            let mut runner = technique.start(nz(1)).unwrap();
            job.verify(&runner.run(&job).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", technique.id()));
        }
    })
    .unwrap();
}
