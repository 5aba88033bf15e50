//! Family `io`: real HTTP on 127.0.0.1 (the article's threaded downloads, its `asyncio` +
//! `aiohttp` fetch, and its `aiohttp` hello server).
//!
//! - `io/download-3x64k`, `io/download-100x4k`: every download technique (sequential
//!   blocking client, thread per download, thread pool, tokio JoinSet + semaphore) fetches
//!   the job's files from the loopback file server, which adds the job's latency to every
//!   answer. Parameter: downloads in flight. Throughput: bytes. Every run's byte counts and
//!   checksums are compared with the expected ones, inside the timed loop (a `Vec` compare).
//! - `io/web-server`: each hello server (tokio + hyper, thread per connection, fixed pool)
//!   under the load generator at 1, 16 and 256 keep-alive connections. Parameter:
//!   connections. Throughput: requests. A run is one batch of requests over fresh
//!   connections; criterion gets the generator's own wall time of each run. Any error (a
//!   non-2xx, a wrong body, a socket error) fails the whole bench run.
//! - `io/file-server`: the file server itself at 0 latency and the downloads' highest
//!   concurrency, to show it is never the bottleneck of a download bench.
//! - `io/loadgen-ceiling`: the generator against a canned responder (no parsing, one
//!   pre-built answer). Its rate is still shared-core: the generator's capacity, the real
//!   ceiling of `io/web-server`, is its requests per CPU-second against this responder
//!   times the cores, which `scripts/wrk-check.sh` prints and checks.
//!
//! Servers, runtimes and pools are started outside the timed part. The load generator and
//! the servers share this machine's cores (on the 2-core reference machine, all of them):
//! server figures include the generator's own cost, which `io/loadgen-ceiling` shows.
//! For each load-generator benchmark, p50/p99/max latency go beside criterion's files as
//! `latency.json` (schema `cb-latency-v1`, see `report::inputs::side`).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use loopback::conformance::web_plan;
use loopback::{
    CANNED_BODY, CannedServer, FileServer, LoadGenerator, LoadPlan, LoadReport, LoopbackError,
    OpenLoop, latency_figures,
};
use report::inputs::side::{LATENCY_SCHEMA, LatencyFile};
use workloads::{DownloadJob, DownloadTechnique, Kind, ServerSettings, WebJob, WebServerTechnique};

use crate::finish::{criterion_dir, fail, is_measuring};
use crate::ids::BenchId;
use crate::measure::{bench_checked, bench_started};
use crate::settings::Settings;

const SHUTDOWN_BOUND: Duration = Duration::from_secs(10);

/// Every download technique of the workspace, in legend order.
fn download_techniques() -> Vec<Box<dyn DownloadTechnique>> {
    let mut all = threads::download_techniques();
    all.extend(async_tasks::download_techniques());
    all
}

/// Every hello server of the workspace, in legend order.
fn web_server_techniques() -> Vec<Box<dyn WebServerTechnique>> {
    let mut all = async_tasks::web_server_techniques();
    all.extend(threads::web_server_techniques());
    all
}

fn cores() -> usize {
    host::run_cpus().get()
}

pub fn benches(c: &mut Criterion, settings: &Settings) {
    for job in DownloadJob::for_preset(settings.preset) {
        downloads(c, settings, &job);
    }
    let generator = LoadGenerator::new(cores()).unwrap_or_else(|e| fail("io: load generator", e));
    web_server(c, settings, &generator);
    file_server(c, settings, &generator);
    loadgen_ceiling(c, settings, &generator);
}

