//! One of the suite's hello servers, standalone: `GET /` answers `Hello, Anonymous!`,
//! `GET /<name>` answers `Hello, <name>!`. Stops cleanly on Ctrl-C or SIGTERM.

use clap::Parser;
use tools::{SHUTDOWN_BOUND, StopSignals, exit_with, listen_addr, serve_until_stopped, web_server};
use workloads::ServerSettings;

/// Runs one of the suite's hello servers until Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "hello-server")]
struct Args {
    /// The server: tokio-hyper, thread-per-connection or thread-pool.
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
    let technique = web_server(&args.technique).unwrap_or_else(|e| exit_with(2, &e));
    if args.workers == 0 {
        exit_with(2, "--workers 0: a server needs at least one worker");
    }
    let settings = ServerSettings {
        workers: args.workers,
        bind: listen_addr(&args.bind, args.port).unwrap_or_else(|e| exit_with(2, &e)),
        ..ServerSettings::default()
    };
    let server = technique
        .start(&settings)
        .unwrap_or_else(|e| exit_with(1, &e.to_string()));
    let about = format!("{} with {} workers", technique.id(), args.workers);
    serve_until_stopped(&signals, server.addr(), &about, || {
        server.shutdown(SHUTDOWN_BOUND).map_err(|e| e.to_string())
    });
}
