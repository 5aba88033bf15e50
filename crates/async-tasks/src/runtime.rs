//! Running async work from a synchronous caller without distorting the measurement.
//!
//! `block_on` on a multi-thread runtime runs the future on the *calling* thread, and every
//! task it spawns is a remote spawn that wakes a worker
//! (<https://github.com/bheisler/criterion.rs/issues/819>). Instead the work
//! is spawned into the runtime, runs on its workers, and the caller waits on a channel: one
//! wake-up per run, not per task.

use std::future::Future;

use tokio::runtime::{Builder, Runtime};
use workloads::RunError;

/// A multi-thread runtime of `workers` worker threads (and as many blocking threads), named
/// `<name>-<i>`.
pub(crate) fn multi_thread(name: &str, workers: usize) -> Result<Runtime, RunError> {
    Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .max_blocking_threads(workers.max(1))
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| RunError::Start {
            technique: name.to_string(),
            cause: format!("building the tokio runtime: {e}"),
        })
}

/// Runs `work` on the workers of `runtime` and waits for its result on this thread.
pub(crate) fn run_on<T, F>(runtime: &Runtime, work: F) -> Result<T, RunError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, RunError>> + Send + 'static,
{
    let (done, result) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        // The receiver only goes away if the caller panicked; nothing is left to tell.
        let _ = done.send(work.await);
    });
    result
        .recv()
        .map_err(|_| RunError::Other("the runtime dropped the work before it finished".into()))?
}
