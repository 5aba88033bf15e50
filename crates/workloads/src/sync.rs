//! Shared-state workloads: the article's `Lock` counter (and a read-mostly table), its
//! `Semaphore(2)` resource, its `queue.Queue` workers, and the prioritization and task
//! dependencies it promises. Each states its answer and checks a run's report; the `locks`,
//! `semaphore` and `queue` crates (and the process pool's shared `Value`) compute the
//! answers through [`Technique`](crate::Technique), each job here being a [`Job`](crate::Job).
//!
//! Every report carries the time from the workers' common start until the last one
//! finished ([`run_timed`]), so thread spawning stays out of the figures and async
//! techniques are timed inside their runtime.
//!
//! ```
//! use workloads::sync::{CounterJob, LimitedResourceJob, TaskQueueJob};
//!
//! assert_eq!(CounterJob::ARTICLE_THREADS.expected(), 500_000);
//! assert_eq!(LimitedResourceJob::ARTICLE.floor().as_millis(), 40);
//! assert_eq!(TaskQueueJob::article(10_000).id(), "task-queue-10k");
//! ```

/// The [`Job`](crate::Job) impl of a job whose type already says the rest: its inherent
/// `id()` and `verify(&Report)`, and the field of the report holding the time. `elements`
/// is the one expression each job states; further methods (`floor`, `note`) follow as
/// written.
macro_rules! job {
    (
        $job:ident => $report:ident,
        elements: |$this:ident| $elements:expr,
        time: $time:ident
        $(; $($rest:tt)*)?
    ) => {
        impl $crate::Job for $job {
            type Report = $report;

            fn id(&self) -> String {
                $job::id(self)
            }

            fn elements(&$this) -> u64 {
                $elements
            }

            fn check(&self, report: &$report) -> Result<std::time::Duration, $crate::Mismatch> {
                self.verify(report).map(|()| report.$time)
            }

            $($($rest)*)?
        }
    };
}

mod counter;
mod dag;
mod harness;
mod priority;
mod resource;
mod sizes;
mod task_queue;

pub use counter::{CounterJob, CounterReport, ReadMostlyJob, ReadMostlyReport, read_table};
pub use dag::{DagJob, DagLedger, DagReport};
pub use harness::{SplitMix64, mix, panic_message, run_timed, with_deadline};
pub use priority::{PriorityJob, PriorityReport};
pub use resource::{Gauge, Inside, LimitedResourceJob, LimitedResourceReport};
pub use sizes::SyncSizes;
pub use task_queue::{ConsumerLog, TaskQueueJob, TaskQueueReport};
