//! What every module of the tests uses: the worker program, bounded waits, process checks.

use std::num::NonZeroUsize;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use process_pool::{ProcessPool, WorkerProgram};

/// Long enough for a loaded 2-core machine, short enough that a hang fails fast.
pub const BOUND: Duration = Duration::from_secs(60);

pub fn program() -> WorkerProgram {
    WorkerProgram::Path(env!("CARGO_BIN_EXE_process-pool-worker").into())
}

pub fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

pub fn pool(workers: usize) -> ProcessPool {
    ProcessPool::builder()
        .workers(nz(workers))
        .program(program())
        .start()
        .unwrap()
}

/// Runs `f` on its own thread and fails the test if it takes longer than [`BOUND`].
pub fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(BOUND) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no answer within {BOUND:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked (see above)"),
    }
}

pub fn alive(pid: u32) -> bool {
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

pub fn exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + BOUND;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {BOUND:?}");
        thread::sleep(Duration::from_millis(5));
    }
}
