//! Family `sync`: workers sharing state, the article's second half. Measured:
//! - `sync/counter`: the article's `Lock` counter, 100_000 increments per worker, through
//!   every strategy of the `locks` crate; swept: workers (the sweep plus the article's 5).
//! - `sync/counter-read-mostly`: 95% reads of a shared table, where a reader-writer lock
//!   lets readers overlap; swept: workers.
//! - `sync/limited-resource`: the article's `Semaphore(2)`, 5 workers x 3 uses holding 5 ms;
//!   swept: permits (1, 2, 4), and in `sync/limited-resource-hold` a 1 ms hold (where
//!   wakeup costs and timer resolution weigh most).
//!   Each run's makespan is printed against its floor `ceil(uses / permits) x hold`.
//! - `sync/task-queue-10k` and `-100k`: the article's `queue.Queue` workers through every
//!   queue of the `queue` crate; swept: consumers (1 producer), and in
//!   `sync/task-queue-10k-producers` the producers (3 consumers; 1 producer is in the first).
//! - `sync/priority-queue-10k`, `sync/dag-10k-d4`: prioritized tasks and dependent tasks.
//!
//! Why: which way of sharing is cheapest depends on contention, on how long the shared
//! thing is held and on how tasks are handed over; the sweeps show where rankings flip.
//! Every technique reports the time from its workers' common start (thread spawning left
//! out, async work timed inside its runtime), so each bench times through `iter_custom`,
//! and every run's answer is verified (untimed), the first before any timing.

use std::time::Duration;

use criterion::Criterion;
use workloads::sync::{
    CounterJob, DagJob, LimitedResourceJob, PriorityJob, ReadMostlyJob, SyncSizes, TaskQueueJob,
};

use crate::finish::fail;
use crate::measure::bench_jobs;
use crate::settings::Settings;

pub fn benches(c: &mut Criterion, settings: &Settings) {
    let sizes = SyncSizes::of(settings.preset);
    counter(c, settings, &sizes);
    read_mostly(c, settings, &sizes);
    limited_resource(c, settings, &sizes);
    task_queue(c, settings, &sizes);
    priority(c, settings, &sizes);
    dag(c, settings, &sizes);
}

fn counter(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let workers = settings.counts_with(&[CounterJob::ARTICLE_THREADS.workers]);
    let jobs = workers.into_iter().map(|workers| {
        let job = CounterJob {
            workers,
            increments: sizes.increments,
        };
        (workers, job)
    });
    let jobs: Vec<_> = jobs.collect();
    let techniques = locks::counter_techniques();
    bench_jobs(c, settings, "sync/counter", &techniques, |_| jobs.clone());
}

fn read_mostly(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let jobs = settings.counts_with(&[]).into_iter().map(|workers| {
        let job = ReadMostlyJob {
            ops: sizes.reads,
            ..ReadMostlyJob::new(workers)
        };
        (workers, job)
    });
    let jobs: Vec<_> = jobs.collect();
    let techniques = locks::read_mostly_techniques();
    let group_name = "sync/counter-read-mostly";
    bench_jobs(c, settings, group_name, &techniques, |_| jobs.clone());
}

fn limited_resource(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let techniques = semaphore::limited_resource_techniques()
        .unwrap_or_else(|e| fail("sync/limited-resource", e));
    let article = LimitedResourceJob::ARTICLE;
    let by_permits: Vec<_> = (sizes.permits.iter())
        .map(|&permits| (permits, LimitedResourceJob { permits, ..article }))
        .collect();
    let by_hold = [1_000].map(|us| {
        let hold = Duration::from_micros(us);
        (us as usize, LimitedResourceJob { hold, ..article })
    });
    for (group_name, jobs) in [
        ("sync/limited-resource", &by_permits[..]),
        ("sync/limited-resource-hold", &by_hold[..]),
    ] {
        bench_jobs(c, settings, group_name, &techniques, |_| jobs.to_vec());
    }
}

fn task_queue(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let techniques = queue::task_queue_techniques().unwrap_or_else(|e| fail("sync/task-queue", e));
    let article = TaskQueueJob::article(0).consumers;
    for (i, &tasks) in sizes.tasks.iter().enumerate() {
        // The smaller size sweeps consumers; the larger one runs the article's 3 workers.
        let consumers = if i == 0 {
            settings.counts_with(&[article])
        } else {
            vec![article]
        };
        let jobs = consumers.into_iter().map(|consumers| TaskQueueJob {
            consumers,
            ..TaskQueueJob::article(tasks)
        });
        let jobs: Vec<_> = jobs.map(|j| (j.consumers, j)).collect();
        let group_name = format!("sync/{}", TaskQueueJob::article(tasks).id());
        bench_jobs(c, settings, &group_name, &techniques, |_| jobs.clone());
    }
    // One producer with 3 consumers is already measured above; the producer sweep adds the
    // other counts.
    let tasks = sizes.tasks[0];
    let single = TaskQueueJob::article(tasks).producers;
    let group_name = format!("sync/{}-producers", TaskQueueJob::article(tasks).id());
    let others = settings
        .counts_with(&[])
        .into_iter()
        .filter(|&p| p != single);
    let jobs = others.map(|producers| {
        (
            producers,
            TaskQueueJob {
                producers,
                ..TaskQueueJob::article(tasks)
            },
        )
    });
    let jobs: Vec<_> = jobs.collect();
    bench_jobs(c, settings, &group_name, &techniques, |_| jobs.clone());
}

fn priority(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let probe = PriorityJob {
        tasks: sizes.ordered,
        consumers: 1,
        levels: 10,
    };
    let group_name = format!("sync/{}", probe.id());
    let consumers = settings.counts_with(&[]);
    let jobs: Vec<_> = (consumers.into_iter())
        .map(|consumers| (consumers, PriorityJob { consumers, ..probe }))
        .collect();
    let techniques = queue::priority_techniques();
    bench_jobs(c, settings, &group_name, &techniques, |_| jobs.clone());
}

fn dag(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    const MAX_DEPS: usize = 4;
    const SEED: u64 = 2026;
    let job = |workers| DagJob::random(sizes.nodes, MAX_DEPS, SEED, workers);
    let group_name = format!("sync/{}", job(1).id());
    let techniques = queue::dag_techniques();
    bench_jobs(c, settings, &group_name, &techniques, |technique| {
        let workers = if technique.sweeps_workers() {
            settings.counts_with(&[])
        } else {
            vec![1]
        };
        workers.into_iter().map(|w| (w, job(w))).collect()
    });
}
