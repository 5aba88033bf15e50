//! The identical workloads of concurrency-bench.
//!
//! Every technique crate (threads, process pool, async, locks, semaphore, queue) runs the
//! workloads defined here, and only here, so that a difference in time is a difference in how
//! work is spread, never in what work is done. Each workload states its answer, and every
//! technique's output is checked against it with [`MapJob::verify`] in the tests and once per
//! benchmark before timing starts.
//!
//! Map-style work (the article's `Pool.map`, `executor.map`) is described as **data**: a
//! [`MapJob`] is a list of serializable [`Task`]s, and [`run_task`] is the one pure kernel
//! that turns a task into a [`TaskOutput`]. Data, not closures, because the process pool has
//! to send tasks to other OS processes.
//!
//! Each map workload is a module of [`map`] behind one trait, [`map::Workload`]: its sizes
//! per preset, id, tasks, kernel and expected answers from an independent source. Adding one
//! takes its file and one line of the registry in `map/mod.rs`.
//!
//! The [`grain`](map::grain) workload sweeps the task cost itself (a fixed xorshift kernel,
//! [`map::grain::kernel`], from about 100 ns to 10 ms per task, checksums known from a
//! GF(2) matrix jump), so the report can say from which task cost each technique pays.
//!
//! The traits techniques implement live here too: [`Technique`] for the job families,
//! [`MapTechnique`] (with its started [`MapRunner`]), [`DownloadTechnique`] and
//! [`WebServerTechnique`]. Each requires [`Named`], the id and [`Kind`] a technique type
//! declares once with [`technique!`] (`technique!(Rayon, "rayon", Kind::Thread);`).
//!
//! ```
//! use workloads::{MapJob, Preset, run_task};
//!
//! let job = MapJob::primes(10_000, 4);
//! let outputs: Vec<_> = job.tasks().iter().map(run_task).collect();
//! job.verify(&outputs).expect("the sequential kernel gives the known answer");
//! assert_eq!(job.id(), "primes-10k-r4");
//! assert!(MapJob::for_preset(Preset::Quick).iter().all(|job| job.elements() > 0));
//! ```
//!
//! [`export`] prints every workload of a preset as JSON (`export-workloads` binary) for the
//! article's Python in `scripts/python/`, so both languages run the same tasks and answers.
//!
//! Dependency rule: this crate depends on no crate of ours; technique crates depend on it.

pub mod download;
mod error;
pub mod export;
pub mod map;
mod preset;
pub mod sync;
mod technique;
pub mod web;

pub use download::{DownloadJob, DownloadRunner, DownloadTechnique, FileDigest};
pub use error::{Mismatch, RunError};
pub use map::primes::{count_primes, is_prime, known_prime_count, sieve_prime_counts};
pub use map::{GrainSizes, MapJob, MapWorkload, Task, TaskOutput, run_task};
pub use preset::{Preset, PresetError, worker_counts};
pub use technique::{Job, Kind, MapRunner, MapTechnique, Named, Technique, WakeUps};
pub use web::{RunningServer, ServerSettings, WebJob, WebServerTechnique, hello_route};

/// Formats a size the way benchmark ids spell it: `1_000_000` -> `1m`, `64_000` -> `64k`.
pub fn short_size(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}m", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_size;

    #[test]
    fn short_sizes() {
        assert_eq!(short_size(1_000_000), "1m");
        assert_eq!(short_size(100_000), "100k");
        assert_eq!(short_size(10_000), "10k");
        assert_eq!(short_size(1_500), "1500");
        assert_eq!(short_size(7), "7");
    }
}
