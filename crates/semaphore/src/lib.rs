//! Counting semaphores: the article's `Semaphore(2)` in front of a resource that 5 workers use
//! 3 times each.
//!
//! Four ways to admit at most `permits` workers: [`Semaphore`], written here on a `Mutex`
//! and a `Condvar` with RAII permits (Python's `threading.Semaphore` and its `with` block;
//! model-checked with loom); [`FairSemaphore`], first come first served with each permit
//! handed straight to the longest waiter (loom-checked too); tokio's `Semaphore`, with async
//! tasks as workers; and a bounded crossbeam channel pre-filled with `permits` tokens. Every run counts who is inside with
//! the workload's gauge, so a run that let too many in fails its check, and reports its
//! makespan, to compare with the floor `ceil(workers x uses / permits) x hold`: what a
//! semaphore costs is the time between one holder leaving and the next one running (a
//! wakeup, see `docs/findings.md`; 1 ms of timer resolution for tokio's sleeps).
//!
//! The floor assumes perfect packing. The Mutex+Condvar semaphore and the token channel
//! let a worker that just released take the permit straight back (barging), so one worker
//! can be left with several uses at the end, done one after another while a permit idles:
//! their makespan can exceed the floor by a hold or two. [`FairSemaphore`] never lets a
//! permit idle while anyone waits, so it stays within a wake-up per hold of the floor.
//! tokio's semaphore is fair too (FIFO waiters), but its holds sleep on tokio's 1 ms timer:
//! it is judged against the floor with one tick per hold. The thread rows hold with
//! [`precise_hold`]: a sleep to an absolute deadline with 1 ns timer slack, whose last
//! [`SPIN_TAIL`] is spun when the permits fit on the CPUs (no busy-wait beyond that).
//!
//! ```
//! use std::time::Duration;
//! use workloads::sync::{LimitedResourceJob, with_deadline};
//!
//! let sem = semaphore::Semaphore::new(2);
//! let (a, b) = (sem.acquire(), sem.acquire());
//! assert!(sem.try_acquire().is_none());
//! drop((a, b));
//! assert_eq!(sem.available(), 2);
//!
//! // Each technique on the article's job with 1 ms holds, bounded so a lost wakeup fails.
//! let job = LimitedResourceJob { hold: Duration::from_millis(1), ..LimitedResourceJob::ARTICLE };
//! with_deadline("semaphore doc", Duration::from_secs(60), move || {
//!     for technique in semaphore::limited_resource_techniques().unwrap() {
//!         let report = technique.run(&job).unwrap();
//!         job.verify(&report).unwrap();
//!         assert!(report.max_inside <= 2 && report.makespan >= job.floor());
//!     }
//! })
//! .unwrap();
//! ```
//!
//! Model checking: `RUSTFLAGS="--cfg loom" cargo test -p semaphore --release --lib`.

#![warn(missing_docs)]

#[cfg(test)]
mod checks;
mod counting;
mod fair;
mod hold;
mod loom_shim;
mod techniques;

pub use counting::{Permit, Semaphore};
pub use fair::{FairPermit, FairSemaphore};
pub use hold::{SPIN_TAIL, precise_hold, precise_sleep};
#[cfg(not(loom))]
pub use techniques::TokioSemaphore;
pub use techniques::{CondvarSemaphore, HandOffSemaphore, TokenChannel};
use workloads::RunError;
use workloads::Technique;
use workloads::sync::LimitedResourceJob;

/// Every semaphore technique, in legend order (building tokio's runtime may fail).
pub fn limited_resource_techniques() -> Result<Vec<Box<dyn Technique<LimitedResourceJob>>>, RunError>
{
    #[allow(unused_mut)]
    let mut all: Vec<Box<dyn Technique<LimitedResourceJob>>> = vec![
        Box::new(CondvarSemaphore),
        Box::new(HandOffSemaphore),
        Box::new(TokenChannel),
    ];
    #[cfg(not(loom))]
    all.push(Box::new(TokioSemaphore::new()?));
    Ok(all)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    use workloads::sync::LimitedResourceJob;

    #[test]
    fn every_technique_admits_at_most_permits_over_a_sweep() {
        let techniques = super::limited_resource_techniques().unwrap();
        for permits in [1, 2, 3] {
            let job = LimitedResourceJob {
                permits,
                hold: Duration::from_millis(2),
                ..LimitedResourceJob::ARTICLE
            };
            for technique in &techniques {
                let report = technique.run(&job).unwrap();
                job.verify(&report)
                    .unwrap_or_else(|e| panic!("{}: {e}", technique.id()));
            }
        }
    }
}
