//! The one place the hand-made semaphores take its lock and condition variable from: std's
//! normally, loom's under `cfg(loom)` so the model checker explores every interleaving (the
//! pattern of tokio's `src/loom/mod.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Runs a loom model with at most 3 preemptions unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise: unbounded, the three-thread models take minutes instead of a second, and
/// bugs of this size show within 2 or 3 preemptions.
#[cfg(all(test, loom))]
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(3);
    builder.check(f);
}
