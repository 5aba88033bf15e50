//! Every workload of a preset as JSON (schema `cb-workloads-v1`), for programs outside this
//! workspace: the Python side (`scripts/python/`) reads it, so the article's Python runs the
//! same tasks, checks the same answers and sweeps the same workers as the Rust suite, and
//! the two languages cannot drift. `cargo run -q -p workloads --bin export-workloads --
//! --preset quick` prints it.
//!
//! Tasks are listed (or, where a list would be large, given by their generating
//! parameters: a chunk is `[first row, rows]`), expected answers come from this crate's
//! independent sources (the sieve, closed forms), and each entry carries its criterion
//! group, so a Python result lands beside the Rust rows of the same workload.

use std::num::NonZeroUsize;

use serde_json::{Value, json};

use crate::sync::{CounterJob, LimitedResourceJob, PriorityJob, SyncSizes, TaskQueueJob};
use crate::{DownloadJob, MapJob, Preset, Task, TaskOutput, WebJob};

/// The schema of the exported JSON.
pub const WORKLOADS_SCHEMA: &str = "cb-workloads-v1";

/// The workloads of `preset` with the worker sweep `workers`, as one JSON document.
pub fn export(preset: Preset, workers: &[NonZeroUsize]) -> Value {
    let sweep: Vec<usize> = workers.iter().map(|w| w.get()).collect();
    let sync = SyncSizes::of(preset);
    json!({
        "schema": WORKLOADS_SCHEMA,
        "preset": preset.name(),
        "workers": sweep,
        "map": MapJob::for_preset(preset).iter().filter_map(|job| map_job(job, &sweep)).collect::<Vec<_>>(),
        "counter": counter(&sync, &sweep),
        "shared_counter": shared_counter(&sync),
        "limited_resource": limited_resource(&sync),
        "task_queue": task_queues(&sync, &sweep),
        "priority_queue": priority(&sync, &sweep),
        "downloads": DownloadJob::for_preset(preset).iter().map(download).collect::<Vec<_>>(),
        "web_server": web_server(preset),
    })
}

