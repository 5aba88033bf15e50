//! Standalone commands over the suite's own parts, so anyone can point their tools at them
//! (wrk at a hello server, a Python client at the file server, the generator at anything):
//!
//! - `hello-server --technique <id> --workers N --port P`: one of the suite's hello servers
//!   (`tokio-hyper`, `thread-per-connection`, `thread-pool`).
//! - `file-server --latency-ms 10 --port P`: the download workloads' file server, every
//!   answer delayed by the latency (`/files/000.bin` ... , `--files`, `--size`).
//! - `loadgen --connections 16 --duration 3s URL`: the suite's load generator with its
//!   latency histogram; `--rate R` runs an open loop at R requests/s with latency corrected
//!   for coordinated omission; `--json` prints one object for scripts, with the generator's
//!   own CPU time (`cpu_s`) and requests per CPU-second (`req_per_cpu_s`).
//!
//! Servers listen on `127.0.0.1` unless `--bind` says otherwise, print the address they
//! listen on as their first line (`listening on http://127.0.0.1:8080`), and stop cleanly on
//! Ctrl-C or SIGTERM (every connection closed, every thread joined). Bad arguments are
//! named in a clear error and exit with status 2.
//!
//! ```text
//! cargo run --release -p tools --bin hello-server -- --technique tokio-hyper --workers 2 --port 8080
//! cargo run --release -p tools --bin loadgen -- --connections 16 --duration 3s http://127.0.0.1:8080/
//! ```

use std::io::Write;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use workloads::WebServerTechnique;

/// How long a standalone server may take to stop after Ctrl-C.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(10);

/// Every hello server of the suite, in the io benches' legend order.
pub fn web_servers() -> Vec<Box<dyn WebServerTechnique>> {
    let mut all = async_tasks::web_server_techniques();
    all.extend(threads::web_server_techniques());
    all
}

/// The hello server with technique id `id`, or an error listing the known ones.
pub fn web_server(id: &str) -> Result<Box<dyn WebServerTechnique>, String> {
    let all = web_servers();
    let known: Vec<&str> = all.iter().map(|t| t.id()).collect();
    let known = known.join(", ");
    all.into_iter()
        .find(|t| t.id() == id)
        .ok_or_else(|| format!("--technique {id:?}: no such hello server (known: {known})"))
}

/// The address to listen on: `bind` (an IP address) and `port`.
pub fn listen_addr(bind: &str, port: u16) -> Result<SocketAddr, String> {
    let ip: IpAddr = bind
        .parse()
        .map_err(|_| format!("--bind {bind:?}: not an IP address (e.g. 127.0.0.1 or 0.0.0.0)"))?;
    Ok(SocketAddr::new(ip, port))
}

/// Parses `3s`, `500ms`, `2m` or a plain number of seconds (`1.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("duration {text:?}: expected a number and a unit (ms, s, m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        other => {
            return Err(format!(
                "duration {text:?}: unknown unit {other:?} (ms, s, m)"
            ));
        }
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!("duration {text:?}: must be more than zero"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// An `http://host:port/path` URL, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// The resolved address of `host:port` (port 80 when none is given).
    pub addr: SocketAddr,
    /// The path, `/` when the URL has none.
    pub path: String,
}

/// Parses and resolves an `http://` URL; `https` and other schemes are refused by name.
pub fn parse_url(text: &str) -> Result<Url, String> {
    let rest = text.strip_prefix("http://").ok_or_else(|| {
        format!("URL {text:?}: only http:// URLs are supported (e.g. http://127.0.0.1:8080/)")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(format!("URL {text:?}: no host"));
    }
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'))
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| format!("URL {text:?}: cannot resolve {with_port:?}: {e}"))?
        .next()
        .ok_or_else(|| format!("URL {text:?}: {with_port:?} resolves to no address"))?;
    Ok(Url {
        addr,
        path: path.to_string(),
    })
}

