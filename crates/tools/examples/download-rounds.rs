//! Where a download round's time goes: each download technique fetches the 100 x 4 KiB job
//! (16 in flight, 7 rounds) from the loopback file server at 10 ms latency and at 0 ms, and
//! the excess over the floor is split per round:
//!
//! - `at 0 ms`: a round's own work (16 requests, answers, checks) with no waiting at all;
//! - `at 10 ms`: what a round costs beyond its 10 ms.
//!
//! With the latency on a 1 ms timer (tokio's), all answers of a round would fire on the same
//! tick, so a round would pay the timer's rounding plus the whole round's work in series
//! behind it; with a deadline per request (the file server's) the answers stagger as the
//! requests came and the work overlaps the wait.
//!
//! `cargo run --release -p tools --example download-rounds [runs, default 15]`

use std::time::{Duration, Instant};

use loopback::FileServer;
use workloads::{DownloadJob, DownloadTechnique};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("runs: a number"))
        .unwrap_or(15);
    let mut techniques: Vec<Box<dyn DownloadTechnique>> = threads::download_techniques();
    techniques.extend(async_tasks::download_techniques());
    for latency_ms in [10, 0] {
        let job = DownloadJob {
            latency: Duration::from_millis(latency_ms),
            ..DownloadJob::MANY_SMALL
        };
        let rounds = job.files.div_ceil(job.in_flight.get()) as f64;
        let server = FileServer::start(job.file_set(), job.latency).expect("file server");
        for technique in techniques.iter().filter(|t| t.id() != "sequential") {
            let mut runner = technique.start(&job).expect("start");
            let mut times: Vec<Duration> = (0..runs + 1)
                .map(|_| {
                    let started = Instant::now();
                    let digests = runner.run(server.addr(), &job).expect("run");
                    let took = started.elapsed();
                    job.verify(&digests).expect("verified");
                    took
                })
                .skip(1)
                .collect();
            times.sort();
            let median = times[times.len() / 2];
            let excess = median.saturating_sub(job.floor());
            let ratio = if job.floor().is_zero() {
                "-".to_string()
            } else {
                format!("{:.3}x", median.as_secs_f64() / job.floor().as_secs_f64())
            };
            println!(
                "{:<20} at {latency_ms:>2} ms: median {:>7.2} ms, floor {:>5.1} ms ({ratio}), {:.2} ms a round over the floor",
                technique.id(),
                median.as_secs_f64() * 1e3,
                job.floor().as_secs_f64() * 1e3,
                excess.as_secs_f64() * 1e3 / rounds,
            );
        }
        server.shutdown(Duration::from_secs(10)).expect("shutdown");
    }
}
