//! The one place the hand-made spin lock takes its atomics, cell and yielding from: std's
//! normally, loom's under `cfg(loom)` so the model checker sees every access (the pattern of
//! tokio's `src/loom/mod.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `std::cell::UnsafeCell` with loom's closure API, so the lock's code is the same in both.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

// `spin_hint` is one short wait in a spin loop: under loom it must yield, or the model would
// spin forever. `yield_now` gives the CPU away (the lock holder may be descheduled on an
// oversubscribed machine).
#[cfg(loom)]
pub(crate) use loom::thread::{yield_now, yield_now as spin_hint};
#[cfg(not(loom))]
pub(crate) use std::{hint::spin_loop as spin_hint, thread::yield_now};
