//! The HTTP load generator: `connections` keep-alive clients in a closed loop (each sends its
//! next request when the previous answer is in), sharing one request budget and a deadline.
//! Every answer is checked (a 2xx status and the exact expected body); anything else is an
//! error, and the latency of every request goes into an HDR histogram.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::{JoinHandle, JoinSet};

use crate::LoopbackError;

/// What one load run does.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Requests in all, over every connection.
    pub requests: u64,
    /// The run stops here; requests not answered by then are errors.
    pub deadline: Duration,
    /// The paths to request, in turn, each with the exact body it must get.
    pub targets: Vec<(String, Bytes)>,
}

/// What a load run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Requests answered correctly or counted as errors.
    pub requests: u64,
    /// Non-2xx answers, wrong bodies, socket errors, and requests the deadline cut off.
    pub errors: u64,
    /// The first error, in words, naming the path.
    pub first_error: Option<String>,
    /// Connections opened again after the server closed one (`Connection: close`).
    pub reconnects: u64,
    /// Latency of every correct answer, in microseconds, from the start of the request
    /// (a reconnect included) to the last byte of the body.
    pub latency_us: Histogram<u64>,
    /// Wall time of the run, connects included.
    pub duration: Duration,
}

impl LoadReport {
    fn empty() -> LoadReport {
        LoadReport {
            requests: 0,
            errors: 0,
            first_error: None,
            reconnects: 0,
            // 1 us to 1 hour at 3 significant digits; saturating_record clamps outliers.
            latency_us: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("constant histogram bounds are valid"),
            duration: Duration::ZERO,
        }
    }

    /// Adds another run's counts, histogram and duration to this one.
    pub fn merge(&mut self, other: &LoadReport) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.reconnects += other.reconnects;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.latency_us.add(&other.latency_us);
        self.duration += other.duration;
    }

    /// Requests per second of wall time.
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.duration.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// The latency at quantile `q` (0.5 for the median), in microseconds.
    pub fn latency_at(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64
    }

    /// `Ok` when every request was answered correctly; otherwise an error with the count
    /// and the first error.
    pub fn check(&self) -> Result<(), LoopbackError> {
        if self.errors == 0 {
            return Ok(());
        }
        Err(LoopbackError::Load(format!(
            "{} of {} requests failed; first: {}",
            self.errors,
            self.requests,
            self.first_error.as_deref().unwrap_or("unknown")
        )))
    }
}

/// A load generator with a runtime of its own, built once and reused by every run.
#[derive(Debug)]
pub struct LoadGenerator {
    runtime: tokio::runtime::Runtime,
}

impl LoadGenerator {
    /// Builds the generator's runtime with `threads` worker threads.
    pub fn new(threads: usize) -> Result<LoadGenerator, LoopbackError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("cb-loadgen")
            .enable_all()
            .build()
            .map_err(|e| LoopbackError::io("building the load generator runtime", e))?;
        Ok(LoadGenerator { runtime })
    }

    /// Runs `plan` against `addr` and waits for it, at most the plan's deadline and 5 s more.
    /// The run itself executes on the generator's workers, not on the calling thread.
    pub fn run(&self, addr: SocketAddr, plan: &LoadPlan) -> Result<LoadReport, LoopbackError> {
        let (done, report) = mpsc::sync_channel(1);
        let plan = plan.clone();
        let deadline = plan.deadline;
        self.runtime.spawn(async move {
            let _ = done.send(run(addr, plan).await);
        });
        report
            .recv_timeout(deadline + Duration::from_secs(5))
            .map_err(|_| LoopbackError::Load(format!("no report within {deadline:?} + 5 s")))
    }
}

