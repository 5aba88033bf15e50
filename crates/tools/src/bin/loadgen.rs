//! The suite's load generator, standalone: keep-alive connections against one URL for a
//! duration, every answer checked (2xx, and the exact body with `--expect`), then requests,
//! errors, requests/s and the latency histogram. `--rate` runs an open loop with latency
//! corrected for coordinated omission; `--json` prints one JSON object for scripts. Both say
//! what the generator itself cost: the CPU time of its threads, and requests per CPU-second.
//! Exits 1 when any request failed.

use bytes::Bytes;
use clap::Parser;
use loopback::{LoadGenerator, LoadReport, TimedPlan};
use tools::{exit_with, parse_duration, parse_url};

/// Loads one URL with keep-alive connections and reports throughput and latency.
#[derive(Parser, Debug)]
#[command(name = "loadgen")]
struct Args {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// How long to run: 3s, 500ms, 1m.
    #[arg(long, default_value = "3s")]
    duration: String,
    /// Open loop at this many requests per second over all connections (latency measured
    /// from each request's scheduled time, as wrk2 does); a closed loop without it.
    #[arg(long)]
    rate: Option<f64>,
    /// The exact body every answer must have (otherwise any 2xx answer is correct).
    #[arg(long)]
    expect: Option<String>,
    /// The generator's threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON object: requests, errors, seconds, req_per_s, p50_us, p90_us,
    /// p99_us, max_us, and the generator's own cost: cpu_s (CPU time of its threads over the
    /// run) and req_per_cpu_s (requests per CPU-second of it).
    #[arg(long)]
    json: bool,
    /// The URL to load, e.g. http://127.0.0.1:8080/
    url: String,
}

fn main() {
    let args = Args::parse();
    let url = parse_url(&args.url).unwrap_or_else(|e| exit_with(2, &e));
    let duration = parse_duration(&args.duration)
        .map_err(|e| format!("--duration: {e}"))
        .unwrap_or_else(|e| exit_with(2, &e));
    if args.connections == 0 || args.connections > 10_000 {
        exit_with(
            2,
            &format!("--connections {}: must be 1 to 10000", args.connections),
        );
    }
    if let Some(rate) = args.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        exit_with(
            2,
            &format!("--rate {rate}: must be more than zero requests/s"),
        );
    }
    let threads = match args.threads {
        Some(0) => exit_with(2, "--threads 0: the generator needs a thread"),
        Some(n) => n,
        None => host::run_cpus().get(),
    };
    let plan = TimedPlan {
        connections: args.connections,
        duration,
        targets: vec![(url.path.clone(), args.expect.map(Bytes::from))],
        rate: args.rate,
    };
    let generator = LoadGenerator::new(threads).unwrap_or_else(|e| exit_with(1, &e.to_string()));
    let report = generator
        .run_timed(url.addr, &plan)
        .unwrap_or_else(|e| exit_with(1, &e.to_string()));
    if args.json {
        println!("{}", summary(&report));
    } else {
        print_human(&args.url, &plan, &report);
    }
    if let Err(e) = report.check() {
        exit_with(1, &e.to_string());
    }
}

fn summary(report: &LoadReport) -> serde_json::Value {
    serde_json::json!({
        "requests": report.requests,
        "errors": report.errors,
        "seconds": report.duration.as_secs_f64(),
        "req_per_s": report.requests_per_sec(),
        "p50_us": report.latency_at(0.50),
        "p90_us": report.latency_at(0.90),
        "p99_us": report.latency_at(0.99),
        "max_us": report.latency_us.max() as f64,
        "cpu_s": report.cpu.map(|cpu| cpu.as_secs_f64()),
        "req_per_cpu_s": report.requests_per_cpu_sec(),
    })
}

fn print_human(url: &str, plan: &TimedPlan, report: &LoadReport) {
    let mode = match plan.rate {
        Some(rate) => format!("open loop at {rate} req/s, latency from each scheduled start"),
        None => "closed loop".to_string(),
    };
    println!(
        "{url}: {} connections for {:?} ({mode})",
        plan.connections, plan.duration
    );
    println!(
        "  {} requests, {} errors, {} reconnects in {:.2} s: {:.0} req/s",
        report.requests,
        report.errors,
        report.reconnects,
        report.duration.as_secs_f64(),
        report.requests_per_sec()
    );
    if let (Some(cpu), Some(per_cpu)) = (report.cpu, report.requests_per_cpu_sec()) {
        println!(
            "  generator CPU {:.2} s: {per_cpu:.0} requests per CPU-second",
            cpu.as_secs_f64()
        );
    }
    println!("  latency (us):");
    for q in [0.5, 0.75, 0.9, 0.99, 0.999] {
        println!("    p{:<5} {:>10.0}", q * 100.0, report.latency_at(q));
    }
    println!("    max    {:>10}", report.latency_us.max());
    if let Some(first) = &report.first_error {
        println!("  first error: {first}");
    }
}
