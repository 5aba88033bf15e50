//! The pool: `multiprocessing.Pool` and `ProcessPoolExecutor` over real worker processes.
//!
//! One thread per worker slot feeds its process: it takes the next batch (a chunk of tasks,
//! or one submitted unit of work) from a shared queue, writes it as one frame, reads one
//! reply frame, and hands the outcome to the caller's channel. Blocking pipe I/O on a thread
//! per worker is the plainest design whose cost per task is one pipe round trip plus one
//! channel hand-off, and it tells exactly which task a dead worker had in hand.

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use workloads::{Task, TaskOutput};

use crate::error::{PoolError, WorkerId};
use crate::protocol::{Request, Work};
use crate::shared::SharedValue;
use crate::spawn::{Failure, SpawnConfig, WorkerProcess, WorkerProgram, kill};

/// How long starting the pool may take before it is an error (a loaded machine is slow).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a worker gets to exit after its input is closed, before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long a broken worker gets to finish dying before it is killed and reaped.
const REAP_GRACE: Duration = Duration::from_secs(1);
/// How long drop waits for running tasks before it kills the workers.
const DROP_GRACE: Duration = Duration::from_secs(2);

/// How many tasks travel in one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Chunksize {
    /// Python's default: `ceil(len / (4 * workers))`, at least 1.
    #[default]
    Auto,
    /// This many (`chunksize=1` is `executor.map`'s default: one round trip per task).
    Fixed(NonZeroUsize),
}

impl Chunksize {
    /// The chunk length for `len` tasks over `workers` workers.
    pub fn resolve(self, len: usize, workers: usize) -> usize {
        match self {
            Chunksize::Auto => len.div_ceil(4 * workers.max(1)).max(1),
            Chunksize::Fixed(n) => n.get(),
        }
    }

    /// `Fixed(n)`, or `Auto` for 0 (Python's `chunksize=None`).
    pub fn new(n: usize) -> Chunksize {
        NonZeroUsize::new(n).map_or(Chunksize::Auto, Chunksize::Fixed)
    }
}

/// What [`ProcessPool::shutdown`] does with tasks that have not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownMode {
    /// Run every pending task, then stop the workers (`shutdown(wait=True)`).
    Wait,
    /// Cancel pending tasks (their handles return [`PoolError::Cancelled`]), let running ones
    /// finish, then stop (`shutdown(cancel_futures=True)`).
    CancelPending,
}

/// What a batch carries to a worker.
enum Payload {
    /// `tasks[range]`: a chunk of a map, sent without copying the tasks.
    Tasks(Arc<[Task]>, Range<usize>),
    /// One submitted unit of work.
    Work(Work),
}

/// The outcome of one batch, sent back to the caller.
#[derive(Debug)]
struct Done {
    first: usize,
    len: usize,
    outcome: Result<Vec<TaskOutput>, PoolError>,
}

impl Done {
    /// The one output of a submitted unit of work.
    fn single(self) -> Result<TaskOutput, PoolError> {
        // The slot thread checked that the reply has exactly one output per task.
        self.outcome.map(|outputs| outputs[0])
    }

    /// One `(index, result)` per task; a failed batch fails each of its tasks.
    fn items(self) -> Vec<(usize, Result<TaskOutput, PoolError>)> {
        let indexes = self.first..self.first + self.len;
        match self.outcome {
            Ok(outputs) => indexes.zip(outputs.into_iter().map(Ok)).collect(),
            Err(e) => indexes.map(|i| (i, Err(e.clone()))).collect(),
        }
    }
}

/// One frame's worth of work, and where its outcome goes.
struct Batch {
    payload: Payload,
    /// Index of its first task in the caller's input.
    first: usize,
    reply: Sender<Done>,
    /// Where to note which worker took it (for `TaskHandle::worker_pid`).
    taken_by: Option<Arc<AtomicU32>>,
}

impl Batch {
    fn len(&self) -> usize {
        match &self.payload {
            Payload::Tasks(_, range) => range.len(),
            Payload::Work(_) => 1,
        }
    }

    fn request(&self) -> Request<'_> {
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

