//! `queue.PriorityQueue` written here: a `Mutex<BinaryHeap>` with a `Condvar`, first in
//! first out among equal priorities, and a take number given out under the lock.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::PoisonError;

use crate::loom_shim::{Condvar, Mutex, MutexGuard};

/// A priority queue shared by producers and consumers: [`get`](PriorityQueue::get) takes the
/// highest priority, the earliest put among equals. Stops takers by [`close`](PriorityQueue::close).
pub struct PriorityQueue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
}

struct State<T> {
    heap: BinaryHeap<Entry<T>>,
    puts: u64,
    takes: u64,
    closed: bool,
}

/// Ordered by priority, then by put number reversed (earlier first); the item is not compared.
struct Entry<T> {
    priority: u64,
    put: Reverse<u64>,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.priority, self.put).cmp(&(other.priority, other.put))
    }
}

impl<T> Default for PriorityQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> PriorityQueue<T> {
    /// An empty, open queue.
    pub fn new() -> Self {
        PriorityQueue {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                puts: 0,
                takes: 0,
                closed: false,
            }),
            not_empty: Condvar::new(),
        }
    }

    /// Puts an item with a priority (higher is taken first); `false` if the queue is closed.
    pub fn put(&self, priority: u64, item: T) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        let put = Reverse(state.puts);
        state.puts += 1;
        state.heap.push(Entry {
            priority,
            put,
            item,
        });
        // After the change and after unlocking, as in `Queue::put`.
        drop(state);
        self.not_empty.notify_one();
        true
    }

    /// Takes the highest-priority item, sleeping while empty; `None` once closed and empty.
    pub fn get(&self) -> Option<T> {
        self.get_numbered().map(|(_, item)| item)
    }

    /// Like [`get`](Self::get), with the take number: 0 for the first item ever taken, 1 for
    /// the next, ... given out under the lock, so it is the true order items left the queue.
    pub fn get_numbered(&self) -> Option<(u64, T)> {
        let mut state = self.lock();
        loop {
            if let Some(entry) = state.heap.pop() {
                let take = state.takes;
                state.takes += 1;
                return Some((take, entry.item));
            }
            if state.closed {
                return None;
            }
            state = self
                .not_empty
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Closes the queue and wakes every taker; the items already in are still taken.
    pub fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
    }

    // A panic in `BinaryHeap::push` (allocation) leaves the heap valid; take a poisoned lock.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::PriorityQueue;

    #[test]
    fn highest_first_fifo_among_equals_numbered() {
        let q = PriorityQueue::new();
        for (p, item) in [(1, 'a'), (5, 'b'), (1, 'c'), (5, 'd'), (3, 'e')] {
            assert!(q.put(p, item));
        }
        q.close();
        assert!(!q.put(9, 'z'));
        let got: Vec<_> = std::iter::from_fn(|| q.get_numbered()).collect();
        assert_eq!(got, vec![(0, 'b'), (1, 'd'), (2, 'e'), (3, 'a'), (4, 'c')]);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::PriorityQueue;

    /// Two takers race for a closed backlog of two items (the workload's shape): the take
    /// numbers are 0 and 1, the high-priority item goes out first, and both takers return.
    #[test]
    fn take_numbers_follow_priority() {
        testkit::model(|| {
            let q = Arc::new(PriorityQueue::new());
            q.put(1, "low");
            q.put(2, "high");
            q.close();
            let other = {
                let q = Arc::clone(&q);
                loom::thread::spawn(move || {
                    std::iter::from_fn(|| q.get_numbered()).collect::<Vec<_>>()
                })
            };
            let mut got: Vec<_> = std::iter::from_fn(|| q.get_numbered()).collect();
            got.extend(other.join().unwrap());
            got.sort_unstable();
            assert_eq!(got, vec![(0, "high"), (1, "low")]);
        });
    }

    /// A taker waiting on the empty queue is woken by a put from another thread.
    #[test]
    fn a_put_wakes_a_waiting_taker() {
        testkit::model(|| {
            let q = Arc::new(PriorityQueue::new());
            let taker = {
                let q = Arc::clone(&q);
                loom::thread::spawn(move || q.get())
            };
            q.put(3, 'x');
            assert_eq!(taker.join().unwrap(), Some('x'));
        });
    }
}
