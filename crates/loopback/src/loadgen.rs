//! The HTTP load generator: `connections` keep-alive clients sharing one request budget and
//! a deadline, in a closed loop (each sends its next request when the previous answer is in)
//! or, with [`TimedPlan::rate`], an open loop at a fixed request rate. Every answer is checked
//! (a 2xx status and the exact expected body); anything else is an error, and the latency of
//! every request goes into an HDR histogram.
//!
//! Each connection is one tokio task that writes a pre-built request and parses the answer
//! itself (status line, `Content-Length`, `Connection: close`): no driver task, no channel
//! between a request sender and a connection task. A client with two tasks per connection
//! (hyper's) pays two wake-ups per request, and the generator, not the server, becomes the
//! ceiling of the `io/web-server` rows (`scripts/wrk-check.sh` holds it to wrk's rate).
//!
//! # Threads: one event loop each, as wrk
//!
//! A [`LoadGenerator`] owns `threads` OS threads, each running a current-thread tokio runtime,
//! built once and reused by every run. A run deals its connections out round-robin, and each
//! thread drives its share to the end: no work stealing, no task crossing threads, no wake-up
//! of another thread's runtime, as wrk runs one event loop per thread. Per request a client
//! registers no timer, clones no shared `Arc` and bumps no counter shared by all threads: it
//! arms one deadline timer for the whole run, and only a run with a request budget shares a
//! counter (the budget is one pool that faster threads drain further).
//!
//! Each thread also reads its own CPU clock around its share of the run, so a report says
//! what the generator itself cost ([`LoadReport::cpu`]): requests per CPU-second is the
//! generator's capacity, whatever the server on the same cores costs.
//!
//! # The open loop and coordinated omission
//!
//! A closed loop waits for each answer before the next request, so a server that stalls
//! also stops the clock of the requests it delayed (coordinated omission): the p99 looks
//! fine. In the open loop each connection has a schedule (`rate / connections` requests a
//! second, evenly spaced) and a request's latency is measured from the time the schedule
//! says it should have been sent, as wrk2 does: a stall shows in every request it delayed.
//! tokio's timer has 1 ms resolution, so a connection asks to wake 1 ms before its next slot
//! and sends at once; a request sent early is timed from its real send, never from before it.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::LoopbackError;

/// What one load run does: a request budget that must all be answered by a deadline.
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

impl LoadPlan {
    /// The same connections and targets as an open loop at `rate` requests/s for `duration`.
    pub fn open_loop(&self, rate: f64, duration: Duration) -> TimedPlan {
        self.timed(Some(rate), duration)
    }

    /// The same connections and targets, every body checked, bounded by `duration`.
    fn timed(&self, rate: Option<f64>, duration: Duration) -> TimedPlan {
        TimedPlan {
            connections: self.connections,
            duration,
            targets: self
                .targets
                .iter()
                .map(|(path, body)| (path.clone(), Some(body.clone())))
                .collect(),
            rate,
        }
    }
}

/// A load run bounded by time instead of a request budget, as `wrk` runs: requests still in
/// flight when `duration` ends are neither counted nor errors.
#[derive(Clone, Debug)]
pub struct TimedPlan {
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// How long the run lasts.
    pub duration: Duration,
    /// The paths to request, in turn, each with the exact body it must get (`None`: any
    /// body, as long as the status is 2xx).
    pub targets: Vec<(String, Option<Bytes>)>,
    /// `None`: a closed loop. `Some(r)`: an open loop at `r` requests per second over all
    /// connections, latency measured from each request's scheduled time.
    pub rate: Option<f64>,
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
    /// (a reconnect included; in the open loop, its scheduled start) to the last byte of
    /// the body.
    pub latency_us: Histogram<u64>,
    /// Wall time of the run, connects included.
    pub duration: Duration,
    /// CPU time (user and system) the generator's threads spent on the run, read from each
    /// thread's own clock; `None` from [`run`], which shares the caller's runtime threads
    /// with whatever else they run. Merged reports add the ones that have it.
    pub cpu: Option<Duration>,
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
            cpu: None,
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
        self.cpu = match (self.cpu, other.cpu) {
            (Some(mine), Some(theirs)) => Some(mine + theirs),
            (mine, theirs) => mine.or(theirs),
        };
    }

    /// Requests per second of wall time.
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.duration.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Requests per CPU-second of the generator itself (see [`LoadReport::cpu`]): times the
    /// cores, the most requests/s it could drive with the machine to itself and a server
    /// that cost nothing. `None` without a CPU figure.
    pub fn requests_per_cpu_sec(&self) -> Option<f64> {
        let cpu = self.cpu?.as_secs_f64();
        (cpu > 0.0).then(|| self.requests as f64 / cpu)
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

    fn failed(message: String) -> LoadReport {
        let mut report = LoadReport::empty();
        report.fail(message);
        report
    }

    fn fail(&mut self, message: String) {
        self.requests += 1;
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }
}

