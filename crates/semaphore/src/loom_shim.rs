//! The one place the hand-made semaphores take its lock and condition variable from: std's
//! normally, loom's under `cfg(loom)` so the model checker explores every interleaving (the
//! pattern of tokio's `src/loom/mod.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
