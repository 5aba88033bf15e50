//! The article's "task queue with prioritization": a backlog of tasks with mixed priorities is
//! drained by several workers, highest priority first, first-in first-out within a priority.

use std::cmp::Reverse;
use std::time::Duration;

use super::harness::mix;
use crate::Mismatch;

/// `tasks` numbered tasks, each with a priority in `0..levels` (higher runs first), put into
/// the queue in number order, then drained by `consumers` workers.
///
/// The whole backlog is in the queue before the workers start taking, so the order in which
/// tasks leave the queue is fully determined and can be checked exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityJob {
    /// Number of tasks, numbered `0..tasks`.
    pub tasks: u64,
    /// Workers draining the queue.
    pub consumers: usize,
    /// Distinct priorities.
    pub levels: u64,
}

impl PriorityJob {
    /// The stable benchmark id, e.g. `priority-queue-10k`.
    pub fn id(&self) -> String {
        format!("priority-queue-{}", crate::short_size(self.tasks))
    }

    /// The priority of a task: a hash, so priorities are mixed but the same on every run.
    pub fn priority(&self, task: u64) -> u64 {
        mix(task ^ 0x5EED) % self.levels.max(1)
    }

    /// The order tasks must leave the queue in.
    pub fn expected_order(&self) -> Vec<u64> {
        let mut order: Vec<u64> = (0..self.tasks).collect();
        order.sort_by_key(|&t| (Reverse(self.priority(t)), t));
        order
    }

    /// Checks that the tasks left the queue in priority order, each exactly once.
    pub fn verify(&self, got: &PriorityReport) -> Result<(), Mismatch> {
        let mut taken: Vec<(u64, u64)> = got.taken.iter().flatten().copied().collect();
        taken.sort_unstable();
        Mismatch::unless_equal(self.id(), "tasks taken", self.tasks, taken.len() as u64)?;
        let expected = self.expected_order();
        for (i, (&(seq, task), &want)) in taken.iter().zip(&expected).enumerate() {
            if seq != i as u64 {
                return Err(Mismatch::new(self.id(), format!("take number {i}"), i, seq));
            }
            if task != want {
                return Err(Mismatch::new(
                    self.id(),
                    format!("task taken {i}th (priority {})", self.priority(want)),
                    want,
                    task,
                ));
            }
        }
        Ok(())
    }
}

/// What a priority run produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriorityReport {
    /// Per consumer, `(take number, task)`: the take number is given out by the queue inside
    /// its critical section, so it is the true order tasks left the queue in.
    pub taken: Vec<Vec<(u64, u64)>>,
    /// From the common start (backlog filling included) until the last consumer stopped.
    pub elapsed: Duration,
}

job!(PriorityJob => PriorityReport, elements: |self| self.tasks, time: elapsed);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_priority_then_fifo_and_checked() {
        let job = PriorityJob {
            tasks: 50,
            consumers: 2,
            levels: 4,
        };
        let order = job.expected_order();
        assert!(order.windows(2).all(|w| {
            let (a, b) = (job.priority(w[0]), job.priority(w[1]));
            a > b || (a == b && w[0] < w[1])
        }));
        let taken: Vec<(u64, u64)> = order
            .iter()
            .enumerate()
            .map(|(i, &t)| (i as u64, t))
            .collect();
        let (even, odd): (Vec<_>, Vec<_>) = taken.iter().partition(|p| p.0 % 2 == 0);
        let good = PriorityReport {
            taken: vec![even, odd],
            elapsed: Duration::ZERO,
        };
        assert!(job.verify(&good).is_ok());
        let mut swapped = taken.clone();
        let (a, b) = (swapped[0].1, swapped[49].1);
        (swapped[0].1, swapped[49].1) = (b, a);
        let bad = PriorityReport {
            taken: vec![swapped],
            elapsed: Duration::ZERO,
        };
        assert!(job.verify(&bad).unwrap_err().what.contains("taken 0th"));
    }
}
