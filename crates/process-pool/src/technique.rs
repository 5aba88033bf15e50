//! The pool as a map technique, twice: reused (started outside the timed part) and fresh
//! (the article's `with Pool() as pool:`, start-up and shutdown inside the timed part).

use std::num::NonZeroUsize;

use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, TaskOutput};

use crate::{Chunksize, PoolError, ProcessPool, WorkerProgram};

/// `process-pool`: one pool, started once, `map` with Python's default chunksize per run.
#[derive(Clone, Debug, Default)]
pub struct ReusedPool {
    /// The worker program.
    pub program: WorkerProgram,
}

/// `process-pool-fresh`: a new pool per run, as `with Pool() as pool: pool.map(...)` does.
#[derive(Clone, Debug, Default)]
pub struct FreshPool {
    /// The worker program.
    pub program: WorkerProgram,
}

workloads::technique!(ReusedPool, "process-pool", Kind::Process);
workloads::technique!(FreshPool, "process-pool-fresh", Kind::Process);

fn start_pool(
    technique: &str,
    program: &WorkerProgram,
    workers: NonZeroUsize,
) -> Result<ProcessPool, RunError> {
    ProcessPool::builder()
        .workers(workers)
        .program(program.clone())
        .start()
        .map_err(|e| RunError::Start {
            technique: technique.into(),
            cause: e.to_string(),
        })
}

impl MapTechnique for ReusedPool {
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(start_pool(
            ReusedPool::ID,
            &self.program,
            workers,
        )?))
    }
}

impl MapRunner for ProcessPool {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        self.map(job.tasks().clone(), Chunksize::Auto)
            .map_err(RunError::from)
    }
}

/// A started [`FreshPool`]: what each run needs to start its own pool.
struct FreshRunner {
    program: WorkerProgram,
    workers: NonZeroUsize,
}

impl MapTechnique for FreshPool {
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(FreshRunner {
            program: self.program.clone(),
            workers,
        }))
    }
}

impl MapRunner for FreshRunner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let pool = start_pool(FreshPool::ID, &self.program, self.workers)?;
        let outputs = pool.map(job.tasks().clone(), Chunksize::Auto);
        // Closing inside the timed part, as the `with` block's exit is.
        pool.shutdown(crate::ShutdownMode::Wait);
        outputs.map_err(|e: PoolError| e.into())
    }
}
