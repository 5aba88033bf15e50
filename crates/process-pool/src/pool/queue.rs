//! The queue between callers and slot threads: batches of work, where each outcome goes, and
//! the registry of live workers that shutdown may have to kill.

use std::collections::VecDeque;
use std::ops::Range;
use std::process::Child;
use std::sync::atomic::AtomicU32;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use workloads::{Task, TaskOutput};

use crate::error::PoolError;
use crate::protocol::{Request, Work};
use crate::spawn::{SpawnConfig, WorkerProcess, kill};

/// What a batch carries to a worker.
pub(crate) enum Payload {
    /// `tasks[range]`: a chunk of a map, sent without copying the tasks.
    Tasks(Arc<[Task]>, Range<usize>),
    /// One submitted unit of work.
    Work(Work),
}

/// The outcome of one batch, sent back to the caller.
#[derive(Debug)]
pub(crate) struct Done {
    pub first: usize,
    pub len: usize,
    pub outcome: Result<Vec<TaskOutput>, PoolError>,
}

impl Done {
    /// The one output of a submitted unit of work.
    pub fn single(self) -> Result<TaskOutput, PoolError> {
        // The slot thread checked that the reply has exactly one output per task.
        self.outcome.map(|outputs| outputs[0])
    }

    /// One `(index, result)` per task; a failed batch fails each of its tasks.
    pub fn items(self) -> Vec<(usize, Result<TaskOutput, PoolError>)> {
        let indexes = self.first..self.first + self.len;
        match self.outcome {
            Ok(outputs) => indexes.zip(outputs.into_iter().map(Ok)).collect(),
            Err(e) => indexes.map(|i| (i, Err(e.clone()))).collect(),
        }
    }
}

/// One frame's worth of work, and where its outcome goes.
pub(crate) struct Batch {
    pub payload: Payload,
    /// Index of its first task in the caller's input.
    pub first: usize,
    pub reply: Sender<Done>,
    /// Where to note which worker took it (for `TaskHandle::worker_pid`).
    pub taken_by: Option<Arc<AtomicU32>>,
}

impl Batch {
    pub fn len(&self) -> usize {
        match &self.payload {
            Payload::Tasks(_, range) => range.len(),
            Payload::Work(_) => 1,
        }
    }

    pub fn request(&self) -> Request<'_> {
        use std::borrow::Cow::Borrowed;
        match &self.payload {
            Payload::Tasks(tasks, range) => Request::Run(Borrowed(&tasks[range.clone()])),
            Payload::Work(Work::Task(task)) => Request::Run(Borrowed(std::slice::from_ref(task))),
            Payload::Work(Work::Increment { variant, times }) => Request::Increment {
                variant: *variant,
                times: *times,
            },
            Payload::Work(Work::Fault(fault)) => Request::Fault(fault.clone()),
        }
    }

    pub fn finish(self, outcome: Result<Vec<TaskOutput>, PoolError>) {
        let done = Done {
            first: self.first,
            len: self.len(),
            outcome,
        };
        // The caller may have dropped its handle; the result is then nobody's business.
        let _ = self.reply.send(done);
    }
}

/// What [`Shared::next_batch`] found.
pub(crate) enum Next {
    Batch(Batch),
    /// The pool is shutting down and the queue is empty.
    Closed,
    /// The caller's `interrupted` became true.
    Interrupted,
    /// There is work, but not enough to take more ahead: wait for a reply first.
    NotYet,
}

pub(crate) struct State {
    pub queue: VecDeque<Batch>,
    pub closing: bool,
}

/// What the caller's side and the slot threads share.
pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub work_available: Condvar,
    /// The live worker of each slot, so shutdown can kill it; `None` between workers.
    pub live: Vec<Mutex<Option<LiveWorker>>>,
}

/// A slot's running worker: its pid, and its child for killing.
pub(crate) type LiveWorker = (u32, Arc<Mutex<Child>>);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; recover the guard rather than propagate.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub fn new(workers: usize) -> Shared {
        Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closing: false,
            }),
            work_available: Condvar::new(),
            live: (0..workers).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Queues `batches` and wakes the slot threads; after shutdown began, an error.
    pub fn enqueue(&self, batches: impl Iterator<Item = Batch>) -> Result<(), PoolError> {
        let mut state = lock(&self.state);
        if state.closing {
            return Err(PoolError::ShutDown);
        }
        state.queue.extend(batches);
        drop(state);
        self.work_available.notify_all();
        Ok(())
    }

    /// The next batch for a worker with `in_flight` batches unanswered. When there is none
    /// yet, `before_wait` runs once (unlocked: the slot thread flushes what it buffered) and
    /// this waits for one, for shutdown, or for `interrupted` (checked under the queue's lock;
    /// whoever makes it true then calls [`Shared::wake_slots`]).
    ///
    /// A worker takes a batch ahead of its replies only while the queue holds at least
    /// `workers x in_flight` batches ([`Next::NotYet`] otherwise): a long queue (a map with
    /// chunksize 1) fills every window, but the few big chunks of a default-chunksize map
    /// are shared out about evenly, and the last ones go to whichever worker is free, as with
    /// one batch in flight.
    pub fn next_batch(
        &self,
        in_flight: usize,
        before_wait: impl FnOnce(),
        interrupted: impl Fn() -> bool,
    ) -> Next {
        let mut before_wait = Some(before_wait);
        let mut state = lock(&self.state);
        loop {
            if !state.queue.is_empty() {
                if in_flight > 0 && state.queue.len() < self.live.len() * in_flight {
                    return Next::NotYet;
                }
                if let Some(batch) = state.queue.pop_front() {
                    return Next::Batch(batch);
                }
            }
            if state.closing {
                return Next::Closed;
            }
            if interrupted() {
                return Next::Interrupted;
            }
            if let Some(before_wait) = before_wait.take() {
                drop(state);
                before_wait();
                state = lock(&self.state);
                continue;
            }
            state = self
                .work_available
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Whether shutdown has begun.
    pub fn closing(&self) -> bool {
        lock(&self.state).closing
    }

    /// Wakes every slot thread parked on the queue, to look at its worker again.
    pub fn wake_slots(&self) {
        // Taking the lock orders this after any check of `interrupted` made under it, so a
        // thread that checked before is already waiting and gets the notification.
        drop(lock(&self.state));
        self.work_available.notify_all();
    }

    /// Starts the worker of `slot`, registered for killing before the handshake so that a
    /// worker that never answers can still be stopped.
    pub fn start_worker(
        &self,
        slot: usize,
        config: &SpawnConfig,
    ) -> Result<WorkerProcess, PoolError> {
        let worker = WorkerProcess::spawn(slot, config)?;
        *lock(&self.live[slot]) = Some((worker.id.pid, Arc::clone(&worker.child)));
        let worker = worker.handshake(config);
        if worker.is_err() {
            *lock(&self.live[slot]) = None;
        }
        worker
    }

    pub fn forget(&self, slot: usize) {
        *lock(&self.live[slot]) = None;
    }

    /// The pids of the live workers, in slot order.
    pub fn pids(&self) -> Vec<u32> {
        self.live
            .iter()
            .filter_map(|slot| lock(slot).as_ref().map(|(pid, _)| *pid))
            .collect()
    }

    pub fn kill_all(&self) {
        for slot in &self.live {
            if let Some((_, child)) = &*lock(slot) {
                kill(child);
            }
        }
    }
}
