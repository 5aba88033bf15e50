//! One of the suite's hello servers, standalone: `GET /` answers `Hello, Anonymous!`,
//! `GET /<name>` answers `Hello, <name>!`. Stops cleanly on Ctrl-C or SIGTERM.

use clap::Parser;
use loopback::CannedServer;
use tools::{SHUTDOWN_BOUND, StopSignals, exit_with, listen_addr, serve_until_stopped, web_server};
use workloads::ServerSettings;

/// The canned responder's name on the command line.
const CANNED: &str = "canned";

/// Runs one of the suite's hello servers until Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "hello-server")]
struct Args {
    /// The server: tokio-hyper, thread-per-connection or thread-pool; or `canned`, the
    /// responder the io benches measure the generator's ceiling against.
    #[arg(long)]
    technique: String,
    /// Worker threads (the runtime's or the pool's; thread-per-connection ignores it).
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// The port to listen on (0: a free one, printed on the first line).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
}

fn main() {
    let signals = StopSignals::block().unwrap_or_else(|e| exit_with(1, &e));
    let args = Args::parse();
    if args.workers == 0 {
        exit_with(2, "--workers 0: a server needs at least one worker");
    }
    let bind = listen_addr(&args.bind, args.port).unwrap_or_else(|e| exit_with(2, &e));
    let about = format!("{} with {} workers", args.technique, args.workers);
    if args.technique == CANNED {
        let server =
            CannedServer::bind(bind, args.workers).unwrap_or_else(|e| exit_with(1, &e.to_string()));
        serve_until_stopped(&signals, server.addr(), &about, || {
            server.shutdown(SHUTDOWN_BOUND).map_err(|e| e.to_string())
        });
        return;
    }
    let technique = web_server(&args.technique)
        .map_err(|e| format!("{e}, or {CANNED} (the generator's ceiling)"))
        .unwrap_or_else(|e| exit_with(2, &e));
    let settings = ServerSettings {
        workers: args.workers,
        bind,
        ..ServerSettings::default()
    };
    let server = technique
        .start(&settings)
        .unwrap_or_else(|e| exit_with(1, &e.to_string()));
    serve_until_stopped(&signals, server.addr(), &about, || {
        server.shutdown(SHUTDOWN_BOUND).map_err(|e| e.to_string())
    });
}