/// The sweep plus the counts one workload adds (the article's own), sorted, deduplicated.
fn with(sweep: &[usize], extra: &[usize]) -> Vec<usize> {
    let mut counts = [sweep, extra].concat();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// A map job as the Python side reads it; `None` for a workload the Python side does not
/// run (the grain sweep: its rows are this suite's break-even sweep, not one of the article's).
fn map_job(job: &MapJob, sweep: &[usize]) -> Option<Value> {
    let kind = job.workload().python_kind()?;
    let tasks: Vec<Value> = job.tasks().iter().map(Task::export).collect();
    let expected: Vec<Value> = job.expected().iter().map(TaskOutput::export).collect();
    Some(json!({
        "group": format!("map/{}", job.id()),
        "kind": kind,
        "elements": job.elements(),
        "workers": with(sweep, job.article_workers()),
        "tasks": tasks,
        "expected": expected,
        "answer": MapJob::answer(job.expected()).to_string(),
    }))
}

fn counter(sync: &SyncSizes, sweep: &[usize]) -> Value {
    let workers = with(sweep, &[CounterJob::ARTICLE_THREADS.workers]);
    let expected: Vec<u64> = (workers.iter())
        .map(|&workers| {
            let increments = sync.increments;
            CounterJob {
                workers,
                increments,
            }
            .expected()
        })
        .collect();
    json!({
        "group": "sync/counter",
        "increments": sync.increments,
        "workers": workers,
        "expected": expected,
    })
}

fn shared_counter(sync: &SyncSizes) -> Value {
    let processes = CounterJob::ARTICLE_PROCESSES.workers;
    let runs: Vec<Value> = (sync.shared_increments.iter())
        .map(|&increments| {
            let job = CounterJob {
                workers: processes,
                increments,
            };
            json!({"increments": increments, "expected": job.expected()})
        })
        .collect();
    json!({"group": "process/shared-counter", "processes": processes, "runs": runs})
}

fn limited_resource(sync: &SyncSizes) -> Value {
    let article = LimitedResourceJob::ARTICLE;
    let runs: Vec<Value> = (sync.permits.iter())
        .map(|&permits| {
            let job = LimitedResourceJob { permits, ..article };
            json!({"permits": permits, "floor_us": job.floor().as_micros() as u64})
        })
        .collect();
    json!({
        "group": "sync/limited-resource",
        "workers": article.workers,
        "uses": article.uses,
        "hold_us": article.hold.as_micros() as u64,
        "runs": runs,
    })
}

fn task_queues(sync: &SyncSizes, sweep: &[usize]) -> Vec<Value> {
    let article = TaskQueueJob::article(0).consumers;
    (sync.tasks.iter().enumerate())
        .map(|(i, &tasks)| {
            let job = TaskQueueJob::article(tasks);
            // As the suite: the smaller size sweeps consumers, the others run the article's 3.
            let consumers = match i {
                0 => with(sweep, &[article]),
                _ => vec![article],
            };
            json!({
                "group": format!("sync/{}", job.id()),
                "tasks": tasks,
                "producers": job.producers,
                "consumers": consumers,
                "checksum": job.expected_checksum(),
            })
        })
        .collect()
}

fn priority(sync: &SyncSizes, sweep: &[usize]) -> Value {
    let job = PriorityJob {
        tasks: sync.ordered,
        consumers: 1,
        levels: 10,
    };
    let priorities: Vec<u64> = (0..job.tasks).map(|t| job.priority(t)).collect();
    json!({
        "group": format!("sync/{}", job.id()),
        "tasks": job.tasks,
        "levels": job.levels,
        "consumers": with(sweep, &[]),
        "priorities": priorities,
        "expected_order": job.expected_order(),
    })
}

fn download(job: &DownloadJob) -> Value {
    let files: Vec<Value> = (0..job.files)
        .map(|i| {
            let digest = job.expected(i);
            json!({"path": job.path(i), "bytes": digest.bytes, "checksum": digest.checksum})
        })
        .collect();
    json!({
        "group": format!("io/{}", job.id()),
        "files": job.files,
        "size": job.size,
        "latency_ms": job.latency.as_millis() as u64,
        "in_flight": job.in_flight.get(),
        "floor_ms": job.floor().as_millis() as u64,
        "expected": files,
    })
}

fn web_server(preset: Preset) -> Value {
    let runs: Vec<Value> = (WebJob::for_preset(preset).iter())
        .map(|job| json!({"connections": job.connections, "requests": job.requests}))
        .collect();
    let targets: Vec<Value> = (WebJob::targets().into_iter())
        .map(|(path, body)| json!({"path": path, "body": body}))
        .collect();
    json!({"group": "io/web-server", "runs": runs, "targets": targets})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> Value {
        let workers: Vec<NonZeroUsize> = [1, 2, 4].map(|n| NonZeroUsize::new(n).unwrap()).into();
        export(Preset::Quick, &workers)
    }

    #[test]
    fn map_jobs_carry_tasks_answers_and_the_articles_extra_workers() {
        let doc = quick();
        assert_eq!(doc["schema"], WORKLOADS_SCHEMA);
        let map = doc["map"].as_array().unwrap();
        // Every map job but the grain sweep, which the Python side does not run.
        let article_jobs = MapJob::for_preset(Preset::Quick)
            .iter()
            .filter(|job| job.workload().python_kind().is_some())
            .count();
        assert_eq!(map.len(), article_jobs);
        assert!(map.iter().all(|j| j["kind"] != "grain"));
        let primes = &map[0];
        assert_eq!(primes["group"], "map/primes-10k-r4");
        assert_eq!(primes["tasks"][0], json!([1, 2500]));
        assert_eq!(primes["answer"], "1229");
        let sleep = map.iter().find(|j| j["kind"] == "sleep").unwrap();
        assert_eq!(sleep["workers"], json!([1, 2, 3, 4]));
        let chunks = map.iter().find(|j| j["kind"] == "chunk-mean").unwrap();
        assert_eq!(chunks["tasks"][1], json!([10_000, 10_000]));
        assert_eq!(chunks["expected"][0], json!([49_995_000, 10_000]));
    }

    #[test]
    fn sync_and_io_jobs_state_their_answers() {
        let doc = quick();
        assert_eq!(doc["counter"]["workers"], json!([1, 2, 4, 5]));
        assert_eq!(doc["counter"]["expected"][3], 50_000);
        assert_eq!(doc["shared_counter"]["runs"][0]["expected"], 400);
        assert_eq!(doc["limited_resource"]["runs"][1]["floor_us"], 40_000);
        let queue = &doc["task_queue"][0];
        assert_eq!(
            queue["checksum"],
            TaskQueueJob::article(1_000).expected_checksum()
        );
        let order = doc["priority_queue"]["expected_order"].as_array().unwrap();
        assert_eq!(order.len(), 1_000);
        let download = &doc["downloads"][0];
        assert_eq!(download["group"], "io/download-3x4k");
        assert_eq!(download["expected"][2]["path"], "/files/002.bin");
        assert_eq!(doc["web_server"]["targets"][0]["body"], "Hello, Anonymous!");
    }
}
