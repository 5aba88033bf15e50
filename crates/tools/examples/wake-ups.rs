//! What a wake-up costs on this machine, the cost every waiting technique pays and no floor
//! counts: how late a precise sleep ends, and how long a thread blocked on a pipe takes to
//! run after another CPU writes to it, by how long its CPU sat idle before.
//!
//! On a virtual machine the host lets an idle virtual CPU go, and getting it back costs more
//! the longer it slept; with idle CPUs polling (`CB_IDLE_POLL=1` in the suite) much less.
//! What it shows on the reference machine is in `docs/findings.md`.
//!
//! `cargo run --release -p tools --example wake-ups [samples, default 100] [--idle-poll]`
//! (Linux; `--idle-poll`, as root, holds the PM QoS CPU latency at 0 us while it measures,
//! as `CB_IDLE_POLL=1` does for the suite).

#[cfg(target_os = "linux")]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let idle_poll = args.iter().any(|a| a == "--idle-poll");
    let samples: usize = match args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(|s| s.parse())
    {
        None => 100,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("error: samples: expected a positive number");
            std::process::exit(2);
        }
    };
    // The request lasts while it is held.
    let _request = idle_poll.then(|| {
        let path = std::path::Path::new(host::wake::CPU_DMA_LATENCY);
        host::IdlePoll::hold(path).unwrap_or_else(|e| {
            eprintln!("error: --idle-poll: {e}");
            std::process::exit(1);
        })
    });
    linux::report(samples);
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("wake-ups: Linux only (clock_nanosleep, pipes and CPU affinity)");
}

#[cfg(target_os = "linux")]
mod linux {
    use std::time::Duration;

    fn quantiles(mut v: Vec<f64>) -> String {
        if v.is_empty() {
            return "no samples".into();
        }
        v.sort_by(f64::total_cmp);
        let q = |f: f64| v[((v.len() - 1) as f64 * f) as usize];
        format!(
            "p10 {:.0} us, p50 {:.0} us, p90 {:.0} us",
            q(0.1),
            q(0.5),
            q(0.9)
        )
    }

    pub(super) fn report(samples: usize) {
        println!(
            "PM QoS CPU latency: {}",
            host::wake::cpu_dma_latency_us().map_or("unreadable (not root)".into(), |us| {
                match us {
                    0 => "0 us: idle CPUs poll".to_string(),
                    us => format!("{us} us"),
                }
            })
        );
        host::calibrate::pin_to(0);
        for ms in [1, 5, 10] {
            let late = host::wake::sleep_lateness_us(Duration::from_millis(ms), samples);
            println!("a {ms} ms sleep ends late by: {}", quantiles(late));
        }
        for idle_us in [20, 1_000, 5_000, 10_000] {
            let idle = Duration::from_micros(idle_us);
            match host::wake::cross_cpu_wake_us(idle, samples, (0, 1)) {
                Ok(delays) => println!(
                    "a pipe wake-up to another CPU idle {idle:?} takes: {}",
                    quantiles(delays)
                ),
                Err(e) => eprintln!("error: the wake-up probe: {e}"),
            }
        }
    }
}
