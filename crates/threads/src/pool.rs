//! A `concurrent.futures.ThreadPoolExecutor` written here: fixed workers, `submit` returning a
//! handle, `map` in input order, and shutdown that waits for or cancels pending work.
//!
//! The queue is a `Mutex<VecDeque>` with one `Condvar`: the plainest correct design, so the
//! cost it shows per task (a lock, a push, a wake-up of a sleeping worker) is the cost a
//! reader would pay writing one. Each task's result travels back on its own one-slot channel.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, TaskOutput, run_task};

use crate::panic_message;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a submitted task has no result.
#[derive(Debug)]
pub enum PoolError {
    /// The task panicked; the pool caught it and its worker keeps serving.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The pool was shut down with [`ShutdownMode::CancelPending`] before the task started.
    Cancelled,
    /// [`TaskHandle::result_timeout`] gave up waiting.
    Timeout(Duration),
    /// A worker thread could not be spawned.
    Spawn(std::io::Error),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Panicked { message } => write!(f, "task panicked: {message}"),
            PoolError::Cancelled => f.write_str("task cancelled by shutdown before it started"),
            PoolError::Timeout(d) => write!(f, "no result within {d:?}"),
            PoolError::Spawn(e) => write!(f, "could not spawn a worker thread: {e}"),
        }
    }
}

impl std::error::Error for PoolError {}

/// What [`ThreadPoolExecutor::shutdown`] does with tasks that have not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownMode {
    /// Run every pending task, then stop (`shutdown(wait=True)`; also what drop does).
    Wait,
    /// Drop pending tasks, whose handles then return [`PoolError::Cancelled`]
    /// (`shutdown(cancel_futures=True)`); running tasks finish.
    CancelPending,
}

/// The result of one submitted task (Python's `Future`).
#[derive(Debug)]
pub struct TaskHandle<T> {
    result: Receiver<Result<T, PoolError>>,
}

impl<T> TaskHandle<T> {
    /// Waits for the task. A panic in the task, or its cancellation, is an error here.
    pub fn result(self) -> Result<T, PoolError> {
        // The sender is dropped without a value only when the job was dropped unrun.
        self.result.recv().unwrap_or(Err(PoolError::Cancelled))
    }

    /// Waits at most `timeout` for the task.
    pub fn result_timeout(self, timeout: Duration) -> Result<T, PoolError> {
        match self.result.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(PoolError::Timeout(timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(PoolError::Cancelled),
        }
    }
}

struct State {
    queue: VecDeque<Job>,
    shutting_down: bool,
}

struct Shared {
    state: Mutex<State>,
    work_available: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock and catch their panics, so poisoning cannot leave the
        // queue half-updated; recover the guard rather than propagate.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn next_job(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                return Some(job);
            }
            if state.shutting_down {
                return None;
            }
            state = self
                .work_available
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A fixed pool of worker threads fed from one queue.
///
/// ```
/// use std::num::NonZeroUsize;
/// use threads::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(NonZeroUsize::new(3).unwrap()).unwrap();
/// let handle = pool.submit(|| 6 * 7);
/// assert_eq!(handle.result().unwrap(), 42);
/// assert_eq!(pool.map(|x: u64| x * x, 0..5).unwrap(), [0, 1, 4, 9, 16]);
/// ```
pub struct ThreadPoolExecutor {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPoolExecutor {
    /// Starts `workers` threads named `cb-pool-<i>`.
    pub fn new(workers: NonZeroUsize) -> Result<ThreadPoolExecutor, PoolError> {
        ThreadPoolExecutor::with_name(workers, "cb-pool")
    }

    /// Starts `workers` threads named `<prefix>-<i>`.
    pub fn with_name(workers: NonZeroUsize, prefix: &str) -> Result<ThreadPoolExecutor, PoolError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                shutting_down: false,
            }),
            work_available: Condvar::new(),
        });
        let mut pool = ThreadPoolExecutor {
            shared,
            workers: Vec::with_capacity(workers.get()),
        };
        for i in 0..workers.get() {
            let shared = Arc::clone(&pool.shared);
            let worker = thread::Builder::new()
                .name(format!("{prefix}-{i}"))
                .spawn(move || {
                    while let Some(job) = shared.next_job() {
                        job();
                    }
                })
                // Dropping `pool` here joins the workers already started.
                .map_err(PoolError::Spawn)?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Queues `f` and returns the handle of its result.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (sender, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let outcome =
                catch_unwind(AssertUnwindSafe(f)).map_err(|payload| PoolError::Panicked {
                    message: panic_message(payload.as_ref()),
                });
            // The caller may have dropped its handle; the result is then nobody's business.
            let _ = sender.send(outcome);
        });
        // `shutdown` and drop take the pool by value, so no submit can race them.
        self.shared.lock().queue.push_back(job);
        self.shared.work_available.notify_one();
        TaskHandle { result }
    }

    /// Applies `f` to every item on the pool and returns the results in input order, or the
    /// first error in input order (as iterating Python's `executor.map` raises).
    pub fn map<I, T, F>(&self, f: F, items: I) -> Result<Vec<T>, PoolError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.submit(move || f(item))
            })
            .collect();
        handles.into_iter().map(TaskHandle::result).collect()
    }

    /// Stops the pool and joins every worker thread.
    pub fn shutdown(mut self, mode: ShutdownMode) {
        self.stop(mode);
    }

    fn stop(&mut self, mode: ShutdownMode) {
        let cancelled = {
            let mut state = self.shared.lock();
            state.shutting_down = true;
            match mode {
                ShutdownMode::Wait => VecDeque::new(),
                ShutdownMode::CancelPending => std::mem::take(&mut state.queue),
            }
        };
        // Dropping the jobs outside the lock drops their senders: handles see Cancelled.
        drop(cancelled);
        self.shared.work_available.notify_all();
        for worker in self.workers.drain(..) {
            // Jobs catch their own panics, so a worker thread never ends in a panic.
            let _ = worker.join();
        }
    }
}

impl Drop for ThreadPoolExecutor {
    /// Waits for pending tasks and joins every worker: no thread outlives the pool.
    fn drop(&mut self) {
        self.stop(ShutdownMode::Wait);
    }
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("workers", &self.workers.len())
            .finish_non_exhaustive()
    }
}

/// The map technique: one `submit` per task, results collected in order.
pub(crate) struct PoolMap;

workloads::technique!(PoolMap, "thread-pool", Kind::Thread);

impl MapTechnique for PoolMap {
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        let pool = ThreadPoolExecutor::new(workers).map_err(|e| RunError::Start {
            technique: Self::ID.into(),
            cause: e.to_string(),
        })?;
        Ok(Box::new(pool))
    }
}

impl MapRunner for ThreadPoolExecutor {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let tasks = Arc::clone(job.tasks());
        let handles: Vec<_> = (0..tasks.len())
            .map(|i| {
                let tasks = Arc::clone(&tasks);
                self.submit(move || run_task(&tasks[i]))
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(task, handle)| {
                handle.result().map_err(|e| match e {
                    PoolError::Panicked { message } => RunError::TaskPanicked { task, message },
                    PoolError::Cancelled => RunError::Cancelled,
                    other => RunError::Other(other.to_string()),
                })
            })
            .collect()
    }
}
