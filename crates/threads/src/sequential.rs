//! The baseline every speedup is measured against.

use std::num::NonZeroUsize;

use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, TaskOutput, run_task};

/// Runs every task in order on the caller's thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential;

workloads::technique!(Sequential, "sequential", Kind::Sequential);

impl MapTechnique for Sequential {
    fn concurrent_waits(&self, _workers: NonZeroUsize) -> Option<usize> {
        Some(1)
    }

    fn sweeps_workers(&self) -> bool {
        false
    }

    fn start(&self, _workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(Sequential))
    }
}

impl MapRunner for Sequential {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        Ok(job.tasks().iter().map(run_task).collect())
    }
}
