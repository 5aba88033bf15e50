//! The limited-resource workload through each semaphore: the article's 5 workers x 3 uses
//! behind `Semaphore(2)`, every use counted by the workload's [`Gauge`].

use workloads::sync::{Gauge, LimitedResourceJob, LimitedResourceReport, run_timed};
use workloads::{Kind, RunError, Technique, WakeUps};

use crate::{FairSemaphore, Semaphore, precise_hold};

/// Runs `workers` threads that each use the resource `uses` times: `admit` returns a guard
/// that holds a permit, the gauge is entered inside it, the hold is a [`precise_hold`] to
/// an absolute deadline, its tail spun when the permits fit on the CPUs this process may use.
fn run_threads<G>(
    job: &LimitedResourceJob,
    admit: impl Fn() -> Result<G, RunError> + Sync,
) -> Result<LimitedResourceReport, RunError> {
    let gauge = Gauge::new();
    let may_spin = holds_spin(job);
    let (results, makespan) = run_timed(job.workers, |_| {
        for _ in 0..job.uses {
            let _permit = admit()?;
            // Declared after the permit, so dropped before it: the gauge is left before the
            // permit is returned, and never counts a worker the semaphore let go.
            let _inside = gauge.enter();
            precise_hold(job.hold, may_spin);
        }
        Ok(())
    })?;
    results.into_iter().collect::<Result<(), RunError>>()?;
    Ok(gauge.report(makespan))
}

/// Whether the holds of `job` end by spinning their tail ([`precise_hold`]): when the permits
/// fit on the CPUs this process may use, so a spin never takes a CPU from another holder.
fn holds_spin(job: &LimitedResourceJob) -> bool {
    job.permits <= host::run_cpus().get()
}

/// The wake-ups a round of the thread techniques pays: the next waiter woken on another
/// CPU when anyone waits (more workers than permits), and the hold's timer only when the
/// hold does not spin its tail.
fn thread_wake_ups(job: &LimitedResourceJob) -> WakeUps {
    WakeUps {
        timers: u32::from(!holds_spin(job)),
        handoffs: u32::from(job.workers > job.permits),
    }
}

/// The `threading.Semaphore` analog written here: [`Semaphore`] on `Mutex` + `Condvar`.
pub struct CondvarSemaphore;

workloads::technique!(CondvarSemaphore, "condvar-semaphore", Kind::Thread);

impl Technique<LimitedResourceJob> for CondvarSemaphore {
    fn wake_ups(&self, job: &LimitedResourceJob) -> WakeUps {
        thread_wake_ups(job)
    }

    fn run(&self, job: &LimitedResourceJob) -> Result<LimitedResourceReport, RunError> {
        let semaphore = Semaphore::new(job.permits);
        run_threads(job, || Ok(semaphore.acquire()))
    }
}

/// [`FairSemaphore`]: first come, first served, each permit handed to the longest waiter.
pub struct HandOffSemaphore;

workloads::technique!(HandOffSemaphore, "fair-semaphore", Kind::Thread);

impl Technique<LimitedResourceJob> for HandOffSemaphore {
    fn wake_ups(&self, job: &LimitedResourceJob) -> WakeUps {
        thread_wake_ups(job)
    }

    fn run(&self, job: &LimitedResourceJob) -> Result<LimitedResourceReport, RunError> {
        let semaphore = FairSemaphore::new(job.permits);
        run_threads(job, || Ok(semaphore.acquire()))
    }
}

/// A bounded crossbeam channel holding `permits` tokens: taking a token is `recv`, giving it
/// back is `send`. The channel's own waiting (a short spin, then parking) does the admitting.
pub struct TokenChannel;

/// A token taken from the channel; dropping it puts it back.
struct Token<'a>(&'a crossbeam_channel::Sender<()>);

impl Drop for Token<'_> {
    fn drop(&mut self) {
        // The channel has room for every token and the receiver lives as long as the run,
        // so this cannot fail; if it did, the next worker would wait and the run time out.
        let _ = self.0.send(());
    }
}

workloads::technique!(TokenChannel, "channel-tokens", Kind::Thread);

impl Technique<LimitedResourceJob> for TokenChannel {
    fn wake_ups(&self, job: &LimitedResourceJob) -> WakeUps {
        thread_wake_ups(job)
    }

    fn run(&self, job: &LimitedResourceJob) -> Result<LimitedResourceReport, RunError> {
        let (give, take) = crossbeam_channel::bounded(job.permits);
        for _ in 0..job.permits {
            give.send(())
                .map_err(|_| RunError::Other("token channel closed".into()))?;
        }
        run_threads(job, || {
            take.recv()
                .map_err(|_| RunError::Other("token channel closed while waiting".into()))?;
            Ok(Token(&give))
        })
    }
}

/// tokio's `Semaphore`: the workers are tasks on a runtime built once, holding with
/// `tokio::time::sleep`, whose 1 ms timer makes a 5 ms hold last up to 6 ms (see
/// [`Technique::timer_resolution`]).
#[cfg(not(loom))]
pub struct TokioSemaphore {
    runtime: tokio::runtime::Runtime,
}

#[cfg(not(loom))]
impl TokioSemaphore {
    /// Builds the runtime (2 worker threads: the tasks mostly sleep).
    pub fn new() -> Result<Self, RunError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .map_err(|e| RunError::Start {
                technique: Self::ID.into(),
                cause: e.to_string(),
            })?;
        Ok(TokioSemaphore { runtime })
    }
}

#[cfg(not(loom))]
workloads::technique!(TokioSemaphore, "tokio-semaphore", Kind::Async);

#[cfg(not(loom))]
impl Technique<LimitedResourceJob> for TokioSemaphore {
    /// A timer per hold (tokio's, its tick already in the floor), and a waiter woken when
    /// anyone waits.
    fn wake_ups(&self, job: &LimitedResourceJob) -> WakeUps {
        WakeUps {
            timers: 1,
            handoffs: u32::from(job.workers > job.permits),
        }
    }

    fn timer_resolution(&self) -> std::time::Duration {
        std::time::Duration::from_millis(1)
    }

    fn run(&self, job: &LimitedResourceJob) -> Result<LimitedResourceReport, RunError> {
        use std::sync::Arc;
        let job = *job;
        // The whole run is one task spawned into the runtime, timed inside it; the caller
        // only waits for its answer.
        let driver = self.runtime.spawn(async move {
            let semaphore = Arc::new(tokio::sync::Semaphore::new(job.permits));
            let gauge = Arc::new(Gauge::new());
            let started = std::time::Instant::now();
            let mut workers = tokio::task::JoinSet::new();
            for _ in 0..job.workers {
                let (semaphore, gauge) = (Arc::clone(&semaphore), Arc::clone(&gauge));
                workers.spawn(async move {
                    for _ in 0..job.uses {
                        let _permit = semaphore
                            .acquire()
                            .await
                            .map_err(|e| RunError::Other(format!("tokio semaphore closed: {e}")))?;
                        let _inside = gauge.enter();
                        tokio::time::sleep(job.hold).await;
                    }
                    Ok::<(), RunError>(())
                });
            }
            while let Some(done) = workers.join_next().await {
                done.map_err(|e| RunError::Other(format!("tokio worker task: {e}")))??;
            }
            Ok(gauge.report(started.elapsed()))
        });
        self.runtime
            .block_on(driver)
            .map_err(|e| RunError::Other(format!("tokio driver task: {e}")))?
    }
}
