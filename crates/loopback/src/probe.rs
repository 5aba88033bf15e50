//! Blocking probes for tests: a one-shot GET, the four kinds of bad input every server must
//! survive, and the check that a stopped server's port is closed. Each server's tests run
//! the same probes, so "the server keeps serving others" means the same thing everywhere.
//! Every wait here has a bound.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// The bound on any single wait of a probe.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT)
        .map_err(|e| format!("connecting to {addr}: {e}"))?;
    stream
        .set_nodelay(true)
        .and_then(|()| stream.set_read_timeout(Some(PROBE_TIMEOUT)))
        .and_then(|()| stream.set_write_timeout(Some(PROBE_TIMEOUT)))
        .map_err(|e| format!("configuring a socket to {addr}: {e}"))?;
    Ok(stream)
}

/// Reads until the server closes the connection (or resets it); an error if it stays open
/// past [`PROBE_TIMEOUT`].
fn read_to_close(stream: &mut TcpStream, what: &str) -> Result<Vec<u8>, String> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(answer),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(format!(
                    "{what}: the server kept the connection open past {PROBE_TIMEOUT:?}"
                ));
            }
            // A reset is a closed connection too.
            Err(_) => return Ok(answer),
        }
    }
}

/// `GET path` with `Connection: close`; returns the status code and the body.
pub fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let mut stream = connect(addr)?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("GET {path}: sending: {e}"))?;
    let answer = read_to_close(&mut stream, &format!("GET {path}"))?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: no complete answer: {text:?}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("GET {path}: bad status line in {head:?}"))?;
    Ok((status, body.to_string()))
}

/// Checks that the server still answers `GET /alice` with `Hello, alice!`.
pub fn still_serves(addr: SocketAddr, after: &str) -> Result<(), String> {
    match get(addr, "/alice")? {
        (200, body) if body == "Hello, alice!" => Ok(()),
        other => Err(format!("after {after}: GET /alice answered {other:?}")),
    }
}

/// Sends raw bytes, then expects an answer whose status is one of `statuses`, or a plain
/// close, and no hang.
fn expect_refusal(
    addr: SocketAddr,
    raw: &[u8],
    statuses: &[&str],
    what: &str,
) -> Result<(), String> {
    let mut stream = connect(addr)?;
    // The server may close before reading everything; a failed write is then fine.
    let _ = stream.write_all(raw);
    let answer = read_to_close(&mut stream, what)?;
    let text = String::from_utf8_lossy(&answer);
    let status_ok = statuses.iter().any(|s| {
        text.starts_with(&format!("HTTP/1.1 {s}")) || text.starts_with(&format!("HTTP/1.0 {s}"))
    });
    if answer.is_empty() || status_ok {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {statuses:?} or a close, got {text:?}"
        ))
    }
}

/// A request line that is not HTTP gets 400 (or a close); then the server still serves.
pub fn malformed_request_line(addr: SocketAddr) -> Result<(), String> {
    expect_refusal(
        addr,
        b"THIS IS NOT HTTP\r\n\r\n",
        &["400"],
        "a malformed request line",
    )?;
    expect_refusal(
        addr,
        b"GET /x HTTP/9.9 extra\r\n\r\n",
        &["400", "505"],
        "a bad version",
    )?;
    still_serves(addr, "a malformed request line")
}

/// Headers of `bytes` bytes get 431 (or 400, or a close); then the server still serves.
pub fn oversized_headers(addr: SocketAddr, bytes: usize) -> Result<(), String> {
    let raw = format!(
        "GET /alice HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(bytes)
    );
    expect_refusal(addr, raw.as_bytes(), &["431", "400"], "oversized headers")?;
    still_serves(addr, "oversized headers")
}

/// A client that connects and sends nothing: others are served meanwhile, and the server
/// closes the silent connection within `read_timeout` plus a margin.
pub fn silent_client(addr: SocketAddr, read_timeout: Duration) -> Result<(), String> {
    let mut silent = connect(addr)?;
    let bound = read_timeout + PROBE_TIMEOUT;
    silent
        .set_read_timeout(Some(bound))
        .map_err(|e| format!("setting a read timeout: {e}"))?;
    still_serves(addr, "a silent client connected")?;
    let started = Instant::now();
    let answer = read_to_close(&mut silent, "a silent client")?;
    if started.elapsed() > bound {
        return Err(format!(
            "a silent client was closed only after {:?}",
            started.elapsed()
        ));
    }
    // An error answer (408) before the close is fine; a success is not.
    if answer.starts_with(b"HTTP/1.1 2") {
        return Err("a silent client got a success answer".into());
    }
    still_serves(addr, "a silent client")
}

/// A client that asks for many answers and leaves without reading them: the server's writes
/// fail mid-response, and it keeps serving others.
pub fn disconnect_mid_response(addr: SocketAddr) -> Result<(), String> {
    let mut stream = connect(addr)?;
    let pipelined = format!("GET /bob HTTP/1.1\r\nHost: {addr}\r\n\r\n").repeat(2_000);
    let _ = stream.write_all(pipelined.as_bytes());
    // Let the server start answering, then close with unread data: the kernel sends a reset.
    thread::sleep(Duration::from_millis(20));
    let _ = stream.shutdown(Shutdown::Both);
    drop(stream);
    still_serves(addr, "a client that left mid-response")
}

/// Every kind of bad input above, one after another, against a server with these limits;
/// the first failure, if any.
pub fn bad_input(
    addr: SocketAddr,
    max_header_bytes: usize,
    read_timeout: Duration,
) -> Result<(), String> {
    malformed_request_line(addr)?;
    oversized_headers(addr, 2 * max_header_bytes)?;
    silent_client(addr, read_timeout)?;
    disconnect_mid_response(addr)
}

/// Checks that nothing accepts connections on `addr` any more.
pub fn port_closed(addr: SocketAddr) -> Result<(), String> {
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => Ok(()),
        Err(e) => Err(format!("connecting to {addr} failed oddly: {e}")),
        Ok(_) => Err(format!("{addr} still accepts connections")),
    }
}
