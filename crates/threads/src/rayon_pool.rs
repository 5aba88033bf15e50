//! rayon: work stealing in a pool of exactly N threads.

use std::num::NonZeroUsize;

use rayon::prelude::*;
use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, TaskOutput, run_task};

/// `par_iter().map(run_task)` inside a dedicated rayon pool of `workers` threads (not the
/// global pool, so the worker count is the one asked for).
#[derive(Clone, Copy, Debug, Default)]
pub struct Rayon;

workloads::technique!(Rayon, "rayon", Kind::Thread);

/// A started [`Rayon`]: its pool of exactly the workers asked for.
struct RayonRunner {
    pool: rayon::ThreadPool,
}

impl MapTechnique for Rayon {
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.get())
            .thread_name(|i| format!("cb-rayon-{i}"))
            .build()
            .map_err(|e| RunError::Start {
                technique: Self::ID.into(),
                cause: e.to_string(),
            })?;
        Ok(Box::new(RayonRunner { pool }))
    }
}

impl MapRunner for RayonRunner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let tasks = job.tasks();
        Ok(self
            .pool
            .install(|| tasks.par_iter().map(run_task).collect()))
    }
}
