//! What waking up costs on this machine, and the one precise sleep.
//!
//! - [`precise_sleep`]: a sleep to an absolute deadline with the thread's timer slack lowered
//!   to 1 ns ([`lower_timer_slack`]), so it lasts what it is asked and not what the kernel's
//!   default slack (50 us per sleep) and a relative sleep's drift add. The semaphore's holds,
//!   the file server's answers and the probes below all sleep this way.
//! - [`sleep_overshoot_us`] and [`sleep_lateness_us`]: how late such a sleep ends here, the
//!   wake-up every sleep of a waiting technique pays; [`cross_cpu_wake_us`]: how long a
//!   thread blocked on another CPU takes to run after a write wakes it, by how long that CPU
//!   sat idle, the wake-up every hand-off and answer pays.
//! - [`cpu_dma_latency_us`] and [`IdlePoll`]: Linux's PM QoS wake-up latency, read and held.

use std::time::{Duration, Instant};

/// Lowers the calling thread's timer slack to 1 ns (Linux; elsewhere nothing). 0 would mean
/// "back to the default", so 1. A failure leaves the default slack: sleeps end a little
/// later, nothing worse.
pub fn lower_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes one integer and changes only the calling thread.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

/// Sleeps `hold`, measured from now, to an absolute deadline with 1 ns timer slack
/// (`clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)`, restarted on a signal). The thread
/// sleeps in the kernel the whole time. Elsewhere than Linux, `std::thread::sleep`.
pub fn precise_sleep(hold: Duration) {
    #[cfg(target_os = "linux")]
    linux::sleep(hold);
    #[cfg(not(target_os = "linux"))]
    std::thread::sleep(hold);
}

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::Cell;
    use std::time::Duration;

    thread_local! {
        static SLACK_SET: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn sleep(hold: Duration) {
        if !SLACK_SET.get() {
            super::lower_timer_slack();
            SLACK_SET.set(true);
        }
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec we own.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) } != 0 {
            std::thread::sleep(hold);
            return;
        }
        let total_ns = now.tv_nsec as u128 + hold.subsec_nanos() as u128;
        let deadline = libc::timespec {
            tv_sec: now.tv_sec
                + hold.as_secs() as libc::time_t
                + (total_ns / 1_000_000_000) as libc::time_t,
            tv_nsec: (total_ns % 1_000_000_000) as libc::c_long,
        };
        loop {
            // SAFETY: `deadline` is a valid timespec; with TIMER_ABSTIME the remainder
            // argument is unused and may be null.
            let rc = unsafe {
                libc::clock_nanosleep(
                    libc::CLOCK_MONOTONIC,
                    libc::TIMER_ABSTIME,
                    &deadline,
                    std::ptr::null_mut(),
                )
            };
            match rc {
                0 => return,
                // A signal: sleep again to the same deadline.
                libc::EINTR => continue,
                // Cannot happen with a valid clock and timespec; never spin on it.
                _ => {
                    std::thread::sleep(hold);
                    return;
                }
            }
        }
    }
}

/// How late each of `samples` [`precise_sleep`]s of `hold` on the calling thread ends, in
/// microseconds.
pub fn sleep_lateness_us(hold: Duration, samples: usize) -> Vec<f64> {
    (0..samples)
        .map(|_| {
            let started = Instant::now();
            precise_sleep(hold);
            started.elapsed().saturating_sub(hold).as_secs_f64() * 1e6
        })
        .collect()
}

/// The median lateness of 20 [`precise_sleep`]s of 5 ms, on a thread of its own, in
/// microseconds; `None` if the thread cannot run.
pub fn sleep_overshoot_us() -> Option<f64> {
    let measure = || {
        let mut late = sleep_lateness_us(Duration::from_millis(5), 20);
        late.sort_by(f64::total_cmp);
        late[late.len() / 2]
    };
    std::thread::Builder::new()
        .name("cb-sleep-probe".into())
        .spawn(measure)
        .ok()?
        .join()
        .ok()
}

/// From a write on CPU `from` to the reader blocked on CPU `to` running, after `to` sat idle
/// for `idle` (the writer spins out idles under 100 us, sleeps longer ones), `samples`
/// times, in microseconds. Both threads are pinned where the machine has those CPUs.
#[cfg(unix)]
pub fn cross_cpu_wake_us(
    idle: Duration,
    samples: usize,
    (from, to): (usize, usize),
) -> std::io::Result<Vec<f64>> {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    let (mut ours, mut theirs) = UnixStream::pair()?;
    let origin = Instant::now();
    let reader = std::thread::Builder::new()
        .name("cb-wake-probe".into())
        .spawn(move || {
            crate::calibrate::pin_to(to);
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
        })?;
    crate::calibrate::pin_to(from);
    let mut ack = [0u8; 1];
    for _ in 0..samples {
        if idle < Duration::from_micros(100) {
            let until = Instant::now() + idle;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        } else {
            precise_sleep(idle);
        }
        let sent = origin.elapsed().as_nanos();
        if ours.write_all(&sent.to_le_bytes()).is_err() || ours.read_exact(&mut ack).is_err() {
            break;
        }
    }
    drop(ours);
    reader
        .join()
        .map_err(|_| std::io::Error::other("the wake-up probe's reader panicked"))
}

/// The median of 20 [`cross_cpu_wake_us`] after 10 ms idle, between the first two CPUs this
/// run may use, in microseconds; `None` with fewer than two CPUs (no other CPU to wake) or
/// where the probe cannot run.
pub fn wake_up_us() -> Option<f64> {
    #[cfg(unix)]
    {
        let cpus = crate::allowed_cpus();
        let (&from, &to) = (cpus.first()?, cpus.get(1)?);
        // On a thread of its own: the probe pins the thread that writes.
        let probe = std::thread::Builder::new()
            .name("cb-wake-probe".into())
            .spawn(move || cross_cpu_wake_us(Duration::from_millis(10), 20, (from, to)))
            .ok()?;
        let mut delays = probe.join().ok()?.ok()?;
        if delays.is_empty() {
            return None;
        }
        delays.sort_by(f64::total_cmp);
        Some(delays[delays.len() / 2])
    }
    #[cfg(not(unix))]
    None
}