/// A load generator with event-loop threads of its own, built once and reused by every run.
#[derive(Debug)]
pub struct LoadGenerator {
    workers: Vec<Worker>,
}

/// One event-loop thread: a current-thread runtime that runs what is spawned on `handle`
/// until `stop` fires.
#[derive(Debug)]
struct Worker {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LoadGenerator {
    /// Starts `threads` event-loop threads (at least one), each a current-thread runtime.
    pub fn new(threads: usize) -> Result<LoadGenerator, LoopbackError> {
        let mut generator = LoadGenerator {
            workers: Vec::new(),
        };
        for index in 0..threads.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| LoopbackError::io("building a load generator runtime", e))?;
            let handle = runtime.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            let thread = std::thread::Builder::new()
                .name(format!("cb-loadgen-{index}"))
                .spawn(move || {
                    // Drives what runs spawn until the generator is dropped (a dropped sender
                    // is a stop too).
                    let _ = runtime.block_on(stopped);
                })
                .map_err(|e| LoopbackError::io("starting a load generator thread", e))?;
            generator.workers.push(Worker {
                handle,
                stop: Some(stop),
                thread: Some(thread),
            });
        }
        Ok(generator)
    }

    /// Runs `plan` against `addr` and waits for it, at most the plan's deadline and 5 s more.
    /// The run itself executes on the generator's threads, not on the calling thread.
    pub fn run(&self, addr: SocketAddr, plan: &LoadPlan) -> Result<LoadReport, LoopbackError> {
        let spec = Spec::budgeted(addr, plan)?;
        let mut report = self.drive(addr, spec, plan.deadline)?;
        count_unsent(&mut report, plan);
        Ok(report)
    }

    /// Runs `plan` against `addr` for its duration and waits for it (at most 5 s more).
    pub fn run_timed(
        &self,
        addr: SocketAddr,
        plan: &TimedPlan,
    ) -> Result<LoadReport, LoopbackError> {
        let spec = Spec::timed(addr, plan)?;
        self.drive(addr, spec, plan.duration)
    }

    /// Deals the connections of `spec` out to the threads, one shard each, and merges their
    /// reports, waiting at most `bound` and 5 s more.
    fn drive(
        &self,
        addr: SocketAddr,
        spec: Spec,
        bound: Duration,
    ) -> Result<LoadReport, LoopbackError> {
        let started = Instant::now();
        let run = Run::new(addr, spec, started);
        let shards = self.workers.len().min(run.spec.connections);
        let (done, reports) = mpsc::sync_channel(shards);
        for (index, worker) in self.workers.iter().take(shards).enumerate() {
            let lanes = (index..run.spec.connections).step_by(shards);
            let shard = run.clone().shard(lanes);
            let done = done.clone();
            worker.handle.spawn(async move {
                let _ = done.send(shard.await);
            });
        }
        drop(done);
        let give_up = started + bound + Duration::from_secs(5);
        let mut report = LoadReport::empty();
        for _ in 0..shards {
            let left = give_up.saturating_duration_since(Instant::now());
            let shard = reports.recv_timeout(left).map_err(|e| match e {
                mpsc::RecvTimeoutError::Timeout => {
                    LoopbackError::Load(format!("no report within {bound:?} + 5 s"))
                }
                mpsc::RecvTimeoutError::Disconnected => {
                    LoopbackError::Load("a load generator thread dropped its run".into())
                }
            })?;
            report.merge(&shard);
        }
        report.duration = started.elapsed();
        Ok(report)
    }
}

impl Drop for LoadGenerator {
    fn drop(&mut self) {
        for worker in &mut self.workers {
            if let Some(stop) = worker.stop.take() {
                let _ = stop.send(());
            }
        }
        for worker in &mut self.workers {
            if let Some(thread) = worker.thread.take() {
                // A thread that panicked has nothing left to clean up.
                let _ = thread.join();
            }
        }
    }
}

/// Runs `plan` against `addr` on the current runtime, every connection a task of it (the
/// report has no [`LoadReport::cpu`]: those threads may be running anything else too).
pub async fn run(addr: SocketAddr, plan: LoadPlan) -> LoadReport {
    let spec = match Spec::budgeted(addr, &plan) {
        Ok(spec) => spec,
        Err(e) => return LoadReport::failed(e.to_string()),
    };
    let started = Instant::now();
    let connections = spec.connections;
    let mut report = Run::new(addr, spec, started).clients(0..connections).await;
    report.duration = started.elapsed();
    count_unsent(&mut report, &plan);
    report
}

