//! The task-queue workload through the queue written here (stopped by sentinels, as in the
//! article, or by closing), std's `mpsc` with a shared receiver, and crossbeam's MPMC channels.

use std::sync::{Barrier, Mutex, PoisonError, mpsc};

use workloads::sync::{TaskQueueJob, TaskQueueReport};
use workloads::{Kind, RunError, Technique};

use crate::Queue;
use crate::roles::{closed, run_channel, run_roles};

/// How consumers of the queue written here learn that no more tasks come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// The article's: `join()` until every task is done, then one `None` per consumer.
    Sentinels,
    /// `close()` once every producer finished; `get` returns `None` on the empty queue.
    Close,
}

/// [`Queue`] (`Mutex<VecDeque>` + `Condvar`), the `queue.Queue` analog.
pub struct CondvarQueue(pub Shutdown);

workloads::technique!(
    CondvarQueue,
    |self| match self.0 {
        Shutdown::Sentinels => "queue-sentinels",
        Shutdown::Close => "queue-close",
    },
    Kind::Thread
);

impl Technique<TaskQueueJob> for CondvarQueue {
    fn run(&self, job: &TaskQueueJob) -> Result<TaskQueueReport, RunError> {
        let queue: Queue<Option<u64>> = Queue::new();
        let producers_done = Barrier::new(job.producers);
        let done_error = |e: crate::TooManyTaskDone| RunError::Other(e.to_string());
        run_roles(
            job,
            |p| {
                for task in job.producer_tasks(p) {
                    queue.put(Some(task)).map_err(|_| closed("queue"))?;
                }
                // The last producer to arrive stops the consumers, once all tasks are in.
                if producers_done.wait().is_leader() {
                    match self.0 {
                        Shutdown::Sentinels => {
                            queue.join();
                            for _ in 0..job.consumers {
                                queue.put(None).map_err(|_| closed("queue"))?;
                            }
                        }
                        Shutdown::Close => queue.close(),
                    }
                }
                Ok(())
            },
            |_, log| {
                while let Some(message) = queue.get() {
                    let Some(task) = message else {
                        return queue.task_done().map_err(done_error);
                    };
                    log.process(task);
                    if self.0 == Shutdown::Sentinels {
                        queue.task_done().map_err(done_error)?;
                    }
                }
                Ok(())
            },
        )
    }
}

/// std's `mpsc` channel, its one receiver shared by the consumers behind a `Mutex` (the
/// usual way to make it multi-consumer; the thread pool of the Rust book does it).
pub struct StdMpsc;

workloads::technique!(StdMpsc, "std-mpsc", Kind::Thread);

impl Technique<TaskQueueJob> for StdMpsc {
    fn run(&self, job: &TaskQueueJob) -> Result<TaskQueueReport, RunError> {
        let (tx, rx) = mpsc::channel();
        let rx = Mutex::new(rx);
        run_channel(
            job,
            "std mpsc",
            tx,
            |tx, task| tx.send(task),
            |_, log| {
                loop {
                    // The guard is a temporary of this statement: the lock is held while
                    // waiting in `recv`, and released before the task is processed.
                    let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(task) = next else { return Ok(()) };
                    log.process(task);
                }
            },
        )
    }
}

/// crossbeam's MPMC channel, bounded (producers wait when it is full) or unbounded.
pub struct Crossbeam {
    /// `Some(capacity)` for a bounded channel.
    pub capacity: Option<usize>,
}

impl Crossbeam {
    /// The capacity of the bounded variant: large enough that producers rarely wait on a
    /// fast consumer, small enough that a slow one pushes back.
    pub const BOUND: usize = 256;
}

workloads::technique!(
    Crossbeam,
    |self| match self.capacity {
        Some(_) => "crossbeam-bounded",
        None => "crossbeam-unbounded",
    },
    Kind::Thread
);

impl Technique<TaskQueueJob> for Crossbeam {
    fn run(&self, job: &TaskQueueJob) -> Result<TaskQueueReport, RunError> {
        let (tx, rx) = match self.capacity {
            Some(capacity) => crossbeam_channel::bounded(capacity),
            None => crossbeam_channel::unbounded(),
        };
        run_channel(
            job,
            "crossbeam",
            tx,
            |tx, task| tx.send(task),
            |_, log| {
                rx.iter().for_each(|task| log.process(task));
                Ok(())
            },
        )
    }
}
