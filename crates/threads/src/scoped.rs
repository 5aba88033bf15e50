//! Scoped threads over static chunks: split the tasks once, one contiguous chunk per worker.

use std::num::NonZeroUsize;
use std::thread;

use workloads::{MapJob, MapRunner, MapTechnique, RunError, TaskOutput, run_task};

use crate::panic_message;

/// `std::thread::scope` with `workers` threads, each taking one contiguous chunk of tasks.
///
/// Static chunking has no hand-off per task, but a worker whose chunk holds the expensive
/// tasks (the large primes) finishes last while the others idle.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopedChunks;

struct Runner {
    workers: usize,
}

impl MapTechnique for ScopedChunks {
    fn id(&self) -> &'static str {
        "scoped-chunks"
    }

    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(Runner {
            workers: workers.get(),
        }))
    }
}

impl MapRunner for Runner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let tasks = &job.tasks()[..];
        let chunk = tasks.len().div_ceil(self.workers).max(1);
        thread::scope(|scope| {
            let handles: Vec<_> = tasks
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(run_task).collect::<Vec<_>>()))
                .collect();
            let mut outputs = Vec::with_capacity(tasks.len());
            for (i, handle) in handles.into_iter().enumerate() {
                let part = handle.join().map_err(|payload| RunError::TaskPanicked {
                    task: i * chunk,
                    message: format!(
                        "in the chunk starting here: {}",
                        panic_message(payload.as_ref())
                    ),
                })?;
                outputs.extend(part);
            }
            Ok(outputs)
        })
    }
}
