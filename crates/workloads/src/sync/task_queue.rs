//! The article's `queue.Queue` workers: numbered tasks flow from producers to consumers, and
//! each must be processed exactly once.

use std::ops::Range;
use std::time::Duration;

use super::harness::mix;
use crate::Mismatch;

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
    /// The article's shape: one producer, 3 workers.
    pub fn article(tasks: u64) -> Self {
        TaskQueueJob {
            tasks,
            producers: 1,
            consumers: 3,
        }
    }

    /// The stable benchmark id, e.g. `task-queue-10k`.
    pub fn id(&self) -> String {
        format!("task-queue-{}", crate::short_size(self.tasks))
    }

    /// The tasks producer `p` puts, in order: an equal share of `0..tasks`.
    pub fn producer_tasks(&self, p: usize) -> Range<u64> {
        let n = self.producers.max(1) as u64;
        let p = p as u64;
        (self.tasks * p / n)..(self.tasks * (p + 1) / n)
    }

    /// The work of one task: a few nanoseconds of hashing, so the queue's cost shows.
    pub fn process(task: u64) -> u64 {
        mix(task)
    }

    /// The wrapping sum of every task's output.
    pub fn expected_checksum(&self) -> u64 {
        (0..self.tasks)
            .map(Self::process)
            .fold(0, u64::wrapping_add)
    }

    /// Checks that every task was processed exactly once, given how many times each was seen.
    pub fn verify_once(&self, seen: &[u32]) -> Result<(), Mismatch> {
        Mismatch::unless_equal(
            self.id(),
            "number of task slots",
            self.tasks,
            seen.len() as u64,
        )?;
        match seen.iter().position(|&n| n != 1) {
            None => Ok(()),
            Some(i) => Err(Mismatch::new(
                self.id(),
                format!("times task {i} was processed"),
                1,
                seen[i],
            )),
        }
    }

    /// Checks a run: every task once (from the consumers' logs) and the checksum of the work.
    pub fn verify(&self, got: &TaskQueueReport) -> Result<(), Mismatch> {
        self.verify_once(&count_seen(self.tasks, &got.processed))?;
        Mismatch::unless_equal(
            self.id(),
            "checksum of the outputs",
            self.expected_checksum(),
            got.checksum,
        )
    }
}

/// How many times each task in `0..tasks` appears in the logs; ids out of range count on the
/// last slot plus one, so they show as a wrong number of slots.
pub(crate) fn count_seen(tasks: u64, logs: &[Vec<u64>]) -> Vec<u32> {
    let mut seen = vec![0u32; tasks as usize];
    for &task in logs.iter().flatten() {
        match seen.get_mut(task as usize) {
            Some(n) => *n += 1,
            None => seen.push(1),
        }
    }
    seen
}

/// What a task-queue run produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskQueueReport {
    /// The tasks each consumer processed, in its order.
    pub processed: Vec<Vec<u64>>,
    /// The wrapping sum of the outputs of [`TaskQueueJob::process`].
    pub checksum: u64,
    /// From the common start until the last consumer stopped.
    pub elapsed: Duration,
}

impl TaskQueueReport {
    /// Builds a report from the consumers' `(log, checksum)` pairs.
    pub fn from_consumers(consumers: Vec<(Vec<u64>, u64)>, elapsed: Duration) -> Self {
        let checksum = consumers.iter().map(|c| c.1).fold(0, u64::wrapping_add);
        TaskQueueReport {
            processed: consumers.into_iter().map(|c| c.0).collect(),
            checksum,
            elapsed,
        }
    }
}

/// A consumer's tally: the tasks it processed and the sum of their outputs.
#[derive(Debug, Default)]
pub struct ConsumerLog {
    /// The tasks, in the order processed.
    pub tasks: Vec<u64>,
    /// The wrapping sum of their outputs.
    pub checksum: u64,
}

impl ConsumerLog {
    /// Processes one task and records it.
    pub fn process(&mut self, task: u64) {
        self.checksum = self.checksum.wrapping_add(TaskQueueJob::process(task));
        self.tasks.push(task);
    }

    /// The `(log, checksum)` pair [`TaskQueueReport::from_consumers`] takes.
    pub fn finish(self) -> (Vec<u64>, u64) {
        (self.tasks, self.checksum)
    }
}

job!(TaskQueueJob => TaskQueueReport, elements: |self| self.tasks, time: elapsed);

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn producers_split_the_tasks_and_reports_verify() {
        let job = TaskQueueJob {
            tasks: 10,
            producers: 3,
            consumers: 2,
        };
        let all: Vec<u64> = (0..3).flat_map(|p| job.producer_tasks(p)).collect();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        let mut a = ConsumerLog::default();
        let mut b = ConsumerLog::default();
        (0..10).for_each(|t| {
            if t % 2 == 0 {
                a.process(t)
            } else {
                b.process(t)
            }
        });
        let good = TaskQueueReport::from_consumers(vec![a.finish(), b.finish()], Duration::ZERO);
        assert!(job.verify(&good).is_ok());
        let mut twice = good.clone();
        twice.processed[0][1] = 0;
        assert!(job.verify(&twice).unwrap_err().what.contains("task 0"));
        let mut wrong = good;
        wrong.checksum ^= 1;
        assert!(job.verify(&wrong).unwrap_err().what.contains("checksum"));
    }
}
