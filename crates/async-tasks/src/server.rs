//! The article's `aiohttp` hello server: an async handler on an event-loop server. Here the
//! handler runs on hyper over tokio (the loopback crate's server skeleton), with
//! `ServerSettings::workers` runtime workers.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};
use loopback::{HttpServer, ServeConfig, plain};
use workloads::{Kind, RunError, RunningServer, ServerSettings, WebServerTechnique, hello_route};

/// The hello server on tokio + hyper.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioHyperServer;

workloads::technique!(TokioHyperServer, "tokio-hyper", Kind::Async);

impl WebServerTechnique for TokioHyperServer {
    fn start(&self, settings: &ServerSettings) -> Result<Box<dyn RunningServer>, RunError> {
        let config = ServeConfig {
            name: "cb-tokio-hello".into(),
            workers: settings.workers,
            read_timeout: settings.read_timeout,
            max_header_bytes: settings.max_header_bytes,
            bind: settings.bind,
        };
        let server = HttpServer::start(config, hello).map_err(|e| RunError::Start {
            technique: Self::ID.into(),
            cause: e.to_string(),
        })?;
        Ok(Box::new(Running(server)))
    }
}

/// `handle(request)` of the article: `Hello, {name}!`, `Anonymous` without a name.
async fn hello(request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::GET {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
    }
    match hello_route(request.uri().path()) {
        Some(text) => {
            let mut response = Response::new(Full::new(Bytes::from(text)));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
        None => plain(StatusCode::NOT_FOUND, "no route\n"),
    }
}

struct Running(HttpServer);

impl RunningServer for Running {
    fn addr(&self) -> SocketAddr {
        self.0.addr()
    }

    fn shutdown(self: Box<Self>, bound: Duration) -> Result<(), RunError> {
        self.0
            .shutdown(bound)
            .map_err(|e| RunError::Other(format!("{}: {e}", TokioHyperServer::ID)))
    }
}
