//! `multiprocessing.Pool`, `ProcessPoolExecutor` and `multiprocessing.Value`, with real OS
//! worker processes.
//!
//! The article reaches for processes to get past Python's GIL. Rust threads already run in
//! parallel, so here the question is what a process boundary *costs* (starting processes,
//! serializing every task and result, a pipe round trip per chunk) and what it *buys*
//! (isolation: a worker that crashes does not take the caller down).
//!
//! | Python | here |
//! |---|---|
//! | `with Pool(n) as pool: pool.map(f, xs, chunksize)` | [`ProcessPool::new`], [`ProcessPool::map`] with [`Chunksize`] |
//! | `pool.imap_unordered(f, xs)` | [`ProcessPool::imap_unordered`] |
//! | `executor.submit(f, x).result()` | [`ProcessPool::submit`], [`TaskHandle::result`] |
//! | `executor.shutdown(wait, cancel_futures)` | [`ProcessPool::shutdown`] with [`ShutdownMode`] |
//! | `BrokenProcessPool` | [`PoolError::WorkerLost`], naming the pid and how it died |
//! | `Value('i', 0)`, `get_lock()` | [`SharedValue`], [`SharedValue::get_lock`] |
//!
//! **Workers.** Each worker is a child process, visible in `ps`, fed by one thread of the
//! pool through its stdin and answering on its stdout: length-prefixed frames of bincode
//! (see the `frame` module for why bincode). Tasks are the `workloads` crate's [`Task`]
//! data, never closures, and the worker runs the same `run_task` kernel as every technique.
//!
//! **Which program is the worker** ([`WorkerProgram`]): by default the current executable,
//! re-executed (through `/proc/self/exe`, which still works when cargo has replaced the file
//! meanwhile) with a marker in its environment; its `main` must call [`init`] first, which
//! turns the process into a worker when the marker is set and returns at once otherwise
//! (procspawn and Python's `spawn` start method work the same way). That covers binaries,
//! examples (`cargo run --release -p process-pool --example pool`) and the criterion suite
//! (`benches/suite.rs` calls it, beside `procspawn::init()`). A
//! libtest test binary has libtest's `main`, so tests name this crate's tiny
//! `process-pool-worker` binary instead: `WorkerProgram::Path(env!("CARGO_BIN_EXE_process-pool-worker").into())`.
//!
//! What a pipe round trip, a `submit` + `result`, a `map` by chunksize and a pool's start-up
//! cost is measured by the `process/*` benchmarks; the reference machine's figures are in
//! `docs/findings.md`.
//!
//! **Pipelining.** Each worker has up to a window of batches written ahead of its replies
//! ([`PoolBuilder::window`], default [`ProcessPool::DEFAULT_WINDOW`] = 32): a slot thread
//! writes, a reader thread per worker reads, as `multiprocessing.Pool` writes tasks ahead of
//! results. With window 1 every batch pays two cross-process wake-ups, whose cost depends on
//! where the scheduler puts the threads; with a window the worker finds its next requests
//! waiting, answers a burst of them with one `write`, and the slot thread refills half a
//! window per wake-up. A worker takes batches ahead only while the queue holds its share
//! (`workers x in flight`), so the few big chunks of a default-chunksize map still spread
//! over the workers. The default comes from the `process/pipeline-window` sweep (its figures
//! are at [`ProcessPool::DEFAULT_WINDOW`]).
//! `shutdown(CancelPending)` cancels what is still queued; what was already written to a
//! worker (at most its window) runs, as in `ProcessPoolExecutor`, whose call queue also runs
//! ahead of the workers.
//!
//! **Faults.** A worker that panics reports the panic on that task and keeps serving. A
//! worker that exits, is killed (SIGKILL included) or sends a corrupt or truncated frame is
//! reaped and replaced; exactly the batches it had in flight (written, not answered) fail
//! with [`PoolError::WorkerLost`] naming its pid and cause. Workers die with the thread that started them (`PR_SET_PDEATHSIG`), so even a
//! parent killed with SIGKILL leaves no orphan; shutdown and drop reap every child, killing
//! any that does not exit within a bounded grace.
//!
//! ```rust,standalone_crate
//! use std::num::NonZeroUsize;
//! use process_pool::{Chunksize, CounterVariant, ProcessPool, SharedValue, Work};
//! use workloads::map::squares;
//! use workloads::{MapJob, Task, TaskOutput};
//!
//! fn main() {
//!     process_pool::init(); // this doctest is its own worker program
//!     let counter = SharedValue::new(0).unwrap();
//!     let pool = ProcessPool::builder()
//!         .workers(NonZeroUsize::new(2).unwrap())
//!         .share(&counter)
//!         .start()
//!         .unwrap();
//!
//!     let job = MapJob::squares(100);
//!     let outputs = pool.map(job.tasks().clone(), Chunksize::Auto).unwrap();
//!     job.verify(&outputs).unwrap();
//!
//!     let handle = pool.submit(Task::Square(squares::Task { x: 12 })).unwrap();
//!     assert_eq!(handle.result().unwrap(), TaskOutput::Square(144));
//!
//!     let increments: Vec<_> = (0..4)
//!         .map(|_| pool.submit(Work::Increment { variant: CounterVariant::Locked, times: 100 }))
//!         .collect::<Result<_, _>>()
//!         .unwrap();
//!     for handle in increments {
//!         handle.result().unwrap();
//!     }
//!     assert_eq!(counter.load(), 400);
//! }
//! ```

mod error;
mod frame;
mod pool;
mod procspawn_pool;
mod protocol;
mod shared_value;
mod spawn;
mod technique;
mod worker;

pub use error::{PoolError, WorkerId};
pub use frame::{FrameError, MAX_FRAME};
pub use pool::{Chunksize, PoolBuilder, ProcessPool, ShutdownMode, TaskHandle, Unordered};
pub use procspawn_pool::ProcspawnPool;
pub use protocol::{CounterVariant, Fault, Work};
pub use shared_value::{SharedValue, ValueGuard};
pub use spawn::WorkerProgram;
pub use technique::{FreshPool, ReusedPool};
pub use worker::init;
pub use workloads::Task;

use workloads::MapTechnique;

/// The id of the reused pool with window 1 (one batch in flight per worker, the plain
/// design), the row beside `process-pool` in `process/squares-chunksize`.
pub const WINDOW1_ID: &str = "process-pool-window1";

/// The process techniques for the map family, in legend order: the reused pool, a fresh pool
/// per run, and procspawn's pool. The caller's `main` must have called [`init`] and
/// `procspawn::init()` (or pass a worker binary for ours).
pub fn map_techniques(program: &WorkerProgram) -> Vec<Box<dyn MapTechnique>> {
    vec![
        Box::new(ReusedPool {
            program: program.clone(),
        }),
        Box::new(FreshPool {
            program: program.clone(),
        }),
        Box::new(ProcspawnPool),
    ]
}
