//! DAG schedulers: a node becomes ready when its last dependency finishes (an atomic count
//! of unfinished dependencies per node), ready nodes go through a queue to the workers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use workloads::sync::{DagJob, DagLedger, DagReport, run_timed};
use workloads::{Kind, RunError, Technique};

use crate::Queue;

/// The dependency counts and dependents of a job, shared by the workers of one run.
struct Readiness {
    dependents: Vec<Vec<usize>>,
    waiting_on: Vec<AtomicUsize>,
    finished: AtomicUsize,
}

impl Readiness {
    fn new(job: &DagJob) -> Self {
        Readiness {
            dependents: job.dependents(),
            waiting_on: (0..job.nodes())
                .map(|n| AtomicUsize::new(job.deps(n).len()))
                .collect(),
            finished: AtomicUsize::new(0),
        }
    }

    fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.waiting_on.len()).filter(|&n| self.waiting_on[n].load(Ordering::Relaxed) == 0)
    }

    /// Marks `node` finished: calls `ready` for each dependent whose last dependency this
    /// was, and returns whether `node` was the last node of the DAG.
    fn finish(&self, node: usize, mut ready: impl FnMut(usize)) -> bool {
        for &d in &self.dependents[node] {
            // AcqRel: each decrement releases this node's work; the one that reaches zero
            // acquires all earlier decrements (one release sequence), so the dependent runs
            // after every one of its dependencies.
            if self.waiting_on[d].fetch_sub(1, Ordering::AcqRel) == 1 {
                ready(d);
            }
        }
        self.finished.fetch_add(1, Ordering::AcqRel) + 1 == self.dependents.len()
    }
}

/// Ready nodes through the [`Queue`] written here; the worker that finishes the last node
/// closes it.
pub struct DagOnQueue;

workloads::technique!(DagOnQueue, "dag-queue", Kind::Thread);

impl Technique<DagJob> for DagOnQueue {
    fn run(&self, job: &DagJob) -> Result<DagReport, RunError> {
        let ledger = DagLedger::new(job);
        let readiness = Readiness::new(job);
        let ready = Queue::new();
        readiness
            .roots()
            .try_for_each(|n| ready.put(n))
            .map_err(|_| closed())?;
        if job.nodes() == 0 {
            ready.close();
        }
        let (results, elapsed) = run_timed(job.workers, |_| {
            while let Some(node) = ready.get() {
                ledger.run(job, node);
                let mut refused = false;
                let last = readiness.finish(node, |d| refused |= ready.put(d).is_err());
                if refused {
                    return Err(closed());
                }
                if last {
                    ready.close();
                }
            }
            Ok(())
        })?;
        results.into_iter().collect::<Result<(), RunError>>()?;
        Ok(ledger.report(elapsed))
    }
}

fn closed() -> RunError {
    RunError::Other("ready queue closed before the last node finished".into())
}

/// Ready nodes through a crossbeam channel; the worker that finishes the last node sends one
/// `None` per worker (the article's sentinels), since every worker holds a sender.
pub struct DagOnChannel;

workloads::technique!(DagOnChannel, "dag-crossbeam", Kind::Thread);

impl Technique<DagJob> for DagOnChannel {
    fn run(&self, job: &DagJob) -> Result<DagReport, RunError> {
        let ledger = DagLedger::new(job);
        let readiness = Readiness::new(job);
        let (tx, rx) = crossbeam_channel::unbounded();
        readiness.roots().for_each(|n| _ = tx.send(Some(n)));
        if job.nodes() == 0 {
            (0..job.workers).for_each(|_| _ = tx.send(None));
        }
        // Sends cannot fail: `rx` lives until the run ends.
        let (_, elapsed) = run_timed(job.workers, |_| {
            while let Ok(Some(node)) = rx.recv() {
                ledger.run(job, node);
                if readiness.finish(node, |d| _ = tx.send(Some(d))) {
                    (0..job.workers).for_each(|_| _ = tx.send(None));
                }
            }
        })?;
        Ok(ledger.report(elapsed))
    }
}

/// Kahn's algorithm on one thread: the baseline the schedulers are measured against.
pub struct DagSequential;

workloads::technique!(DagSequential, "dag-sequential", Kind::Sequential);

impl Technique<DagJob> for DagSequential {
    fn sweeps_workers(&self) -> bool {
        false
    }

    fn run(&self, job: &DagJob) -> Result<DagReport, RunError> {
        let ledger = DagLedger::new(job);
        let readiness = Readiness::new(job);
        let started = Instant::now();
        let mut ready: Vec<usize> = readiness.roots().collect();
        while let Some(node) = ready.pop() {
            ledger.run(job, node);
            readiness.finish(node, |d| ready.push(d));
        }
        Ok(ledger.report(started.elapsed()))
    }
}