    fn finish(self, outcome: Result<Vec<TaskOutput>, PoolError>) {
        let done = Done {
            first: self.first,
            len: self.len(),
            outcome,
        };
        // The caller may have dropped its handle; the result is then nobody's business.
        let _ = self.reply.send(done);
    }
}

struct State {
    queue: VecDeque<Batch>,
    closing: bool,
}

/// What the caller's side and the slot threads share.
struct Shared {
    state: Mutex<State>,
    work_available: Condvar,
    /// The live worker of each slot, so shutdown can kill it; `None` between workers.
    live: Vec<Mutex<Option<LiveWorker>>>,
}

/// A slot's running worker: its pid, and its child for killing.
type LiveWorker = (u32, Arc<Mutex<Child>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; recover the guard rather than propagate.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn next_batch(&self) -> Option<Batch> {
        let mut state = lock(&self.state);
        loop {
            if let Some(batch) = state.queue.pop_front() {
                return Some(batch);
            }
            if state.closing {
                return None;
            }
            state = self
                .work_available
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn closing(&self) -> bool {
        lock(&self.state).closing
    }

    /// Starts the worker of `slot`, registered for killing before the handshake so that a
    /// worker that never answers can still be stopped.
    fn start_worker(&self, slot: usize, config: &SpawnConfig) -> Result<WorkerProcess, PoolError> {
        let worker = WorkerProcess::spawn(slot, config)?;
        *lock(&self.live[slot]) = Some((worker.id.pid, Arc::clone(&worker.child)));
        let worker = worker.handshake(config);
        if worker.is_err() {
            *lock(&self.live[slot]) = None;
        }
        worker
    }

    fn forget(&self, slot: usize) {
        *lock(&self.live[slot]) = None;
    }

    fn kill_all(&self) {
        for slot in &self.live {
            if let Some((_, child)) = &*lock(slot) {
                kill(child);
            }
        }
    }
}

/// A slot thread: keeps one worker process alive and feeds it batches until shutdown.
fn serve_slot(
    slot: usize,
    shared: Arc<Shared>,
    config: Arc<SpawnConfig>,
    ready: Sender<Result<WorkerId, PoolError>>,
) {
    let mut worker = match shared.start_worker(slot, &config) {
        Ok(worker) => {
            let _ = ready.send(Ok(worker.id));
            Some(worker)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    drop(ready);
    while let Some(batch) = shared.next_batch() {
        let mut current = match worker.take() {
            Some(w) => w,
            None => match shared.start_worker(slot, &config) {
                Ok(w) => w,
                Err(e) => {
                    batch.finish(Err(e));
                    continue;
                }
            },
        };
        if let Some(taken_by) = &batch.taken_by {
            taken_by.store(current.id.pid, Ordering::Release);
        }
        let outcome = match current.exchange(&batch.request()) {
            Ok(outputs) if outputs.len() == batch.len() => Ok(outputs),
            Ok(outputs) => Err(Failure::Broken(format!(
                "protocol error: {} outputs for {} tasks",
                outputs.len(),
                batch.len()
            ))),
            Err(failure) => Err(failure),
        };
        match outcome {
            Ok(outputs) => {
                batch.finish(Ok(outputs));
                worker = Some(current);
            }
            Err(Failure::Task(e)) => {
                let first = batch.first;
                batch.finish(Err(offset_task(e, first)));
                worker = Some(current);
            }
            Err(Failure::Broken(what)) => {
                let error = current.lost(what, REAP_GRACE);
                shared.forget(slot);
                batch.finish(Err(error));
                // Replace the worker now, so the next batch does not wait for a start.
                if !shared.closing() {
                    worker = shared.start_worker(slot, &config).ok();
                }
            }
        }
    }
    if let Some(worker) = worker {
        worker.close(CLOSE_GRACE);
        shared.forget(slot);
    }
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

/// How to build a [`ProcessPool`].
#[derive(Debug, Default)]
pub struct PoolBuilder<'a> {
    workers: Option<NonZeroUsize>,
    program: WorkerProgram,
    shared: Option<&'a SharedValue>,
}

impl<'a> PoolBuilder<'a> {
    /// How many worker processes (default: the available parallelism, like `os.cpu_count()`).
    pub fn workers(mut self, workers: NonZeroUsize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Which program runs as a worker (default: the current executable).
    pub fn program(mut self, program: WorkerProgram) -> Self {
        self.program = program;
        self
    }

    /// Maps `value` into every worker (replacements included), for [`Work::Increment`].
    pub fn share(mut self, value: &'a SharedValue) -> Self {
        self.shared = Some(value);
        self
    }

    /// Starts every worker and waits until each has said it is ready.
    pub fn start(self) -> Result<ProcessPool, PoolError> {
        let workers = self
            .workers
            .unwrap_or_else(|| thread::available_parallelism().unwrap_or(NonZeroUsize::MIN));
        // The pool keeps its own descriptor of the shared memory, for replacements.
        let shared_file = match self.shared {
            Some(value) => Some(value.file().try_clone().map_err(|e| PoolError::Spawn {
                program: "the shared value".into(),
                cause: format!("could not duplicate its descriptor: {e}"),
            })?),
            None => None,
        };
        let config = SpawnConfig::new(&self.program, shared_file.as_ref().map(File::as_raw_fd))?;
        ProcessPool::launch(workers, config, shared_file)
    }
}

/// A pool of worker processes.
///
/// Python's two faces in one type: `Pool.map(f, items, chunksize)` is [`ProcessPool::map`],
/// `Pool.imap_unordered` is [`ProcessPool::imap_unordered`], `ProcessPoolExecutor.submit`
/// is [`ProcessPool::submit`], `executor.map` is `map` with `Chunksize::Fixed(1)`, and
/// `shutdown(wait, cancel_futures)` is [`ProcessPool::shutdown`].
pub struct ProcessPool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    workers: usize,
    // Closed when the pool ends; workers hold their own inherited copy.
    _shared_file: Option<File>,
}

impl ProcessPool {
    /// Starts `workers` workers running the current executable (see [`WorkerProgram`]).
    pub fn new(workers: NonZeroUsize) -> Result<ProcessPool, PoolError> {
        ProcessPool::builder().workers(workers).start()
    }

    /// A builder: worker count, worker program, shared value.
    pub fn builder<'a>() -> PoolBuilder<'a> {
        PoolBuilder::default()
    }

    fn launch(
        workers: NonZeroUsize,
        config: SpawnConfig,
        shared_file: Option<File>,
    ) -> Result<ProcessPool, PoolError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closing: false,
            }),
            work_available: Condvar::new(),
            live: (0..workers.get()).map(|_| Mutex::new(None)).collect(),
        });
        let config = Arc::new(config);
        let mut pool = ProcessPool {
            shared,
            threads: Vec::with_capacity(workers.get()),
            workers: workers.get(),
            _shared_file: shared_file,
        };
        let (ready_tx, ready_rx) = mpsc::channel();
        for slot in 0..workers.get() {
            let (shared, slot_config, ready) = (
                Arc::clone(&pool.shared),
                Arc::clone(&config),
                ready_tx.clone(),
            );
            let thread = thread::Builder::new()
                .name(format!("process-pool-{slot}"))
                .spawn(move || serve_slot(slot, shared, slot_config, ready))
                .map_err(|e| PoolError::Spawn {
                    program: config.program.display().to_string(),
                    cause: format!("could not start the thread of worker {slot}: {e}"),
                })?;
            pool.threads.push(thread);
        }
        drop(ready_tx);
        let deadline = Instant::now() + START_TIMEOUT;
        for _ in 0..workers.get() {
            let wait = deadline.saturating_duration_since(Instant::now());
            match ready_rx.recv_timeout(wait) {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e), // dropping `pool` stops the others
                Err(_) => {
                    return Err(PoolError::Spawn {
                        program: config.program.display().to_string(),
                        cause: format!("a worker did not become ready within {START_TIMEOUT:?}"),
                    });
                }
            }
        }
        Ok(pool)
    }

    /// The number of worker processes.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// The process ids of the live workers (for `ps`, and for tests that kill one).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.shared
            .live
            .iter()
            .filter_map(|slot| lock(slot).as_ref().map(|(pid, _)| *pid))
            .collect()
    }

    fn enqueue(&self, batches: impl Iterator<Item = Batch>) -> Result<(), PoolError> {
        let mut state = lock(&self.shared.state);
        if state.closing {
            return Err(PoolError::ShutDown);
        }
        state.queue.extend(batches);
        drop(state);
        self.shared.work_available.notify_all();
        Ok(())
    }

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
        self.enqueue(std::iter::once(batch))?;
        Ok(TaskHandle { result, pid })
    }

    /// Queues `tasks` in chunks; returns the channel their outcomes arrive on.
    fn scatter(
        &self,
        tasks: Arc<[Task]>,
        chunksize: Chunksize,
    ) -> Result<Receiver<Done>, PoolError> {
        let (reply, outcomes) = mpsc::channel();
        let size = chunksize.resolve(tasks.len(), self.workers);
        let batches = (0..tasks.len()).step_by(size).map(|first| Batch {
            payload: Payload::Tasks(Arc::clone(&tasks), first..(first + size).min(tasks.len())),
            first,
            reply: reply.clone(),
            taken_by: None,
        });
        self.enqueue(batches)?;
        Ok(outcomes)
    }

    /// Runs every task on the workers, `chunksize` tasks per frame, and returns the outputs
    /// in input order, or the first error in input order (`Pool.map`).
    pub fn map(
        &self,
        tasks: impl Into<Arc<[Task]>>,
        chunksize: Chunksize,
    ) -> Result<Vec<TaskOutput>, PoolError> {
        let tasks = tasks.into();
        let n = tasks.len();
        let outcomes = self.scatter(tasks, chunksize)?;
        let mut outputs = vec![None; n];
        let mut first_error: Option<(usize, PoolError)> = None;
        // Ends when every batch has answered (each sender is dropped after its one reply).
        for done in outcomes.iter() {
            match done.outcome {
                Ok(chunk) => {
                    for (slot, output) in outputs[done.first..].iter_mut().zip(chunk) {
                        *slot = Some(output);
                    }
                }
                Err(e) if first_error.as_ref().is_none_or(|(at, _)| done.first < *at) => {
                    first_error = Some((done.first, e));
                }
                Err(_) => {}
            }
        }
        if let Some((_, e)) = first_error {
            return Err(e);
        }
        // A missing output means its batch was dropped unanswered: the pool shut down.
        outputs
            .into_iter()
            .map(|o| o.ok_or(PoolError::Cancelled))
            .collect()
    }

    /// Like [`ProcessPool::map`], but yields `(index, output)` as chunks complete
    /// (`Pool.imap_unordered`).
    pub fn imap_unordered(
        &self,
        tasks: impl Into<Arc<[Task]>>,
        chunksize: Chunksize,
    ) -> Result<Unordered, PoolError> {
        let tasks = tasks.into();
        let seen = vec![false; tasks.len()];
        let outcomes = self.scatter(tasks, chunksize)?;
        Ok(Unordered {
            outcomes,
            ready: VecDeque::new(),
            seen,
            missing: None,
        })
    }

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
                if Instant::now() >= deadline {
                    self.shared.kill_all();
                    break;
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

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.workers)
            .field("pids", &self.worker_pids())
            .finish_non_exhaustive()
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

/// The iterator of [`ProcessPool::imap_unordered`]: `(index, result)` in completion order.
#[derive(Debug)]
pub struct Unordered {
    outcomes: Receiver<Done>,
    ready: VecDeque<(usize, Result<TaskOutput, PoolError>)>,
    seen: Vec<bool>,
    /// Once the channel closes: indexes that never got an answer, reported as cancelled.
    missing: Option<std::vec::IntoIter<usize>>,
}

impl Iterator for Unordered {
    type Item = (usize, Result<TaskOutput, PoolError>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if let Some(missing) = &mut self.missing {
                return missing.next().map(|i| (i, Err(PoolError::Cancelled)));
            }
            match self.outcomes.recv() {
                Ok(done) => {
                    self.seen[done.first..done.first + done.len].fill(true);
                    self.ready.extend(done.items());
                }
                Err(_) => {
                    let missing: Vec<usize> =
                        (0..self.seen.len()).filter(|&i| !self.seen[i]).collect();
                    self.missing = Some(missing.into_iter());
                }
            }
        }
    }
}
