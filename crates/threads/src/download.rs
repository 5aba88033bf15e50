//! The article's downloads with a blocking client: one after another, a thread per download
//! (at most `in_flight` alive), and the [`ThreadPoolExecutor`] with `in_flight` workers.
//!
//! The client is ureq 3 with default features off: truly blocking I/O on the calling thread,
//! no hidden async runtime, keep-alive connections pooled in one `Agent` shared by all
//! threads (the analog of a `requests.Session`), `TCP_NODELAY` on, proxies ignored. A real
//! client was chosen over a hand-written one so the thread techniques pay what a real
//! program pays (URL handling, header parsing, pooling), as the async side does with hyper.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::thread;
use std::time::Duration;

use ureq::Agent;
use workloads::{DownloadJob, DownloadRunner, DownloadTechnique, Kind, RunError};

use crate::{PoolError, ThreadPoolExecutor, panic_message};

/// The longest each phase of one download (connect, send, wait for the answer, read the
/// body) may take before the run fails with an error naming the file.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One download after another on the caller's thread: the baseline.
#[derive(Clone, Copy, Debug, Default)]
pub struct SequentialDownload;

/// `threading.Thread(target=download_file)` per file, at most `in_flight` alive at once (the
/// oldest is joined before another starts; equal latencies make that a semaphore).
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadPerDownload;

/// `ThreadPoolExecutor(in_flight)`, one `submit` per file.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolDownload;

workloads::technique!(SequentialDownload, "sequential", Kind::Sequential);
workloads::technique!(ThreadPerDownload, "thread-per-download", Kind::Thread);
workloads::technique!(PoolDownload, "thread-pool", Kind::Thread);

/// The blocking client every thread technique shares.
fn agent(job: &DownloadJob) -> Agent {
    Agent::config_builder()
        .proxy(None)
        .no_delay(true)
        // A non-2xx status is checked (and named) here, not turned into a generic error.
        .http_status_as_error(false)
        .max_idle_connections(job.in_flight.get())
        .max_idle_connections_per_host(job.in_flight.get())
        // Bounded per phase, not with `timeout_global`: a global (or per-call) timeout makes
        // ureq resolve every request's host on a thread of its own, spawned and joined per
        // call, which costs more than a loopback request itself. With
        // no resolve timeout, `127.0.0.1:port` is parsed on the calling thread.
        .timeout_connect(Some(REQUEST_TIMEOUT))
        .timeout_send_request(Some(REQUEST_TIMEOUT))
        .timeout_recv_response(Some(REQUEST_TIMEOUT))
        .timeout_recv_body(Some(REQUEST_TIMEOUT))
        .build()
        .into()
}