/// SIGINT and SIGTERM, blocked in every thread and taken synchronously by
/// [`StopSignals::wait`]: no handler runs at an arbitrary point, and the server is shut
/// down by the main thread like any other caller would.
pub struct StopSignals {
    set: libc::sigset_t,
}

impl StopSignals {
    /// Blocks SIGINT and SIGTERM in the calling thread. Call it first in `main`, before any
    /// thread starts: threads inherit the mask, so no thread of a server takes the signal.
    pub fn block() -> Result<StopSignals, String> {
        // SAFETY: sigemptyset/sigaddset initialise the set we own; pthread_sigmask changes
        // only this thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                return Err(format!(
                    "blocking SIGINT/SIGTERM: {}",
                    std::io::Error::from_raw_os_error(rc)
                ));
            }
            Ok(StopSignals { set })
        }
    }

    /// Waits for SIGINT or SIGTERM and returns its name.
    pub fn wait(&self) -> &'static str {
        loop {
            let mut signal = 0;
            // SAFETY: `set` was initialised in `block`; sigwait writes one int.
            let rc = unsafe { libc::sigwait(&self.set, &mut signal) };
            if rc == 0 {
                return if signal == libc::SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
            }
        }
    }
}

/// Prints where `addr` listens (`listening on http://ADDR`, the first line, for scripts) and
/// `about`, waits for Ctrl-C or SIGTERM, then runs `shutdown` and exits 1 if it failed.
pub fn serve_until_stopped(
    signals: &StopSignals,
    addr: SocketAddr,
    about: &str,
    shutdown: impl FnOnce() -> Result<(), String>,
) {
    // A closed stdout or stderr (a script that read only the address) must not stop the
    // server: write errors are ignored.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on http://{addr}");
    let _ = writeln!(out, "{about}; Ctrl-C stops");
    let _ = out.flush();
    let signal = signals.wait();
    let _ = writeln!(std::io::stderr(), "{signal}: shutting down");
    if let Err(e) = shutdown() {
        exit_with(1, &e);
    }
}

/// Prints `error: <message>` and exits with status 2 (bad arguments) or 1 (a failure).
pub fn exit_with(status: i32, message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `parsed` failed with a message containing `needle`.
    fn rejected<T: std::fmt::Debug>(parsed: Result<T, String>, needle: &str) {
        let e = parsed.unwrap_err();
        assert!(e.contains(needle), "{e}");
    }

    #[test]
    fn durations_parse_and_bad_ones_are_named() {
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        rejected(parse_duration("3h"), "unknown unit \"h\"");
        rejected(parse_duration("0s"), "more than zero");
        rejected(parse_duration("fast"), "expected a number");
    }

    #[test]
    fn urls_parse_and_bad_ones_are_named() {
        let url = parse_url("http://127.0.0.1:8080/hello/x").unwrap();
        assert_eq!(url.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(url.path, "/hello/x");
        assert_eq!(parse_url("http://127.0.0.1:9").unwrap().path, "/");
        assert_eq!(parse_url("http://127.0.0.1/").unwrap().addr.port(), 80);
        rejected(parse_url("https://127.0.0.1/"), "only http://");
        rejected(parse_url("http:///x"), "no host");
        rejected(parse_url("http://127.0.0.1:notaport/"), "cannot resolve");
    }

    #[test]
    fn servers_and_addresses_are_checked_by_name() {
        for server in web_servers() {
            assert_eq!(web_server(server.id()).unwrap().id(), server.id());
        }
        let e = web_server("nginx").err().unwrap();
        assert!(e.contains("\"nginx\"") && e.contains("tokio-hyper"), "{e}");
        assert_eq!(
            listen_addr("0.0.0.0", 80).unwrap().to_string(),
            "0.0.0.0:80"
        );
        rejected(listen_addr("localhost", 80), "--bind \"localhost\"");
    }
}
