//! A counting semaphore on a `Mutex` and a `Condvar`: Python's `threading.Semaphore`, with
//! the permit returned by dropping a guard (the `with semaphore:` block).

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::loom_shim::{Condvar, Mutex, MutexGuard};

/// A counting semaphore: at most `permits` holders at once, the others sleep on a condition
/// variable until a permit is returned.
#[derive(Debug)]
pub struct Semaphore {
    available: Mutex<usize>,
    returned: Condvar,
}

impl Semaphore {
    /// A semaphore with `permits` permits (`threading.Semaphore(permits)`).
    pub fn new(permits: usize) -> Self {
        Semaphore {
            available: Mutex::new(permits),
            returned: Condvar::new(),
        }
    }

    /// Takes a permit, sleeping until one is free; dropping the [`Permit`] returns it.
    pub fn acquire(&self) -> Permit<'_> {
        let mut available = self.lock();
        // A loop, not an `if`: wakeups may be spurious, and another thread may take the
        // permit between the notify and this thread getting the lock.
        while *available == 0 {
            available = self
                .returned
                .wait(available)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *available -= 1;
        Permit(self)
    }

    /// Takes a permit if one is free now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut available = self.lock();
        (*available > 0).then(|| {
            *available -= 1;
            Permit(self)
        })
    }

    /// Takes a permit, waiting at most `timeout` (`acquire(timeout=...)`).
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<Permit<'_>> {
        let deadline = Instant::now() + timeout;
        let mut available = self.lock();
        while *available == 0 {
            let left = deadline.checked_duration_since(Instant::now())?;
            available = self
                .returned
                .wait_timeout(available, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *available -= 1;
        Some(Permit(self))
    }

    /// Permits free now (a snapshot).
    pub fn available(&self) -> usize {
        *self.lock()
    }

    fn release(&self) {
        // The count changes under the lock before the notify: a waiter that wakes is sure
        // to see it. Notifying first would let the waiter check, find 0 and sleep again
        // with nobody left to wake it (the loom model finds that lost wakeup).
        *self.lock() += 1;
        self.returned.notify_one();
    }

    // The count is a plain number: a panic elsewhere cannot leave it half-written, so a
    // poisoned lock is taken as it is.
    fn lock(&self) -> MutexGuard<'_, usize> {
        self.available
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A permit of a [`Semaphore`]; dropping it gives the permit back (`release()`).
#[derive(Debug)]
#[must_use = "the permit is returned as soon as it is dropped"]
pub struct Permit<'a>(&'a Semaphore);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    use super::Semaphore;

    #[test]
    fn permits_are_counted_and_returned() {
        let sem = Semaphore::new(2);
        let a = sem.acquire();
        let b = sem.try_acquire().expect("second permit");
        assert!(sem.try_acquire().is_none());
        assert!(sem.acquire_timeout(Duration::from_millis(5)).is_none());
        drop(a);
        assert_eq!(sem.available(), 1);
        let c = sem
            .acquire_timeout(Duration::from_secs(5))
            .expect("returned permit");
        drop((b, c));
        assert_eq!(sem.available(), 2);
    }

    /// Stress beyond loom's reach (see `checks::stress`).
    #[test]
    fn never_more_than_permits_inside_under_stress() {
        crate::checks::stress(Semaphore::new(3));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::Semaphore;

    #[test]
    fn at_most_permits_inside_and_no_lost_wakeup() {
        crate::checks::three_threads_two_permits(Semaphore::new);
    }

    /// One permit, two threads: the waiter must be woken by the release.
    #[test]
    fn a_released_permit_wakes_the_waiter() {
        testkit::model(|| {
            let sem = Arc::new(Semaphore::new(1));
            let other = Arc::clone(&sem);
            let t = loom::thread::spawn(move || drop(other.acquire()));
            drop(sem.acquire());
            t.join().unwrap();
            assert_eq!(sem.available(), 1);
        });
    }
}
