//! The lock-based strategies: one counter and one read-mostly table behind each kind of lock,
//! through a small trait so every lock runs the identical worker loop.

use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError, RwLock};

use workloads::sync::{
    CounterJob, CounterReport, ReadMostlyJob, ReadMostlyReport, read_table, run_timed,
};
use workloads::{Kind, RunError, Technique};

use crate::SpinLock;

/// A lock around a value with a shared (read) and an exclusive (write) side; exclusive locks
/// use the exclusive side for both.
pub trait SharedLock<T>: Sync {
    /// The technique id of this lock.
    const ID: &'static str;
    /// A lock around `value`.
    fn new(value: T) -> Self;
    /// Runs `f` with shared access.
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R;
    /// Runs `f` with exclusive access.
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R;
}

// A poisoned std lock means another worker panicked holding it; that worker's panic is what
// `run_timed` reports, so the others go on with the value rather than panic a second time.
impl<T: Send> SharedLock<T> for Mutex<T> {
    const ID: &'static str = "std-mutex";
    fn new(value: T) -> Self {
        Mutex::new(value)
    }
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.lock().unwrap_or_else(PoisonError::into_inner))
    }
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<T: Send + Sync> SharedLock<T> for RwLock<T> {
    const ID: &'static str = "std-rwlock";
    fn new(value: T) -> Self {
        RwLock::new(value)
    }
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.read().unwrap_or_else(PoisonError::into_inner))
    }
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.write().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<T: Send> SharedLock<T> for parking_lot::Mutex<T> {
    const ID: &'static str = "parking-lot-mutex";
    fn new(value: T) -> Self {
        parking_lot::Mutex::new(value)
    }
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.lock())
    }
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock())
    }
}

impl<T: Send + Sync> SharedLock<T> for parking_lot::RwLock<T> {
    const ID: &'static str = "parking-lot-rwlock";
    fn new(value: T) -> Self {
        parking_lot::RwLock::new(value)
    }
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.read())
    }
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.write())
    }
}

impl<T: Send> SharedLock<T> for SpinLock<T> {
    const ID: &'static str = "spin-lock";
    fn new(value: T) -> Self {
        SpinLock::new(value)
    }
    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.with(|v| f(v))
    }
    fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.with(f)
    }
}

/// The article's `Counter` with its `threading.Lock`: every increment takes the lock `L`.
pub struct LockedCounter<L>(PhantomData<fn() -> L>);

impl<L> LockedCounter<L> {
    /// The technique.
    pub fn new() -> Self {
        LockedCounter(PhantomData)
    }
}

impl<L> Default for LockedCounter<L> {
    fn default() -> Self {
        Self::new()
    }
}

workloads::technique!(impl<L: SharedLock<u64>> LockedCounter<L>, L::ID, Kind::Thread);

impl<L: SharedLock<u64>> Technique<CounterJob> for LockedCounter<L> {
    fn run(&self, job: &CounterJob) -> Result<CounterReport, RunError> {
        let counter = L::new(0);
        let (_, elapsed) = run_timed(job.workers, |_| {
            for _ in 0..job.increments {
                counter.write(|c| *c += 1);
            }
        })?;
        let count = counter.read(|c| *c);
        Ok(CounterReport { count, elapsed })
    }
}

/// The read-mostly table behind the lock `L`: reads take the shared side.
pub struct LockedTable<L>(PhantomData<fn() -> L>);

impl<L> LockedTable<L> {
    /// The technique.
    pub fn new() -> Self {
        LockedTable(PhantomData)
    }
}

impl<L> Default for LockedTable<L> {
    fn default() -> Self {
        Self::new()
    }
}

workloads::technique!(impl<L: SharedLock<Vec<u64>>> LockedTable<L>, L::ID, Kind::Thread);

impl<L: SharedLock<Vec<u64>>> Technique<ReadMostlyJob> for LockedTable<L> {
    fn run(&self, job: &ReadMostlyJob) -> Result<ReadMostlyReport, RunError> {
        let table = L::new(vec![0; job.slots]);
        let (tallies, elapsed) = run_timed(job.workers, |worker| {
            let mut tally = ReadMostlyReport::default();
            let mut last = 0;
            for op in 0..job.ops {
                if job.is_write(op) {
                    table.write(|t| t[job.slot(worker, op)] += 1);
                } else {
                    let sum = table.read(|t| read_table(t));
                    tally.reads += 1;
                    tally.backwards += u64::from(sum < last);
                    last = sum;
                }
            }
            tally
        })?;
        Ok(ReadMostlyReport {
            final_sum: table.read(|t| read_table(t)),
            reads: tallies.iter().map(|t| t.reads).sum(),
            backwards: tallies.iter().map(|t| t.backwards).sum(),
            elapsed,
        })
    }
}
