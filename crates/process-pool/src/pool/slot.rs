//! A slot thread: keeps one worker process alive, writes it up to `window` batches ahead of
//! its replies, and replaces it when it dies.
//!
//! The slot thread only writes; the worker's reader thread ([`super::pipeline`]) reads the
//! replies and fails what a dead worker had in flight. The slot thread also spawns the worker
//! and lives as long as it: `PR_SET_PDEATHSIG` is tied to the thread that forked the child.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::error::{PoolError, WorkerId};
use crate::spawn::{SpawnConfig, WorkerInput, kill, reap};

use super::pipeline::{Pipeline, read_replies};
use super::queue::{Batch, Next, Shared};

/// How many times a replacement is tried before the batch in hand fails: a worker killed
/// during its handshake is not a reason to fail a task.
const START_ATTEMPTS: usize = 3;

/// A started worker: the half the slot thread writes to, its pipeline, and its reader.
struct Running {
    input: WorkerInput,
    pipeline: Arc<Pipeline>,
    reader: JoinHandle<()>,
}

impl Running {
    fn start(
        slot: usize,
        shared: &Arc<Shared>,
        config: &SpawnConfig,
    ) -> Result<Running, PoolError> {
        let (input, output) = shared.start_worker(slot, config)?.split();
        let pipeline = Arc::new(Pipeline::default());
        let (reader_pipeline, reader_shared) = (Arc::clone(&pipeline), Arc::clone(shared));
        let reader = thread::Builder::new()
            .name(format!("process-pool-{slot}-replies"))
            .spawn(move || read_replies(output, reader_pipeline, reader_shared));
        match reader {
            Ok(reader) => Ok(Running {
                input,
                pipeline,
                reader,
            }),
            Err(e) => {
                shared.forget(slot);
                kill(&input.child);
                reap(&input.child, Duration::ZERO);
                Err(PoolError::Spawn {
                    program: config.program.display().to_string(),
                    cause: format!("could not start the reader thread of worker {slot}: {e}"),
                })
            }
        }
    }

    /// Starts a replacement, retrying a worker that died before it was ready.
    fn restart(
        slot: usize,
        shared: &Arc<Shared>,
        config: &SpawnConfig,
    ) -> Result<Running, PoolError> {
        let mut attempt = 1;
        loop {
            match Running::start(slot, shared, config) {
                Err(_) if attempt < START_ATTEMPTS => attempt += 1,
                started => return started,
            }
        }
    }

    fn id(&self) -> WorkerId {
        self.input.id
    }

    /// Hands `batch` to the worker: recorded in flight, then written (buffered). Gives the
    /// batch back if the worker's pipeline has ended, for the replacement.
    fn send(&mut self, batch: Batch) -> Result<(), Batch> {
        if let Err(e) = self.input.encode(&batch.request()) {
            let first = batch.first;
            batch.finish(Err(PoolError::Unsendable {
                task: first,
                cause: e.to_string(),
            }));
            return Ok(());
        }
        self.pipeline.push(batch, self.input.id.pid)?;
        if self.input.send().is_err() {
            // The worker is gone; its reader fails the batch just pushed with the cause.
            kill(&self.input.child);
        }
        Ok(())
    }

    fn flush(&mut self) {
        if self.input.flush().is_err() {
            kill(&self.input.child);
        }
    }

    /// Closes the worker's input, so it answers what it has and exits; the reader reaps it.
    fn close(self) {
        self.pipeline.closing();
        self.input.close();
        // The reader does not panic; a join error would only repeat a reported panic.
        let _ = self.reader.join();
    }
}

/// Serves `slot` until shutdown: starts its worker, reports readiness on `ready`, then feeds
/// it batches, at most `window` unanswered at a time.
pub(crate) fn serve_slot(
    slot: usize,
    shared: Arc<Shared>,
    config: Arc<SpawnConfig>,
    window: usize,
    ready: Sender<Result<WorkerId, PoolError>>,
) {
    let mut running = match Running::start(slot, &shared, &config) {
        Ok(running) => {
            let _ = ready.send(Ok(running.id()));
            Some(running)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    drop(ready);
    // A batch taken for a worker that died before it could be written.
    let mut held: Option<Batch> = None;
    loop {
        if let Some(ended) = running.take_if(|r| r.pipeline.ended()) {
            // Its reader has failed what it had in flight and is reaping it.
            let _ = ended.reader.join();
            // Replace the worker now, so the next batch does not wait for a start.
            if !shared.closing() {
                running = Running::restart(slot, &shared, &config).ok();
            }
        }
        if let Some(r) = &mut running {
            let pipeline = Arc::clone(&r.pipeline);
            if !pipeline.wait_for_room(window, || r.flush()) {
                continue;
            }
        }
        let batch = match held.take() {
            Some(batch) => batch,
            None => {
                let watched = running.as_ref().map(|r| Arc::clone(&r.pipeline));
                let in_flight = watched.as_ref().map_or(0, |p| p.len());
                let flush = || running.as_mut().map_or((), Running::flush);
                let ended = || watched.as_ref().is_some_and(|p| p.ended());
                match shared.next_batch(in_flight, flush, ended) {
                    Next::Batch(batch) => batch,
                    Next::Closed => break,
                    Next::Interrupted => continue,
                    Next::NotYet => {
                        if let (Some(r), Some(pipeline)) = (&mut running, watched) {
                            pipeline.wait_below(in_flight, || r.flush());
                        }
                        continue;
                    }
                }
            }
        };
        let r = match &mut running {
            Some(r) => r,
            None => match Running::restart(slot, &shared, &config) {
                Ok(r) => running.insert(r),
                Err(e) => {
                    batch.finish(Err(e));
                    continue;
                }
            },
        };
        if let Err(batch) = r.send(batch) {
            held = Some(batch);
        }
    }
    if let Some(running) = running {
        running.close();
    }
}
