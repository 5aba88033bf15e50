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

use criterion::{BenchmarkId, Criterion, Throughput};
use workloads::sync::{
    CounterJob, DagJob, LimitedResourceJob, PriorityJob, ReadMostlyJob, SyncSizes, TaskQueueJob,
};

use crate::support::{Settings, bench_checked, fail};

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
    let mut group = c.benchmark_group("sync/counter");
    for technique in locks::techniques() {
        for workers in settings.counts_with(&[CounterJob::ARTICLE_THREADS.workers]) {
            let job = CounterJob {
                workers,
                increments: sizes.increments,
            };
            let name = format!("sync/counter/{}/{workers}", technique.id());
            group.throughput(Throughput::Elements(job.expected()));
            bench_checked(
                &mut group,
                settings,
                BenchmarkId::new(technique.id(), workers),
                &name,
                || technique.run(&job),
                |r| job.verify(r.count).map(|()| r.elapsed),
            );
        }
    }
    group.finish();
}

fn read_mostly(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let mut group = c.benchmark_group("sync/counter-read-mostly");
    for technique in locks::read_mostly_techniques() {
        for workers in settings.counts_with(&[]) {
            let job = ReadMostlyJob {
                ops: sizes.reads,
                ..ReadMostlyJob::new(workers)
            };
            let name = format!("sync/counter-read-mostly/{}/{workers}", technique.id());
            group.throughput(Throughput::Elements(job.ops * workers as u64));
            bench_checked(
                &mut group,
                settings,
                BenchmarkId::new(technique.id(), workers),
                &name,
                || technique.run(&job),
                |r| job.verify(r).map(|()| r.elapsed),
            );
        }
    }
    group.finish();
}

fn limited_resource(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let techniques = semaphore::techniques().unwrap_or_else(|e| fail("sync/limited-resource", e));
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
        let mut group = c.benchmark_group(group_name);
        for technique in &techniques {
            for &(parameter, job) in jobs {
                let name = format!("{group_name}/{}/{parameter}", technique.id());
                group.throughput(Throughput::Elements((job.workers * job.uses) as u64));
                let first = bench_checked(
                    &mut group,
                    settings,
                    BenchmarkId::new(technique.id(), parameter),
                    &name,
                    || technique.run(&job),
                    |r| job.verify(r).map(|()| r.makespan),
                );
                let Some(first) = first else { continue };
                let floor = job.floor_with_timer(technique.timer_resolution());
                eprintln!(
                    "{name}: first makespan {:.2} ms, floor {:.2} ms ({:+.1}%), at most {} inside",
                    first.makespan.as_secs_f64() * 1e3,
                    floor.as_secs_f64() * 1e3,
                    (first.makespan.as_secs_f64() / floor.as_secs_f64() - 1.0) * 100.0,
                    first.max_inside,
                );
            }
        }
        group.finish();
    }
}

fn task_queue(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let techniques = queue::techniques().unwrap_or_else(|e| fail("sync/task-queue", e));
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
        let group_name = format!("sync/{}", TaskQueueJob::article(tasks).id());
        queue_group(
            c,
            settings,
            &group_name,
            &techniques,
            jobs.map(|j| (j.consumers, j)).collect(),
        );
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
    queue_group(c, settings, &group_name, &techniques, jobs.collect());
}

fn queue_group(
    c: &mut Criterion,
    settings: &Settings,
    group_name: &str,
    techniques: &[Box<dyn workloads::sync::TaskQueueTechnique>],
    jobs: Vec<(usize, TaskQueueJob)>,
) {
    let mut group = c.benchmark_group(group_name);
    for technique in techniques {
        for &(parameter, job) in &jobs {
            let name = format!("{group_name}/{}/{parameter}", technique.id());
            group.throughput(Throughput::Elements(job.tasks));
            bench_checked(
                &mut group,
                settings,
                BenchmarkId::new(technique.id(), parameter),
                &name,
                || technique.run(&job),
                |r| job.verify(r).map(|()| r.elapsed),
            );
        }
    }
    group.finish();
}

fn priority(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    let probe = PriorityJob {
        tasks: sizes.ordered,
        consumers: 1,
        levels: 10,
    };
    let group_name = format!("sync/{}", probe.id());
    let mut group = c.benchmark_group(&group_name);
    for technique in queue::priority_techniques() {
        for consumers in settings.counts_with(&[]) {
            let job = PriorityJob { consumers, ..probe };
            let name = format!("{group_name}/{}/{consumers}", technique.id());
            group.throughput(Throughput::Elements(job.tasks));
            bench_checked(
                &mut group,
                settings,
                BenchmarkId::new(technique.id(), consumers),
                &name,
                || technique.run(&job),
                |r| job.verify(r).map(|()| r.elapsed),
            );
        }
    }
    group.finish();
}

fn dag(c: &mut Criterion, settings: &Settings, sizes: &SyncSizes) {
    const MAX_DEPS: usize = 4;
    const SEED: u64 = 2026;
    let group_name = format!(
        "sync/{}",
        DagJob::random(sizes.nodes, MAX_DEPS, SEED, 1).id()
    );
    let mut group = c.benchmark_group(&group_name);
    for technique in queue::dag_techniques() {
        let workers = if technique.sweeps_workers() {
            settings.counts_with(&[])
        } else {
            vec![1]
        };
        for workers in workers {
            let job = DagJob::random(sizes.nodes, MAX_DEPS, SEED, workers);
            let name = format!("{group_name}/{}/{workers}", technique.id());
            group.throughput(Throughput::Elements(job.nodes() as u64));
            bench_checked(
                &mut group,
                settings,
                BenchmarkId::new(technique.id(), workers),
                &name,
                || technique.run(&job),
                |r| job.verify(r).map(|()| r.elapsed),
            );
        }
    }
    group.finish();
}
