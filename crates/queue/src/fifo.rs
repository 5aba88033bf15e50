//! `queue.Queue` written here: a `Mutex<VecDeque>` with a `Condvar` for takers, and the
//! `task_done` / `join` pair that lets a producer wait until every task was processed.

use std::collections::VecDeque;
use std::fmt;
use std::sync::PoisonError;

use crate::loom_shim::{Condvar, Mutex, MutexGuard};

/// An unbounded FIFO queue shared by producers and consumers.
///
/// Two ways to stop consumers: the article's, putting one sentinel per consumer after
/// [`join`](Queue::join) (with `Queue<Option<T>>`, `None` is the sentinel), or
/// [`close`](Queue::close), after which [`get`](Queue::get) returns `None` once the queue
/// is empty.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    /// Signalled when an item is put or the queue is closed.
    not_empty: Condvar,
    /// Signalled when the count of unfinished tasks drops to zero.
    all_done: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    /// Items put and not yet marked done with `task_done` (Python's `unfinished_tasks`).
    unfinished: usize,
    /// Takers asleep in `get`. std's `notify_one` makes a futex syscall even when nobody
    /// waits, so `put` notifies only when someone does (Python's `Condition` keeps a list of
    /// waiters for the same reason).
    sleeping_takers: usize,
    closed: bool,
}

/// [`Queue::put`] on a closed queue; the item is handed back.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed<T>(pub T);

/// [`Queue::task_done`] called more times than items were put (Python's `ValueError`).
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyTaskDone;

impl fmt::Display for TooManyTaskDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items put")
    }
}

impl std::error::Error for TooManyTaskDone {}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Queue<T> {
    /// An empty, open queue.
    pub fn new() -> Self {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                unfinished: 0,
                sleeping_takers: 0,
                closed: false,
            }),
            not_empty: Condvar::new(),
            all_done: Condvar::new(),
        }
    }

    /// Puts an item at the back and wakes one taker; fails once the queue is closed.
    pub fn put(&self, item: T) -> Result<(), Closed<T>> {
        let mut state = self.lock();
        if state.closed {
            return Err(Closed(item));
        }
        state.items.push_back(item);
        state.unfinished += 1;
        // Read under the lock: a taker counts itself in before `wait` releases the lock, so
        // a taker that saw the queue empty is either counted here or will see this item.
        let wake = state.sleeping_takers > 0;
        // Notify after the state change and after unlocking: a taker that wakes sees the
        // item (or a later taker took it, and this one waits again in `get`'s loop), and
        // does not wake only to block on the lock this thread still holds.
        drop(state);
        if wake {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// Takes the front item, sleeping while the queue is empty; `None` once it is closed
    /// and empty.
    pub fn get(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state.sleeping_takers += 1;
            state = self
                .not_empty
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.sleeping_takers -= 1;
        }
    }

    /// Marks one taken item as processed; [`join`](Queue::join) returns when all are.
    pub fn task_done(&self) -> Result<(), TooManyTaskDone> {
        let mut state = self.lock();
        state.unfinished = state.unfinished.checked_sub(1).ok_or(TooManyTaskDone)?;
        if state.unfinished == 0 {
            self.all_done.notify_all();
        }
        Ok(())
    }

    /// Sleeps until every item put so far was marked done with `task_done`.
    pub fn join(&self) {
        let mut state = self.lock();
        while state.unfinished > 0 {
            state = self
                .all_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Closes the queue: `put` fails from now on, and every taker is woken, so that those
    /// waiting on an empty queue return `None`.
    pub fn close(&self) {
        self.lock().closed = true;
        // All, not one: every waiting taker has to see the close and return.
        self.not_empty.notify_all();
    }

    /// Items waiting now (a snapshot).
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether no item is waiting now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A panic while holding the lock cannot leave the deque half-changed (its operations
    // either happen or not), so a poisoned lock is taken as it is.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    use workloads::sync::with_deadline;

    use super::*;

    #[test]
    fn fifo_order_task_done_and_close() {
        let q = Queue::new();
        q.put(1).unwrap();
        q.put(2).unwrap();
        assert_eq!((q.len(), q.get(), q.get()), (2, Some(1), Some(2)));
        q.task_done().unwrap();
        q.task_done().unwrap();
        assert_eq!(q.task_done(), Err(TooManyTaskDone));
        q.join();
        q.close();
        assert_eq!(q.put(3), Err(Closed(3)));
        assert_eq!(q.get(), None);
    }

    /// Stress beyond loom's reach: 4 producers, 4 consumers, 40_000 items, every item once,
    /// `join` returns, and close releases every consumer; bounded by a deadline.
    #[test]
    fn many_threads_each_item_once() {
        let counts = with_deadline("queue stress", Duration::from_secs(60), || {
            let q = Queue::new();
            let mut seen = vec![0u32; 40_000];
            std::thread::scope(|s| {
                let consumers: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            let mut got = Vec::new();
                            while let Some(item) = q.get() {
                                got.push(item);
                                q.task_done().unwrap();
                            }
                            got
                        })
                    })
                    .collect();
                let producers: Vec<_> = (0..4u32)
                    .map(|p| {
                        let q = &q;
                        s.spawn(move || {
                            (p * 10_000..(p + 1) * 10_000).for_each(|i| q.put(i).unwrap())
                        })
                    })
                    .collect();
                producers.into_iter().for_each(|p| p.join().unwrap());
                q.join();
                q.close();
                for c in consumers {
                    c.join()
                        .unwrap()
                        .into_iter()
                        .for_each(|i| seen[i as usize] += 1);
                }
            });
            seen
        });
        assert!(counts.unwrap().iter().all(|&n| n == 1));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;

    use super::Queue;

    /// A producer puts two items and closes; two consumers take until `None`. Every item is
    /// taken exactly once and both consumers return (loom reports a deadlock otherwise).
    #[test]
    fn each_item_once_and_close_releases_consumers() {
        testkit::model(|| {
            let q = Arc::new(Queue::new());
            let producer = {
                let q = Arc::clone(&q);
                loom::thread::spawn(move || {
                    q.put(1).unwrap();
                    q.put(2).unwrap();
                    q.close();
                })
            };
            let consumer = {
                let q = Arc::clone(&q);
                loom::thread::spawn(move || std::iter::from_fn(|| q.get()).collect::<Vec<_>>())
            };
            let mut got: Vec<i32> = std::iter::from_fn(|| q.get()).collect();
            producer.join().unwrap();
            got.extend(consumer.join().unwrap());
            got.sort_unstable();
            assert_eq!(got, vec![1, 2]);
        });
    }

    /// `join` returns only after the consumer's `task_done`, and is woken by it.
    #[test]
    fn join_waits_for_task_done() {
        testkit::model(|| {
            let q = Arc::new(Queue::new());
            let done = Arc::new(loom::sync::atomic::AtomicBool::new(false));
            let consumer = {
                let (q, done) = (Arc::clone(&q), Arc::clone(&done));
                loom::thread::spawn(move || {
                    let item = q.get();
                    done.store(true, loom::sync::atomic::Ordering::Relaxed);
                    q.task_done().unwrap();
                    item
                })
            };
            q.put(7).unwrap();
            q.join();
            // The store before task_done is ordered before join's return by the lock.
            assert!(done.load(loom::sync::atomic::Ordering::Relaxed));
            assert_eq!(consumer.join().unwrap(), Some(7));
        });
    }
}
