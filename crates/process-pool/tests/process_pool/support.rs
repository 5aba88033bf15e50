//! What every module of the tests uses: the worker program, bounded waits, process checks.

use std::num::NonZeroUsize;
use std::time::Duration;

pub use workloads::sync::with_deadline;

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

pub fn pool_with_window(workers: usize, window: usize) -> ProcessPool {
    ProcessPool::builder()
        .workers(nz(workers))
        .window(nz(window))
        .program(program())
        .start()
        .unwrap()
}

/// SIGKILLs the worker `pid` from outside, as `kill -9` would, after checking that it is a
/// live child of this process (so a stale pid can never hit a stranger).
pub fn kill_worker(pid: u32) -> bool {
    if parent_of(pid) != Some(std::process::id()) || !alive(pid) {
        return false;
    }
    // SAFETY (test): a signal to a process we just saw as our unreaped child.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) == 0 }
}

/// The parent pid of `pid`, from `/proc/<pid>/stat`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command in parentheses: state, then the parent's pid.
    stat.rsplit(')')
        .next()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
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

/// Waits, bounded by [`BOUND`], for what the pool does a moment after the call a test made:
/// a worker noted as taking a task, a replacement started, a killed worker reaped.
#[track_caller]
pub fn wait_until(what: &str, done: impl FnMut() -> bool) {
    testkit::wait_until(what, BOUND, done);
}
