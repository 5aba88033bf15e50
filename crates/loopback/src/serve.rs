//! One hyper HTTP/1.1 server skeleton, shared by the file server here and the async hello
//! server of `async-tasks`: bind `127.0.0.1:0`, run an accept loop on a runtime owned by a
//! thread of its own, set `TCP_NODELAY` on every connection, and shut down so that no task,
//! thread or listening port is left behind.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::{LOOPBACK_ANY_PORT, LoopbackError, bind_listener};

/// How a [`HttpServer`] runs.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The server thread's name (and the runtime's worker-name prefix).
    pub name: String,
    /// Runtime worker threads; `0` runs everything on the server thread (a current-thread
    /// runtime, like one asyncio event loop).
    pub workers: usize,
    /// A connection that has not sent a complete request head within this time is closed.
    pub read_timeout: Duration,
    /// The most bytes a request head may take; more is answered with 431 and a close.
    pub max_header_bytes: usize,
    /// Where to listen: [`LOOPBACK_ANY_PORT`] (`127.0.0.1:0`) unless a caller chooses.
    pub bind: SocketAddr,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            name: "cb-http".into(),
            workers: 0,
            read_timeout: Duration::from_secs(5),
            max_header_bytes: 8 * 1024,
            bind: LOOPBACK_ANY_PORT,
        }
    }
}

/// A hyper server running on its own thread and runtime.
///
/// Dropping it shuts it down (waiting up to 5 s); [`HttpServer::shutdown`] does the same with
/// a chosen bound and says whether the thread finished in time.
#[derive(Debug)]
pub struct HttpServer {
    thread: ServerThread,
    connection_errors: Arc<AtomicU64>,
}

impl HttpServer {
    /// Binds `config.bind` (`127.0.0.1:0` by default) and serves every connection with
    /// `handler`.
    pub fn start<H, F>(config: ServeConfig, handler: H) -> Result<HttpServer, LoopbackError>
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
    {
        let connection_errors = Arc::new(AtomicU64::new(0));
        let errors = Arc::clone(&connection_errors);
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(config.read_timeout)
            .max_header_size(config.max_header_bytes)
            .keep_alive(true);
        let builder = Arc::new(builder);
        let thread =
            ServerThread::spawn(&config.name, config.bind, config.workers, move |stream| {
                let (builder, handler, errors) =
                    (Arc::clone(&builder), handler.clone(), Arc::clone(&errors));
                async move {
                    let service = service_fn(move |req| {
                        let response = handler(req);
                        async move { Ok::<_, Infallible>(response.await) }
                    });
                    if builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                        .is_err()
                    {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })?;
        Ok(HttpServer {
            thread,
            connection_errors,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.thread.addr
    }

    /// Connections that ended in an error (a malformed request, a timeout, a peer that left
    /// mid-response). They are counted, not fatal: the server keeps serving others.
    pub fn connection_errors(&self) -> u64 {
        self.connection_errors.load(Ordering::Relaxed)
    }

    /// Stops accepting, cancels every connection, and joins the server thread within `bound`.
    pub fn shutdown(mut self, bound: Duration) -> Result<(), LoopbackError> {
        self.thread.stop_within(bound)
    }
}

/// A listener on `127.0.0.1:0` with its accept loop on a thread and runtime of its own.
/// Dropping it stops the loop, cancels every connection task and joins the thread.
#[derive(Debug)]
pub(crate) struct ServerThread {
    pub(crate) addr: SocketAddr,
    stop: Option<watch::Sender<bool>>,
    finished: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Binds `bind`, then runs `serve(stream)` as a task for every accepted connection (with
    /// `TCP_NODELAY` set) until stopped. `workers == 0` runs a current-thread runtime.
    pub(crate) fn spawn<S, F>(
        name: &str,
        bind: SocketAddr,
        workers: usize,
        serve: S,
    ) -> Result<Self, LoopbackError>
    where
        S: Fn(TcpStream) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let listener = bind_listener(bind)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| LoopbackError::io(format!("binding {bind}"), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| LoopbackError::io("reading the bound address", e))?;
        let runtime = build_runtime(name, workers)?;
        let (stop, stopped) = watch::channel(false);
        let (done, finished) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let result = runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener)?;
                    accept_loop(listener, stopped, serve).await;
                    Ok::<(), io::Error>(())
                });
                // Connection tasks were cancelled and awaited by the accept loop; nothing of
                // the runtime is left running, so dropping it here returns at once.
                drop(runtime);
                if let Err(e) = result {
                    eprintln!("loopback server: could not register the listener: {e}");
                }
                let _ = done.send(());
            })
            .map_err(|e| LoopbackError::io("spawning the server thread", e))?;
        Ok(ServerThread {
            addr,
            stop: Some(stop),
            finished,
            thread: Some(thread),
        })
    }

    pub(crate) fn stop_within(&mut self, bound: Duration) -> Result<(), LoopbackError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        if let Some(stop) = self.stop.take() {
            // An error means the loop already ended (its receiver is gone): nothing to stop.
            let _ = stop.send(true);
        }
        match self.finished.recv_timeout(bound) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                thread.join().map_err(|_| LoopbackError::ServerPanicked)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(LoopbackError::ShutdownTimeout(bound)),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Err(e) = self.stop_within(Duration::from_secs(5)) {
            eprintln!("loopback server {}: {e}", self.addr);
        }
    }
}

fn build_runtime(name: &str, workers: usize) -> Result<tokio::runtime::Runtime, LoopbackError> {
    let mut builder = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    builder
        .enable_all()
        .thread_name(format!("{name}-worker"))
        .build()
        .map_err(|e| LoopbackError::io("building the server runtime", e))
}

async fn accept_loop<S, F>(listener: TcpListener, mut stopped: watch::Receiver<bool>, serve: S)
where
    S: Fn(TcpStream) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // A stop signal, or the handle dropped without one: either way, stop.
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or a connection reset before accept: back off
                    // briefly instead of spinning, and keep serving.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                };
                // Headers and body go out in separate writes; without NODELAY, Nagle and the
                // peer's delayed ACK add 40 ms to a keep-alive response.
                let _ = stream.set_nodelay(true);
                connections.spawn(serve(stream));
            }
            // Reap finished connections so the set does not grow with every client.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
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