/// Runs `plan` against `addr` on the current runtime.
pub async fn run(addr: SocketAddr, plan: LoadPlan) -> LoadReport {
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(started + plan.deadline);
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicU64::new(0));
    let mut clients = JoinSet::new();
    for _ in 0..plan.connections.max(1) {
        clients.spawn(client(addr, Arc::clone(&plan), Arc::clone(&next), deadline));
    }
    let mut report = LoadReport::empty();
    while let Some(tally) = clients.join_next().await {
        match tally {
            Ok(tally) => report.merge(&tally),
            Err(e) => report.merge(&LoadReport::failed(format!("a client task failed: {e}"))),
        }
    }
    report.duration = started.elapsed();
    // Requests never sent because the deadline passed are errors too.
    let missing = plan.requests.saturating_sub(report.requests);
    if missing > 0 {
        report.requests += missing;
        report.errors += missing;
        let message = format!("{missing} requests not sent within {:?}", plan.deadline);
        report.first_error.get_or_insert(message);
    }
    report
}

impl LoadReport {
    fn failed(message: String) -> LoadReport {
        let mut report = LoadReport::empty();
        report.requests = 1;
        report.errors = 1;
        report.first_error = Some(message);
        report
    }

    fn fail(&mut self, message: String) {
        self.requests += 1;
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }
}

/// One keep-alive connection and the task that drives it.
struct Connection {
    sender: SendRequest<Empty<Bytes>>,
    driver: JoinHandle<()>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Result<Connection, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("setting TCP_NODELAY: {e}"))?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        let driver = tokio::spawn(async move {
            // Its errors surface on the sender as failed requests.
            let _ = connection.await;
        });
        Ok(Connection { sender, driver })
    }

    /// Drops the sender, which lets the driver close the socket, and waits for that.
    async fn close(self) {
        drop(self.sender);
        let mut driver = self.driver;
        if tokio::time::timeout(Duration::from_secs(1), &mut driver)
            .await
            .is_err()
        {
            driver.abort();
        }
    }
}

async fn client(
    addr: SocketAddr,
    plan: Arc<LoadPlan>,
    next: Arc<AtomicU64>,
    deadline: tokio::time::Instant,
) -> LoadReport {
    let mut tally = LoadReport::empty();
    let mut connection: Option<Connection> = None;
    while tokio::time::Instant::now() < deadline {
        // Relaxed: the counter only hands out distinct indexes; no other data rides on it.
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= plan.requests {
            break;
        }
        let (path, expected) = &plan.targets[index as usize % plan.targets.len()];
        let started = Instant::now();
        let outcome = tokio::time::timeout_at(
            deadline,
            request(&mut connection, addr, path, expected, &mut tally),
        )
        .await;
        match outcome {
            Ok(Ok(())) => {
                tally.requests += 1;
                let micros = started.elapsed().as_micros().max(1);
                tally.latency_us.saturating_record(micros as u64);
            }
            Ok(Err(message)) => {
                tally.fail(message);
                // A broken connection is not reused; the next request reconnects.
                if let Some(old) = connection.take() {
                    old.close().await;
                }
            }
            Err(_) => tally.fail(format!("GET {path}: no answer before the deadline")),
        }
    }
    if let Some(old) = connection.take() {
        old.close().await;
    }
    tally
}

/// Sends one GET on the connection (opening one if there is none or the server closed it)
/// and checks the status and the body.
async fn request(
    connection: &mut Option<Connection>,
    addr: SocketAddr,
    path: &str,
    expected: &Bytes,
    tally: &mut LoadReport,
) -> Result<(), String> {
    // `ready` fails once the server has closed the connection (`Connection: close`).
    let reusable = match connection.as_mut() {
        Some(open) => open.sender.ready().await.is_ok(),
        None => false,
    };
    if !reusable {
        if let Some(old) = connection.take() {
            old.close().await;
            tally.reconnects += 1;
        }
        *connection = Some(Connection::open(addr).await?);
    }
    let Some(open) = connection.as_mut() else {
        return Err("no connection".into());
    };
    let request = Request::get(path)
        .header(header::HOST, addr.to_string())
        .body(Empty::new())
        .map_err(|e| format!("GET {path}: building the request: {e}"))?;
    let response = open
        .sender
        .send_request(request)
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("GET {path}: reading the body: {e}"))?
        .to_bytes();
    if !status.is_success() {
        return Err(format!("GET {path}: status {status}"));
    }
    if body != *expected {
        let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
        return Err(format!(
            "GET {path}: wrong body ({} bytes, starting {shown:?}; expected {} bytes)",
            body.len(),
            expected.len()
        ));
    }
    Ok(())
}
