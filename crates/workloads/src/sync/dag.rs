//! The article's "task dependencies": a random DAG of tasks, each run exactly once and only
//! after all of its dependencies finished.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::harness::{SplitMix64, mix};
use crate::Mismatch;

/// A random DAG: node `i` depends on up to `max_deps` distinct nodes below `i` (so there is
/// no cycle), drawn from a seeded generator, so every run and machine gets the same graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DagJob {
    /// For each node, the nodes it waits for.
    deps: Vec<Vec<usize>>,
    /// Workers running the nodes.
    pub workers: usize,
    seed: u64,
    max_deps: usize,
}

impl DagJob {
    /// A DAG of `nodes` nodes with up to `max_deps` dependencies each, drawn from `seed`.
    pub fn random(nodes: usize, max_deps: usize, seed: u64, workers: usize) -> Self {
        let mut rng = SplitMix64::new(seed);
        let deps = (0..nodes)
            .map(|i| {
                let want = rng.below(max_deps as u64 + 1) as usize;
                let mut d: Vec<usize> = (0..want.min(i))
                    .map(|_| rng.below(i as u64) as usize)
                    .collect();
                d.sort_unstable();
                d.dedup();
                d
            })
            .collect();
        DagJob {
            deps,
            workers,
            seed,
            max_deps,
        }
    }

    /// The stable benchmark id, e.g. `dag-10k-d4`.
    pub fn id(&self) -> String {
        format!(
            "dag-{}-d{}",
            crate::short_size(self.deps.len() as u64),
            self.max_deps
        )
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.deps.len()
    }

    /// The nodes `node` waits for.
    pub fn deps(&self, node: usize) -> &[usize] {
        &self.deps[node]
    }

    /// For each node, the nodes that wait for it (what a scheduler releases on completion).
    pub fn dependents(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.deps.len()];
        for (node, deps) in self.deps.iter().enumerate() {
            for &d in deps {
                out[d].push(node);
            }
        }
        out
    }

    /// Checks a run: every node ran exactly once, and none before one of its dependencies.
    pub fn verify(&self, got: &DagReport) -> Result<(), Mismatch> {
        let id = format!("{} (seed {})", self.id(), self.seed);
        Mismatch::unless_equal(&id, "number of nodes", self.nodes(), got.runs.len())?;
        if let Some(i) = got.runs.iter().position(|&n| n != 1) {
            return Err(Mismatch::new(
                id,
                format!("times node {i} ran"),
                1,
                got.runs[i],
            ));
        }
        Mismatch::unless_equal(id, "nodes run before a dependency finished", 0, got.early)
    }
}

/// Where a DAG run records what ran; every technique runs each node through [`DagLedger::run`].
#[derive(Debug)]
pub struct DagLedger {
    runs: Vec<AtomicU32>,
    done: Vec<AtomicBool>,
    early: AtomicU64,
}

impl DagLedger {
    /// A ledger for `job` with nothing run.
    pub fn new(job: &DagJob) -> Self {
        DagLedger {
            runs: (0..job.nodes()).map(|_| AtomicU32::new(0)).collect(),
            done: (0..job.nodes()).map(|_| AtomicBool::new(false)).collect(),
            early: AtomicU64::new(0),
        }
    }

    /// Runs `node` of `job`: checks its dependencies are done, does its work (a hash), and
    /// marks it done. Returns the node's output.
    pub fn run(&self, job: &DagJob, node: usize) -> u64 {
        // Acquire pairs with the Release below: a dependency that finished before the
        // scheduler released this node is seen as done.
        let early = job
            .deps(node)
            .iter()
            .filter(|&&d| !self.done[d].load(Ordering::Acquire));
        let early = early.count() as u64;
        if early > 0 {
            self.early.fetch_add(early, Ordering::Relaxed);
        }
        self.runs[node].fetch_add(1, Ordering::Relaxed);
        let output = mix(node as u64);
        self.done[node].store(true, Ordering::Release);
        output
    }

    /// The report of a finished run.
    pub fn report(&self, elapsed: Duration) -> DagReport {
        DagReport {
            runs: self
                .runs
                .iter()
                .map(|r| r.load(Ordering::Relaxed))
                .collect(),
            early: self.early.load(Ordering::Relaxed),
            elapsed,
        }
    }
}

/// What a DAG run recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DagReport {
    /// Times each node ran.
    pub runs: Vec<u32>,
    /// Dependencies found unfinished when a node started.
    pub early: u64,
    /// From the common start until the last worker stopped.
    pub elapsed: Duration,
}

job!(DagJob => DagReport, elements: |self| self.nodes() as u64, time: elapsed);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_dags_are_acyclic_and_deterministic() {
        let a = DagJob::random(200, 3, 42, 2);
        assert_eq!(a, DagJob::random(200, 3, 42, 2));
        assert_ne!(a.deps, DagJob::random(200, 3, 43, 2).deps);
        assert!((0..200).all(|i| a.deps(i).iter().all(|&d| d < i) && a.deps(i).len() <= 3));
        assert_eq!(a.id(), "dag-200-d3");
        let edges: usize = a.dependents().iter().map(Vec::len).sum();
        assert_eq!(edges, (0..200).map(|i| a.deps(i).len()).sum::<usize>());
    }

    #[test]
    fn ledger_catches_early_and_repeated_runs() {
        let job = DagJob::random(50, 3, 1, 1);
        let ledger = DagLedger::new(&job);
        (0..50).for_each(|n| _ = ledger.run(&job, n));
        assert!(job.verify(&ledger.report(Duration::ZERO)).is_ok());
        ledger.run(&job, 7);
        assert!(
            job.verify(&ledger.report(Duration::ZERO))
                .unwrap_err()
                .what
                .contains("node 7")
        );
        let backwards = DagLedger::new(&job);
        (0..50).rev().for_each(|n| _ = backwards.run(&job, n));
        let err = job.verify(&backwards.report(Duration::ZERO)).unwrap_err();
        assert!(err.what.contains("before a dependency"), "{err}");
    }
}
