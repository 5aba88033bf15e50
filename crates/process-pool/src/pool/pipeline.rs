//! The batches written to one worker and not yet answered, and the reader thread that answers
//! them.
//!
//! A worker answers its requests in order, so the batches in flight form a queue: the slot
//! thread pushes each batch before its bytes can reach the worker, the reader pops the oldest
//! for each reply. When the reply stream ends or breaks, the reader marks the pipeline ended
//! (the slot thread pushes no more), reaps the worker, and fails every batch still in flight
//! with the pid and the cause: exactly the tasks that worker had taken and not answered.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::error::PoolError;
use crate::spawn::{Failure, WorkerOutput};

use super::queue::{Batch, Shared, lock};

/// How long a worker gets to exit after its input is closed, before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long a worker whose pipe failed gets to finish dying before it is killed and reaped.
const REAP_GRACE: Duration = Duration::from_secs(1);

#[derive(Default)]
struct InFlight {
    batches: VecDeque<Batch>,
    /// Set by the slot thread before it closes the worker's input: an end of stream is then
    /// the worker's polite exit, not a death.
    closing: bool,
    /// The slot thread waits until fewer than this many batches are in flight; 0 when it
    /// does not wait. The reader signals only then: no wake-up system call per reply.
    wake_below: usize,
}

/// One worker's pipeline: its batches in flight, shared by the slot and reader threads.
#[derive(Default)]
pub(crate) struct Pipeline {
    in_flight: Mutex<InFlight>,
    /// Signalled when a batch is answered or the pipeline ends.
    changed: Condvar,
    /// Set (under `in_flight`'s lock) once the reader has stopped: no batch may be pushed.
    ended: AtomicBool,
}

impl Pipeline {
    /// Whether the reader has stopped (the worker is gone or being reaped).
    pub fn ended(&self) -> bool {
        // Acquire pairs with the reader's Release: a slot thread that sees `true` sees the
        // batches already taken out.
        self.ended.load(Ordering::Acquire)
    }

    /// Records `batch` as in flight on the worker `pid` (noted for
    /// [`TaskHandle::worker_pid`](crate::TaskHandle::worker_pid)), or hands it back if the
    /// reader has stopped.
    pub fn push(&self, batch: Batch, pid: u32) -> Result<(), Batch> {
        let mut in_flight = lock(&self.in_flight);
        if self.ended.load(Ordering::Relaxed) {
            // Relaxed: `ended` is only set under this lock, which orders it for us.
            return Err(batch);
        }
        if let Some(taken_by) = &batch.taken_by {
            // Release pairs with `worker_pid`'s Acquire.
            taken_by.store(pid, Ordering::Release);
        }
        in_flight.batches.push_back(batch);
        Ok(())
    }

    /// Whether there is room for one more batch. When `window` batches are in flight,
    /// `before_wait` runs (the slot thread flushes what it buffered, so the worker can answer)
    /// and this waits until at most half of them are left, or the pipeline ends: the slot
    /// thread then refills the window in one burst, one wake-up and one `write` for half a
    /// window of batches rather than one per batch. `false` when the pipeline ended.
    pub fn wait_for_room(&self, window: usize, before_wait: impl FnOnce()) -> bool {
        if self.len() >= window {
            self.wait_below(window / 2 + 1, before_wait);
        }
        !self.ended()
    }

    /// How many batches are in flight.
    pub fn len(&self) -> usize {
        lock(&self.in_flight).batches.len()
    }

    /// Waits until fewer than `n` batches are in flight or the pipeline ended; `before_wait`
    /// runs first (the slot thread flushes, so the worker can answer).
    pub fn wait_below(&self, n: usize, before_wait: impl FnOnce()) {
        before_wait();
        let mut in_flight = lock(&self.in_flight);
        while in_flight.batches.len() >= n && !self.ended.load(Ordering::Relaxed) {
            in_flight.wake_below = n;
            in_flight = self
                .changed
                .wait(in_flight)
                .unwrap_or_else(PoisonError::into_inner);
        }
        in_flight.wake_below = 0;
    }

    /// Says that the slot thread is about to close the worker's input.
    pub fn closing(&self) {
        lock(&self.in_flight).closing = true;
    }

    fn pop(&self) -> Option<Batch> {
        let mut in_flight = lock(&self.in_flight);
        let batch = in_flight.batches.pop_front();
        if in_flight.batches.len() < in_flight.wake_below {
            in_flight.wake_below = 0;
            drop(in_flight);
            self.changed.notify_one();
        }
        batch
    }

    /// Stops the pipeline: nothing more is pushed; returns what was in flight and whether the
    /// slot thread had asked the worker to exit.
    fn end(&self) -> (VecDeque<Batch>, bool) {
        let mut in_flight = lock(&self.in_flight);
        self.ended.store(true, Ordering::Release);
        let batches = std::mem::take(&mut in_flight.batches);
        let closing = in_flight.closing;
        drop(in_flight);
        self.changed.notify_all();
        (batches, closing)
    }
}

/// The reader thread of one worker: hands each reply to the batch it answers until the
/// stream ends, then reaps the worker and fails what it still had.
pub(crate) fn read_replies(mut output: WorkerOutput, pipeline: Arc<Pipeline>, shared: Arc<Shared>) {
    let mut unanswered = None;
    let what = loop {
        let reply = match output.receive() {
            Ok(Some(reply)) => reply,
            Ok(None) => break Failure::Io("it closed its pipe".into()),
            Err(failure) => break failure,
        };
        let Some(batch) = pipeline.pop() else {
            break Failure::Protocol("protocol error: a reply to no request".into());
        };
        match reply {
            Ok(outputs) if outputs.len() != batch.len() => {
                let what = format!(
                    "protocol error: {} outputs for {} tasks",
                    outputs.len(),
                    batch.len()
                );
                unanswered = Some(batch);
                break Failure::Protocol(what);
            }
            Ok(outputs) => batch.finish(Ok(outputs)),
            Err(e) => {
                let first = batch.first;
                batch.finish(Err(offset_task(e, first)));
            }
        }
    };
    let (in_flight, closing) = pipeline.end();
    // Off the list first, so that nobody signals a pid about to be reaped.
    shared.forget(output.id.slot);
    let batches: Vec<Batch> = unanswered.into_iter().chain(in_flight).collect();
    let (what, grace) = match what {
        Failure::Io(what) if closing => (what, CLOSE_GRACE),
        Failure::Io(what) => (what, REAP_GRACE),
        // The worker may still be running and must not read or write another byte.
        Failure::Protocol(what) => (what, Duration::ZERO),
    };
    let error = output.lost(&what, grace);
    for batch in batches {
        batch.finish(Err(error.clone()));
    }
    // A slot thread parked on the queue must replace this worker now.
    shared.wake_slots();
}

/// A worker reports the index of a panicking task within its chunk; the caller wants it in
/// the whole input.
fn offset_task(e: PoolError, first: usize) -> PoolError {
    match e {
        PoolError::Panicked {
            worker,
            task,
            message,
        } => PoolError::Panicked {
            worker,
            task: first + task,
            message,
        },
        other => other,
    }
}