/// Requests never sent because the deadline passed are errors too.
fn count_unsent(report: &mut LoadReport, plan: &LoadPlan) {
    let missing = plan.requests.saturating_sub(report.requests);
    if missing > 0 {
        report.requests += missing;
        report.errors += missing;
        let message = format!("{missing} requests not sent within {:?}", plan.deadline);
        report.first_error.get_or_insert(message);
    }
}

/// One run, either kind: a budget (every request must be answered by the deadline) or none
/// (the deadline ends the run and cuts nothing).
struct Spec {
    connections: usize,
    budget: Option<u64>,
    deadline: Duration,
    targets: Vec<Target>,
    rate: Option<f64>,
}

impl Spec {
    /// A run bounded by time ([`TimedPlan`]): no budget, an open loop when it has a rate.
    fn timed(addr: SocketAddr, plan: &TimedPlan) -> Result<Spec, LoopbackError> {
        if let Some(rate) = plan.rate
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(LoopbackError::Load(format!(
                "rate {rate}: must be a positive number of requests per second"
            )));
        }
        if plan.targets.is_empty() {
            return Err(LoopbackError::Load("a load plan needs a target".into()));
        }
        Ok(Spec {
            connections: plan.connections.max(1),
            budget: None,
            deadline: plan.duration,
            targets: plan
                .targets
                .iter()
                .map(|(path, body)| Target::new(addr, path, body.clone()))
                .collect(),
            rate: plan.rate,
        })
    }

    /// A run with a request budget ([`LoadPlan`]): the timed run of its deadline, in a closed
    /// loop, plus the budget.
    fn budgeted(addr: SocketAddr, plan: &LoadPlan) -> Result<Spec, LoopbackError> {
        Ok(Spec {
            budget: Some(plan.requests),
            ..Spec::timed(addr, &plan.timed(None, plan.deadline))?
        })
    }
}

/// A path with its pre-built request bytes and the body it must get.
struct Target {
    path: String,
    request: Vec<u8>,
    expected: Option<Bytes>,
}

impl Target {
    fn new(addr: SocketAddr, path: &str, expected: Option<Bytes>) -> Target {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes();
        Target {
            path: path.to_string(),
            request,
            expected,
        }
    }
}

/// What every shard of one run shares: the plan, its clock, and the budget's counter.
#[derive(Clone)]
struct Run {
    addr: SocketAddr,
    spec: Arc<Spec>,
    /// The next request's index, handed out across all shards; used only with a budget.
    next: Arc<AtomicU64>,
    started: Instant,
    deadline: Instant,
}

impl Run {
    fn new(addr: SocketAddr, spec: Spec, started: Instant) -> Run {
        Run {
            addr,
            deadline: started + spec.deadline,
            spec: Arc::new(spec),
            next: Arc::new(AtomicU64::new(0)),
            started,
        }
    }

    /// Runs the clients of `lanes` on this thread's runtime and reports them with the CPU
    /// time this thread spent meanwhile (it runs nothing else while a run is on).
    async fn shard(self, lanes: impl Iterator<Item = usize>) -> LoadReport {
        let cpu = thread_cpu_time();
        let mut report = self.clients(lanes).await;
        report.cpu = Some(thread_cpu_time().saturating_sub(cpu));
        report
    }

    /// Runs one client task per lane on the current runtime and merges their tallies.
    async fn clients(self, lanes: impl Iterator<Item = usize>) -> LoadReport {
        let mut clients = JoinSet::new();
        for lane in lanes {
            let client = Client {
                addr: self.addr,
                spec: Arc::clone(&self.spec),
                next: Arc::clone(&self.next),
                deadline: self.deadline,
                lane,
                stream: None,
                buf: Vec::with_capacity(16 * 1024),
                tally: LoadReport::empty(),
            };
            clients.spawn(client.run(self.started));
        }
        let mut report = LoadReport::empty();
        while let Some(tally) = clients.join_next().await {
            match tally {
                Ok(tally) => report.merge(&tally),
                Err(e) => report.merge(&LoadReport::failed(format!("a client task failed: {e}"))),
            }
        }
        report
    }
}

