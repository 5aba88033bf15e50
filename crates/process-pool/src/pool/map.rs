//! Scatter and gather: a map's tasks cut into chunks, queued, and their outcomes put back in
//! input order (`Pool.map`) or yielded as they complete (`Pool.imap_unordered`).

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use workloads::{Task, TaskOutput};

use crate::error::PoolError;

use super::ProcessPool;
use super::queue::{Batch, Done, Payload};

/// How many tasks travel in one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Chunksize {
    /// Python's default: `ceil(len / (4 * workers))`, at least 1.
    #[default]
    Auto,
    /// This many (`chunksize=1` is `executor.map`'s default: one round trip per task).
    Fixed(NonZeroUsize),
}

impl Chunksize {
    /// The chunk length for `len` tasks over `workers` workers.
    pub fn resolve(self, len: usize, workers: usize) -> usize {
        match self {
            Chunksize::Auto => len.div_ceil(4 * workers.max(1)).max(1),
            Chunksize::Fixed(n) => n.get(),
        }
    }

    /// `Fixed(n)`, or `Auto` for 0 (Python's `chunksize=None`).
    pub fn new(n: usize) -> Chunksize {
        NonZeroUsize::new(n).map_or(Chunksize::Auto, Chunksize::Fixed)
    }
}

impl ProcessPool {
    /// Queues `tasks` in chunks; returns the channel their outcomes arrive on.
    fn scatter(
        &self,
        tasks: Arc<[Task]>,
        chunksize: Chunksize,
    ) -> Result<Receiver<Done>, PoolError> {
        let (reply, outcomes) = mpsc::channel();
        let size = chunksize.resolve(tasks.len(), self.workers);
        let batches = (0..tasks.len()).step_by(size).map(|first| Batch {
            payload: Payload::Tasks(Arc::clone(&tasks), first..(first + size).min(tasks.len())),
            first,
            reply: reply.clone(),
            taken_by: None,
        });
        self.shared.enqueue(batches)?;
        Ok(outcomes)
    }

    /// Runs every task on the workers, `chunksize` tasks per frame, and returns the outputs
    /// in input order, or the first error in input order (`Pool.map`).
    pub fn map(
        &self,
        tasks: impl Into<Arc<[Task]>>,
        chunksize: Chunksize,
    ) -> Result<Vec<TaskOutput>, PoolError> {
        let tasks = tasks.into();
        let n = tasks.len();
        let outcomes = self.scatter(tasks, chunksize)?;
        let mut outputs = vec![None; n];
        let mut first_error: Option<(usize, PoolError)> = None;
        // Ends when every batch has answered (each sender is dropped after its one reply).
        for done in outcomes.iter() {
            match done.outcome {
                Ok(chunk) => {
                    for (slot, output) in outputs[done.first..].iter_mut().zip(chunk) {
                        *slot = Some(output);
                    }
                }
                Err(e) if first_error.as_ref().is_none_or(|(at, _)| done.first < *at) => {
                    first_error = Some((done.first, e));
                }
                Err(_) => {}
            }
        }
        if let Some((_, e)) = first_error {
            return Err(e);
        }
        // A missing output means its batch was dropped unanswered: the pool shut down.
        outputs
            .into_iter()
            .map(|o| o.ok_or(PoolError::Cancelled))
            .collect()
    }

    /// Like [`ProcessPool::map`], but yields `(index, output)` as chunks complete
    /// (`Pool.imap_unordered`).
    pub fn imap_unordered(
        &self,
        tasks: impl Into<Arc<[Task]>>,
        chunksize: Chunksize,
    ) -> Result<Unordered, PoolError> {
        let tasks = tasks.into();
        let seen = vec![false; tasks.len()];
        let outcomes = self.scatter(tasks, chunksize)?;
        Ok(Unordered {
            outcomes,
            ready: VecDeque::new(),
            seen,
            missing: None,
        })
    }
}

/// The iterator of [`ProcessPool::imap_unordered`]: `(index, result)` in completion order.
#[derive(Debug)]
pub struct Unordered {
    outcomes: Receiver<Done>,
    ready: VecDeque<(usize, Result<TaskOutput, PoolError>)>,
    seen: Vec<bool>,
    /// Once the channel closes: indexes that never got an answer, reported as cancelled.
    missing: Option<std::vec::IntoIter<usize>>,
}

impl Iterator for Unordered {
    type Item = (usize, Result<TaskOutput, PoolError>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if let Some(missing) = &mut self.missing {
                return missing.next().map(|i| (i, Err(PoolError::Cancelled)));
            }
            match self.outcomes.recv() {
                Ok(done) => {
                    self.seen[done.first..done.first + done.len].fill(true);
                    self.ready.extend(done.items());
                }
                Err(_) => {
                    let missing: Vec<usize> =
                        (0..self.seen.len()).filter(|&i| !self.seen[i]).collect();
                    self.missing = Some(missing.into_iter());
                }
            }
        }
    }
}
