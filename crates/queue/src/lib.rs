//! Work queues: the article's `queue.Queue` workers, and the prioritization and task
//! dependencies it promises.
//!
//! The article starts 3 worker threads on a `queue.Queue`, puts the tasks, waits with
//! `join()` (each worker calls `task_done()`), then puts one `None` per worker so they stop.
//! [`Queue`] is that queue written here (`Mutex<VecDeque>` + `Condvar`, with `put`, `get`,
//! `task_done`, `join`, and `close` as the other way to stop), model-checked with loom.
//! The same task-queue job ([`TaskQueueJob`]) also runs through std's `mpsc` with a shared
//! receiver, crossbeam's MPMC channels (bounded and unbounded), a work-stealing pool on
//! crossbeam-deque, and tokio's `mpsc` between async tasks. Every run logs which consumer
//! processed which task, and the check proves each task was processed exactly once.
//!
//! [`PriorityQueue`] (`Mutex<BinaryHeap>` + `Condvar`) drains a backlog highest priority
//! first, FIFO among equals; the take numbers it gives out prove the order. The DAG
//! schedulers run random DAGs of dependent tasks, each exactly once and only after all its
//! dependencies, with ready tasks flowing through [`Queue`] or a crossbeam channel.
//!
//! What each costs: a blocking hand-off (Condvar, std `mpsc`) pays a thread wakeup
//! (`overhead/handoff` measures one) whenever a consumer waits on an empty queue; crossbeam spins a
//! little before sleeping; work stealing never sleeps (it backs off and yields).
//!
//! ```
//! use std::time::Duration;
//! use workloads::sync::{DagJob, PriorityJob, TaskQueueJob, with_deadline};
//!
//! // The article's shape: put, task_done, join, then a sentinel.
//! let q = queue::Queue::new();
//! q.put(Some(1)).unwrap();
//! assert_eq!(q.get(), Some(Some(1)));
//! q.task_done().unwrap();
//! q.join();
//! q.put(None).unwrap();
//! assert_eq!(q.get(), Some(None));
//!
//! // Every technique on small jobs, each check bounded so a hang fails instead.
//! with_deadline("queue doc", Duration::from_secs(60), || {
//!     let job = TaskQueueJob::article(1_000);
//!     for technique in queue::task_queue_techniques().unwrap() {
//!         job.verify(&technique.run(&job).unwrap()).unwrap();
//!     }
//!     let prio = PriorityJob { tasks: 500, consumers: 3, levels: 8 };
//!     for technique in queue::priority_techniques() {
//!         prio.verify(&technique.run(&prio).unwrap()).unwrap();
//!     }
//!     let dag = DagJob::random(500, 3, 7, 3);
//!     for technique in queue::dag_techniques() {
//!         dag.verify(&technique.run(&dag).unwrap()).unwrap();
//!     }
//! })
//! .unwrap();
//! ```
//!
//! Model checking: `RUSTFLAGS="--cfg loom" cargo test -p queue --release --lib`.

#![warn(missing_docs)]

mod channels;
mod dag;
mod fifo;
mod heap;
mod loom_shim;
mod ordered;
mod roles;
mod stealing;
#[cfg(not(loom))]
mod tokio_mpsc;

pub use channels::{CondvarQueue, Crossbeam, Shutdown, StdMpsc};
pub use dag::{DagOnChannel, DagOnQueue, DagSequential};
pub use fifo::{Closed, Queue, TooManyTaskDone};
pub use heap::PriorityQueue;
pub use ordered::HeapQueue;
pub use stealing::WorkStealing;
#[cfg(not(loom))]
pub use tokio_mpsc::TokioMpsc;
use workloads::RunError;
use workloads::Technique;
use workloads::sync::{DagJob, PriorityJob, TaskQueueJob};

/// Every task-queue technique, in legend order (building tokio's runtime may fail).
pub fn task_queue_techniques() -> Result<Vec<Box<dyn Technique<TaskQueueJob>>>, RunError> {
    #[allow(unused_mut)]
    let mut all: Vec<Box<dyn Technique<TaskQueueJob>>> = vec![
        Box::new(CondvarQueue(Shutdown::Sentinels)),
        Box::new(CondvarQueue(Shutdown::Close)),
        Box::new(StdMpsc),
        Box::new(Crossbeam { capacity: None }),
        Box::new(Crossbeam {
            capacity: Some(Crossbeam::BOUND),
        }),
        Box::new(WorkStealing),
    ];
    #[cfg(not(loom))]
    all.push(Box::new(TokioMpsc::new()?));
    Ok(all)
}

/// Every priority-queue technique.
pub fn priority_techniques() -> Vec<Box<dyn Technique<PriorityJob>>> {
    vec![Box::new(HeapQueue)]
}

/// Every DAG scheduler, the sequential baseline first.
pub fn dag_techniques() -> Vec<Box<dyn Technique<DagJob>>> {
    vec![
        Box::new(DagSequential),
        Box::new(DagOnQueue),
        Box::new(DagOnChannel),
    ]
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::Duration;

    use workloads::sync::{DagJob, PriorityJob, TaskQueueJob, with_deadline};

    /// Far above any correct run: a lost wakeup or a missing sentinel fails, not hangs.
    const LIMIT: Duration = Duration::from_secs(60);

    #[test]
    fn every_queue_processes_each_task_once_over_producers_and_consumers() {
        for technique in super::task_queue_techniques().unwrap() {
            let id = technique.id();
            let runs = with_deadline(id, LIMIT, move || {
                let mut runs = Vec::new();
                for (producers, consumers) in [(1, 1), (1, 3), (3, 1), (2, 4), (4, 8)] {
                    for tasks in [0, 1, 7, 5_000] {
                        let job = TaskQueueJob {
                            tasks,
                            producers,
                            consumers,
                        };
                        runs.push((job, technique.run(&job)));
                    }
                }
                runs
            });
            for (job, report) in runs.unwrap() {
                let report = report.unwrap_or_else(|e| panic!("{id} {job:?}: {e}"));
                job.verify(&report)
                    .unwrap_or_else(|e| panic!("{id} {job:?}: {e}"));
            }
        }
    }

    #[test]
    fn priority_order_holds_for_every_consumer_count() {
        for technique in super::priority_techniques() {
            let id = technique.id();
            let runs = with_deadline(id, LIMIT, move || {
                [1, 2, 5].map(|consumers| {
                    let job = PriorityJob {
                        tasks: 3_000,
                        consumers,
                        levels: 10,
                    };
                    (job, technique.run(&job))
                })
            });
            for (job, report) in runs.unwrap() {
                job.verify(&report.unwrap())
                    .unwrap_or_else(|e| panic!("{id} {job:?}: {e}"));
            }
        }
    }

    #[test]
    fn random_dags_run_each_node_once_after_its_deps() {
        for technique in super::dag_techniques() {
            let id = technique.id();
            let runs = with_deadline(id, LIMIT, move || {
                let mut runs = Vec::new();
                for seed in 0..20 {
                    for (nodes, max_deps, workers) in
                        [(0, 2, 2), (1, 0, 3), (300, 4, 3), (2_000, 8, 5)]
                    {
                        let job = DagJob::random(nodes, max_deps, seed, workers);
                        let report = technique.run(&job);
                        runs.push((job, report));
                    }
                }
                runs
            });
            for (job, report) in runs.unwrap() {
                let report = report.unwrap_or_else(|e| panic!("{id} {}: {e}", job.id()));
                job.verify(&report).unwrap_or_else(|e| panic!("{id}: {e}"));
            }
        }
    }
}
