//! Probes of the machine a run is on, measured rather than assumed: the ground floor of the
//! workspace, depending on no crate of ours.
//!
//! - [`calibrate()`]: each CPU's single-thread speed, from two fixed kernels (one
//!   compute-bound, one that streams through memory), pinned to each CPU the run may use in
//!   turn. The suite runs it at the start and the end of every measuring run, so CPUs of
//!   unequal speed (hybrid laptops) and a host whose speed drifts across the run show in the
//!   results, each beside the calibration's own spread.

pub mod calibrate;

pub use calibrate::{CpuSamples, allowed_cpus, calibrate};
