//! The one place the hand-made queues take their lock and condition variable from: std's
//! normally, loom's under `cfg(loom)` so the model checker explores every interleaving (the
//! pattern of tokio's `src/loom/mod.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};
