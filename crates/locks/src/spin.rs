//! A test-and-test-and-set spin lock with exponential backoff, written here to be compared
//! with the OS-backed locks and model-checked with loom.

use crate::loom_shim::{AtomicBool, Ordering, UnsafeCell, spin_hint, yield_now};

/// A spin lock around a value. Waiters never sleep in the kernel: they spin with growing
/// pauses and, past a limit, yield their time slice, since with more threads than cores the
/// holder may be descheduled and pure spinning would burn the slice it needs.
#[derive(Debug)]
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&mut T` to one thread at a time (see `with`), so sharing the
// lock between threads is sound when `T` can be sent between them, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A lock around `value`, unlocked.
    pub fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` with the value, holding the lock; the lock is released when `f` returns or
    /// unwinds.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _held = self.acquire();
        // SAFETY: `acquire` returned, so this thread holds the lock until `_held` drops, after
        // `f` returns: no other `&mut T` exists meanwhile.
        self.value.with_mut(|value| f(unsafe { &mut *value }))
    }

    /// The value, once no thread can hold the lock any more.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    fn acquire(&self) -> Held<'_> {
        let mut backoff = Backoff::default();
        loop {
            // Acquire on success pairs with the Release store in `Held::drop`: everything the
            // previous holder wrote to the value happens-before our reads of it. Relaxed on
            // failure: a failed attempt takes nothing, so it needs no ordering.
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return Held(&self.locked);
            }
            // Test before test-and-set: waiting on a plain load keeps the cache line shared
            // among the waiters instead of bouncing it with failed writes. Relaxed: this load
            // only decides when to try again; the CAS above does the synchronizing.
            while self.locked.load(Ordering::Relaxed) {
                backoff.snooze();
            }
        }
    }
}

/// Holding the lock; dropping it releases.
struct Held<'a>(&'a AtomicBool);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // Release publishes our writes to the value to the next thread that acquires.
        self.0.store(false, Ordering::Release);
    }
}

/// Exponential backoff: spin 1, 2, 4, ... 64 pause hints, then yield the time slice.
#[derive(Default)]
struct Backoff {
    step: u32,
}

impl Backoff {
    // Under loom every pause is a scheduling point; one per wait keeps the model small.
    const SPIN_LIMIT: u32 = if cfg!(loom) { 0 } else { 6 };

    fn snooze(&mut self) {
        if self.step <= Self::SPIN_LIMIT {
            (0..1u32 << self.step).for_each(|_| spin_hint());
            self.step += 1;
        } else {
            yield_now();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    use workloads::sync::with_deadline;

    use super::SpinLock;

    #[test]
    /// Stress beyond loom's reach: 8 threads on 2 cores (holders get descheduled), bounded.
    fn counts_under_contention() {
        let total = with_deadline("spin stress", Duration::from_secs(60), || {
            let lock = SpinLock::new(0u64);
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| (0..10_000).for_each(|_| lock.with(|v| *v += 1)));
                }
            });
            lock.into_inner()
        });
        assert_eq!(total.unwrap(), 80_000);
    }

    #[test]
    fn released_when_the_closure_panics() {
        let lock = SpinLock::new(1);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lock.with(|_| panic!("inside the lock"))
        }));
        assert!(caught.is_err());
        assert_eq!(lock.with(|v| *v), 1, "a panic released the lock");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::SpinLock;
    use loom::sync::Arc;

    /// Two threads increment a non-atomic value under the lock: loom explores every
    /// interleaving and flags any access to the value not ordered by the lock, and the final
    /// count proves no increment was lost.
    #[test]
    fn mutual_exclusion() {
        testkit::model(|| {
            let lock = Arc::new(SpinLock::new(0));
            let other = Arc::clone(&lock);
            let t = loom::thread::spawn(move || other.with(|v| *v += 1));
            lock.with(|v| *v += 1);
            t.join().unwrap();
            assert_eq!(lock.with(|v| *v), 2);
        });
    }
}
