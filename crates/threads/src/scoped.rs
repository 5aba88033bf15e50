//! Scoped threads over static chunks: the tasks are split once, up front, one share per
//! worker, and nothing is rebalanced while they run.

use std::num::NonZeroUsize;
use std::thread;

use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, Task, TaskOutput, run_task};

use crate::panic_message;

/// How the tasks are split between the workers, once, before any runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Worker `w` takes one contiguous block: the obvious split. When cost grows along the
    /// input (larger primes cost more), the worker holding the last block finishes last
    /// while the others idle.
    Contiguous,
    /// Worker `w` takes tasks `w, w + n, w + 2n, ...` (OpenMP's `schedule(static, 1)`):
    /// still static, but each worker gets a slice of every part of the input.
    Strided,
}

/// `std::thread::scope` with `workers` threads, each running its static share of the tasks.
///
/// No hand-off per task and no shared queue; the price is imbalance when tasks are unequal,
/// which the two [`Split`]s show side by side.
#[derive(Clone, Copy, Debug)]
pub struct ScopedChunks(pub Split);

workloads::technique!(
    ScopedChunks,
    |self| match self.0 {
        Split::Contiguous => "scoped-chunks",
        Split::Strided => "scoped-strided",
    },
    Kind::Thread
);

/// A started [`ScopedChunks`]: the worker count and the split, applied per run.
struct ScopedRunner {
    workers: usize,
    split: Split,
}

impl MapTechnique for ScopedChunks {
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        Ok(Box::new(ScopedRunner {
            workers: workers.get(),
            split: self.0,
        }))
    }
}

impl ScopedRunner {
    /// The task indices of worker `w`.
    fn share(&self, w: usize, len: usize) -> Vec<usize> {
        match self.split {
            Split::Contiguous => {
                let chunk = len.div_ceil(self.workers);
                (w * chunk..((w + 1) * chunk).min(len)).collect()
            }
            Split::Strided => (w..len).step_by(self.workers).collect(),
        }
    }
}

impl MapRunner for ScopedRunner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        let tasks: &[Task] = job.tasks();
        let shares: Vec<Vec<usize>> = (0..self.workers)
            .map(|w| self.share(w, tasks.len()))
            .filter(|share| !share.is_empty())
            .collect();
        thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .map(|share| {
                    scope.spawn(move || {
                        share
                            .iter()
                            .map(|&i| run_task(&tasks[i]))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut outputs = vec![None; tasks.len()];
            for (share, handle) in shares.iter().zip(handles) {
                let done = handle.join().map_err(|payload| RunError::TaskPanicked {
                    task: share[0],
                    message: format!(
                        "in the share starting here: {}",
                        panic_message(payload.as_ref())
                    ),
                })?;
                for (&i, output) in share.iter().zip(done) {
                    outputs[i] = Some(output);
                }
            }
            // Every index is in exactly one share, so every slot is filled.
            Ok(outputs.into_iter().flatten().collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_task_exactly_once() {
        for split in [Split::Contiguous, Split::Strided] {
            for workers in 1..6 {
                for len in [0, 1, 4, 7, 64] {
                    let runner = ScopedRunner { workers, split };
                    let mut all: Vec<usize> =
                        (0..workers).flat_map(|w| runner.share(w, len)).collect();
                    all.sort_unstable();
                    assert_eq!(
                        all,
                        (0..len).collect::<Vec<_>>(),
                        "{split:?} {workers} {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn strided_interleaves() {
        let runner = ScopedRunner {
            workers: 2,
            split: Split::Strided,
        };
        assert_eq!(runner.share(1, 5), [1, 3]);
        let runner = ScopedRunner {
            workers: 2,
            split: Split::Contiguous,
        };
        assert_eq!(runner.share(1, 5), [3, 4]);
    }
}
