//! `procspawn-pool`: the maintained crate a user would reach for, as a comparison row.
//!
//! procspawn re-executes the current binary too (its `init()` must run first in `main`) and
//! sends each call over fresh `ipc-channel` sockets. It gets the same chunks as our pool
//! (Python's default chunksize), so the difference is the transport and the bookkeeping.
//! Found while benchmarking it: with more calls queued than workers, large arguments
//! deadlock the caller (see `run`), so the runner keeps one call per worker in flight.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, Task, TaskOutput, run_task};

use crate::Chunksize;

/// The procspawn comparison row. Needs `procspawn::init()` at the start of `main` (or
/// `procspawn::enable_test_support!()` in a test binary).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcspawnPool;

workloads::technique!(ProcspawnPool, "procspawn-pool", Kind::Process);

/// A started [`ProcspawnPool`]: procspawn's pool and its worker count.
struct ProcspawnRunner {
    pool: procspawn::Pool,
    workers: usize,
}

impl MapTechnique for ProcspawnPool {
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        let pool = procspawn::Pool::new(workers.get()).map_err(|e| RunError::Start {
            technique: ProcspawnPool::ID.into(),
            cause: e.to_string(),
        })?;
        Ok(Box::new(ProcspawnRunner {
            pool,
            workers: workers.get(),
        }))
    }
}

/// What a procspawn worker runs: a function pointer, as procspawn requires.
fn run_chunk(tasks: Vec<Task>) -> Vec<TaskOutput> {
    tasks.iter().map(run_task).collect()
}

impl MapRunner for ProcspawnRunner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let tasks = job.tasks();
        let size = Chunksize::Auto.resolve(tasks.len(), self.workers);
        let mut chunks = tasks.chunks(size);
        let mut in_flight = VecDeque::with_capacity(self.workers);
        let mut outputs = Vec::with_capacity(tasks.len());
        // At most one call per worker in flight: procspawn's `spawn` writes the arguments
        // into a socket that only a free worker reads, so queueing more calls than workers
        // with large arguments (chunk-mean's 800 KB chunks) blocks the caller for good.
        in_flight.extend(chunks.by_ref().take(self.workers).map(|c| self.spawn(c)));
        while let Some(handle) = in_flight.pop_front() {
            let chunk = handle
                .join()
                .map_err(|e| RunError::Other(format!("procspawn: {e}")))?;
            outputs.extend(chunk);
            in_flight.extend(chunks.next().map(|c| self.spawn(c)));
        }
        Ok(outputs)
    }
}

impl ProcspawnRunner {
    fn spawn(&self, chunk: &[Task]) -> procspawn::JoinHandle<Vec<TaskOutput>> {
        self.pool.spawn(chunk.to_vec(), run_chunk)
    }
}

impl Drop for ProcspawnRunner {
    fn drop(&mut self) {
        // Kills and reaps the pool's processes now rather than whenever its threads notice.
        self.pool.kill();
    }
}
