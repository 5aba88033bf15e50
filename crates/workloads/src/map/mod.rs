//! Map-style workloads: a job is a list of independent tasks, described as data.
//!
//! Each workload is a module of its own ([`primes`], [`squares`], [`chunk_mean`], [`sleep`],
//! [`grain`]) implementing [`Workload`]: its sizes per preset, id, element count, tasks,
//! kernel and expected answers from an independent source. The registry below is the one
//! place that names them all: each line declares the module and generates its variants of
//! [`MapWorkload`], [`Task`] and [`TaskOutput`] (the thin serde forms that cross a process
//! boundary), its arm of [`run_task`] and its place in [`MapJob::for_preset`].
//!
//! ```
//! use workloads::map::Workload;
//! use workloads::map::squares::Squares;
//! use workloads::{MapJob, MapWorkload, Preset, run_task};
//!
//! assert_eq!(Squares::jobs(Preset::Default), [Squares { n: 10_000 }]);
//! let job = MapJob::of(Squares { n: 4 });
//! assert_eq!((job.id(), job.workload()), ("squares-4".into(), MapWorkload::Squares(Squares { n: 4 })));
//! let outputs: Vec<_> = job.tasks().iter().map(run_task).collect();
//! job.verify(&outputs).expect("the kernel gives 0, 1, 4, 9");
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Mismatch, Preset};

#[macro_use]
mod registry;
mod workload;

pub use grain::GrainSizes;
pub use workload::{Answer, Workload};

// The registry, in suite order, one line per workload: `module::Type => Task variant,
// TaskOutput variant;`. A new workload is its module's file plus one line here (see
// docs/architecture.md, "Adding a workload").
map_workloads! {
    primes::Primes => CountPrimes, Count;
    squares::Squares => Square, Square;
    chunk_mean::ChunkMean => ChunkMean, Mean;
    sleep::Sleep => Sleep, Slept;
    grain::Grain => Grain, Checksum;
}

/// A map-style job: its tasks, in order, and the expected output of each.
///
/// Tasks sit behind an `Arc` so a technique can hand them to `'static` threads without
/// copying; building a job (inputs and expected answers) is never part of a timed run.
#[derive(Clone, Debug)]
pub struct MapJob {
    workload: MapWorkload,
    tasks: Arc<[Task]>,
    expected: Arc<[TaskOutput]>,
}

impl MapJob {
    /// The job of any registered workload, e.g. `MapJob::of(squares::Squares { n: 100 })`.
    pub fn of(workload: impl Into<MapWorkload>) -> MapJob {
        workload.into().job()
    }

    /// The article's primes: `1..=limit` in `ranges` equal-width ranges.
    ///
    /// # Panics
    /// If `ranges` is zero or larger than `limit`: presets are fixed, not user input.
    pub fn primes(limit: u32, ranges: u32) -> MapJob {
        MapJob::of(primes::Primes { limit, ranges })
    }

    /// The article's `Pool.map(square, range(n))`: `n` tiny tasks.
    pub fn squares(n: u64) -> MapJob {
        MapJob::of(squares::Squares { n })
    }

    /// The article's DataFrame `range(rows)` split into `chunks` chunks, one mean each.
    ///
    /// # Panics
    /// If `chunks` is zero or does not divide `rows`.
    pub fn chunk_mean(rows: u64, chunks: u64) -> MapJob {
        MapJob::of(chunk_mean::ChunkMean { rows, chunks })
    }

    /// The article's `ThreadPoolExecutor(3)` of `tasks` sleeping workers.
    pub fn sleep(tasks: u64, ms: u64) -> MapJob {
        MapJob::of(sleep::Sleep { tasks, ms })
    }

    /// `tasks` grain tasks of about `nominal_ns` each (see [`grain::kernel`]), each carrying
    /// `payload` bytes; expected checksums from the matrix jump, not from the kernel.
    ///
    /// # Panics
    /// If `payload` is not a multiple of 256.
    pub fn grain(nominal_ns: u64, tasks: u64, payload: u32) -> MapJob {
        MapJob::of(grain::Grain {
            nominal_ns,
            tasks,
            payload,
        })
    }

    /// The grain sweep of a preset: every cost with no payload, then the payload sweep at
    /// its one cost (see [`GrainSizes`]).
    pub fn grain_sweep(preset: Preset) -> Vec<MapJob> {
        let sweep = <grain::Grain as Workload>::jobs(preset);
        sweep.into_iter().map(MapJob::of).collect()
    }

    /// The jobs of a preset, in the order the suite runs them: registry order, each
    /// workload's own [`Workload::jobs`].
    pub fn for_preset(preset: Preset) -> Vec<MapJob> {
        let all = MapWorkload::for_preset(preset);
        all.into_iter().map(MapWorkload::job).collect()
    }

    fn new(workload: MapWorkload, tasks: Vec<Task>, expected: Vec<TaskOutput>) -> MapJob {
        MapJob {
            workload,
            tasks: tasks.into(),
            expected: expected.into(),
        }
    }

    /// Which workload this is.
    pub fn workload(&self) -> MapWorkload {
        self.workload
    }

    /// The stable benchmark id, e.g. `primes-1m-r4`.
    pub fn id(&self) -> String {
        self.workload.id()
    }

