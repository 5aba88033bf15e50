//! The download workloads' file server, standalone: `GET /files/000.bin` ... each answered
//! after the latency, with the bytes the suite's download jobs check. Stops cleanly on
//! Ctrl-C or SIGTERM.

use std::num::NonZeroUsize;
use std::time::Duration;

use clap::Parser;
use loopback::{FileServer, ServeConfig};
use tools::{SHUTDOWN_BOUND, StopSignals, exit_with, listen_addr, serve_until_stopped};
use workloads::DownloadJob;

/// Serves generated files with a latency per answer until Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "file-server")]
struct Args {
    /// Delay of every answer, in milliseconds.
    #[arg(long, default_value_t = 10.0)]
    latency_ms: f64,
    /// The port to listen on (0: a free one, printed on the first line).
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// How many files (`/files/000.bin` onwards).
    #[arg(long, default_value_t = DownloadJob::MANY_SMALL.files)]
    files: usize,
    /// Bytes per file.
    #[arg(long, default_value_t = DownloadJob::MANY_SMALL.size)]
    size: usize,
}

fn main() {
    let signals = StopSignals::block().unwrap_or_else(|e| exit_with(1, &e));
    let args = Args::parse();
    if !(args.latency_ms.is_finite() && (0.0..=60_000.0).contains(&args.latency_ms)) {
        exit_with(
            2,
            &format!("--latency-ms {}: must be 0 to 60000", args.latency_ms),
        );
    }
    if args.files == 0 || args.files > 100_000 {
        exit_with(2, &format!("--files {}: must be 1 to 100000", args.files));
    }
    if args.size == 0 || args.size > 64 << 20 {
        exit_with(
            2,
            &format!("--size {}: must be 1 to 67108864 bytes", args.size),
        );
    }
    let job = DownloadJob {
        files: args.files,
        size: args.size,
        latency: Duration::from_secs_f64(args.latency_ms / 1000.0),
        in_flight: NonZeroUsize::MIN,
    };
    let config = ServeConfig {
        name: "cb-file-server".into(),
        bind: listen_addr(&args.bind, args.port).unwrap_or_else(|e| exit_with(2, &e)),
        ..ServeConfig::default()
    };
    let server = FileServer::with_config(job.file_set(), job.latency, config)
        .unwrap_or_else(|e| exit_with(1, &e.to_string()));
    let about = format!(
        "{} files {} .. {}, {} bytes each, {} ms latency",
        job.files,
        job.path(0),
        job.path(job.files - 1),
        job.size,
        args.latency_ms
    );
    serve_until_stopped(&signals, server.addr(), &about, || {
        server.shutdown(SHUTDOWN_BOUND).map_err(|e| e.to_string())
    });
}
