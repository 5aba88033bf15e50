//! A slot thread: keeps one worker process alive, feeds it batches, and replaces it when it
//! breaks.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::time::Duration;

use crate::error::{PoolError, WorkerId};
use crate::spawn::{Failure, SpawnConfig};

use super::queue::Shared;

/// How long a worker gets to exit after its input is closed, before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long a broken worker gets to finish dying before it is killed and reaped.
const REAP_GRACE: Duration = Duration::from_secs(1);

/// Serves `slot` until shutdown: starts its worker, reports readiness on `ready`, then feeds
/// it batches.
pub(crate) fn serve_slot(
    slot: usize,
    shared: Arc<Shared>,
    config: Arc<SpawnConfig>,
    ready: Sender<Result<WorkerId, PoolError>>,
) {
    let mut worker = match shared.start_worker(slot, &config) {
        Ok(worker) => {
            let _ = ready.send(Ok(worker.id));
            Some(worker)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    drop(ready);
    while let Some(batch) = shared.next_batch() {
        let mut current = match worker.take() {
            Some(w) => w,
            None => match shared.start_worker(slot, &config) {
                Ok(w) => w,
                Err(e) => {
                    batch.finish(Err(e));
                    continue;
                }
            },
        };
        if let Some(taken_by) = &batch.taken_by {
            taken_by.store(current.id.pid, Ordering::Release);
        }
        let outcome = match current.exchange(&batch.request()) {
            Ok(outputs) if outputs.len() == batch.len() => Ok(outputs),
            Ok(outputs) => Err(Failure::Broken(format!(
                "protocol error: {} outputs for {} tasks",
                outputs.len(),
                batch.len()
            ))),
            Err(failure) => Err(failure),
        };
        match outcome {
            Ok(outputs) => {
                batch.finish(Ok(outputs));
                worker = Some(current);
            }
            Err(Failure::Task(e)) => {
                let first = batch.first;
                batch.finish(Err(offset_task(e, first)));
                worker = Some(current);
            }
            Err(Failure::Broken(what)) => {
                let error = current.lost(what, REAP_GRACE);
                shared.forget(slot);
                batch.finish(Err(error));
                // Replace the worker now, so the next batch does not wait for a start.
                if !shared.closing() {
                    worker = shared.start_worker(slot, &config).ok();
                }
            }
        }
    }
    if let Some(worker) = worker {
        worker.close(CLOSE_GRACE);
        shared.forget(slot);
    }
}

/// A worker reports the index of a panicking task within its chunk; the caller wants it in
/// the whole input.
fn offset_task(e: PoolError, first: usize) -> PoolError {
    match e {
        PoolError::Panicked {
            worker,
            task,
            message,
        } => PoolError::Panicked {
            worker,
            task: first + task,
            message,
        },
        other => other,
    }
}