    /// The least time one run can take with `workers` tasks at a time (`None`: every task
    /// may run at once), when the job waits rather than computes: the sleeping tasks, in
    /// `ceil(tasks / workers)` rounds of one sleep. `None` for the compute-bound workloads.
    pub fn floor(&self, workers: Option<usize>) -> Option<std::time::Duration> {
        match self.workload {
            MapWorkload::Sleep(sleep::Sleep { ms, .. }) => {
                let rounds = self.chain(workers)?;
                Some(std::time::Duration::from_millis(ms * u64::from(rounds)))
            }
            _ => None,
        }
    }

    /// The rounds of sleeps in a row behind [`Self::floor`]: `ceil(tasks / workers)`, one
    /// when every task may wait at once; `None` for the compute-bound workloads.
    pub fn chain(&self, workers: Option<usize>) -> Option<u32> {
        match self.workload {
            MapWorkload::Sleep(sleep::Sleep { tasks, .. }) => {
                let rounds = workers.map_or(1, |w| tasks.div_ceil(w.max(1) as u64));
                Some(u32::try_from(rounds).unwrap_or(u32::MAX))
            }
            _ => None,
        }
    }

    /// The tasks, in input order.
    pub fn tasks(&self) -> &Arc<[Task]> {
        &self.tasks
    }

    /// The expected output of each task, in input order.
    pub fn expected(&self) -> &[TaskOutput] {
        &self.expected
    }

    /// Elements processed by one run, for criterion's `Throughput::Elements`: numbers tested,
    /// squares, rows, sleeping tasks, or grain tasks (so the report's cost per task is the
    /// sequential time over this).
    pub fn elements(&self) -> u64 {
        self.workload.elements()
    }

    /// Worker counts the article measures this job at (3 sleeping workers), which every
    /// worker sweep adds.
    pub fn article_workers(&self) -> &'static [usize] {
        self.workload.article_workers()
    }

    /// The aggregate answer of this job, e.g. pi(limit) for primes or the mean of all rows.
    pub fn answer(outputs: &[TaskOutput]) -> u128 {
        outputs.iter().map(TaskOutput::answer).sum()
    }

    /// Checks a technique's outputs: one per task, in input order, each equal to the
    /// expected output, and the aggregate equal to the known answer (pi(limit) from the
    /// table, the closed form of the sum of squares).
    pub fn verify(&self, got: &[TaskOutput]) -> Result<(), Mismatch> {
        let id = self.id();
        Mismatch::unless_equal(&id, "number of outputs", self.expected.len(), got.len())?;
        if let Some(i) = (0..got.len()).find(|&i| got[i] != self.expected[i]) {
            let what = format!("output of task {i} ({:?})", self.tasks[i].describe());
            return Err(Mismatch::new(id, what, self.expected[i], got[i]));
        }
        match self.workload.known_answer() {
            Some(known) => {
                Mismatch::unless_equal(id, "aggregate answer", known, MapJob::answer(got))
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequential(job: &MapJob) -> Vec<TaskOutput> {
        job.tasks().iter().map(run_task).collect()
    }

    #[test]
    fn every_preset_job_verifies_with_the_sequential_kernel() {
        for job in MapJob::for_preset(Preset::Quick) {
            job.verify(&sequential(&job)).unwrap();
        }
    }

    #[test]
    fn a_wrong_output_names_the_task_and_both_values() {
        let job = MapJob::primes(100_000, 4);
        let mut got = job.expected().to_vec();
        got[2] = TaskOutput::Count(1);
        let err = job.verify(&got).unwrap_err();
        assert_eq!(err.workload, "primes-100k-r4");
        assert!(err.what.contains("task 2"), "{err}");
        assert!(err.expected.contains("Count(2260)"), "{err}");
        assert_eq!(err.got, "Count(1)");
    }

    #[test]
    fn missing_and_reordered_outputs_are_mismatches() {
        let job = MapJob::squares(100);
        let mut got = job.expected().to_vec();
        got.pop();
        let err = job.verify(&got).unwrap_err();
        assert_eq!((err.expected.as_str(), err.got.as_str()), ("100", "99"));
        let mut got = job.expected().to_vec();
        got.swap(3, 4);
        let err = job.verify(&got).unwrap_err();
        assert!(err.to_string().contains("task 3"), "{err}");
    }

    #[test]
    fn tasks_and_outputs_round_trip_through_serde() {
        let job = MapJob::chunk_mean(100, 2);
        let text = serde_json::to_string(&job.tasks()[1]).unwrap();
        let back: Task = serde_json::from_str(&text).unwrap();
        assert_eq!(back, job.tasks()[1]);
        let text = serde_json::to_string(&run_task(&back)).unwrap();
        assert_eq!(
            serde_json::from_str::<TaskOutput>(&text).unwrap(),
            job.expected()[1]
        );
    }

    /// The default preset's ids, in suite order, stay what past results were saved under;
    /// a new workload adds ids of its own without touching this list.
    #[test]
    fn ids_are_stable() {
        let known = [
            "primes-100k-r4",
            "primes-100k-r64",
            "primes-1m-r4",
            "primes-1m-r64",
            "squares-10k",
            "chunk-mean-1m-c10",
            "sleep-5x20ms",
            "grain-100ns-n100k",
            "grain-1us-n20k",
            "grain-10us-n2k",
            "grain-100us-n200",
            "grain-1ms-n64",
            "grain-100us-n200-p4kib",
            "grain-100us-n200-p64kib",
        ];
        let ids: Vec<String> = MapJob::for_preset(Preset::Default)
            .iter()
            .map(MapJob::id)
            .filter(|id| known.contains(&id.as_str()))
            .collect();
        assert_eq!(ids, known);
    }
}