/// The calling thread's CPU time, user and system (`CLOCK_THREAD_CPUTIME_ID`); zero if the
/// clock cannot be read.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the call.
    let read = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if read != 0 {
        return Duration::ZERO;
    }
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// One keep-alive connection's client: its socket, read buffer and tally.
struct Client {
    addr: SocketAddr,
    spec: Arc<Spec>,
    next: Arc<AtomicU64>,
    deadline: Instant,
    /// This client's index, which offsets its open-loop schedule.
    lane: usize,
    stream: Option<TcpStream>,
    /// Bytes read and not yet consumed (a response arrives in one or more reads).
    buf: Vec<u8>,
    tally: LoadReport,
}

/// How a request ended.
enum Outcome {
    Ok,
    /// A wrong answer or a broken connection; the connection is dropped.
    Failed(String),
}

impl Client {
    async fn run(mut self, started: Instant) -> LoadReport {
        // One timer for the whole run, armed once: the requests race it, none registers its own.
        let expiry = tokio::time::sleep_until(self.deadline.into());
        tokio::pin!(expiry);
        // Clone the plan's handle once, not per request: every clone is an atomic add on a
        // count all the threads share.
        let spec = Arc::clone(&self.spec);
        let spec = &*spec;
        // Open loop: this lane's slots are `started + (k * lanes + lane) / rate`.
        let interval = spec.rate.map(|rate| Duration::from_secs_f64(1.0 / rate));
        let lanes = spec.connections as u32;
        let mut slot = self.lane as u32;
        // Without a budget each client turns through the targets on its own, from its lane.
        let mut own_index = self.lane as u64;
        loop {
            let now = Instant::now();
            if now >= self.deadline {
                break;
            }
            let mut scheduled = None;
            if let Some(interval) = interval {
                let at = started + interval * slot;
                slot = slot.saturating_add(lanes);
                if at >= self.deadline {
                    break;
                }
                // tokio's timer fires on 1 ms ticks: wake a tick early and send at once.
                let wake = at.checked_sub(Duration::from_millis(1)).unwrap_or(at);
                if wake > now {
                    tokio::time::sleep_until(wake.into()).await;
                }
                scheduled = Some(at);
            }
            let index = match spec.budget {
                Some(budget) => {
                    // Relaxed: the counter only hands out distinct indexes; no other data
                    // rides on it.
                    let index = self.next.fetch_add(1, Ordering::Relaxed);
                    if index >= budget {
                        break;
                    }
                    index
                }
                None => {
                    own_index += 1;
                    own_index - 1
                }
            };
            let target = &spec.targets[index as usize % spec.targets.len()];
            let sent = if scheduled.is_some() {
                Instant::now()
            } else {
                now
            };
            // A request sent early is timed from its send; one sent late (the previous answer
            // held it back) from its slot, so a stall counts in every request it delayed.
            let start = scheduled.map_or(sent, |at| at.min(sent));
            let outcome = tokio::select! {
                biased;
                outcome = self.request(target) => Some(outcome),
                () = &mut expiry => None,
            };
            match outcome {
                Some(Outcome::Ok) => {
                    self.tally.requests += 1;
                    let micros = start.elapsed().as_micros().max(1);
                    self.tally.latency_us.saturating_record(micros as u64);
                }
                Some(Outcome::Failed(message)) => {
                    self.tally.fail(message);
                    // A broken connection is not reused; the next request reconnects.
                    self.stream = None;
                }
                None => {
                    if spec.budget.is_some() {
                        let path = &target.path;
                        self.tally
                            .fail(format!("GET {path}: no answer before the deadline"));
                    }
                    break;
                }
            }
        }
        // Dropping the stream closes the socket.
        self.stream = None;
        self.tally
    }

    /// Sends one GET (connecting first if needed) and checks the answer. A reused
    /// connection the server had already closed (an idle timeout) is retried once on a
    /// fresh one, as browsers do for an idempotent GET.
    async fn request(&mut self, target: &Target) -> Outcome {
        let reused = self.stream.is_some();
        match self.exchange(target).await {
            Err(Broken::Closed) if reused => {
                self.stream = None;
                self.tally.reconnects += 1;
                match self.exchange(target).await {
                    Ok(outcome) => outcome,
                    Err(broken) => Outcome::Failed(broken.describe(&target.path)),
                }
            }
            Ok(outcome) => outcome,
            Err(broken) => Outcome::Failed(broken.describe(&target.path)),
        }
    }

