//! tokio's bounded `mpsc` channel between async tasks, its receiver shared by the consumer
//! tasks behind tokio's `Mutex`, on a runtime built once.

use std::sync::Arc;
use std::time::Instant;

use tokio::runtime::Runtime;
use tokio::task::JoinSet;
use workloads::sync::{ConsumerLog, TaskQueueJob, TaskQueueReport};
use workloads::{Kind, RunError, Technique};

/// Producers and consumers are tokio tasks on a multi-thread runtime with one worker thread
/// per core; the run is one task spawned into it and timed inside it.
pub struct TokioMpsc {
    runtime: Runtime,
}

impl TokioMpsc {
    /// The channel's capacity, as the bounded crossbeam channel's.
    pub const BOUND: usize = crate::Crossbeam::BOUND;

    /// Builds the runtime.
    pub fn new() -> Result<Self, RunError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .build()
            .map_err(|e| RunError::Start {
                technique: Self::ID.into(),
                cause: e.to_string(),
            })?;
        Ok(TokioMpsc { runtime })
    }
}

fn task_error(e: tokio::task::JoinError) -> RunError {
    RunError::Other(format!("tokio task: {e}"))
}

workloads::technique!(TokioMpsc, "tokio-mpsc", Kind::Async);

impl Technique<TaskQueueJob> for TokioMpsc {
    fn run(&self, job: &TaskQueueJob) -> Result<TaskQueueReport, RunError> {
        let job = *job;
        let driver = self.runtime.spawn(async move {
            let started = Instant::now();
            let (tx, rx) = tokio::sync::mpsc::channel(Self::BOUND);
            let rx = Arc::new(tokio::sync::Mutex::new(rx));
            let mut consumers = JoinSet::new();
            for _ in 0..job.consumers {
                let rx = Arc::clone(&rx);
                consumers.spawn(async move {
                    let mut log = ConsumerLog::default();
                    loop {
                        // The receiver's lock is held while waiting for the next task, then
                        // released (end of the statement) before the task is processed.
                        let next = rx.lock().await.recv().await;
                        let Some(task) = next else {
                            return log.finish();
                        };
                        log.process(task);
                    }
                });
            }
            let mut producers = JoinSet::new();
            for p in 0..job.producers {
                let tx = tx.clone();
                producers.spawn(async move {
                    for task in job.producer_tasks(p) {
                        tx.send(task)
                            .await
                            .map_err(|_| crate::roles::closed("tokio mpsc"))?;
                    }
                    Ok::<(), RunError>(())
                });
            }
            drop(tx);
            while let Some(done) = producers.join_next().await {
                done.map_err(task_error)??;
            }
            let mut logs = Vec::with_capacity(job.consumers);
            while let Some(log) = consumers.join_next().await {
                logs.push(log.map_err(task_error)?);
            }
            Ok(TaskQueueReport::from_consumers(logs, started.elapsed()))
        });
        self.runtime.block_on(driver).map_err(task_error)?
    }
}
