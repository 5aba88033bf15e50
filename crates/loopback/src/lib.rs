//! The loopback HTTP fixture: real servers and a real load generator on `127.0.0.1`, for the
//! download and web-server workloads (the article's threaded downloads, its `aiohttp` fetch
//! and its `aiohttp` hello server).
//!
//! - [`FileServer`]: serves a generated file set, each answer delayed by a configurable
//!   latency (standing in for a remote server) counted from the request's arrival in the
//!   kernel: a thread per connection sleeps to the answer's absolute deadline and writes it
//!   (tokio's timer would round every latency up to the next 1 ms; the module says why),
//!   bound to `127.0.0.1:0` (or [`ServeConfig::bind`]). Its HTTP side is [`http1`], which the
//!   blocking hello servers of `threads` share.
//! - [`HttpServer`]: a hyper 1 server skeleton (accept loop, `TCP_NODELAY`, header-read
//!   timeout, header-size limit answered with 431, clean shutdown), under the async hello
//!   server of `async-tasks`.
//! - [`LoadGenerator`]: `N` keep-alive connections in a closed loop, bounded by a request
//!   count and a deadline ([`LoadPlan`]) or by time ([`TimedPlan`], which can also run an
//!   open loop at a fixed rate with latency corrected for coordinated omission); one task per
//!   connection parsing HTTP/1.1 itself, on one current-thread runtime per generator thread
//!   (wrk's event loop per thread), as cheap per request as `wrk`; every status and body is
//!   checked, every latency recorded in an HDR histogram (p50, p99, max), and the
//!   generator's own CPU time counted ([`LoadReport::cpu`]). A non-2xx answer, a wrong body,
//!   a socket error or a request cut off by the deadline is an error, and a benchmark run
//!   with any error fails.
//! - [`CannedServer`]: the cheapest possible responder, to measure the generator's own
//!   ceiling: its requests per CPU-second against it, times the cores.
//! - [`probe`]: blocking probes the servers' tests share (bad input, a closed port), and
//!   [`conformance`]: the whole contract of a server or download technique, run by each
//!   technique crate's tests.
//!
//! Shutdown leaves nothing behind: [`HttpServer::shutdown`] stops accepting, drops the
//! listener (the port no longer accepts), cancels and awaits every connection task, and
//! joins the server thread within a bound, or says it could not.
//!
//! Every socket, server and client side, sets `TCP_NODELAY`: hyper writes headers and body
//! separately, and Nagle plus delayed ACK would add 40 ms to each keep-alive answer. On a
//! 2-core machine the generator and the server share the cores; benchmark results say so.
//!
//! # Latency figures
//!
//! criterion measures the time of a whole load run; the per-request percentiles come from
//! the generator. [`latency_figures`] gives them for one benchmark: `requests`, `errors`
//! and `duration_s` cover every load run made for that benchmark id (warm-up and samples);
//! `requests_per_sec` is `requests / duration_s`. The percentiles are those of an open-loop
//! run at half that rate, latency counted from each request's scheduled start (coordinated
//! omission corrected), which [`LatencyFigures::open_loop`] marks with its rate and the
//! closed loop's own p99. This crate writes no file: the io benches write the figures as
//! the report's `latency.json` beside criterion's own files (`report::inputs::side`).
//!
//! ```
//! use std::time::Duration;
//! use loopback::{FileServer, LoadGenerator, LoadPlan};
//!
//! let body = vec![7u8; 4096];
//! let server = FileServer::start(vec![("/a.bin".into(), body.clone())], Duration::ZERO)?;
//! let plan = LoadPlan {
//!     connections: 4,
//!     requests: 40,
//!     deadline: Duration::from_secs(10),
//!     targets: vec![("/a.bin".into(), body.into())],
//! };
//! let report = LoadGenerator::new(1)?.run(server.addr(), &plan)?;
//! report.check()?;
//! assert_eq!((report.requests, report.errors), (40, 0));
//! let figures = loopback::latency_figures(&report, None);
//! assert_eq!((figures.requests, figures.open_loop), (40, None));
//! server.shutdown(Duration::from_secs(5))?;
//! # Ok::<(), loopback::LoopbackError>(())
//! ```

mod canned;
pub mod conformance;
mod error;
mod file_server;
pub mod http1;
mod latency;
mod listen;
mod loadgen;
pub mod probe;
mod serve;

pub use canned::{CANNED_BODY, CannedServer};
pub use error::LoopbackError;
pub use file_server::{FileServer, MAX_CONNECTIONS};
pub use latency::{LatencyFigures, OpenLoop, OpenLoopFigures, latency_figures};
pub use listen::{LISTEN_BACKLOG, LOOPBACK_ANY_PORT, bind_listener, bind_loopback};
pub use loadgen::{LoadGenerator, LoadPlan, LoadReport, TimedPlan, run};
pub use serve::{HttpServer, ServeConfig, plain};
