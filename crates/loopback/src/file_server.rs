//! The file server the download techniques fetch from: a fixed set of files in memory, each
//! answered `latency` after its request arrived, standing in for a remote server.
//!
//! A thread per connection, each sleeping to its own answers' deadlines. The server is the
//! harness, so its own costs must not land on the techniques it serves (`io/download-*`
//! judge each technique against the latency's floor):
//!
//! - not tokio's timer: its 1 ms ticks would lengthen every answer by up to a millisecond;
//! - not an event loop spinning to each deadline: the deadlines cluster, so the loop spins
//!   most of each round on one CPU, loses its scheduling credit to the client threads on the
//!   same cores, and answers late;
//! - each connection's thread reads its request, sleeps to the deadline (1 ns timer slack,
//!   an absolute futex timeout) and writes the pre-built answer. A thread that slept is the
//!   first to run when it wakes, and no busy wait competes with the clients; spinning the
//!   last stretch before the deadline as well gains nothing.
//!
//! The latency counts from the request's arrival in the kernel (the socket's receive
//! timestamp, `SO_TIMESTAMPNS`), not from when the server's thread woke to read it: that
//! wake-up (an idle virtual CPU's, see `docs/findings.md`) is the server's cost, not the
//! technique's. Where no
//! timestamp comes (not Linux), it counts from the read.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::http1::{ConnError, read_head_or_refuse, respond, respond_unrouted};
use crate::{LoopbackError, ServeConfig, bind_listener};

/// The most connections served at once; one more is answered 503 and closed. Far above the
/// suite's 16 in flight, low enough that a runaway client cannot exhaust the machine.
pub const MAX_CONNECTIONS: usize = 1024;

/// An HTTP/1.1 file server on `127.0.0.1:0` (or [`ServeConfig::bind`]).
///
/// `GET <path>` of a known file answers 200 with its bytes `latency` after the request
/// arrived; an unknown path answers 404 and any other method 405, both without the latency.
/// A malformed head gets 400 (505 for an unsupported version), one over
/// [`ServeConfig::max_header_bytes`] 431, and a connection that sends nothing for
/// [`ServeConfig::read_timeout`], idle between requests or stalled mid-head, is closed (as
/// hyper's header-read timeout does).
#[derive(Debug)]
pub struct FileServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    name: String,
    latency: Duration,
    read_timeout: Duration,
    max_header_bytes: usize,
    /// Each file's whole keep-alive answer, head and body, written in one call.
    answers: HashMap<String, Answer>,
    state: Mutex<State>,
    /// Signalled when the server stops: sleeping connections wake and leave.
    stopped: Condvar,
    /// Signalled when a connection's thread ends: the shutdown waits for the last.
    ended: Condvar,
    connection_errors: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    stopping: bool,
    next_id: u64,
    /// A handle on each open connection's socket, to close it at shutdown.
    open: HashMap<u64, TcpStream>,
}

impl FileServer {
    /// Serves `files` (`(path, content)` pairs) with `latency` per request.
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

