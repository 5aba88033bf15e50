//! The pool: `multiprocessing.Pool` and `ProcessPoolExecutor` over real worker processes.
//!
//! Each worker slot has two threads. The slot thread takes the next batch (a chunk of tasks,
//! or one submitted unit of work) from a shared queue, records it as in flight and writes it
//! as one frame, up to a window of batches ahead of the replies; the reader thread reads each
//! reply and hands it to the oldest batch in flight (a worker answers in order). With a window
//! of 1 every batch waits for the previous reply: two cross-process wake-ups per batch, whose
//! cost depends on where the scheduler puts the threads. With a window of several, the worker
//! finds its next request already in its pipe and never sleeps between tasks, and the parent
//! writes and reads in bursts. A dead worker fails exactly the batches in flight to it.
//!
//! One concern per file: [`queue`] (batches and the live-worker registry), [`slot`] (writing
//! to one worker and replacing it), [`pipeline`] (its batches in flight and its reader), [`map`] (scatter and gather), [`submit`] (one unit of work and
//! its handle), [`shutdown`] (ending the pool, bounded).

use std::fmt;
use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::PoolError;
use crate::shared_value::SharedValue;
use crate::spawn::{SpawnConfig, WorkerProgram};

mod map;
mod pipeline;
mod queue;
mod shutdown;
mod slot;
mod submit;

pub use map::{Chunksize, Unordered};
pub use shutdown::ShutdownMode;
pub use submit::TaskHandle;

use queue::Shared;

/// How long starting the pool may take before it is an error (a loaded machine is slow).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How to build a [`ProcessPool`].
#[derive(Debug, Default)]
pub struct PoolBuilder<'a> {
    workers: Option<NonZeroUsize>,
    program: WorkerProgram,
    shared: Option<&'a SharedValue>,
    window: Option<NonZeroUsize>,
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

    /// Maps `value` into every worker (replacements included), for
    /// [`Work::Increment`](crate::Work::Increment).
    pub fn share(mut self, value: &'a SharedValue) -> Self {
        self.shared = Some(value);
        self
    }

    /// How many batches each worker may have unanswered at once (default
    /// [`ProcessPool::DEFAULT_WINDOW`]). 1 is the plain design: every batch waits for the
    /// previous reply, two cross-process wake-ups per batch.
    pub fn window(mut self, window: NonZeroUsize) -> Self {
        self.window = Some(window);
        self
    }

    /// Starts every worker and waits until each has said it is ready.
    pub fn start(self) -> Result<ProcessPool, PoolError> {
        // Without a count, Python's default: `os.cpu_count()` workers. `available_parallelism`
        // is std's nearest count (it also honours affinity and a cgroup quota, floored); the
        // suite always names its worker count, from `host::run_cpus`.
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
        let window = self.window.unwrap_or(ProcessPool::DEFAULT_WINDOW);
        ProcessPool::launch(workers, window, config, shared_file)
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
    window: NonZeroUsize,
    // Closed when the pool ends; workers hold their own inherited copy.
    _shared_file: Option<File>,
}

impl ProcessPool {
    /// The default window: batches written ahead to each worker. Chosen from the sweep
    /// `cargo bench -- process/pipeline-window` (chunksize 1, 10_000 squares, 2 workers;
    /// ranges of medians over three quick runs on the 2-core reference machine, loaded by
    /// other builds): window 1: 217-797 ms, 2: 228-470, 4: 108-197, 8: 40-116, 16: 31-83,
    /// 32: 17-38, 64: 12-25. The cost per task falls with the window; 32 is within 1.5x of 64
    /// and fails half as many tasks when a worker dies.
    pub const DEFAULT_WINDOW: NonZeroUsize = NonZeroUsize::new(32).unwrap();

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
        window: NonZeroUsize,
        config: SpawnConfig,
        shared_file: Option<File>,
    ) -> Result<ProcessPool, PoolError> {
        let config = Arc::new(config);
        let mut pool = ProcessPool {
            shared: Arc::new(Shared::new(workers.get())),
            threads: Vec::with_capacity(workers.get()),
            workers: workers.get(),
            window,
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
                .spawn(move || slot::serve_slot(slot, shared, slot_config, window.get(), ready))
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

    /// How many batches each worker may have unanswered at once.
    pub fn window(&self) -> NonZeroUsize {
        self.window
    }

    /// The process ids of the live workers (for `ps`, and for tests that kill one).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.shared.pids()
    }
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.workers)
            .field("window", &self.window)
            .field("pids", &self.worker_pids())
            .finish_non_exhaustive()
    }
}
