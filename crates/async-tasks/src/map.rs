//! The map workloads under tokio: CPU tasks through `spawn_blocking` on a multi-thread
//! runtime, or inline on a current-thread runtime (one event loop, like asyncio), and
//! `Task::Sleep` as `tokio::time::sleep`, which occupies no thread while it waits.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;
use workloads::map::sleep;
use workloads::{Kind, MapJob, MapRunner, MapTechnique, RunError, Task, TaskOutput, run_task};

use crate::runtime::{multi_thread, run_on};

/// Where a CPU task of the job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cpu {
    /// On the runtime's blocking pool (`spawn_blocking`), off the event loop.
    Offload,
    /// Inline in its task: it blocks the event loop until it is done.
    Inline,
}

/// `spawn_blocking` for every CPU task, on a multi-thread runtime of N workers whose blocking
/// pool is capped at N threads, so N is the CPU parallelism, as for the thread techniques.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSpawnBlocking;

/// Every task inline on a current-thread runtime driven by the caller: the asyncio model.
/// CPU tasks run one after another; sleeps overlap.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioCurrentThread;

workloads::technique!(TokioSpawnBlocking, "tokio-spawn-blocking", Kind::Async);
workloads::technique!(TokioCurrentThread, "tokio-current-thread", Kind::Async);

impl MapTechnique for TokioSpawnBlocking {
    fn concurrent_waits(&self, _workers: NonZeroUsize) -> Option<usize> {
        // Sleeps are tokio timers, not blocking work: they wait at once whatever the
        // blocking pool's size.
        None
    }

    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        let runtime = multi_thread("cb-tokio-map", workers.get())?;
        Ok(Box::new(MultiThreadRunner { runtime }))
    }
}

impl MapTechnique for TokioCurrentThread {
    fn threads(&self, _workers: NonZeroUsize) -> Option<usize> {
        Some(1)
    }

    fn concurrent_waits(&self, _workers: NonZeroUsize) -> Option<usize> {
        // Sleeps are timers on the event loop: every task waits at once.
        None
    }

    fn sweeps_workers(&self) -> bool {
        false
    }

    fn start(&self, _workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RunError::Start {
                technique: Self::ID.into(),
                cause: format!("building the tokio runtime: {e}"),
            })?;
        Ok(Box::new(CurrentThreadRunner { runtime }))
    }
}

struct MultiThreadRunner {
    runtime: Runtime,
}

impl MapRunner for MultiThreadRunner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        run_on(
            &self.runtime,
            map_job(Arc::clone(job.tasks()), Cpu::Offload),
        )
    }
}

struct CurrentThreadRunner {
    runtime: Runtime,
}

impl MapRunner for CurrentThreadRunner {
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError> {
        // A current-thread runtime has no workers: `block_on` is the event loop, on this
        // thread, which is what this technique measures.
        self.runtime
            .block_on(map_job(Arc::clone(job.tasks()), Cpu::Inline))
    }
}

/// Spawns one task per job task and awaits them in input order.
async fn map_job(tasks: Arc<[Task]>, cpu: Cpu) -> Result<Vec<TaskOutput>, RunError> {
    let handles: Vec<JoinHandle<TaskOutput>> = (0..tasks.len())
        .map(|i| {
            let tasks = Arc::clone(&tasks);
            match (&tasks[i], cpu) {
                (&Task::Sleep(sleep::Task { ms }), _) => tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    TaskOutput::Slept(ms)
                }),
                (_, Cpu::Offload) => tokio::task::spawn_blocking(move || run_task(&tasks[i])),
                (_, Cpu::Inline) => tokio::spawn(async move { run_task(&tasks[i]) }),
            }
        })
        .collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for (task, handle) in handles.into_iter().enumerate() {
        outputs.push(handle.await.map_err(|e| RunError::TaskPanicked {
            task,
            message: e.to_string(),
        })?);
    }
    Ok(outputs)
}
