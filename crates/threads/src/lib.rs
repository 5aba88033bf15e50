//! Thread techniques: the article's `threading.Thread` and `ThreadPoolExecutor`, and what
//! Rust adds (scoped threads, rayon's work stealing), each on the shared map workloads.
//!
//! | id | technique | the article's construct | what it costs |
//! |---|---|---|---|
//! | `sequential` | one loop on the caller's thread | the baseline | nothing |
//! | `thread-per-task` | `std::thread::spawn` per task, join in order | `threading.Thread` per job | a spawn + join per task (`overhead/handoff/thread-spawn-join`) |
//! | `scoped-chunks` | `std::thread::scope`, one contiguous chunk per worker | a manual split | a spawn per worker; unequal chunks wait for the slowest |
//! | `scoped-strided` | `std::thread::scope`, worker `w` takes tasks `w, w+n, ...` | a manual split | as above, but each worker samples the whole input |
//! | `thread-pool` | [`ThreadPoolExecutor`], one `submit` per task | `ThreadPoolExecutor.map` | a queue hand-off and a wake-up per task |
//! | `rayon` | `par_iter` in a pool of exactly N threads | none: work stealing | a call into the pool per run |
//!
//! The same threads also do the article's waiting work, on real sockets from the `loopback`
//! fixture: downloads with a blocking client (`sequential`, `thread-per-download`,
//! `thread-pool`; see [`download_techniques`]) and the hello server on `std::net`
//! ([`ThreadPerConnectionServer`], the `ThreadingHTTPServer` analog, and [`PoolServer`] on
//! the [`ThreadPoolExecutor`]; see [`web_server_techniques`]).
//!
//! In Rust threads run truly in parallel (no GIL), so for CPU work they already do what the
//! article needed processes for; the `process-pool` crate measures what a process boundary
//! adds on top.
//!
//! ```
//! use std::num::NonZeroUsize;
//! use workloads::MapJob;
//!
//! let job = MapJob::primes(10_000, 4);
//! for technique in threads::map_techniques() {
//!     let mut runner = technique.start(NonZeroUsize::new(2).unwrap()).unwrap();
//!     let outputs = runner.run(&job).unwrap();
//!     job.verify(&outputs).unwrap();
//! }
//! ```

mod download;
mod http;
mod per_task;
mod pool;
mod rayon_pool;
mod scoped;
mod sequential;
mod server;

pub use download::{PoolDownload, SequentialDownload, ThreadPerDownload};
pub use per_task::{MAX_LIVE_THREADS, ThreadPerTask};
pub use pool::{PoolError, ShutdownMode, TaskHandle, ThreadPoolExecutor};
pub use rayon_pool::Rayon;
pub use scoped::{ScopedChunks, Split};
pub use sequential::Sequential;
pub use server::{PoolServer, ThreadPerConnectionServer};

use workloads::{DownloadTechnique, MapTechnique, WebServerTechnique};

/// Every thread technique of this crate, in the order charts list them.
pub fn map_techniques() -> Vec<Box<dyn MapTechnique>> {
    vec![
        Box::new(Sequential),
        Box::new(ThreadPerTask),
        Box::new(ScopedChunks(Split::Contiguous)),
        Box::new(ScopedChunks(Split::Strided)),
        Box::new(pool::PoolMap),
        Box::new(Rayon),
    ]
}

/// The blocking download techniques (ureq 3), in legend order.
pub fn download_techniques() -> Vec<Box<dyn DownloadTechnique>> {
    vec![
        Box::new(SequentialDownload),
        Box::new(ThreadPerDownload),
        Box::new(PoolDownload),
    ]
}

/// The `std::net` hello servers: thread per connection and a fixed pool.
pub fn web_server_techniques() -> Vec<Box<dyn WebServerTechnique>> {
    vec![Box::new(ThreadPerConnectionServer), Box::new(PoolServer)]
}

/// The message of a caught panic payload, when it is a string.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}