    /// Like [`FileServer::start`], with the thread names, address and limits of `config`
    /// (its `workers` is not used: every connection has a thread).
    pub fn with_config(
        files: Vec<(String, Vec<u8>)>,
        latency: Duration,
        config: ServeConfig,
    ) -> Result<FileServer, LoopbackError> {
        let listener = bind_listener(config.bind)
            .map_err(|e| LoopbackError::io(format!("binding {}", config.bind), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| LoopbackError::io("reading the bound address", e))?;
        let answers = files
            .into_iter()
            .map(|(path, body)| (path, Answer::ok(&body)))
            .collect();
        let shared = Arc::new(Shared {
            name: config.name,
            latency,
            read_timeout: config.read_timeout,
            max_header_bytes: config.max_header_bytes,
            answers,
            state: Mutex::new(State::default()),
            stopped: Condvar::new(),
            ended: Condvar::new(),
            connection_errors: AtomicU64::new(0),
        });
        let accepting = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("{}-accept", shared.name))
            .spawn(move || accepting.accept_all(&listener))
            .map_err(|e| LoopbackError::io("spawning the accept thread", e))?;
        Ok(FileServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections that ended in an error (a malformed request, a timeout, a peer that left
    /// mid-answer). They are counted, not fatal: the server keeps serving others.
    pub fn connection_errors(&self) -> u64 {
        self.shared.connection_errors.load(Ordering::Relaxed)
    }

    /// Connections open now (a snapshot).
    pub fn connection_count(&self) -> usize {
        self.shared.lock().open.len()
    }

    /// Stops accepting, closes every connection (a request waiting for its latency is
    /// dropped unanswered), and waits within `bound` for every thread to finish.
    pub fn shutdown(mut self, bound: Duration) -> Result<(), LoopbackError> {
        self.stop(bound)
    }

    fn stop(&mut self, bound: Duration) -> Result<(), LoopbackError> {
        let Some(acceptor) = self.acceptor.take() else {
            return Ok(());
        };
        let give_up = Instant::now() + bound;
        {
            let mut state = self.shared.lock();
            state.stopping = true;
            for stream in state.open.values() {
                // Ends a blocked read at once; a socket already closed says so, harmlessly.
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        self.shared.stopped.notify_all();
        // The accept thread sits in `accept`: one connection wakes it to see `stopping`.
        let _ = TcpStream::connect_timeout(&wake_addr(self.addr), bound);
        let mut state = self.shared.lock();
        while !state.open.is_empty() {
            let now = Instant::now();
            if now >= give_up {
                return Err(LoopbackError::ShutdownTimeout(bound));
            }
            state = (self.shared.ended)
                .wait_timeout(state, give_up - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(state);
        // The accept thread leaves right after its wake-up connection; give it what is left.
        while !acceptor.is_finished() {
            if Instant::now() >= give_up {
                return Err(LoopbackError::ShutdownTimeout(bound));
            }
            thread::sleep(Duration::from_millis(1));
        }
        acceptor.join().map_err(|_| LoopbackError::ServerPanicked)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_secs(5));
    }
}

/// Where to connect to wake the accept loop: the bound port on loopback when the server
/// listens on every address.
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut to = addr;
    if to.ip().is_unspecified() {
        to.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    to
}

/// A file's 200 answer, head and body in one buffer, and where the head's header lines end
/// (before its final blank line), so a closing answer can add one.
#[derive(Debug)]
struct Answer {
    bytes: Vec<u8>,
    headers_end: usize,
}

impl Answer {
    fn ok(body: &[u8]) -> Answer {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n",
            body.len()
        );
        let headers_end = head.len();
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(body);
        Answer { bytes, headers_end }
    }

    /// Writes the answer, with `Connection: close` added unless `keep_alive`.
    fn write(&self, writer: &mut impl Write, keep_alive: bool) -> io::Result<()> {
        if keep_alive {
            return writer.write_all(&self.bytes);
        }
        let (headers, rest) = self.bytes.split_at(self.headers_end);
        writer.write_all(&[headers, b"Connection: close\r\n", rest].concat())
    }
}

impl Shared {
    // Every change to the state is whole under the lock, so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn accept_all(self: &Arc<Self>, listener: &TcpListener) {
        for stream in listener.incoming() {
            let Ok(stream) = stream else {
                // A connection reset before it was accepted, or no descriptors left for a
                // moment: the listener itself is fine, so go on.
                continue;
            };
            let Some(id) = self.register(&stream) else {
                if self.lock().stopping {
                    return;
                }
                let mut stream = stream;
                let _ = respond(&mut stream, "503 Service Unavailable", "too busy\n", false);
                continue;
            };
            let serving = Arc::clone(self);
            let spawned = thread::Builder::new()
                .name(format!("{}-conn", self.name))
                .spawn(move || {
                    if serving.serve(stream).is_err() {
                        serving.connection_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    serving.unregister(id);
                });
            if spawned.is_err() {
                self.connection_errors.fetch_add(1, Ordering::Relaxed);
                self.unregister(id);
            }
        }
    }

    /// Records an open connection; `None` when stopping or full.
    fn register(&self, stream: &TcpStream) -> Option<u64> {
        let handle = stream.try_clone().ok()?;
        let mut state = self.lock();
        if state.stopping || state.open.len() >= MAX_CONNECTIONS {
            return None;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.open.insert(id, handle);
        Some(id)
    }

    fn unregister(&self, id: u64) {
        self.lock().open.remove(&id);
        self.ended.notify_all();
    }

    /// Answers requests on one connection until the client closes, an error, or shutdown.
    fn serve(&self, stream: TcpStream) -> Result<(), ConnError> {
        host::wake::lower_timer_slack();
        stream.set_nodelay(true)?;
        // A client that stops reading cannot hold the thread forever either.
        stream.set_write_timeout(Some(self.read_timeout))?;
        let mut writer = stream.try_clone()?;
        stream.set_read_timeout(Some(self.read_timeout))?;
        let mut reader = BufReader::with_capacity(16 * 1024, Stamped::new(stream));
        loop {
            if reader.fill_buf()?.is_empty() {
                return Ok(());
            }
            let arrival = reader.get_ref().arrival;
            let Some(head) = read_head_or_refuse(&mut reader, &mut writer, self.max_header_bytes)?
            else {
                return Ok(());
            };
            let keep_alive = head.keep_alive;
            match (head.method.as_str(), self.answers.get(&head.path)) {
                ("GET", Some(answer)) => {
                    if !self.sleep_until(arrival + self.latency) {
                        return Ok(());
                    }
                    answer.write(&mut writer, keep_alive)?;
                }
                _ => respond_unrouted(&mut writer, &head.method, "no such file\n", keep_alive)?,
            }
            if !keep_alive {
                return Ok(());
            }
        }
    }

    /// Sleeps until `deadline` (an absolute futex timeout: no drift, and with the thread's
    /// 1 ns timer slack no rounding); `false` if the server stopped meanwhile.
    fn sleep_until(&self, deadline: Instant) -> bool {
        let mut state = self.lock();
        loop {
            if state.stopping {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            state = (self.stopped)
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// The connection's read side, noting when the bytes of each read reached the machine: the
/// kernel's receive time (where the socket gives one), else the time the read returned.
/// Under a `BufReader`, which reads only when its buffer is empty, `arrival` is the arrival
/// of the bytes buffered now.
struct Stamped {
    stream: TcpStream,
    arrival: Instant,
}

impl Stamped {
    fn new(stream: TcpStream) -> Stamped {
        arrival::enable(&stream);
        Stamped {
            stream,
            arrival: Instant::now(),
        }
    }
}

impl Read for Stamped {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let (n, arrived) = arrival::recv(&self.stream, out)?;
        self.arrival = arrived.unwrap_or_else(Instant::now);
        Ok(n)
    }
}

/// The kernel's receive timestamps (`SO_TIMESTAMPNS`), read with each `recvmsg`.
#[cfg(target_os = "linux")]
mod arrival {
    use std::io;
    use std::net::TcpStream;
    use std::os::fd::AsRawFd;
    use std::time::{Duration, Instant};

    /// Asks the kernel to stamp what `stream` receives. A failure only means no stamps.
    pub(super) fn enable(stream: &TcpStream) {
        let on: libc::c_int = 1;
        // SAFETY: a valid socket, and an int option passed by pointer with its size.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&raw const on).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    /// Reads into `buf` like `read`, and returns when the data reached the machine, if the
    /// kernel said so.
    pub(super) fn recv(stream: &TcpStream, buf: &mut [u8]) -> io::Result<(usize, Option<Instant>)> {
        // Room for one `cmsghdr` and a `timespec`, aligned for either.
        let mut control = [0u64; 8];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: an all-zero msghdr is valid (no name, no buffers) before we fill it in.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &raw mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of_val(&control) as _;
        let n = loop {
            // SAFETY: `msg` points at `iov` (our buffer, with its length) and at `control`
            // (with its length), all alive for the call.
            let n = unsafe { libc::recvmsg(stream.as_raw_fd(), &raw mut msg, 0) };
            if n >= 0 {
                break n as usize;
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        };
        let mut stamp = None;
        // SAFETY: the CMSG macros walk the control buffer the kernel just filled, within
        // `msg_controllen`; a `SCM_TIMESTAMPNS` message carries one `timespec`.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&raw const msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    stamp = Some(std::ptr::read_unaligned(
                        libc::CMSG_DATA(cmsg).cast::<libc::timespec>(),
                    ));
                }
                cmsg = libc::CMSG_NXTHDR(&raw const msg, cmsg);
            }
        }
        Ok((n, stamp.and_then(to_instant)))
    }

    /// A `CLOCK_REALTIME` stamp as an `Instant`: now, less how long ago the stamp was on the
    /// real-time clock. A stamp from the future or over a second old (the clock was set
    /// meanwhile) is not used.
    fn to_instant(stamp: libc::timespec) -> Option<Instant> {
        let mut real = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec we own.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &raw mut real) } != 0 {
            return None;
        }
        let now = Instant::now();
        let ago_ns = (real.tv_sec as i128 - stamp.tv_sec as i128) * 1_000_000_000
            + (real.tv_nsec as i128 - stamp.tv_nsec as i128);
        if !(0..1_000_000_000).contains(&ago_ns) {
            return None;
        }
        now.checked_sub(Duration::from_nanos(ago_ns as u64))
    }
}

#[cfg(not(target_os = "linux"))]
mod arrival {
    use std::io::{self, Read};
    use std::net::TcpStream;
    use std::time::Instant;

    pub(super) fn enable(_: &TcpStream) {}

    pub(super) fn recv(
        mut stream: &TcpStream,
        buf: &mut [u8],
    ) -> io::Result<(usize, Option<Instant>)> {
        Ok((stream.read(buf)?, None))
    }
}
