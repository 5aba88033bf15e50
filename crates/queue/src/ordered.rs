//! The priority workload through [`PriorityQueue`]: one producer fills the backlog, then the
//! consumers drain it, and the take numbers prove the order.

use std::sync::Barrier;

use workloads::sync::{PriorityJob, PriorityReport, run_timed};
use workloads::{Kind, RunError, Technique};

use crate::PriorityQueue;

/// [`PriorityQueue`] (`Mutex<BinaryHeap>` + `Condvar`), the `queue.PriorityQueue` analog.
pub struct HeapQueue;

workloads::technique!(HeapQueue, "priority-queue", Kind::Thread);

impl Technique<PriorityJob> for HeapQueue {
    fn run(&self, job: &PriorityJob) -> Result<PriorityReport, RunError> {
        let queue = PriorityQueue::new();
        // Consumers start taking only once the whole backlog is in, so the order tasks leave
        // the queue is determined and checkable; the filling is timed too.
        let filled = Barrier::new(job.consumers + 1);
        let (results, elapsed) = run_timed(job.consumers + 1, |i| {
            if i == 0 {
                for task in 0..job.tasks {
                    queue.put(job.priority(task), task);
                }
                queue.close();
                filled.wait();
                Vec::new()
            } else {
                filled.wait();
                std::iter::from_fn(|| queue.get_numbered()).collect()
            }
        })?;
        Ok(PriorityReport {
            taken: results,
            elapsed,
        })
    }
}
