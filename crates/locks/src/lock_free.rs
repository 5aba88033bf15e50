//! The strategies that take no lock: one atomic, atomics sharded over cache lines, and
//! per-worker counts added up at the end.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;
use workloads::sync::{CounterJob, CounterReport, run_timed};
use workloads::{Kind, RunError, Technique};

// Relaxed throughout this file: the count is the only data the atomics guard, every update is
// a read-modify-write (so none is lost whatever the ordering), and the final read happens
// after `join`, which orders it after every worker's last update.

/// One `AtomicU64` that every worker `fetch_add`s: no lock, but one contended cache line.
pub struct AtomicAdd;

workloads::technique!(AtomicAdd, "atomic-fetch-add", Kind::Thread);

impl Technique<CounterJob> for AtomicAdd {
    fn run(&self, job: &CounterJob) -> Result<CounterReport, RunError> {
        let counter = AtomicU64::new(0);
        let (_, elapsed) = run_timed(job.workers, |_| {
            for _ in 0..job.increments {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        })?;
        let count = counter.load(Ordering::Relaxed);
        Ok(CounterReport { count, elapsed })
    }
}

/// One atomic per worker, summed at the end. `padded` puts each on its own cache line
/// (crossbeam's `CachePadded`); unpadded, neighbours share a line and contend anyway
/// (false sharing), which is what the padding is for.
pub struct Sharded {
    padded: bool,
}

impl Sharded {
    /// Shards on their own cache lines.
    pub const PADDED: Sharded = Sharded { padded: true };
    /// Shards packed side by side, to show false sharing.
    pub const PACKED: Sharded = Sharded { padded: false };

    fn count<S: Sync>(
        job: &CounterJob,
        shard: impl Fn(&S) -> &AtomicU64 + Sync,
        shards: &[S],
    ) -> Result<CounterReport, RunError> {
        let (_, elapsed) = run_timed(job.workers, |worker| {
            let mine = shard(&shards[worker]);
            for _ in 0..job.increments {
                mine.fetch_add(1, Ordering::Relaxed);
            }
        })?;
        let count = shards
            .iter()
            .map(|s| shard(s).load(Ordering::Relaxed))
            .sum();
        Ok(CounterReport { count, elapsed })
    }
}

workloads::technique!(
    Sharded,
    |self| if self.padded {
        "sharded-padded"
    } else {
        "sharded-packed"
    },
    Kind::Thread
);

impl Technique<CounterJob> for Sharded {
    fn run(&self, job: &CounterJob) -> Result<CounterReport, RunError> {
        if self.padded {
            let shards: Vec<CachePadded<AtomicU64>> = (0..job.workers)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect();
            Self::count(job, |s: &CachePadded<AtomicU64>| &**s, &shards)
        } else {
            let shards: Vec<AtomicU64> = (0..job.workers).map(|_| AtomicU64::new(0)).collect();
            Self::count(job, |s: &AtomicU64| s, &shards)
        }
    }
}

/// Each worker counts in a local variable and returns it; the counts are added after `join`.
/// Nothing is shared while counting: the floor every other strategy is measured against.
pub struct LocalThenReduce;

workloads::technique!(LocalThenReduce, "local-then-reduce", Kind::Thread);

impl Technique<CounterJob> for LocalThenReduce {
    fn run(&self, job: &CounterJob) -> Result<CounterReport, RunError> {
        let (counts, elapsed) = run_timed(job.workers, |_| {
            let mut local = 0u64;
            for _ in 0..job.increments {
                // black_box keeps one add per increment instead of a single `+= increments`.
                local = black_box(local + 1);
            }
            local
        })?;
        Ok(CounterReport {
            count: counts.iter().sum(),
            elapsed,
        })
    }
}