fn downloads(c: &mut Criterion, settings: &Settings, job: &DownloadJob) {
    let group_name = format!("io/{}", job.id());
    let techniques = download_techniques();
    let ids: Vec<BenchId> = (techniques.iter())
        .map(|t| {
            BenchId::new(&group_name, t.id(), t.concurrency(job)).declaring(
                crate::sidecar::Declared::waiting(
                    Some(job.floor()),
                    Some(job.chain()),
                    t.wake_ups(),
                ),
            )
        })
        .collect();
    // The file server starts only when one of its rows is wanted.
    if !settings.any_selected(&ids) {
        return;
    }
    let server =
        FileServer::start(job.file_set(), job.latency).unwrap_or_else(|e| fail(&group_name, e));
    let addr = server.addr();
    let mut group = c.benchmark_group(&group_name);
    group.throughput(Throughput::Bytes(job.total_bytes()));
    for (technique, id) in techniques.iter().zip(ids) {
        bench_started(
            (&mut group, settings),
            (&id, technique.kind()),
            || technique.start(job),
            |runner| runner.run(addr, job),
            |bodies| job.verify(bodies),
        );
    }
    group.finish();
    server
        .shutdown(SHUTDOWN_BOUND)
        .unwrap_or_else(|e| fail(&group_name, e));
}

