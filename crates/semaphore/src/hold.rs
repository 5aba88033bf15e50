//! The hold of the thread techniques: a sleep to an absolute deadline with the timer slack
//! of the thread lowered to 1 ns, so the hold lasts what the job says and not what the
//! kernel's default slack (50 us per sleep) and a relative sleep's drift add to it.
//!
//! Linux: `prctl(PR_SET_TIMERSLACK, 1)` once per thread, then
//! `clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline)`, restarted on a signal. The
//! thread sleeps in the kernel the whole time: no busy-wait, so holders that outnumber the
//! CPUs cost nothing while they hold. Elsewhere, `std::thread::sleep`.
//!
//! Even a precise timer wakes late: the timer interrupt, then the thread scheduled on a
//! virtual CPU that was idle, 50-100 us on the 2-vCPU KVM reference machine, paid on every
//! hold (15 holds in a row at one permit). [`precise_hold`] therefore sleeps to a little
//! before the deadline and spins the rest, [`SPIN_TAIL`], when the caller says holders fit
//! on the CPUs: a spin never takes a CPU from another holder. With more holders than CPUs it
//! is [`precise_sleep`], all in the kernel.

use std::time::{Duration, Instant};

/// How much of a hold [`precise_hold`] spins, when it may: more than a timer wake-up on a
/// KVM guest takes, so the spin starts before the deadline.
pub const SPIN_TAIL: Duration = Duration::from_micros(200);

/// Sleeps `hold`, measured from now, to an absolute deadline with minimal timer slack.
pub fn precise_sleep(hold: Duration) {
    #[cfg(target_os = "linux")]
    linux::sleep(hold);
    #[cfg(not(target_os = "linux"))]
    std::thread::sleep(hold);
}

/// Holds for `hold` from now: with `may_spin` (holders no more than the CPUs), sleeps to
/// [`SPIN_TAIL`] before the deadline and spins to it, so the hold ends on time and not a
/// timer wake-up later; without, [`precise_sleep`].
pub fn precise_hold(hold: Duration, may_spin: bool) {
    let deadline = Instant::now() + hold;
    if !may_spin || hold <= SPIN_TAIL {
        return precise_sleep(hold);
    }
    precise_sleep(hold - SPIN_TAIL);
    while Instant::now() < deadline {
        std::hint::spin_loop();
    }
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
            // 1 ns: the least slack (0 would mean "back to the default"). A failure leaves
            // the default slack, which only makes the hold a little longer.
            // SAFETY: PR_SET_TIMERSLACK takes one integer and changes this thread only.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
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

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::{Duration, Instant};

    #[test]
    fn a_precise_hold_lasts_at_least_the_hold_spinning_or_not() {
        for hold in [Duration::from_micros(100), Duration::from_millis(3)] {
            for may_spin in [false, true] {
                let started = Instant::now();
                super::precise_hold(hold, may_spin);
                assert!(started.elapsed() >= hold, "{hold:?} {may_spin}");
            }
        }
    }

    #[test]
    fn a_precise_sleep_lasts_at_least_the_hold() {
        for hold in [
            Duration::from_micros(200),
            Duration::from_millis(5),
            Duration::from_millis(1500),
        ] {
            let started = Instant::now();
            super::precise_sleep(hold);
            assert!(
                started.elapsed() >= hold,
                "{hold:?}: {:?}",
                started.elapsed()
            );
        }
    }
}
