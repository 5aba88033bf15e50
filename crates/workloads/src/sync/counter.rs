//! The article's `Lock` counter, and a read-mostly table where readers can share a lock.

use std::time::Duration;

use crate::{Job, Mismatch};

/// The article's counter: `workers` threads (or processes) each add 1, `increments` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterJob {
    /// How many workers increment concurrently.
    pub workers: usize,
    /// Increments per worker.
    pub increments: u64,
}

impl CounterJob {
    /// The article's threads: 5 x 100_000 = 500_000.
    pub const ARTICLE_THREADS: CounterJob = CounterJob {
        workers: 5,
        increments: 100_000,
    };
    /// The article's processes sharing a `Value`: 4 x 100 = 400.
    pub const ARTICLE_PROCESSES: CounterJob = CounterJob {
        workers: 4,
        increments: 100,
    };

    /// The stable benchmark id, e.g. `counter-5x100k`.
    pub fn id(&self) -> String {
        format!(
            "counter-{}x{}",
            self.workers,
            crate::short_size(self.increments)
        )
    }

    /// The final count every correct strategy reaches.
    pub fn expected(&self) -> u64 {
        self.workers as u64 * self.increments
    }

    /// Checks a final count; a lost update shows as a smaller number.
    pub fn verify(&self, got: u64) -> Result<(), Mismatch> {
        Mismatch::unless_equal(self.id(), "final count", self.expected(), got)
    }
}

/// What one counter run produced: the final count and how long the workers took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterReport {
    /// The counter after every worker finished.
    pub count: u64,
    /// From the workers' common start until the last one finished (thread spawn excluded).
    pub elapsed: Duration,
}

impl Job for CounterJob {
    type Report = CounterReport;

    fn id(&self) -> String {
        CounterJob::id(self)
    }

    fn elements(&self) -> u64 {
        self.expected()
    }

    fn check(&self, report: &CounterReport) -> Result<Duration, Mismatch> {
        self.verify(report.count).map(|()| report.elapsed)
    }
}

/// A read-mostly table: each worker does `ops` operations on a table of `slots` counters;
/// every `write_every`-th operation bumps one slot, the others read the whole table (sum it).
///
/// A read is long enough (a few hundred bytes summed) that readers holding a shared lock at
/// the same time gain something, which is what `RwLock` is for; the counter workload, whose
/// critical section is one add, cannot show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadMostlyJob {
    /// How many workers share the table.
    pub workers: usize,
    /// Operations per worker.
    pub ops: u64,
    /// One operation in this many is a write (20: 95% reads).
    pub write_every: u64,
    /// Counters in the table.
    pub slots: usize,
}

impl ReadMostlyJob {
    /// 95% reads of a 1024-slot table (8 KiB: a read takes a few hundred ns, long enough
    /// for overlapping readers to matter), 5_000 operations per worker.
    pub fn new(workers: usize) -> Self {
        ReadMostlyJob {
            workers,
            ops: 5_000,
            write_every: 20,
            slots: 1024,
        }
    }

    /// The stable benchmark id, e.g. `counter-read-mostly-95r`.
    pub fn id(&self) -> String {
        format!(
            "counter-read-mostly-{}r",
            100 - 100 / self.write_every.max(1)
        )
    }

    /// Whether operation `op` of a worker is a write.
    pub fn is_write(&self, op: u64) -> bool {
        op % self.write_every.max(1) == 0
    }

    /// The slot that operation `op` of `worker` writes.
    pub fn slot(&self, worker: usize, op: u64) -> usize {
        (worker + op as usize) % self.slots.max(1)
    }

    /// Writes per worker.
    pub fn writes_per_worker(&self) -> u64 {
        self.ops.div_ceil(self.write_every.max(1))
    }

    /// Every read and write, counted, and the table's final sum.
    pub fn verify(&self, got: &ReadMostlyReport) -> Result<(), Mismatch> {
        let writes = self.workers as u64 * self.writes_per_worker();
        let reads = self.workers as u64 * self.ops - writes;
        let id = self.id();
        Mismatch::unless_equal(&id, "final sum of the table", writes, got.final_sum)?;
        Mismatch::unless_equal(&id, "number of reads", reads, got.reads)?;
        Mismatch::unless_equal(id, "reads that went backwards", 0, got.backwards)
    }
}

/// The read kernel: the sum of the table.
pub fn read_table(table: &[u64]) -> u64 {
    table.iter().sum()
}

/// What a read-mostly run observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadMostlyReport {
    /// The table's sum at the end: the number of writes.
    pub final_sum: u64,
    /// Reads done, over all workers.
    pub reads: u64,
    /// Reads that saw a smaller sum than the same worker's previous read (a torn or stale
    /// read); writes only add, so a correct lock gives 0.
    pub backwards: u64,
    /// From the workers' common start until the last one finished.
    pub elapsed: Duration,
}

job!(
    ReadMostlyJob => ReadMostlyReport,
    elements: |self| self.ops * self.workers as u64,
    time: elapsed
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_answers_are_the_articles() {
        assert_eq!(CounterJob::ARTICLE_THREADS.expected(), 500_000);
        assert_eq!(CounterJob::ARTICLE_PROCESSES.expected(), 400);
        assert_eq!(CounterJob::ARTICLE_THREADS.id(), "counter-5x100k");
        let err = CounterJob::ARTICLE_THREADS.verify(499_999).unwrap_err();
        assert_eq!(
            (err.expected.as_str(), err.got.as_str()),
            ("500000", "499999")
        );
    }

    #[test]
    fn read_mostly_counts_and_checks() {
        let job = ReadMostlyJob {
            workers: 2,
            ops: 40,
            write_every: 20,
            slots: 4,
        };
        assert_eq!(job.id(), "counter-read-mostly-95r");
        assert_eq!(job.writes_per_worker(), 2);
        let good = ReadMostlyReport {
            final_sum: 4,
            reads: 76,
            ..Default::default()
        };
        assert!(job.verify(&good).is_ok());
        assert!(
            job.verify(&ReadMostlyReport {
                final_sum: 3,
                ..good
            })
            .is_err()
        );
        let torn = job
            .verify(&ReadMostlyReport {
                backwards: 1,
                ..good
            })
            .unwrap_err();
        assert!(torn.what.contains("backwards"), "{torn}");
    }
}