/// Linux's PM QoS interface for the CPU wake-up latency the system must meet.
pub const CPU_DMA_LATENCY: &str = "/dev/cpu_dma_latency";

/// The environment variable of [`IdlePoll`].
pub const IDLE_POLL_ENV: &str = "CB_IDLE_POLL";

/// The PM QoS CPU latency in force (a native-endian `i32` read from [`CPU_DMA_LATENCY`]), in
/// microseconds; `None` where unreadable (not root, not Linux).
pub fn cpu_dma_latency_us() -> Option<i64> {
    let bytes = std::fs::read(CPU_DMA_LATENCY).ok()?;
    let value: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(i64::from(i32::from_ne_bytes(value)))
}

/// While alive, asks Linux that an idle CPU be woken within 0 us: the idle loop then polls
/// instead of halting, and a wake-up (a timer, a futex, a socket) reaches a running CPU.
///
/// A halted virtual CPU can take a hundred microseconds to wake ([`sleep_overshoot_us`]
/// measures it on each run), and every sleep, hand-off and answer of a waiting technique
/// pays it. `CB_IDLE_POLL=1` measures the techniques without that machine cost, the way
/// `cyclictest` and `tuned`'s latency profiles run: idle CPUs burn their time (on a shared
/// host, the host's), so it is opt-in. The request is the open file ([`CPU_DMA_LATENCY`],
/// writable by root only); it ends when this value is dropped or the process exits. The
/// run's metadata records the latency in force, so compare tells such runs apart.
#[derive(Debug)]
pub struct IdlePoll {
    _request: std::fs::File,
}

impl IdlePoll {
    /// Reads `CB_IDLE_POLL`: unset, empty or `0` is `Ok(None)`; `1` holds the request on
    /// [`CPU_DMA_LATENCY`]. Any other value, or a request the system refuses, is an error
    /// naming the variable, the file and the cause.
    pub fn from_env() -> Result<Option<IdlePoll>, String> {
        let value = std::env::var(IDLE_POLL_ENV).ok();
        if !IdlePoll::wanted(value.as_deref())? {
            return Ok(None);
        }
        IdlePoll::hold(std::path::Path::new(CPU_DMA_LATENCY))
            .map(Some)
            .map_err(|e| format!("{IDLE_POLL_ENV}=1: {e}"))
    }

    /// Whether the variable's value asks for idle polling.
    pub fn wanted(value: Option<&str>) -> Result<bool, String> {
        match value.map(str::trim) {
            None | Some("" | "0") => Ok(false),
            Some("1") => Ok(true),
            Some(other) => Err(format!(
                "{IDLE_POLL_ENV}={other:?}: expected 1 (idle CPUs poll for the run) or 0"
            )),
        }
    }

    /// Writes a 0 us latency request (a native-endian `i32`) to `path` and keeps it open.
    pub fn hold(path: &std::path::Path) -> Result<IdlePoll, String> {
        use std::io::Write;
        let mut request = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| {
                let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
                    " (root only: run as root, or leave the variable unset)"
                } else {
                    ""
                };
                format!("opening {}: {e}{hint}", path.display())
            })?;
        request
            .write_all(&0i32.to_ne_bytes())
            .map_err(|e| format!("writing 0 to {}: {e}", path.display()))?;
        Ok(IdlePoll { _request: request })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precise_sleep_lasts_at_least_the_hold() {
        for hold in [
            Duration::from_micros(200),
            Duration::from_millis(5),
            Duration::from_millis(1500),
        ] {
            let started = Instant::now();
            precise_sleep(hold);
            assert!(
                started.elapsed() >= hold,
                "{hold:?}: {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn idle_polling_is_asked_for_with_1_and_a_refusal_names_the_file() {
        assert!(!IdlePoll::wanted(None).unwrap());
        assert!(!IdlePoll::wanted(Some("0")).unwrap());
        assert!(IdlePoll::wanted(Some(" 1 ")).unwrap());
        let err = IdlePoll::wanted(Some("yes")).unwrap_err();
        assert!(err.contains("CB_IDLE_POLL=\"yes\""), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let request = dir.path().join("cpu_dma_latency");
        std::fs::write(&request, b"").unwrap();
        let held = IdlePoll::hold(&request).unwrap();
        assert_eq!(std::fs::read(&request).unwrap(), 0i32.to_ne_bytes());
        drop(held);
        let missing = dir.path().join("none");
        let err = IdlePoll::hold(&missing).unwrap_err();
        assert!(err.contains(&missing.display().to_string()), "{err}");
    }

    #[test]
    fn the_cross_cpu_probe_times_every_wake_up() {
        let delays = cross_cpu_wake_us(Duration::from_micros(20), 5, (0, 1)).unwrap();
        assert_eq!(delays.len(), 5);
        assert!(
            delays.iter().all(|d| d.is_finite() && *d >= 0.0),
            "{delays:?}"
        );
    }

    #[test]
    fn the_overshoot_probe_measures_a_late_wake_up() {
        let late = sleep_overshoot_us().expect("the probe thread runs");
        assert!(late >= 0.0, "a sleep never ends early: {late}");
        // A 5 ms sleep a whole second late is a broken probe (a relative sleep restarted on
        // every signal, a wrong unit), not a slow machine.
        assert!(late.is_finite() && late < 1e6, "{late} us");
    }
}
