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
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    /// Lowers this thread's timer slack to 1 ns and pins it to `cpu` where there is one.
    fn prepare(cpu: usize) {
        host::wake::lower_timer_slack();
        // The machine's CPUs, not this thread's: a thread inherits its creator's affinity.
        // SAFETY: sysconf reads a system value.
        let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize;
        if cpu < cpus {
            // SAFETY: an all-zero cpu_set_t is empty; CPU_SET writes within it, and
            // sched_setaffinity(0, ..) changes only this thread.
            unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu, &mut set);
                libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &raw const set);
            }
        }
    }

    fn quantiles(mut v: Vec<f64>) -> String {
        v.sort_by(f64::total_cmp);
        let q = |f: f64| v[((v.len() - 1) as f64 * f) as usize];
        format!(
            "p10 {:.0} us, p50 {:.0} us, p90 {:.0} us",
            q(0.1),
            q(0.5),
            q(0.9)
        )
    }

    /// How late sleeps of `d` end.
    fn overshoot(d: Duration, samples: usize) -> String {
        let late = (0..samples)
            .map(|_| {
                let started = Instant::now();
                host::precise_sleep(d);
                (started.elapsed().as_secs_f64() - d.as_secs_f64()) * 1e6
            })
            .collect();
        quantiles(late)
    }

    /// From a write on CPU 0 to the blocked reader on CPU 1 running, after CPU 1 sat idle
    /// for `idle` (the writer spins out short idles, sleeps long ones).
    fn pipe_wake(idle: Duration, samples: usize) -> String {
        let (mut ours, mut theirs) = UnixStream::pair().expect("a socket pair");
        let origin = Instant::now();
        let reader = std::thread::spawn(move || {
            prepare(1);
            let mut stamp = [0u8; 16];
            let mut delays = Vec::with_capacity(samples);
            while theirs.read_exact(&mut stamp).is_ok() {
                let now = origin.elapsed().as_nanos();
                delays.push(now.saturating_sub(u128::from_le_bytes(stamp)) as f64 / 1e3);
                if theirs.write_all(&[1]).is_err() {
                    break;
                }
            }
            delays
        });
        prepare(0);
        let mut ack = [0u8; 1];
        for _ in 0..samples {
            if idle < Duration::from_micros(100) {
                let until = Instant::now() + idle;
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            } else {
                host::precise_sleep(idle);
            }
            let sent = origin.elapsed().as_nanos();
            if ours.write_all(&sent.to_le_bytes()).is_err() || ours.read_exact(&mut ack).is_err() {
                break;
            }
        }
        drop(ours);
        quantiles(reader.join().expect("the reader thread"))
    }

    pub(super) fn report(samples: usize) {
        let qos = std::fs::read("/dev/cpu_dma_latency")
            .ok()
            .and_then(|b| Some(i32::from_ne_bytes(b.get(..4)?.try_into().ok()?)));
        println!(
            "PM QoS CPU latency: {}",
            qos.map_or("unreadable (not root)".into(), |us| match us {
                0 => "0 us: idle CPUs poll".to_string(),
                us => format!("{us} us"),
            })
        );
        prepare(0);
        for ms in [1, 5, 10] {
            let d = Duration::from_millis(ms);
            println!("a {ms} ms sleep ends late by: {}", overshoot(d, samples));
        }
        for idle_us in [20, 1_000, 5_000, 10_000] {
            let idle = Duration::from_micros(idle_us);
            println!(
                "a pipe wake-up to another CPU idle {idle:?} takes: {}",
                pipe_wake(idle, samples)
            );
        }
    }
}
