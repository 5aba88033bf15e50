//! The file server the download techniques fetch from: a fixed set of files in memory,
//! each answered after an injected latency, standing in for a remote server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response, StatusCode, header};

use crate::LoopbackError;
use crate::delay::DelayLine;
use crate::serve::{HttpServer, ServeConfig};

/// How long before an answer's deadline the timer thread wakes its handler, which then spins
/// (yielding to the server's other tasks) to the deadline itself. Each wake-up on the way (the
/// timer thread's, then the server thread's) costs 50-200 us on an idle KVM vCPU; woken
/// early, the server thread is running when the deadline comes. Measured with a sequential
/// keep-alive client at 10 ms: 10.64 ms a request against 10.82 ms when woken at the deadline
/// (200 us early: no better than 0). The cost: at most this much CPU per answer.
pub const SPIN_EARLY: Duration = Duration::from_micros(500);

/// An HTTP file server on `127.0.0.1:0`.
///
/// `GET <path>` of a known file answers 200 with its bytes `latency` after the request
/// arrived; an unknown path answers 404 and any other method 405, both without the latency.
/// The latency is a timer thread with absolute deadlines (see `delay.rs`): it ends within
/// tens of microseconds of the deadline, where tokio's 1 ms timer added up to a millisecond.
#[derive(Debug)]
pub struct FileServer {
    server: HttpServer,
    delay: Option<Arc<DelayLine>>,
}

impl FileServer {
    /// Serves `files` (`(path, content)` pairs) with `latency` per request, on one event-loop
    /// thread: waiting costs it nothing, and it stays off the second core for the clients.
    pub fn start(
        files: Vec<(String, Vec<u8>)>,
        latency: Duration,
    ) -> Result<FileServer, LoopbackError> {
        let config = ServeConfig {
            name: "cb-file-server".into(),
            ..ServeConfig::default()
        };
        FileServer::with_config(files, latency, config)
    }

    /// Like [`FileServer::start`], with the runtime and limits chosen by the caller.
    pub fn with_config(
        files: Vec<(String, Vec<u8>)>,
        latency: Duration,
        config: ServeConfig,
    ) -> Result<FileServer, LoopbackError> {
        let files: Arc<HashMap<String, Bytes>> = Arc::new(
            files
                .into_iter()
                .map(|(path, body)| (path, Bytes::from(body)))
                .collect(),
        );
        let delay = if latency.is_zero() {
            None
        } else {
            Some(Arc::new(DelayLine::start(&config.name)?))
        };
        let line = delay.clone();
        let server = HttpServer::start(config, move |request| {
            let files = Arc::clone(&files);
            // The deadline counts from the request's arrival at the handler. The timer thread
            // fires a little early; the handler spins the rest on the server's own thread.
            let deadline = Instant::now() + latency;
            let due = line
                .as_ref()
                .map(|line| line.until(deadline.checked_sub(SPIN_EARLY).unwrap_or(deadline)));
            async move {
                if request.method() != Method::GET {
                    return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
                }
                let Some(body) = files.get(request.uri().path()).cloned() else {
                    return plain(StatusCode::NOT_FOUND, "no such file\n");
                };
                if let Some(due) = due {
                    if due.await.is_err() {
                        // The timer thread stopped: the server is shutting down.
                        return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
                    }
                    // Yielding, so other connections' handlers and I/O go on meanwhile.
                    while Instant::now() < deadline {
                        tokio::task::yield_now().await;
                    }
                }
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(Full::new(body))
                    .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, ""))
            }
        })?;
        Ok(FileServer { server, delay })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Stops the server and joins its thread within `bound`.
    pub fn shutdown(self, bound: Duration) -> Result<(), LoopbackError> {
        let result = self.server.shutdown(bound);
        // The handlers' clones went with the server's runtime: this is the last one, and
        // dropping it joins the timer thread.
        drop(self.delay);
        result
    }
}

/// A short text response with `status`.
pub fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
