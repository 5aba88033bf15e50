//! A work-stealing pool on crossbeam-deque: producers push into a global injector, each
//! consumer works from its own deque, refills it from the injector in batches, and steals
//! from the others when both are empty (the scheme of rayon and tokio's schedulers).

use std::iter;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use crossbeam_utils::Backoff;
use workloads::sync::{ConsumerLog, TaskQueueJob, TaskQueueReport};
use workloads::{Kind, RunError, Technique};

use crate::roles::{Slots, run_roles};

/// Work stealing with crossbeam-deque's `Injector`, `Worker` and `Stealer`.
pub struct WorkStealing;

workloads::technique!(WorkStealing, "work-stealing", Kind::Thread);

impl Technique<TaskQueueJob> for WorkStealing {
    fn run(&self, job: &TaskQueueJob) -> Result<TaskQueueReport, RunError> {
        let injector = Injector::new();
        let locals: Vec<Worker<u64>> = (0..job.consumers).map(|_| Worker::new_fifo()).collect();
        let stealers: Vec<Stealer<u64>> = locals.iter().map(Worker::stealer).collect();
        let locals = Slots::new(locals);
        // Tasks not yet processed. Consumers stop when it reaches 0; with nothing to close,
        // this count is how an idle consumer tells "none left" from "none yet". Relaxed:
        // it decides only when to stop; the tasks themselves travel through the deques,
        // which synchronize.
        let remaining = AtomicU64::new(job.tasks);
        run_roles(
            job,
            |p| {
                job.producer_tasks(p).for_each(|task| injector.push(task));
                Ok(())
            },
            |c, log: &mut ConsumerLog| {
                let local = locals.take(c)?;
                drain(&local, &injector, &stealers, &remaining, log);
                Ok(())
            },
        )
    }
}

/// One consumer: its own deque first, then a batch from the injector, then the others'
/// deques; when all are empty, back off (spin, then yield) until tasks come or none remain.
fn drain(
    local: &Worker<u64>,
    injector: &Injector<u64>,
    stealers: &[Stealer<u64>],
    remaining: &AtomicU64,
    log: &mut ConsumerLog,
) {
    let backoff = Backoff::new();
    while remaining.load(Ordering::Relaxed) > 0 {
        match find_task(local, injector, stealers) {
            Some(task) => {
                log.process(task);
                remaining.fetch_sub(1, Ordering::Relaxed);
                backoff.reset();
            }
            None if backoff.is_completed() => std::thread::yield_now(),
            None => backoff.snooze(),
        }
    }
}

/// The task-finding order of crossbeam-deque's documentation.
fn find_task(
    local: &Worker<u64>,
    injector: &Injector<u64>,
    stealers: &[Stealer<u64>],
) -> Option<u64> {
    local.pop().or_else(|| {
        iter::repeat_with(|| {
            injector
                .steal_batch_and_pop(local)
                .or_else(|| stealers.iter().map(Stealer::steal).collect::<Steal<u64>>())
        })
        .find(|s| !s.is_retry())
        .and_then(Steal::success)
    })
}
