//! The blocking HTTP/1.1 server side both blocking servers of the workspace share: the
//! thread techniques' hello servers (`threads`) and the download workloads'
//! [`FileServer`](crate::FileServer). It reads one request head at a time (keep-alive and pipelining work
//! through one `BufRead`), bounds its size, and writes each short answer in a single
//! `write_all` (no header/body split for Nagle to delay; `TCP_NODELAY` is set anyway).
//!
//! Bad input never panics: a malformed request line or header is [`ConnError::Malformed`]
//! (answered 400, or 505 for an unsupported version), a head over the limit
//! [`ConnError::TooLarge`] (431), and the server closes the connection after answering.

use std::io::{self, BufRead, ErrorKind, Read, Write};

/// Why a connection ended early.
#[derive(Debug)]
pub enum ConnError {
    /// The request was malformed; the message says how (answered 400 or 505).
    Malformed(String),
    /// The head was larger than allowed (answered 431).
    TooLarge,
    /// The client sent nothing (or not enough) within the read timeout.
    Timeout,
    /// The socket failed, e.g. the client left mid-response.
    Io,
}

impl From<io::Error> for ConnError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => ConnError::Timeout,
            _ => ConnError::Io,
        }
    }
}

/// What the server needs from a request head.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target, e.g. `/files/000.bin`.
    pub path: String,
    /// HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`.
    pub keep_alive: bool,
}

impl ConnError {
    /// The status a server answers before closing, if any: 431, 505 or 400 for bad input,
    /// none for a timeout or a socket error (nobody is listening).
    pub fn status(&self) -> Option<&'static str> {
        match self {
            ConnError::TooLarge => Some("431 Request Header Fields Too Large"),
            ConnError::Malformed(m) if m.starts_with("unsupported version") => {
                Some("505 HTTP Version Not Supported")
            }
            ConnError::Malformed(_) => Some("400 Bad Request"),
            ConnError::Timeout | ConnError::Io => None,
        }
    }
}

/// Reads one request head; `Ok(None)` when the client closed cleanly between requests.
pub fn read_head(reader: &mut impl BufRead, max: usize) -> Result<Option<Head>, ConnError> {
    let mut budget = max as u64;
    let Some(request_line) = read_line(reader, &mut budget, true)? else {
        return Ok(None);
    };
    let mut head = parse_request_line(&request_line)?;
    loop {
        let line = read_line(reader, &mut budget, false)?.unwrap_or_default();
        if line.is_empty() {
            return Ok(Some(head));
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && !name.contains([' ', '\t']))
            .ok_or_else(|| ConnError::Malformed(format!("bad header line {line:?}")))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            if value.eq_ignore_ascii_case("close") {
                head.keep_alive = false;
            } else if value.eq_ignore_ascii_case("keep-alive") {
                head.keep_alive = true;
            }
        } else if name.eq_ignore_ascii_case("content-length") && value != "0" {
            // The hello routes take no body; refusing one keeps the framing trivially right.
            return Err(ConnError::Malformed(
                "a request body is not accepted".into(),
            ));
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(ConnError::Malformed(
                "a request body is not accepted".into(),
            ));
        }
    }
}

/// Reads one request head like [`read_head`]; bad input is answered with its status (400,
/// 431 or 505, `Connection: close`) on `writer` before the error is returned, and the caller
/// closes the connection.
pub fn read_head_or_refuse(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
    max: usize,
) -> Result<Option<Head>, ConnError> {
    read_head(reader, max).inspect_err(|error| {
        if let Some(status) = error.status() {
            // The connection is closed next either way; a failed write changes nothing.
            let _ = respond(writer, status, "bad request\n", false);
        }
    })
}

/// Answers a request no route took: 404 with `not_found` for a `GET`, 405 for any other
/// method.
pub fn respond_unrouted(
    writer: &mut impl Write,
    method: &str,
    not_found: &str,
    keep_alive: bool,
) -> io::Result<()> {
    if method == "GET" {
        respond(writer, "404 Not Found", not_found, keep_alive)
    } else {
        respond(writer, "405 Method Not Allowed", "only GET\n", keep_alive)
    }
}

/// One CRLF-terminated line within the remaining budget, without its line ending.
/// `Ok(None)` on a clean EOF before the first byte of a request (`at_start`).
fn read_line(
    reader: &mut impl BufRead,
    budget: &mut u64,
    at_start: bool,
) -> Result<Option<String>, ConnError> {
    let mut line = Vec::new();
    let n = reader.by_ref().take(*budget).read_until(b'\n', &mut line)?;
    *budget -= n as u64;
    if n == 0 && at_start {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if *budget == 0 {
            ConnError::TooLarge
        } else {
            ConnError::Malformed("the connection closed mid-request".into())
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| ConnError::Malformed("a head line is not UTF-8".into()))
}

fn parse_request_line(line: &str) -> Result<Head, ConnError> {
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, path, version] = parts[..] else {
        return Err(ConnError::Malformed(format!("bad request line {line:?}")));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ConnError::Malformed(format!("bad method {method:?}")));
    }
    if !path.starts_with('/') {
        return Err(ConnError::Malformed(format!("bad target {path:?}")));
    }
    let keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ if version.starts_with("HTTP/") => {
            return Err(ConnError::Malformed(format!(
                "unsupported version {version}"
            )));
        }
        _ => return Err(ConnError::Malformed(format!("bad version {version:?}"))),
    };
    Ok(Head {
        method: method.to_string(),
        path: path.to_string(),
        keep_alive,
    })
}

/// Writes a complete short text answer in one write, with `Connection: close` unless
/// `keep_alive`.
pub fn respond(
    writer: &mut impl Write,
    status: &str,
    body: &str,
    keep_alive: bool,
) -> io::Result<()> {
    let connection = if keep_alive {
        ""
    } else {
        "Connection: close\r\n"
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n{connection}\r\n{body}",
        body.len()
    );
    writer.write_all(answer.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str, max: usize) -> Result<Option<Head>, ConnError> {
        read_head(&mut raw.as_bytes(), max)
    }

    #[test]
    fn heads_parse_with_keep_alive_rules() {
        let got = head("GET /bob HTTP/1.1\r\nHost: x\r\n\r\n", 1024)
            .unwrap()
            .unwrap();
        assert_eq!((got.path.as_str(), got.keep_alive), ("/bob", true));
        let got = head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 1024)
            .unwrap()
            .unwrap();
        assert!(!got.keep_alive);
        let got = head("GET / HTTP/1.0\n\n", 1024).unwrap().unwrap();
        assert!(!got.keep_alive);
        assert!(head("", 1024).unwrap().is_none());
    }

    #[test]
    fn bad_heads_are_named_errors() {
        for raw in [
            "NONSENSE\r\n\r\n",
            "get / HTTP/1.1\r\n\r\n",
            "GET x HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x",
            "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
            "GET / HTTP/2.0\r\n\r\n",
        ] {
            assert!(
                matches!(head(raw, 1024), Err(ConnError::Malformed(_))),
                "{raw:?}"
            );
        }
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(100));
        assert!(matches!(head(&big, 64), Err(ConnError::TooLarge)));
    }

    #[test]
    fn answers_are_one_complete_message() {
        let mut out = Vec::new();
        respond(&mut out, "200 OK", "Hello, x!", false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 9\r\nConnection: close\r\n\r\nHello, x!"));
    }
}
