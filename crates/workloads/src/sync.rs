//! Shared-state workloads: the article's `Lock` counter, `Semaphore(2)` resource and
//! `queue.Queue` workers. Each states its answer; the `locks`, `semaphore` and `queue`
//! crates (and the process pool's shared `Value`) implement the traits here.

use std::time::Duration;

use crate::{Mismatch, RunError};

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
        if got == self.expected() {
            Ok(())
        } else {
            Err(Mismatch::new(
                self.id(),
                "final count",
                self.expected(),
                got,
            ))
        }
    }
}

/// A way to share a counter between workers (a `Mutex`, an atomic, sharded cells, ...).
pub trait CounterTechnique: Send + Sync {
    /// The stable kebab-case id.
    fn id(&self) -> &'static str;
    /// Runs the job to completion and returns the final count. This is the timed part.
    fn run(&self, job: &CounterJob) -> Result<u64, RunError>;
}

/// The article's `LimitedResource`: `workers` workers each use a resource `uses` times,
/// holding it `hold` each time, while at most `permits` may hold it at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitedResourceJob {
    /// Concurrent workers.
    pub workers: usize,
    /// Uses per worker.
    pub uses: usize,
    /// How many may hold the resource at once (the semaphore's value).
    pub permits: usize,
    /// How long each use holds the resource.
    pub hold: Duration,
}

impl LimitedResourceJob {
    /// The article's `Semaphore(2)` with 5 workers x 3 uses, holding 5 ms (the article: 1 s).
    pub const ARTICLE: LimitedResourceJob = LimitedResourceJob {
        workers: 5,
        uses: 3,
        permits: 2,
        hold: Duration::from_millis(5),
    };

    /// The shortest possible makespan: `ceil(workers * uses / permits)` holds in a row.
    pub fn floor(&self) -> Duration {
        let rounds = (self.workers * self.uses).div_ceil(self.permits);
        self.hold * rounds as u32
    }
}

/// What a limited-resource run observed; [`LimitedResourceReport::verify`] checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitedResourceReport {
    /// Uses completed, over all workers.
    pub uses: usize,
    /// The most workers seen inside at once (a gauge updated on entry).
    pub max_inside: usize,
}

impl LimitedResourceReport {
    /// Every use happened, and never more than `permits` were inside at once.
    pub fn verify(&self, job: &LimitedResourceJob) -> Result<(), Mismatch> {
        let id = "limited-resource";
        if self.uses != job.workers * job.uses {
            return Err(Mismatch::new(
                id,
                "uses completed",
                job.workers * job.uses,
                self.uses,
            ));
        }
        if self.max_inside > job.permits || self.max_inside == 0 {
            return Err(Mismatch::new(
                id,
                "most workers inside at once",
                job.permits,
                self.max_inside,
            ));
        }
        Ok(())
    }
}

/// A producer/consumer run: `tasks` numbered tasks through a queue to `consumers` workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskQueueJob {
    /// Number of tasks, numbered `0..tasks`.
    pub tasks: u64,
    /// Threads putting tasks in.
    pub producers: usize,
    /// Threads taking tasks out (the article: 3 workers).
    pub consumers: usize,
}

impl TaskQueueJob {
    /// Checks that every task was processed exactly once, given how many times each was seen.
    pub fn verify_once(&self, seen: &[u32]) -> Result<(), Mismatch> {
        let id = format!("task-queue-{}", crate::short_size(self.tasks));
        if seen.len() as u64 != self.tasks {
            return Err(Mismatch::new(
                id,
                "number of task slots",
                self.tasks,
                seen.len(),
            ));
        }
        match seen.iter().position(|&n| n != 1) {
            None => Ok(()),
            Some(i) => Err(Mismatch::new(
                id,
                format!("times task {i} was processed"),
                1,
                seen[i],
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_answers_are_the_articles() {
        assert_eq!(CounterJob::ARTICLE_THREADS.expected(), 500_000);
        assert_eq!(CounterJob::ARTICLE_PROCESSES.expected(), 400);
        let err = CounterJob::ARTICLE_THREADS.verify(499_999).unwrap_err();
        assert_eq!(
            (err.expected.as_str(), err.got.as_str()),
            ("500000", "499999")
        );
    }

    #[test]
    fn limited_resource_floor_and_gauge() {
        assert_eq!(
            LimitedResourceJob::ARTICLE.floor(),
            Duration::from_millis(40)
        );
        let job = LimitedResourceJob::ARTICLE;
        assert!(
            LimitedResourceReport {
                uses: 15,
                max_inside: 2
            }
            .verify(&job)
            .is_ok()
        );
        assert!(
            LimitedResourceReport {
                uses: 15,
                max_inside: 3
            }
            .verify(&job)
            .is_err()
        );
        assert!(
            LimitedResourceReport {
                uses: 14,
                max_inside: 2
            }
            .verify(&job)
            .is_err()
        );
    }

    #[test]
    fn each_task_exactly_once() {
        let job = TaskQueueJob {
            tasks: 3,
            producers: 1,
            consumers: 3,
        };
        assert!(job.verify_once(&[1, 1, 1]).is_ok());
        let err = job.verify_once(&[1, 2, 1]).unwrap_err();
        assert!(err.what.contains("task 1"), "{err}");
    }
}