    async fn exchange(&mut self, target: &Target) -> Result<Outcome, Broken> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| Broken::Io(format!("connecting to {}: {e}", self.addr)))?;
            stream
                .set_nodelay(true)
                .map_err(|e| Broken::Io(format!("setting TCP_NODELAY: {e}")))?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(Broken::Io("no connection".into()));
        };
        stream
            .write_all(&target.request)
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset => Broken::Closed,
                _ => Broken::Io(format!("sending: {e}")),
            })?;
        let head = read_head(stream, &mut self.buf).await?;
        let body_end = head.len + head.content_length;
        while self.buf.len() < body_end {
            read_more(stream, &mut self.buf)
                .await
                .map_err(|e| Broken::Io(format!("reading the body: {e}")))?;
        }
        let path = &target.path;
        let outcome = if !(200..300).contains(&head.status) {
            Outcome::Failed(format!("GET {path}: status {}", head.status))
        } else {
            let body = &self.buf[head.len..body_end];
            match &target.expected {
                Some(expected) if body != &expected[..] => {
                    let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
                    Outcome::Failed(format!(
                        "GET {path}: wrong body ({} bytes, starting {shown:?}; expected {} bytes)",
                        body.len(),
                        expected.len()
                    ))
                }
                _ => Outcome::Ok,
            }
        };
        self.buf.drain(..body_end);
        if head.close {
            self.stream = None;
            if matches!(outcome, Outcome::Ok) {
                self.tally.reconnects += 1;
            }
        }
        Ok(outcome)
    }
}

/// Why an exchange broke off.
enum Broken {
    /// The server closed the connection before any byte of the answer.
    Closed,
    /// Anything else, in words.
    Io(String),
}

impl Broken {
    fn describe(self, path: &str) -> String {
        match self {
            Broken::Closed => format!("GET {path}: the server closed the connection"),
            Broken::Io(message) => format!("GET {path}: {message}"),
        }
    }
}

/// A parsed response head.
#[derive(Debug)]
struct Head {
    /// Bytes of the head, the blank line included.
    len: usize,
    status: u16,
    content_length: usize,
    /// `Connection: close`: the server closes the connection after this answer.
    close: bool,
}

/// The most bytes a response head may take.
const MAX_HEAD: usize = 64 * 1024;

async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Head, Broken> {
    let mut searched = 0;
    loop {
        if let Some(at) = find_blank_line(&buf[searched..]) {
            let len = searched + at + 4;
            return parse_head(&buf[..len]).map_err(Broken::Io);
        }
        searched = buf.len().saturating_sub(3);
        if buf.len() > MAX_HEAD {
            return Err(Broken::Io(format!("response head over {MAX_HEAD} bytes")));
        }
        let empty = buf.is_empty();
        match read_more(stream, buf).await {
            Ok(()) => {}
            Err(e) if empty && is_closed(&e) => return Err(Broken::Closed),
            Err(e) => return Err(Broken::Io(format!("reading the response: {e}"))),
        }
    }
}

fn is_closed(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
    )
}

/// Reads what is there into `buf`; end of stream is an `UnexpectedEof` error.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if buf.capacity() - buf.len() < 4096 {
        buf.reserve(16 * 1024);
    }
    match stream.read_buf(buf).await? {
        0 => Err(std::io::Error::new(
            ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )),
        _ => Ok(()),
    }
}

fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Parses a status line and headers; only `Content-Length` bodies are read (every server of
/// the suite sends one).
fn parse_head(head: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(head).map_err(|_| "response head is not UTF-8".to_string())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next(), parts.next());
    let status = match (version, code) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") => code
            .parse::<u16>()
            .map_err(|_| format!("bad status line {status_line:?}"))?,
        _ => return Err(format!("bad status line {status_line:?}")),
    };
    let mut content_length = None;
    let mut close = version == Some("HTTP/1.0");
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("bad header line {line:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let length = value
                .parse::<usize>()
                .map_err(|_| format!("bad Content-Length {value:?}"))?;
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(format!(
                "Transfer-Encoding {value:?} is not supported (the generator reads Content-Length bodies)"
            ));
        }
    }
    Ok(Head {
        len: head.len(),
        status,
        content_length: content_length.unwrap_or(0),
        close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_and_bad_ones_are_named() {
        let head = parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 17\r\n\r\n").unwrap();
        assert_eq!(
            (head.status, head.content_length, head.close),
            (200, 17, false)
        );
        let head =
            parse_head(b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\n")
                .unwrap();
        assert_eq!(
            (head.status, head.content_length, head.close),
            (404, 3, true)
        );
        let e = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").unwrap_err();
        assert!(e.contains("Content-Length \"x\""), "{e}");
        let e = parse_head(b"SSH-2.0\r\n\r\n").unwrap_err();
        assert!(e.contains("bad status line"), "{e}");
        let e = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap_err();
        assert!(e.contains("chunked"), "{e}");
    }
}
