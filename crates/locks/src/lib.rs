//! Shared counter strategies: the article's `Lock`-protected counter, and what else Rust
//! offers for workers that update one number.
//!
//! The article guards `count += 1` with a `threading.Lock`, 5 threads x 100_000 times. Here
//! the same job ([`CounterJob`]) runs behind a std [`Mutex`], the write
//! side of a std [`RwLock`], a `parking_lot` mutex, a [`SpinLock`]
//! written here (model-checked with loom), one `AtomicU64::fetch_add`, one atomic per worker
//! padded to its own cache line (and packed, to show false sharing), and per-worker local
//! counts added up at the end. What each costs: a lock is one acquire/release per increment
//! and, contended, a cache-line transfer plus a possible sleep in the kernel; an atomic is
//! the transfer alone; shards and local counts share nothing until the end.
//!
//! A read-mostly table ([`ReadMostlyJob`], 95% reads that sum the table) shows what a
//! reader-writer lock buys: readers hold the shared side at the same time.
//!
//! ```
//! use std::time::Duration;
//! use workloads::sync::{CounterJob, ReadMostlyJob, with_deadline};
//!
//! // Bounded, so a lock that never releases fails instead of hanging.
//! with_deadline("locks doc", Duration::from_secs(60), || {
//!     let job = CounterJob { workers: 3, increments: 1_000 };
//!     for technique in locks::counter_techniques() {
//!         let report = technique.run(&job).expect("runs");
//!         job.verify(report.count).expect("no lost update");
//!     }
//!     let table = ReadMostlyJob { ops: 200, ..ReadMostlyJob::new(2) };
//!     for technique in locks::read_mostly_techniques() {
//!         table.verify(&technique.run(&table).unwrap()).unwrap();
//!     }
//! })
//! .unwrap();
//! ```
//!
//! Model checking: `RUSTFLAGS="--cfg loom" cargo test -p locks --release --lib` runs the
//! spin lock through loom (the `loom_shim` module switches its atomics to loom's).

#![warn(missing_docs)]

mod lock_free;
mod locked;
mod loom_shim;
mod spin;

use std::sync::{Mutex, RwLock};

pub use lock_free::{AtomicAdd, LocalThenReduce, Sharded};
pub use locked::{LockedCounter, LockedTable, SharedLock};
pub use spin::SpinLock;
use workloads::Technique;
use workloads::sync::{CounterJob, ReadMostlyJob};

/// Every counter strategy, in legend order.
pub fn counter_techniques() -> Vec<Box<dyn Technique<CounterJob>>> {
    vec![
        Box::new(LockedCounter::<Mutex<u64>>::new()),
        Box::new(LockedCounter::<RwLock<u64>>::new()),
        Box::new(LockedCounter::<parking_lot::Mutex<u64>>::new()),
        Box::new(LockedCounter::<SpinLock<u64>>::new()),
        Box::new(AtomicAdd),
        Box::new(Sharded::PADDED),
        Box::new(Sharded::PACKED),
        Box::new(LocalThenReduce),
    ]
}

/// Every lock for the read-mostly table, in legend order.
pub fn read_mostly_techniques() -> Vec<Box<dyn Technique<ReadMostlyJob>>> {
    vec![
        Box::new(LockedTable::<Mutex<Vec<u64>>>::new()),
        Box::new(LockedTable::<RwLock<Vec<u64>>>::new()),
        Box::new(LockedTable::<parking_lot::Mutex<Vec<u64>>>::new()),
        Box::new(LockedTable::<parking_lot::RwLock<Vec<u64>>>::new()),
        Box::new(LockedTable::<SpinLock<Vec<u64>>>::new()),
    ]
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    use workloads::sync::{CounterJob, ReadMostlyJob, with_deadline};

    /// Far above any correct run; a lost wakeup or a stuck spin fails here instead of hanging.
    const LIMIT: Duration = Duration::from_secs(60);

    #[test]
    fn every_strategy_reaches_the_answer_at_every_width() {
        for workers in [1, 2, 5, 8] {
            let job = CounterJob {
                workers,
                increments: 20_000,
            };
            for technique in counter_techniques() {
                let id = technique.id();
                let report = with_deadline(id, LIMIT, move || technique.run(&job));
                let count = report.unwrap().unwrap().count;
                job.verify(count).unwrap_or_else(|e| panic!("{id}: {e}"));
            }
        }
    }

    #[test]
    fn every_lock_keeps_the_table_consistent() {
        for workers in [1, 3, 6] {
            let job = ReadMostlyJob {
                ops: 4_000,
                ..ReadMostlyJob::new(workers)
            };
            for technique in read_mostly_techniques() {
                let id = technique.id();
                let report = with_deadline(id, LIMIT, move || technique.run(&job));
                job.verify(&report.unwrap().unwrap())
                    .unwrap_or_else(|e| panic!("{id}: {e}"));
            }
        }
    }

    #[test]
    fn ids_are_distinct_kebab_strings() {
        let mut ids: Vec<&str> = counter_techniques().iter().map(|t| t.id()).collect();
        ids.extend(read_mostly_techniques().iter().map(|t| t.id()));
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        let counter_ids: std::collections::HashSet<_> =
            counter_techniques().iter().map(|t| t.id()).collect();
        assert_eq!(counter_ids.len(), counter_techniques().len());
    }
}
