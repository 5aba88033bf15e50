//! The one trait every map workload implements.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::Preset;

/// A map workload: its parameters are `Self` (one value is one job, e.g. primes up to 1m in
/// 4 ranges), and the trait says everything else about it in one place: its sizes per
/// preset, its id and element count, its tasks, its kernel, and the expected answers from a
/// source independent of that kernel.
///
/// A type implementing it becomes part of the suite by one line of the registry in
/// `map/mod.rs`, which wraps its [`Workload::Task`] and [`Workload::Output`] into the
/// shared serde enums [`crate::Task`] and [`crate::TaskOutput`] (what crosses a process
/// boundary) and its parameters into [`crate::MapWorkload`].
pub trait Workload: Copy + Debug + Eq {
    /// One task, as data: serializable, so a process pool can send it to a worker.
    type Task: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// What the kernel returns for one task; serializable, to come back from a worker.
    type Output: Copy + Debug + Eq + Serialize + DeserializeOwned + Answer;

    /// What the Python side (`scripts/python/`) calls this workload: the `kind` field of
    /// [`crate::export`], and the start of its ids.
    const KIND: &'static str;
    /// Whether the Python side runs it (`scripts/python/cb_workloads.py` has a kernel under
    /// [`Workload::KIND`]); [`crate::export`] leaves it out otherwise. Off unless set: a new
    /// workload is the Rust suite's only until its Python kernel is written.
    const PYTHON: bool = false;

    /// The jobs of a preset, in the order the suite runs them: the sizes live here.
    fn jobs(preset: Preset) -> Vec<Self>;

    /// The stable benchmark id, e.g. `primes-1m-r64`.
    fn id(&self) -> String;

    /// Elements processed by one run, for criterion's `Throughput::Elements`.
    fn elements(&self) -> u64;

    /// The tasks, in input order.
    fn tasks(&self) -> Vec<Self::Task>;

    /// The expected output of each task, in input order, from a source independent of
    /// [`Workload::run`] (a sieve, a closed form, a matrix power).
    fn expected(&self) -> Vec<Self::Output>;

    /// The aggregate answer (the sum of [`Answer::answer`] over all outputs) from a table or
    /// a closed form, where one exists.
    fn known_answer(&self) -> Option<u128>;

    /// Worker counts the article measures this workload at, added to every sweep.
    fn article_workers(&self) -> &'static [usize] {
        &[]
    }

    /// The kernel: does the work one task describes.
    fn run(task: &Self::Task) -> Self::Output;

    /// One task in words, for a [`crate::Mismatch`].
    fn describe(task: &Self::Task) -> String;

    /// One task as [`crate::export`] writes it for the Python side.
    fn export_task(task: &Self::Task) -> Value;

    /// One output as [`crate::export`] writes it: its serde form unless overridden.
    fn export_output(output: &Self::Output) -> Value {
        json!(output)
    }
}

/// An output's share of its job's aggregate answer ([`crate::MapJob::answer`]).
pub trait Answer {
    /// The share: the value itself for a count, a square or a checksum.
    fn answer(&self) -> u128;
}

impl Answer for u64 {
    fn answer(&self) -> u128 {
        u128::from(*self)
    }
}
