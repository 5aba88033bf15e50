//! `executor.submit`: one unit of work and the handle of its result (Python's `Future`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use workloads::TaskOutput;

use crate::error::PoolError;
use crate::protocol::Work;

use super::ProcessPool;
use super::queue::{Batch, Done, Payload};

impl ProcessPool {
    /// Queues one unit of work and returns the handle of its result (`executor.submit`).
    pub fn submit(&self, work: impl Into<Work>) -> Result<TaskHandle, PoolError> {
        let (reply, result) = mpsc::channel();
        let pid = Arc::new(AtomicU32::new(0));
        let batch = Batch {
            payload: Payload::Work(work.into()),
            first: 0,
            reply,
            taken_by: Some(Arc::clone(&pid)),
        };
        self.shared.enqueue(std::iter::once(batch))?;
        Ok(TaskHandle { result, pid })
    }
}

/// The result of one submitted unit of work (Python's `Future`).
#[derive(Debug)]
pub struct TaskHandle {
    result: Receiver<Done>,
    pid: Arc<AtomicU32>,
}

impl TaskHandle {
    /// Waits for the result. A lost worker, a panic or a cancellation is an error here.
    pub fn result(self) -> Result<TaskOutput, PoolError> {
        match self.result.recv() {
            Ok(done) => done.single(),
            Err(_) => Err(PoolError::Cancelled),
        }
    }

    /// Waits at most `timeout`.
    pub fn result_timeout(self, timeout: Duration) -> Result<TaskOutput, PoolError> {
        match self.result.recv_timeout(timeout) {
            Ok(done) => done.single(),
            Err(RecvTimeoutError::Timeout) => Err(PoolError::Timeout(timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(PoolError::Cancelled),
        }
    }

    /// The pid of the worker that took the task, once one has.
    pub fn worker_pid(&self) -> Option<u32> {
        match self.pid.load(Ordering::Acquire) {
            0 => None,
            pid => Some(pid),
        }
    }
}
