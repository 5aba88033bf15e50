//! One OS thread per task: the article's `threading.Thread(target=...)` loop.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::thread::{self, JoinHandle};

use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, TaskOutput, run_task};

use crate::panic_message;

/// The most threads of one run alive at once. Spawning all of a large job's threads before
/// joining any (100_000 squares in the large preset) exhausts the process's memory maps and
/// aborts it; past this many, the oldest thread is joined before the next is spawned.
pub const MAX_LIVE_THREADS: usize = 1_024;

/// Spawns a thread for every task and joins them in input order.
///
/// The worker count does not apply: every task gets its own thread, which is the point
/// (and the cost) of this technique. At most [`MAX_LIVE_THREADS`] are alive at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadPerTask;

workloads::technique!(ThreadPerTask, "thread-per-task", Kind::Thread);

impl MapTechnique for ThreadPerTask {
    fn sweeps_workers(&self) -> bool {
        false
    }

    fn start(&self, _workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(ThreadPerTask))
    }
}

fn join(task: usize, handle: JoinHandle<TaskOutput>) -> Result<TaskOutput, RunError> {
    handle.join().map_err(|payload| RunError::TaskPanicked {
        task,
        message: panic_message(payload.as_ref()),
    })
}

impl MapRunner for ThreadPerTask {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let count = job.tasks().len();
        let mut outputs = Vec::with_capacity(count);
        let mut live = VecDeque::with_capacity(count.min(MAX_LIVE_THREADS));
        for i in 0..count {
            if live.len() == MAX_LIVE_THREADS {
                let (task, handle) = live.pop_front().expect("the queue is full");
                outputs.push(join(task, handle)?);
            }
            let tasks = job.tasks().clone();
            let handle = thread::Builder::new()
                .spawn(move || run_task(&tasks[i]))
                .map_err(|e| RunError::io(format!("spawning the thread of task {i}"), e))?;
            live.push_back((i, handle));
        }
        for (task, handle) in live {
            outputs.push(join(task, handle)?);
        }
        Ok(outputs)
    }
}