/// Times load runs of `plan` against `addr` as one benchmark: every run, the first before
/// timing, must have zero errors, and all of them go into `latency.json`.
fn bench_load(
    (group, settings): (&mut BenchmarkGroup<'_, WallTime>, &Settings),
    generator: &LoadGenerator,
    addr: SocketAddr,
    plan: &LoadPlan,
    (id, kind): (BenchId, Kind),
) {
    let mut total: Option<LoadReport> = None;
    group.throughput(Throughput::Elements(plan.requests));
    let run = || {
        let report = generator.run(addr, plan)?;
        report.check()?;
        match &mut total {
            Some(total) => total.merge(&report),
            None => total = Some(report.clone()),
        }
        Ok::<_, LoopbackError>(report)
    };
    bench_checked(group, settings, (&id, kind), run, |report| {
        Ok::<_, String>(report.duration)
    });
    let Some(total) = total else { return };
    if !is_measuring() {
        return;
    }
    // The p99 figures come from an open loop at half the closed loop's rate, latency counted
    // from each request's scheduled start: a closed loop hides a stall (coordinated omission).
    let rate = total.requests_per_sec() / 2.0;
    let seconds = if settings.preset == workloads::Preset::Quick {
        0.3
    } else {
        1.0
    };
    let open = generator
        .run_timed(
            addr,
            &plan.open_loop(rate, Duration::from_secs_f64(seconds)),
        )
        .and_then(|open| open.check().map(|()| open))
        .unwrap_or_else(|e| fail(format!("{id} (open loop at {rate:.0} req/s)"), e));
    write_latency(&id, &total, &OpenLoop { rate, report: open });
}

fn write_latency(id: &BenchId, report: &LoadReport, open: &OpenLoop) {
    // criterion's directory of this id: each part made file-name safe, then `new/`, where
    // its own benchmark.json is.
    let dir = criterion_dir()
        .join(criterion_safe(&id.group))
        .join(criterion_safe(&id.function))
        .join(criterion_safe(&id.parameter))
        .join("new");
    let figures = latency_figures(report, Some(open));
    let file = LatencyFile {
        schema: LATENCY_SCHEMA.to_string(),
        group: id.group.clone(),
        function: id.function.clone(),
        parameter: id.parameter.clone(),
        latency: report::model::Latency {
            requests: figures.requests,
            errors: figures.errors,
            requests_per_sec: figures.requests_per_sec,
            p50_us: figures.p50_us,
            p99_us: figures.p99_us,
            max_us: figures.max_us,
            duration_s: figures.duration_s,
        },
        latency_mode: figures.open_loop.map(|_| "open-loop".to_string()),
        open_loop_rate: figures.open_loop.map(|o| o.rate),
        closed_loop_p99_us: figures.open_loop.map(|o| o.closed_loop_p99_us),
    };
    match report::inputs::side::write_latency(&dir, &file) {
        Ok(_) => eprintln!(
            "{id}: {:.0} req/s, {} errors; open loop at {:.0} req/s: p50 {:.0} us, p99 {:.0} us, max {} us (closed loop p99 {:.0} us)",
            report.requests_per_sec(),
            report.errors,
            open.rate,
            open.report.latency_at(0.5),
            open.report.latency_at(0.99),
            open.report.latency_us.max(),
            report.latency_at(0.99),
        ),
        Err(e) => fail(id, e),
    }
}

/// criterion 0.8's `make_filename_safe`: these characters become `_`, then the name is cut
/// to 64 bytes on a character boundary.
fn criterion_safe(part: &str) -> String {
    let mut safe: String = part
        .chars()
        .map(|ch| match ch {
            '?' | '"' | '/' | '\\' | '*' | '<' | '>' | ':' | '|' | '^' => '_',
            ch => ch,
        })
        .collect();
    let mut end = safe.len().min(64);
    while !safe.is_char_boundary(end) {
        end -= 1;
    }
    safe.truncate(end);
    safe
}

fn web_server(c: &mut Criterion, settings: &Settings, generator: &LoadGenerator) {
    let server_settings = ServerSettings {
        workers: cores(),
        ..ServerSettings::default()
    };
    let group_name = "io/web-server";
    let mut group = c.benchmark_group(group_name);
    let jobs = WebJob::for_preset(settings.preset);
    for technique in web_server_techniques() {
        let ids: Vec<BenchId> = (jobs.iter())
            .map(|job| BenchId::new(group_name, technique.id(), job.connections))
            .collect();
        // A server starts only when one of its rows is wanted.
        if !settings.any_selected(&ids) {
            continue;
        }
        let server = technique
            .start(&server_settings)
            .unwrap_or_else(|e| fail(format!("io/web-server/{}", technique.id()), e));
        for (job, id) in jobs.iter().zip(ids) {
            let plan = web_plan(job);
            let (addr, kind) = (server.addr(), technique.kind());
            bench_load((&mut group, settings), generator, addr, &plan, (id, kind));
        }
        server
            .shutdown(SHUTDOWN_BOUND)
            .unwrap_or_else(|e| fail(format!("io/web-server/{}", technique.id()), e));
    }
    group.finish();
}

fn file_server(c: &mut Criterion, settings: &Settings, generator: &LoadGenerator) {
    let job = DownloadJob::MANY_SMALL;
    let server = FileServer::start(job.file_set(), Duration::ZERO)
        .unwrap_or_else(|e| fail("io/file-server", e));
    let plan = LoadPlan {
        connections: job.in_flight.get(),
        requests: 2_000,
        deadline: Duration::from_secs(30),
        targets: job
            .file_set()
            .into_iter()
            .map(|(path, body)| (path, Bytes::from(body)))
            .collect(),
    };
    let plans = vec![("loopback-file-server", plan)];
    let addr = server.addr();
    fixture_group((c, settings, generator), "io/file-server", addr, &plans);
    server
        .shutdown(SHUTDOWN_BOUND)
        .unwrap_or_else(|e| fail("io/file-server", e));
}

fn loadgen_ceiling(c: &mut Criterion, settings: &Settings, generator: &LoadGenerator) {
    let server = CannedServer::start().unwrap_or_else(|e| fail("io/loadgen-ceiling", e));
    let plans: Vec<_> = (WebJob::for_preset(settings.preset).iter().skip(1))
        .map(|job| {
            let targets = vec![("/".into(), Bytes::from_static(CANNED_BODY.as_bytes()))];
            (
                "canned",
                LoadPlan {
                    targets,
                    ..web_plan(job)
                },
            )
        })
        .collect();
    let addr = server.addr();
    fixture_group((c, settings, generator), "io/loadgen-ceiling", addr, &plans);
    server
        .shutdown(SHUTDOWN_BOUND)
        .unwrap_or_else(|e| fail("io/loadgen-ceiling", e));
}

/// One group of load runs against a fixture server of the `loopback` crate (tokio, so its
/// rows are async), a benchmark per `(function, plan)` with the plan's connections as the
/// parameter.
fn fixture_group(
    (c, settings, generator): (&mut Criterion, &Settings, &LoadGenerator),
    group_name: &str,
    addr: SocketAddr,
    plans: &[(&str, LoadPlan)],
) {
    let mut group = c.benchmark_group(group_name);
    for (function, plan) in plans {
        let id = BenchId::new(group_name, function, plan.connections);
        bench_load(
            (&mut group, settings),
            generator,
            addr,
            plan,
            (id, Kind::Async),
        );
    }
    group.finish();
}
