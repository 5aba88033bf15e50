//! One OS thread per task: the article's `threading.Thread(target=...)` loop.

use std::num::NonZeroUsize;
use std::thread;

use workloads::{MapJob, MapRunner, MapTechnique, RunError, TaskOutput, run_task};

use crate::panic_message;

/// Spawns a thread for every task and joins them in input order.
///
/// The worker count does not apply: there are as many threads as tasks, which is the point
/// (and the cost) of this technique.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadPerTask;

impl MapTechnique for ThreadPerTask {
    fn id(&self) -> &'static str {
        "thread-per-task"
    }

    fn sweeps_workers(&self) -> bool {
        false
    }

    fn start(&self, _workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(ThreadPerTask))
    }
}

impl MapRunner for ThreadPerTask {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let handles: Vec<_> = (0..job.tasks().len())
            .map(|i| {
                let tasks = job.tasks().clone();
                thread::Builder::new()
                    .spawn(move || run_task(&tasks[i]))
                    .map_err(|e| RunError::io(format!("spawning the thread of task {i}"), e))
            })
            .collect::<Result<_, _>>()?;
        handles
            .into_iter()
            .enumerate()
            .map(|(task, handle)| {
                handle.join().map_err(|payload| RunError::TaskPanicked {
                    task,
                    message: panic_message(payload.as_ref()),
                })
            })
            .collect()
    }
}
