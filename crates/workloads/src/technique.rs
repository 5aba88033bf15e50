//! The traits a map-style technique implements.

use std::num::NonZeroUsize;

use crate::{MapJob, RunError, TaskOutput};

/// A way to spread a [`MapJob`] over workers: `Pool.map`, `executor.map`, `par_iter`, ...
///
/// Each technique crate exports its list of these; the bench and the tests iterate over it,
/// so adding a technique adds it everywhere.
pub trait MapTechnique: Send + Sync {
    /// The stable kebab-case id: criterion's function id, the JSON key, the chart legend.
    fn id(&self) -> &'static str;

    /// Whether the worker count changes anything. The sequential baseline says `false`
    /// and is measured at one worker only.
    fn sweeps_workers(&self) -> bool {
        true
    }

    /// Builds what the technique needs (threads, processes, a runtime). Never timed.
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError>;
}

/// A started technique. `run` is the timed part.
pub trait MapRunner {
    /// Runs every task of the job and returns their outputs in input order.
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError>;
}
