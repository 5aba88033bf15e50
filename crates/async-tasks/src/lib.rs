//! tokio techniques: the article's `asyncio` (tasks, `gather`, an `aiohttp` client and
//! server), written with tokio tasks and join sets, a semaphore bounding concurrency,
//! multi-thread and current-thread runtimes, and `spawn_blocking` for CPU work.
//!
//! | id | family | technique | the article's construct |
//! |---|---|---|---|
//! | `tokio-spawn-blocking` | map | CPU tasks via `spawn_blocking` on a runtime of N workers, blocking pool capped at N; sleeps as `tokio::time::sleep` | `loop.run_in_executor` |
//! | `tokio-current-thread` | map | every task inline on one event loop driven by the caller | `asyncio.gather` of coroutines |
//! | `tokio-joinset` | download | one task per file in a `JoinSet`, a semaphore permit per task, one pooled keep-alive hyper client | `asyncio` + `aiohttp.ClientSession` |
//! | `tokio-hyper` | web-server | hyper on a tokio runtime of N workers, routes `/` and `/{name}` | `aiohttp.web` hello server |
//!
//! What it costs, and why it is measured this way: a runtime is built once per technique
//! (in `start`, never timed), and work is *spawned into it* and waited for on a channel, not
//! run through `block_on` (which on a multi-thread runtime runs the future on the caller's
//! thread and makes every spawn a remote one;
//! <https://github.com/bheisler/criterion.rs/issues/819>). The current-thread
//! technique is the exception by design: its event loop *is* the caller's thread.
//! tokio's timer has 1 ms resolution, so a 20 ms sleep lasts about 21 ms; sleep-based
//! floors allow for it.
//!
//! ```
//! use std::num::NonZeroUsize;
//! use workloads::MapJob;
//!
//! let job = MapJob::sleep(5, 2);
//! for technique in async_tasks::map_techniques() {
//!     let mut runner = technique.start(NonZeroUsize::new(2).unwrap()).unwrap();
//!     job.verify(&runner.run(&job).unwrap()).unwrap();
//! }
//! assert_eq!(async_tasks::web_server_techniques()[0].id(), "tokio-hyper");
//! ```

mod download;
mod map;
mod runtime;
mod server;

pub use download::{AsyncDownload, REQUEST_TIMEOUT};
pub use map::{TokioCurrentThread, TokioSpawnBlocking};
pub use server::TokioHyperServer;

use workloads::{DownloadTechnique, MapTechnique, WebServerTechnique};

/// The map techniques of this crate, in legend order.
pub fn map_techniques() -> Vec<Box<dyn MapTechnique>> {
    vec![Box::new(TokioSpawnBlocking), Box::new(TokioCurrentThread)]
}

/// The download techniques of this crate.
pub fn download_techniques() -> Vec<Box<dyn DownloadTechnique>> {
    vec![Box::new(AsyncDownload)]
}

/// The hello servers of this crate.
pub fn web_server_techniques() -> Vec<Box<dyn WebServerTechnique>> {
    vec![Box::new(TokioHyperServer)]
}
