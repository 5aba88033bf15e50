//! Test support the crates share, used as a dev-dependency only (so a technique crate still
//! depends on no crate of ours but `workloads` and `loopback`).
//!
//! - `model` (under `--cfg loom`): runs a loom model the way every hand-made primitive of
//!   the workspace is checked (the spin lock, the semaphore, the queues). Each crate keeps a
//!   `sync` module that takes its atomics, locks and condition variables from loom under
//!   `cfg(loom)` and from std otherwise (tokio's `src/loom/mod.rs` pattern); its loom tests
//!   call `testkit::model`.
//! - The deadline helper of tests and docs is `workloads::sync::with_deadline`: it lives
//!   beside the workloads because their doc examples use it too.
//!
//! Run the models with `RUSTFLAGS="--cfg loom" cargo test -p locks -p semaphore -p queue
//! --release --lib`.

/// Runs a loom model with at most 3 preemptions unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise: unbounded, the three-thread models take minutes instead of a second, and
/// bugs of this size show within 2 or 3 preemptions.
#[cfg(loom)]
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(3);
    builder.check(f);
}
