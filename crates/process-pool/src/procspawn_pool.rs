//! `procspawn-pool`: the maintained crate a user would reach for, as a comparison row.
//!
//! procspawn re-executes the current binary too (its `init()` must run first in `main`) and
//! sends each call over fresh `ipc-channel` sockets. It gets the same chunks as our pool
//! (Python's default chunksize), so the difference is the transport and the bookkeeping.

use std::num::NonZeroUsize;

use workloads::{MapJob, MapRunner, MapTechnique, RunError, Task, TaskOutput, run_task};

use crate::Chunksize;

/// The procspawn comparison row. Needs `procspawn::init()` at the start of `main` (or
/// `procspawn::enable_test_support!()` in a test binary).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcspawnPool;

impl ProcspawnPool {
    /// The technique id.
    pub const ID: &'static str = "procspawn-pool";
}

struct Runner {
    pool: procspawn::Pool,
    workers: usize,
}

impl MapTechnique for ProcspawnPool {
    fn id(&self) -> &'static str {
        ProcspawnPool::ID
    }

    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        let pool = procspawn::Pool::new(workers.get()).map_err(|e| RunError::Start {
            technique: ProcspawnPool::ID.into(),
            cause: e.to_string(),
        })?;
        Ok(Box::new(Runner {
            pool,
            workers: workers.get(),
        }))
    }
}

/// What a procspawn worker runs: a function pointer, as procspawn requires.
fn run_chunk(tasks: Vec<Task>) -> Vec<TaskOutput> {
    tasks.iter().map(run_task).collect()
}

impl MapRunner for Runner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let tasks = job.tasks();
        let size = Chunksize::Auto.resolve(tasks.len(), self.workers);
        let handles: Vec<_> = tasks
            .chunks(size)
            .map(|chunk| self.pool.spawn(chunk.to_vec(), run_chunk))
            .collect();
        let mut outputs = Vec::with_capacity(tasks.len());
        for handle in handles {
            let chunk = handle
                .join()
                .map_err(|e| RunError::Other(format!("procspawn: {e}")))?;
            outputs.extend(chunk);
        }
        Ok(outputs)
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        // Kills and reaps the pool's processes now rather than whenever its threads notice.
        self.pool.kill();
    }
}
