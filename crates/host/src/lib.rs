//! Probes of the machine a run is on, measured rather than assumed: the ground floor of the
//! workspace, depending on no crate of ours. Everything that asks the machine a question
//! lives here; the report only records the answers.
//!
//! - [`run_cpus`]: the CPUs this run may use (affinity and cgroup quota), the one count the
//!   worker sweep, the default worker counts and the report share; [`machine_cpus`]: every
//!   online CPU, the denominator of the contention shares ([`cpus`]).
//! - [`contention`]: `/proc/stat` snapshots, so a run says how much of the machine others
//!   and the hypervisor took.
//! - [`wake`]: the one precise sleep, what a wake-up costs here, and idle polling.
//! - [`machine`]: what the machine is and what limits a run on it.
//! - [`calibrate()`]: each CPU's single-thread speed, from two fixed kernels (one
//!   compute-bound, one that streams through memory), pinned to each CPU the run may use in
//!   turn. The suite runs it at the start and the end of every measuring run, so CPUs of
//!   unequal speed (hybrid laptops) and a host whose speed drifts across the run show in the
//!   results, each beside the calibration's own spread.

pub mod calibrate;
pub mod contention;
pub mod cpus;
pub mod machine;
pub mod wake;

pub use calibrate::{CpuSamples, allowed_cpus, calibrate};
pub use cpus::{machine_cpus, run_cpus};
pub use wake::{IdlePoll, precise_sleep};
