//! The file server the download techniques fetch from: a fixed set of files in memory,
//! each answered after an injected latency, standing in for a remote server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response, StatusCode, header};

use crate::LoopbackError;
use crate::serve::{HttpServer, ServeConfig};

/// An HTTP file server on `127.0.0.1:0`.
///
/// `GET <path>` of a known file answers 200 with its bytes after `latency`; an unknown path
/// answers 404 and any other method 405, both without the latency. The latency is a tokio
/// timer, so it lasts up to 1 ms longer than asked (the timer's resolution).
#[derive(Debug)]
pub struct FileServer {
    server: HttpServer,
}

impl FileServer {
    /// Serves `files` (`(path, content)` pairs) with `latency` per request, on one event-loop
    /// thread: waiting costs it nothing, and it stays off the second core for the clients.
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

    /// Like [`FileServer::start`], with the runtime and limits chosen by the caller.
    pub fn with_config(
        files: Vec<(String, Vec<u8>)>,
        latency: Duration,
        config: ServeConfig,
    ) -> Result<FileServer, LoopbackError> {
        let files: Arc<HashMap<String, Bytes>> = Arc::new(
            files
                .into_iter()
                .map(|(path, body)| (path, Bytes::from(body)))
                .collect(),
        );
        let server = HttpServer::start(config, move |request| {
            let files = Arc::clone(&files);
            async move {
                if request.method() != Method::GET {
                    return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
                }
                let Some(body) = files.get(request.uri().path()).cloned() else {
                    return plain(StatusCode::NOT_FOUND, "no such file\n");
                };
                if !latency.is_zero() {
                    tokio::time::sleep(latency).await;
                }
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(Full::new(body))
                    .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, ""))
            }
        })?;
        Ok(FileServer { server })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Stops the server and joins its thread within `bound`.
    pub fn shutdown(self, bound: Duration) -> Result<(), LoopbackError> {
        self.server.shutdown(bound)
    }
}

/// A short text response with `status`.
pub fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
