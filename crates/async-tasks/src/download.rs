//! The article's `asyncio` + `aiohttp` fetch: one task per file in a `JoinSet`, at most
//! `in_flight` at once (a semaphore permit is taken *before* the task is spawned, so the
//! bound holds for tasks, not only for requests), through one pooled keep-alive client, the
//! `aiohttp.ClientSession` analog.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use workloads::{DownloadJob, DownloadRunner, DownloadTechnique, Kind, RunError};

use crate::runtime::{multi_thread, run_on};

/// The longest one download may take before the run fails with an error naming the file.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// Async downloads on a multi-thread runtime of 2 workers (built once, in `start`).
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncDownload;

workloads::technique!(AsyncDownload, "tokio-joinset", Kind::Async);

impl DownloadTechnique for AsyncDownload {
    fn concurrency(&self, job: &DownloadJob) -> NonZeroUsize {
        job.in_flight
    }

    fn start(&self, job: &DownloadJob) -> Result<Box<dyn DownloadRunner>, RunError> {
        let runtime = multi_thread("cb-async-download", 2)?;
        let mut connector = HttpConnector::new();
        // hyper writes headers and body separately; see the loopback crate on Nagle.
        connector.set_nodelay(true);
        // The client's pool spawns its connection tasks, so build it inside the runtime.
        let _guard = runtime.enter();
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(job.in_flight.get())
            .build(connector);
        drop(_guard);
        Ok(Box::new(AsyncRunner { runtime, client }))
    }
}

struct AsyncRunner {
    runtime: Runtime,
    client: HttpClient,
}

impl DownloadRunner for AsyncRunner {
    fn run(&mut self, server: SocketAddr, job: &DownloadJob) -> Result<Vec<Vec<u8>>, RunError> {
        let client = self.client.clone();
        let job = *job;
        run_on(&self.runtime, download_all(client, server, job))
    }
}

async fn download_all(
    client: HttpClient,
    server: SocketAddr,
    job: DownloadJob,
) -> Result<Vec<Vec<u8>>, RunError> {
    let permits = Arc::new(Semaphore::new(job.in_flight.get()));
    let mut downloads = JoinSet::new();
    for index in 0..job.files {
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .map_err(|_| RunError::Other("the download semaphore was closed".into()))?;
        let (client, path) = (client.clone(), job.path(index));
        downloads.spawn(async move {
            let body = fetch(&client, server, &path).await;
            drop(permit);
            (index, body)
        });
    }
    let mut bodies = vec![None; job.files];
    while let Some(done) = downloads.join_next().await {
        let (index, body) = done.map_err(|e| RunError::Other(format!("a download task: {e}")))?;
        bodies[index] = Some(body?);
    }
    // Every index was spawned once and joined once, so every slot is filled.
    Ok(bodies.into_iter().flatten().collect())
}

/// GETs one file and returns its body; a non-2xx status or a socket error names the path.
pub(crate) async fn fetch(
    client: &HttpClient,
    server: SocketAddr,
    path: &str,
) -> Result<Vec<u8>, RunError> {
    let uri: Uri = format!("http://{server}{path}")
        .parse()
        .map_err(|e| RunError::Protocol(format!("GET {path}: bad URI: {e}")))?;
    let get = async {
        let response = client
            .get(uri)
            .await
            .map_err(|e| RunError::Other(format!("GET {path}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(RunError::Protocol(format!("GET {path}: status {status}")));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| RunError::Other(format!("GET {path}: reading the body: {e}")))?
            .to_bytes();
        Ok(Vec::from(body))
    };
    tokio::time::timeout(REQUEST_TIMEOUT, get)
        .await
        .map_err(|_| RunError::Other(format!("GET {path}: no answer within {REQUEST_TIMEOUT:?}")))?
}
