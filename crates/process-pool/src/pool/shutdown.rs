//! Ending a pool: `shutdown(wait, cancel_futures)`, `terminate`, and drop, each bounded and
//! each reaping every worker.

use std::collections::VecDeque;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::PoolError;

use super::ProcessPool;
use super::queue::lock;

/// How long drop waits for running tasks before it kills the workers.
const DROP_GRACE: Duration = Duration::from_secs(2);

/// What [`ProcessPool::shutdown`] does with tasks that have not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownMode {
    /// Run every pending task, then stop the workers (`shutdown(wait=True)`).
    Wait,
    /// Cancel pending tasks (their handles return [`PoolError::Cancelled`]), let running ones
    /// finish, then stop (`shutdown(cancel_futures=True)`).
    CancelPending,
}

impl ProcessPool {
    /// Stops the pool and reaps every worker (`executor.shutdown`). Pending work runs or is
    /// cancelled as `mode` says; running tasks finish.
    pub fn shutdown(mut self, mode: ShutdownMode) {
        self.stop(mode, None);
    }

    /// Cancels pending work and kills the workers at once (`Pool.terminate`, which is what
    /// Python's `with Pool() as pool:` does on exit). Running tasks report a lost worker.
    pub fn terminate(mut self) {
        self.stop(ShutdownMode::CancelPending, Some(Duration::ZERO));
    }

    /// Closes the queue, then waits for the slot threads; after `grace` (if any) kills the
    /// workers so that nothing can hold the caller up for longer.
    fn stop(&mut self, mode: ShutdownMode, grace: Option<Duration>) {
        if self.threads.is_empty() {
            return;
        }
        let cancelled = {
            let mut state = lock(&self.shared.state);
            state.closing = true;
            match mode {
                ShutdownMode::Wait => VecDeque::new(),
                ShutdownMode::CancelPending => std::mem::take(&mut state.queue),
            }
        };
        for batch in cancelled {
            batch.finish(Err(PoolError::Cancelled));
        }
        self.shared.work_available.notify_all();
        if let Some(grace) = grace {
            let deadline = Instant::now() + grace;
            while !self.threads.iter().all(JoinHandle::is_finished) {
                // Again and again: a slot may start a worker for a batch it held when its
                // last one died.
                if Instant::now() >= deadline {
                    self.shared.kill_all();
                }
                thread::sleep(Duration::from_millis(1));
            }
        }
        for thread in self.threads.drain(..) {
            // Slot threads do not panic; a join error would only repeat a reported panic.
            let _ = thread.join();
        }
    }
}

impl Drop for ProcessPool {
    /// Cancels pending work, gives running tasks a short grace, then kills what is left and
    /// reaps every worker: no child outlives the pool.
    fn drop(&mut self) {
        self.stop(ShutdownMode::CancelPending, Some(DROP_GRACE));
    }
}
