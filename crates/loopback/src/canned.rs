//! The cheapest HTTP responder there is: no parsing beyond finding the end of each request
//! head, one pre-built response written per request. It exists to measure the load
//! generator's own ceiling: against it, nearly all the CPU goes to the generator.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::serve::ServerThread;
use crate::{LOOPBACK_ANY_PORT, LoopbackError};

/// The body every request gets from a [`CannedServer`].
pub const CANNED_BODY: &str = "Hello, Anonymous!";

/// A server that answers every `GET` (without a body) with [`CANNED_BODY`].
#[derive(Debug)]
pub struct CannedServer {
    thread: ServerThread,
}

impl CannedServer {
    /// Binds `127.0.0.1:0` and answers on one event-loop thread per core, as many as the
    /// servers under test get: a one-thread responder is slower than tokio + hyper on two
    /// threads, and so would measure itself, not the generator.
    pub fn start() -> Result<CannedServer, LoopbackError> {
        let cores = host::run_cpus().get();
        CannedServer::bind(LOOPBACK_ANY_PORT, cores)
    }

    /// Like [`CannedServer::start`], listening on `addr` with `threads` event-loop threads.
    pub fn bind(addr: SocketAddr, threads: usize) -> Result<CannedServer, LoopbackError> {
        let thread = ServerThread::spawn("cb-canned-server", addr, threads.max(1), answer)?;
        Ok(CannedServer { thread })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.thread.addr
    }

    /// Stops the server and joins its thread within `bound`.
    pub fn shutdown(mut self, bound: Duration) -> Result<(), LoopbackError> {
        self.thread.stop_within(bound)
    }
}

async fn answer(mut stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{CANNED_BODY}",
        CANNED_BODY.len()
    );
    let mut buf = vec![0u8; 16 * 1024];
    // The last 3 bytes of the previous read, so a `\r\n\r\n` split across reads is found.
    let mut tail = [0u8; 3];
    let mut out = Vec::new();
    loop {
        let n = match stream.read(&mut buf[3..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf[..3].copy_from_slice(&tail);
        let window = &buf[..n + 3];
        let heads = window.windows(4).filter(|w| w == b"\r\n\r\n").count();
        tail.copy_from_slice(&window[window.len() - 3..]);
        out.clear();
        for _ in 0..heads {
            out.extend_from_slice(response.as_bytes());
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
    }
}
