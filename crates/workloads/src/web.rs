//! The web-server workload: the article's `aiohttp` hello server, as data and checks only.
//!
//! Routes: `/` answers `Hello, Anonymous!` and `/{name}` answers `Hello, {name}!` (one path
//! segment, taken as sent, like aiohttp's `match_info` for the plain names used here); any
//! other path is a 404. Every server technique answers through [`hello_route`], and the load
//! generator checks every response body against [`WebJob::targets`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::{Named, Preset, RunError};

/// The body a hello server answers for `path`, or `None` for a path with no route (404).
pub fn hello_route(path: &str) -> Option<String> {
    let name = path.strip_prefix('/')?;
    match name {
        "" => Some("Hello, Anonymous!".to_string()),
        name if !name.contains('/') => Some(format!("Hello, {name}!")),
        _ => None,
    }
}

/// One run of the web-server workload: `connections` keep-alive clients connect and make
/// `requests` requests in all, cycling through [`WebJob::targets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebJob {
    /// Concurrent client connections.
    pub connections: usize,
    /// Requests per run, over all connections.
    pub requests: u64,
    /// The longest a run may take before it counts as failed.
    pub deadline: Duration,
}

impl WebJob {
    /// The connection counts of a preset: 1, 16 and 256 by default.
    pub fn for_preset(preset: Preset) -> Vec<WebJob> {
        let (counts, requests): (&[usize], u64) = match preset {
            Preset::Quick => (&[1, 16], 200),
            Preset::Default => (&[1, 16, 256], 2_048),
            Preset::Large => (&[1, 16, 256, 1_024], 16_384),
        };
        counts
            .iter()
            .map(|&connections| WebJob {
                connections,
                // At least 32 requests per connection, so a run measures keep-alive traffic
                // more than the connection setup it starts with.
                requests: requests.max(32 * connections as u64),
                deadline: Duration::from_secs(30),
            })
            .collect()
    }

    /// The paths a run requests, in turn, with the body each must get: `/` and a few names.
    pub fn targets() -> Vec<(String, String)> {
        ["", "alice", "bob", "carol-7", "Anonymous", "x"]
            .iter()
            .map(|name| {
                let path = format!("/{name}");
                let body = hello_route(&path).unwrap_or_default();
                (path, body)
            })
            .collect()
    }
}

/// A hello server technique: an async event loop, a thread per connection, a fixed pool.
pub trait WebServerTechnique: Named + Send + Sync {
    /// Starts the server on `127.0.0.1:0` with `settings`. Never timed.
    fn start(&self, settings: &ServerSettings) -> Result<Box<dyn RunningServer>, RunError>;
}

/// What a server may be tuned with; every server honours every field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerSettings {
    /// Worker threads (the event loop's, or the pool's); unused by thread-per-connection.
    pub workers: usize,
    /// How long a connection may stay silent (no request, or a request not finished) before
    /// the server closes it: bounds a client that connects and sends nothing.
    pub read_timeout: Duration,
    /// The most bytes a request line plus headers may take; more is answered with 431.
    pub max_header_bytes: usize,
    /// Where to listen: `127.0.0.1:0` (a free loopback port) unless a caller chooses, as the
    /// standalone `hello-server` command does.
    pub bind: SocketAddr,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            workers: 2,
            read_timeout: Duration::from_secs(5),
            max_header_bytes: 8 * 1024,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        }
    }
}

/// A started server. Dropping it also shuts it down.
pub trait RunningServer: Send {
    /// The address it listens on.
    fn addr(&self) -> SocketAddr;

    /// Stops accepting, closes every connection, and joins every thread or task of the
    /// server within `bound`; an error says what was still running.
    fn shutdown(self: Box<Self>, bound: Duration) -> Result<(), RunError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_the_articles() {
        assert_eq!(hello_route("/").unwrap(), "Hello, Anonymous!");
        assert_eq!(hello_route("/alice").unwrap(), "Hello, alice!");
        assert_eq!(hello_route("/a/b"), None);
        assert_eq!(hello_route("alice"), None);
        let targets = WebJob::targets();
        assert_eq!(targets[0], ("/".into(), "Hello, Anonymous!".into()));
        assert!(targets.iter().all(|(_, body)| body.starts_with("Hello, ")));
    }

    #[test]
    fn default_connections_are_1_16_256() {
        let counts: Vec<usize> = WebJob::for_preset(Preset::Default)
            .iter()
            .map(|job| job.connections)
            .collect();
        assert_eq!(counts, [1, 16, 256]);
    }
}
