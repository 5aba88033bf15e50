//! A fair counting semaphore for threads: first come, first served, and a returned permit
//! goes straight to the longest waiter (a hand-off), never back into a pool that the
//! releasing thread, or any newcomer, could grab first.
//!
//! [`Semaphore`](crate::Semaphore) lets a releasing worker take its permit straight back
//! (barging): in the article's job one worker can end with several uses in a row while the
//! other permit idles, a hold or more above the floor. Here a release with
//! waiters never raises the count: it marks the oldest waiter's ticket as granted and wakes
//! that one thread (each waiter sleeps on a condition variable of its own, so no other thread
//! wakes for nothing). The count goes up only when nobody waits, and an acquire takes from it
//! only when nobody waits, so a newcomer cannot overtake the queue.

use std::collections::VecDeque;
use std::sync::PoisonError;

use crate::loom_shim::{Arc, Condvar, Mutex, MutexGuard};

/// A first-come-first-served counting semaphore with direct hand-off.
#[derive(Debug)]
pub struct FairSemaphore {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Permits nobody holds and nobody waits for. Non-zero only while `waiters` is empty.
    available: usize,
    /// The ticket the next waiter gets.
    next_ticket: u64,
    /// Every ticket below this one has been handed a permit (tickets are granted in order).
    granted_below: u64,
    /// Waiters in arrival order, each with the condition variable it sleeps on.
    waiters: VecDeque<(u64, Arc<Condvar>)>,
}

impl FairSemaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Self {
        FairSemaphore {
            state: Mutex::new(State {
                available: permits,
                next_ticket: 0,
                granted_below: 0,
                waiters: VecDeque::new(),
            }),
        }
    }

    /// Takes a permit, waiting behind everyone who asked earlier; dropping the
    /// [`FairPermit`] hands it to the next waiter.
    pub fn acquire(&self) -> FairPermit<'_> {
        let mut state = self.lock();
        if state.waiters.is_empty() && state.available > 0 {
            state.available -= 1;
            return FairPermit(self);
        }
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let wake = Arc::new(Condvar::new());
        state.waiters.push_back((ticket, Arc::clone(&wake)));
        // A loop: wakeups may be spurious. The grant is made under the lock before the
        // notify, so a waiter that checks after it always sees it.
        while state.granted_below <= ticket {
            state = wake.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        FairPermit(self)
    }

    /// Takes a permit if one is free now and nobody waits (a newcomer never overtakes).
    pub fn try_acquire(&self) -> Option<FairPermit<'_>> {
        let mut state = self.lock();
        (state.waiters.is_empty() && state.available > 0).then(|| {
            state.available -= 1;
            FairPermit(self)
        })
    }

    /// Permits free now (a snapshot); 0 while anyone waits.
    pub fn available(&self) -> usize {
        self.lock().available
    }

    /// Threads waiting now (a snapshot).
    pub fn waiting(&self) -> usize {
        self.lock().waiters.len()
    }

    fn release(&self) {
        let mut state = self.lock();
        match state.waiters.pop_front() {
            Some((ticket, wake)) => {
                // The permit passes to the oldest waiter without touching the count.
                state.granted_below = ticket + 1;
                drop(state);
                wake.notify_one();
            }
            None => state.available += 1,
        }
    }

    // The state is only changed in whole steps under the lock; a panic elsewhere cannot
    // leave it half-written, so a poisoned lock is taken as it is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A permit of a [`FairSemaphore`]; dropping it hands the permit to the longest waiter.
#[derive(Debug)]
#[must_use = "the permit is handed on as soon as it is dropped"]
pub struct FairPermit<'a>(&'a FairSemaphore);

impl Drop for FairPermit<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Mutex as StdMutex;
    use std::time::Duration;

    use workloads::sync::with_deadline;

    use super::FairSemaphore;

    #[test]
    fn permits_are_counted_and_newcomers_do_not_overtake() {
        let sem = FairSemaphore::new(2);
        let a = sem.acquire();
        let b = sem.try_acquire().expect("second permit");
        assert!(sem.try_acquire().is_none());
        drop((a, b));
        assert_eq!(sem.available(), 2);
    }

    /// Waiters are served in the order they queued: each thread queues only after the one
    /// before it is seen waiting, then the single permit is released and passes down the
    /// line; the order of entry must be the order of arrival.
    #[test]
    fn waiters_are_served_first_come_first_served() {
        let order = with_deadline("fair order", Duration::from_secs(30), || {
            let sem = FairSemaphore::new(1);
            let entered = StdMutex::new(Vec::new());
            std::thread::scope(|s| {
                let first = sem.acquire();
                for i in 0..6 {
                    let (sem, entered) = (&sem, &entered);
                    s.spawn(move || {
                        let _permit = sem.acquire();
                        entered.lock().unwrap().push(i);
                    });
                    while sem.waiting() <= i {
                        std::thread::yield_now();
                    }
                }
                drop(first);
            });
            entered.into_inner().unwrap()
        });
        assert_eq!(order.unwrap(), vec![0, 1, 2, 3, 4, 5]);
    }

    /// Stress beyond loom's reach (see `checks::stress`).
    #[test]
    fn never_more_than_permits_inside_under_stress() {
        crate::checks::stress(FairSemaphore::new(3));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::FairSemaphore;

    #[test]
    fn at_most_permits_inside_and_no_lost_handoff() {
        crate::checks::three_threads_two_permits(FairSemaphore::new);
    }

    /// One permit, a holder and a waiter: the release hands the permit over and wakes the
    /// waiter; a third thread arriving meanwhile cannot take it from under the waiter, and
    /// all three finish.
    #[test]
    fn a_release_hands_the_permit_to_the_waiter() {
        testkit::model(|| {
            let sem = Arc::new(FairSemaphore::new(1));
            let (a, b) = (Arc::clone(&sem), Arc::clone(&sem));
            let t1 = loom::thread::spawn(move || drop(a.acquire()));
            let t2 = loom::thread::spawn(move || drop(b.try_acquire()));
            drop(sem.acquire());
            t1.join().unwrap();
            t2.join().unwrap();
            assert_eq!((sem.available(), sem.waiting()), (1, 0));
        });
    }
}
