//! The contract checks every server and download technique's tests run, written once: real
//! servers, real sockets, every answer checked, every wait bounded.

use std::time::Duration;

use bytes::Bytes;
use workloads::{
    DownloadJob, DownloadTechnique, Preset, ServerSettings, WebJob, WebServerTechnique,
};

use crate::{FileServer, LoadGenerator, LoadPlan, probe};

/// The bound on a server's shutdown in the checks.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(5);

/// The load plan of a web job: its connections and requests over [`WebJob::targets`].
pub fn web_plan(job: &WebJob) -> LoadPlan {
    LoadPlan {
        connections: job.connections,
        requests: job.requests,
        deadline: job.deadline,
        targets: WebJob::targets()
            .into_iter()
            .map(|(path, body)| (path, Bytes::from(body)))
            .collect(),
    }
}

/// Starts `technique`, loads it at 1, 16 and 64 connections with every body checked, sends
/// it each kind of bad input (after each it must still serve), then shuts it down within
/// [`SHUTDOWN_BOUND`] and checks that its port no longer accepts.
pub fn check_web_server(technique: &dyn WebServerTechnique) -> Result<(), String> {
    let id = technique.id();
    let settings = ServerSettings {
        workers: 2,
        read_timeout: Duration::from_millis(300),
        ..ServerSettings::default()
    };
    let server = technique
        .start(&settings)
        .map_err(|e| format!("{id}: start: {e}"))?;
    let addr = server.addr();
    let generator = LoadGenerator::new(1).map_err(|e| e.to_string())?;
    for connections in [1, 16, 64] {
        let job = WebJob {
            connections,
            requests: 300,
            deadline: Duration::from_secs(20),
        };
        let report = generator
            .run(addr, &web_plan(&job))
            .map_err(|e| format!("{id}: {e}"))?;
        report
            .check()
            .map_err(|e| format!("{id} at {connections} connections: {e}"))?;
        if report.requests != job.requests {
            return Err(format!(
                "{id}: {} of {} requests",
                report.requests, job.requests
            ));
        }
    }
    match probe::get(addr, "/a/b")? {
        (404, _) => {}
        other => return Err(format!("{id}: GET /a/b answered {other:?}, not 404")),
    }
    probe::bad_input(addr, settings.max_header_bytes, settings.read_timeout)
        .map_err(|e| format!("{id}: {e}"))?;
    server
        .shutdown(SHUTDOWN_BOUND)
        .map_err(|e| format!("{id}: shutdown: {e}"))?;
    probe::port_closed(addr).map_err(|e| format!("{id}: after shutdown: {e}"))
}

/// Runs `technique` on every quick-preset download job twice (a started runner is reused),
/// verifying every file; then checks that a corrupted file is a mismatch naming it, and that
/// a missing file is an error naming its path.
pub fn check_download(technique: &dyn DownloadTechnique) -> Result<(), String> {
    let id = technique.id();
    for job in DownloadJob::for_preset(Preset::Quick) {
        let server = FileServer::start(job.file_set(), job.latency).map_err(|e| e.to_string())?;
        let mut runner = technique
            .start(&job)
            .map_err(|e| format!("{id}: start: {e}"))?;
        for _ in 0..2 {
            let bodies = runner
                .run(server.addr(), &job)
                .map_err(|e| format!("{id} on {}: {e}", job.id()))?;
            job.verify(&bodies)
                .map_err(|e| format!("{id} on {}: {e}", job.id()))?;
        }
        server.shutdown(SHUTDOWN_BOUND).map_err(|e| e.to_string())?;
    }
    let job = DownloadJob::for_preset(Preset::Quick)[0];
    let mut files = job.file_set();
    files[1].1[100] ^= 0xff;
    files.truncate(job.files);
    let corrupt = FileServer::start(files, Duration::ZERO).map_err(|e| e.to_string())?;
    let mut runner = technique.start(&job).map_err(|e| e.to_string())?;
    let bodies: Vec<Vec<u8>> = runner
        .run(corrupt.addr(), &job)
        .map_err(|e| format!("{id}: {e}"))?;
    match job.verify(&bodies) {
        Err(mismatch) if mismatch.what.contains(&job.path(1)) => {}
        other => return Err(format!("{id}: a corrupted file gave {other:?}")),
    }
    let mut files = job.file_set();
    files.remove(2);
    let missing = FileServer::start(files, Duration::ZERO).map_err(|e| e.to_string())?;
    match runner.run(missing.addr(), &job) {
        Err(e) if e.to_string().contains(&job.path(2)) && e.to_string().contains("404") => Ok(()),
        other => Err(format!("{id}: a missing file gave {other:?}")),
    }
}
