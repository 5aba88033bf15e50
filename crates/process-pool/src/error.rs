//! What can go wrong in a pool, each error naming the worker and the cause.

use std::fmt;
use std::time::Duration;

use workloads::RunError;

/// A worker process: its slot in the pool and its OS process id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkerId {
    /// The slot, `0..workers`; a replacement keeps its slot and gets a new pid.
    pub slot: usize,
    /// The OS process id.
    pub pid: u32,
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "process {} (worker {})", self.pid, self.slot)
    }
}

/// Why a submitted task has no result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolError {
    /// The worker died or broke protocol with the task in hand (Python's
    /// `BrokenProcessPool`). The pool has started a replacement.
    WorkerLost {
        /// Which worker.
        worker: WorkerId,
        /// Why, e.g. `killed by signal 9 (SIGKILL)` or `exited with status 3`.
        cause: String,
    },
    /// The task panicked in the worker, which caught it and keeps serving.
    Panicked {
        /// Which worker.
        worker: WorkerId,
        /// Index of the task (in the `map`'s input; 0 for `submit`).
        task: usize,
        /// The panic message and location.
        message: String,
    },
    /// The worker refused the work, e.g. a counter task in a pool without a shared value.
    Refused {
        /// Which worker.
        worker: WorkerId,
        /// Why.
        reason: String,
    },
    /// A worker could not be started.
    Spawn {
        /// The program run as the worker.
        program: String,
        /// What failed.
        cause: String,
    },
    /// A batch could not be encoded as one frame (over [`MAX_FRAME`](crate::MAX_FRAME)), so
    /// it never left; the worker is fine.
    Unsendable {
        /// Index of the batch's first task (in the `map`'s input; 0 for `submit`).
        task: usize,
        /// Why.
        cause: String,
    },
    /// Shut down before the task started (`shutdown(cancel_futures=True)`, or drop).
    Cancelled,
    /// Submitted after shutdown began.
    ShutDown,
    /// [`TaskHandle::result_timeout`](crate::TaskHandle::result_timeout) gave up waiting.
    Timeout(Duration),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::WorkerLost { worker, cause } => {
                write!(f, "broken process pool: {worker} lost: {cause}")
            }
            PoolError::Panicked {
                worker,
                task,
                message,
            } => write!(f, "task {task} panicked in {worker}: {message}"),
            PoolError::Refused { worker, reason } => write!(f, "{worker} refused: {reason}"),
            PoolError::Spawn { program, cause } => {
                write!(f, "could not start worker program {program}: {cause}")
            }
            PoolError::Unsendable { task, cause } => {
                write!(f, "the batch from task {task} could not be sent: {cause}")
            }
            PoolError::Cancelled => f.write_str("task cancelled by shutdown before it started"),
            PoolError::ShutDown => f.write_str("the pool is shut down"),
            PoolError::Timeout(d) => write!(f, "no result within {d:?}"),
        }
    }
}

impl std::error::Error for PoolError {}

impl From<PoolError> for RunError {
    fn from(e: PoolError) -> RunError {
        match e {
            PoolError::WorkerLost { worker, cause } => RunError::WorkerLost {
                worker: worker.to_string(),
                cause,
            },
            PoolError::Panicked { task, message, .. } => RunError::TaskPanicked { task, message },
            PoolError::Spawn { program, cause } => RunError::Start {
                technique: format!("process pool ({program})"),
                cause,
            },
            PoolError::Cancelled => RunError::Cancelled,
            other => RunError::Other(other.to_string()),
        }
    }
}
