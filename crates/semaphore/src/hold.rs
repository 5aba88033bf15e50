//! The hold of the thread techniques: [`host::precise_sleep`], a sleep to an absolute
//! deadline with the thread's timer slack lowered to 1 ns, so the hold lasts what the job
//! says and not what the kernel's default slack and a relative sleep's drift add to it. The
//! thread sleeps in the kernel the whole time: holders that outnumber the CPUs cost nothing
//! while they hold.
//!
//! Even a precise timer wakes late: the timer interrupt, then the thread scheduled on a
//! virtual CPU that was idle (about a tenth of a millisecond on a KVM guest: the wake-ups in
//! `docs/findings.md`), paid on every hold (15 holds in a row at one permit).
//! [`precise_hold`] therefore sleeps to a little
//! before the deadline and spins the rest, [`SPIN_TAIL`], when the caller says holders fit
//! on the CPUs: a spin never takes a CPU from another holder. With more holders than CPUs it
//! is [`precise_sleep`], all in the kernel.

use std::time::{Duration, Instant};

/// How much of a hold [`precise_hold`] spins, when it may: more than a timer wake-up on a
/// KVM guest takes, so the spin starts before the deadline.
pub const SPIN_TAIL: Duration = Duration::from_micros(200);

pub use host::precise_sleep;

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
}