/// GETs one file and returns its body; a non-2xx status or a socket error names the path.
fn fetch(agent: &Agent, server: SocketAddr, path: &str) -> Result<Vec<u8>, RunError> {
    let url = format!("http://{server}{path}");
    let mut response = agent
        .get(&url)
        .call()
        .map_err(|e| RunError::Other(format!("GET {path}: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        return Err(RunError::Protocol(format!("GET {path}: status {status}")));
    }
    response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| RunError::Other(format!("GET {path}: reading the body: {e}")))
}

impl DownloadTechnique for SequentialDownload {
    fn concurrency(&self, _job: &DownloadJob) -> NonZeroUsize {
        NonZeroUsize::MIN
    }

    fn start(&self, job: &DownloadJob) -> Result<Box<dyn DownloadRunner>, RunError> {
        Ok(Box::new(SequentialDownloads(agent(job))))
    }
}

/// A started [`SequentialDownload`]: the client its downloads share.
struct SequentialDownloads(Agent);

impl DownloadRunner for SequentialDownloads {
    fn run(&mut self, server: SocketAddr, job: &DownloadJob) -> Result<Vec<Vec<u8>>, RunError> {
        (0..job.files)
            .map(|i| fetch(&self.0, server, &job.path(i)))
            .collect()
    }
}

impl DownloadTechnique for ThreadPerDownload {
    fn concurrency(&self, job: &DownloadJob) -> NonZeroUsize {
        job.in_flight
    }

    fn start(&self, job: &DownloadJob) -> Result<Box<dyn DownloadRunner>, RunError> {
        Ok(Box::new(ThreadedDownloads(agent(job))))
    }
}

/// A started [`ThreadPerDownload`]: the client its threads share.
struct ThreadedDownloads(Agent);

impl DownloadRunner for ThreadedDownloads {
    fn run(&mut self, server: SocketAddr, job: &DownloadJob) -> Result<Vec<Vec<u8>>, RunError> {
        let mut alive = VecDeque::with_capacity(job.in_flight.get());
        let mut bodies = Vec::with_capacity(job.files);
        for index in 0..job.files {
            if alive.len() == job.in_flight.get() {
                if let Some(oldest) = alive.pop_front() {
                    bodies.push(join_download(oldest, job, bodies.len())?);
                }
            }
            let (agent, path) = (self.0.clone(), job.path(index));
            let handle = thread::Builder::new()
                .name("cb-download".into())
                .spawn(move || fetch(&agent, server, &path))
                .map_err(|e| {
                    RunError::io(format!("spawning the thread of {}", job.path(index)), e)
                })?;
            alive.push_back(handle);
        }
        // Threads are joined oldest first, so `bodies` stays in index order.
        while let Some(oldest) = alive.pop_front() {
            bodies.push(join_download(oldest, job, bodies.len())?);
        }
        Ok(bodies)
    }
}

type Download = thread::JoinHandle<Result<Vec<u8>, RunError>>;

fn join_download(handle: Download, job: &DownloadJob, index: usize) -> Result<Vec<u8>, RunError> {
    handle.join().map_err(|payload| RunError::TaskPanicked {
        task: index,
        message: format!("{}: {}", job.path(index), panic_message(payload.as_ref())),
    })?
}

impl DownloadTechnique for PoolDownload {
    fn concurrency(&self, job: &DownloadJob) -> NonZeroUsize {
        job.in_flight
    }

    fn start(&self, job: &DownloadJob) -> Result<Box<dyn DownloadRunner>, RunError> {
        let pool =
            ThreadPoolExecutor::with_name(job.in_flight, "cb-download-pool").map_err(|e| {
                RunError::Start {
                    technique: Self::ID.into(),
                    cause: e.to_string(),
                }
            })?;
        Ok(Box::new(PooledDownloads {
            pool,
            agent: agent(job),
        }))
    }
}

/// A started [`PoolDownload`]: its pool and the client the pool's workers share.
struct PooledDownloads {
    pool: ThreadPoolExecutor,
    agent: Agent,
}

impl DownloadRunner for PooledDownloads {
    fn run(&mut self, server: SocketAddr, job: &DownloadJob) -> Result<Vec<Vec<u8>>, RunError> {
        let handles: Vec<_> = (0..job.files)
            .map(|index| {
                let (agent, path) = (self.agent.clone(), job.path(index));
                self.pool.submit(move || fetch(&agent, server, &path))
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(index, handle)| match handle.result() {
                Ok(body) => body,
                Err(PoolError::Panicked { message }) => Err(RunError::TaskPanicked {
                    task: index,
                    message: format!("{}: {message}", job.path(index)),
                }),
                Err(other) => Err(RunError::Other(format!("{}: {other}", job.path(index)))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loopback::conformance::check_download;

    /// ureq spawns and joins a thread to resolve the host of every request when a global,
    /// per-call or resolve timeout is set; the client must bound each phase instead, so a
    /// thread row pays for its requests, not for a thread each.
    #[test]
    fn the_client_bounds_each_phase_and_never_resolves_on_a_thread() {
        let timeouts = agent(&DownloadJob::MANY_SMALL).config().timeouts();
        assert_eq!(
            (timeouts.global, timeouts.per_call, timeouts.resolve),
            (None, None, None)
        );
        for phase in [
            timeouts.connect,
            timeouts.send_request,
            timeouts.recv_response,
            timeouts.recv_body,
        ] {
            assert_eq!(phase, Some(REQUEST_TIMEOUT));
        }
    }

    #[test]
    fn every_blocking_technique_verifies_every_file() {
        let techniques: [&dyn DownloadTechnique; 3] =
            [&SequentialDownload, &ThreadPerDownload, &PoolDownload];
        for technique in techniques {
            check_download(technique).unwrap();
        }
    }
}
