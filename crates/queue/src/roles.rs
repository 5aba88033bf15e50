//! What every task-queue technique shares: producers and consumers started together and
//! timed by the workload's harness, and handing each producer its own sender.

use std::sync::{Mutex, PoisonError};

use workloads::RunError;
use workloads::sync::{ConsumerLog, TaskQueueJob, TaskQueueReport, run_timed};

/// Runs `job.producers` threads of `produce(p)` and `job.consumers` threads of
/// `consume(c, log)` (`c` in `0..job.consumers`), released together, and builds the report from the consumers' logs.
pub(crate) fn run_roles(
    job: &TaskQueueJob,
    produce: impl Fn(usize) -> Result<(), RunError> + Sync,
    consume: impl Fn(usize, &mut ConsumerLog) -> Result<(), RunError> + Sync,
) -> Result<TaskQueueReport, RunError> {
    let (results, elapsed) = run_timed(job.producers + job.consumers, |i| {
        if i < job.producers {
            produce(i).map(|()| None)
        } else {
            let mut log = ConsumerLog::default();
            consume(i - job.producers, &mut log).map(|()| Some(log.finish()))
        }
    })?;
    let logs = results.into_iter().collect::<Result<Vec<_>, RunError>>()?;
    Ok(TaskQueueReport::from_consumers(
        logs.into_iter().flatten().collect(),
        elapsed,
    ))
}

/// [`run_roles`] over a channel: each producer sends its tasks with `send` through its own
/// clone of `tx`, dropped when it is done, so the channel disconnects once every producer
/// finished; `consume` drains the other end. A failed send is the error of a channel
/// (`what`) that closed while producing.
pub(crate) fn run_channel<S: Clone + Send, E>(
    job: &TaskQueueJob,
    what: &str,
    tx: S,
    send: impl Fn(&S, u64) -> Result<(), E> + Sync,
    consume: impl Fn(usize, &mut ConsumerLog) -> Result<(), RunError> + Sync,
) -> Result<TaskQueueReport, RunError> {
    let senders = Slots::new((0..job.producers).map(|_| tx.clone()));
    drop(tx);
    run_roles(
        job,
        |p| {
            let tx = senders.take(p)?;
            for task in job.producer_tasks(p) {
                send(&tx, task).map_err(|_| closed(what))?;
            }
            Ok(())
        },
        consume,
    )
}

/// One slot per thread, each holding something that thread must own (a `Sender` it drops
/// when done, so the channel disconnects once every producer finished; a deque `Worker`).
pub(crate) struct Slots<T>(Vec<Mutex<Option<T>>>);

impl<T> Slots<T> {
    pub(crate) fn new(items: impl IntoIterator<Item = T>) -> Self {
        Slots(items.into_iter().map(|t| Mutex::new(Some(t))).collect())
    }

    /// Takes slot `i`; taking it twice is a bug in the technique, reported as an error.
    pub(crate) fn take(&self, i: usize) -> Result<T, RunError> {
        self.0
            .get(i)
            .and_then(|slot| slot.lock().unwrap_or_else(PoisonError::into_inner).take())
            .ok_or_else(|| RunError::Other(format!("slot {i} taken twice or missing")))
    }
}

/// The error of a channel that closed while tasks were still being put.
pub(crate) fn closed(what: &str) -> RunError {
    RunError::Other(format!("{what}: channel closed while producing"))
}
