//! DAG schedulers: a node becomes ready when its last dependency finishes (an atomic count
//! of unfinished dependencies per node), ready nodes go through a queue to the workers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use workloads::sync::{DagJob, DagLedger, DagReport, run_timed};
use workloads::{Kind, RunError, Technique};

use crate::Queue;

/// One run of a job, shared by its workers: the ledger that records what ran, and the
/// dependency counts and dependents that say what is ready.
struct DagRun<'j> {
    job: &'j DagJob,
    ledger: DagLedger,
    dependents: Vec<Vec<usize>>,
    waiting_on: Vec<AtomicUsize>,
    finished: AtomicUsize,
}

impl<'j> DagRun<'j> {
    fn new(job: &'j DagJob) -> Self {
        DagRun {
            job,
            ledger: DagLedger::new(job),
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

    /// Runs `node` through the ledger, then calls `ready` for each dependent whose last
    /// dependency it was, and returns whether `node` was the last node of the DAG.
    fn run(&self, node: usize, mut ready: impl FnMut(usize)) -> bool {
        self.ledger.run(self.job, node);
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

    fn report(&self, elapsed: Duration) -> DagReport {
        self.ledger.report(elapsed)
    }
}

/// Ready nodes through the [`Queue`] written here; the worker that finishes the last node
/// closes it.
pub struct DagOnQueue;

workloads::technique!(DagOnQueue, "dag-queue", Kind::Thread);

impl Technique<DagJob> for DagOnQueue {
    fn run(&self, job: &DagJob) -> Result<DagReport, RunError> {
        let dag = DagRun::new(job);
        let ready = Queue::new();
        dag.roots()
            .try_for_each(|n| ready.put(n))
            .map_err(|_| closed())?;
        if job.nodes() == 0 {
            ready.close();
        }
        let (results, elapsed) = run_timed(job.workers, |_| {
            while let Some(node) = ready.get() {
                let mut refused = false;
                let last = dag.run(node, |d| refused |= ready.put(d).is_err());
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
        Ok(dag.report(elapsed))
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
        let dag = DagRun::new(job);
        let (tx, rx) = crossbeam_channel::unbounded();
        dag.roots().for_each(|n| _ = tx.send(Some(n)));
        if job.nodes() == 0 {
            (0..job.workers).for_each(|_| _ = tx.send(None));
        }
        // Sends cannot fail: `rx` lives until the run ends.
        let (_, elapsed) = run_timed(job.workers, |_| {
            while let Ok(Some(node)) = rx.recv() {
                if dag.run(node, |d| _ = tx.send(Some(d))) {
                    (0..job.workers).for_each(|_| _ = tx.send(None));
                }
            }
        })?;
        Ok(dag.report(elapsed))
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
        let dag = DagRun::new(job);
        let started = Instant::now();
        let mut ready: Vec<usize> = dag.roots().collect();
        while let Some(node) = ready.pop() {
            dag.run(node, |d| ready.push(d));
        }
        Ok(dag.report(started.elapsed()))
    }
}
