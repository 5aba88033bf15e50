//! Whether a run (or one benchmark) was measured beside a neighbour: the shares of all CPU
//! time that other processes and the hypervisor (steal) took, as `host::contention` read
//! them from `/proc/stat`, judged here.
//!
//! A neighbour changes what a concurrency benchmark measures (with one of 2 CPUs taken, two
//! workers stop overlapping), so a run or benchmark above [`BUSY_OTHERS`] or [`BUSY_STEAL`]
//! is marked busy. The thresholds: a quiet 2-CPU VM shows 0-3% others (daemons, the shell)
//! and under 1% steal; `yes >/dev/null` on one of 2 CPUs shows ~50% others.

use crate::model::Contention;

/// Other processes above this share of all CPU time make a measurement busy (15%).
pub const BUSY_OTHERS: f64 = 0.15;
/// Steal above this share of all CPU time makes a measurement busy (5%).
pub const BUSY_STEAL: f64 = 0.05;

/// `/proc/stat`'s clock tick: a share over a window is uncertain by one tick per CPU.
const NS_PER_TICK: f64 = host::contention::NS_PER_TICK;

impl From<host::contention::Shares> for Contention {
    fn from(s: host::contention::Shares) -> Contention {
        Contention {
            others_share: s.others_share,
            steal_share: s.steal_share,
            seconds: s.seconds,
        }
    }
}

impl Contention {
    /// Whether a neighbour or the hypervisor took more than the documented thresholds,
    /// beyond what the readings can tell apart: `/proc/stat` counts in ticks of 10 ms, so a
    /// share over a window of `seconds` is uncertain by about one tick per CPU, `0.01 /
    /// seconds` (10% over 0.1 s, nothing over a whole run). Without that allowance the
    /// rounding alone would mark a quiet run's short rows busy.
    pub fn busy(&self) -> bool {
        let ticks = NS_PER_TICK / 1e9 / self.seconds.max(1e-3);
        self.others_share > BUSY_OTHERS + ticks || self.steal_share > BUSY_STEAL + ticks
    }

    /// `others 48%, steal 0%` for a mark's tooltip or a warning.
    pub fn describe(&self) -> String {
        format!(
            "other processes {:.0}%, steal {:.0}% of all CPU time over {:.1} s",
            self.others_share * 100.0,
            self.steal_share * 100.0,
            self.seconds
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_window_is_judged_beyond_its_ticks() {
        let at = |others_share: f64, seconds: f64| Contention {
            others_share,
            steal_share: 0.0,
            seconds,
        };
        assert!(!at(0.2, 0.1).busy(), "one tick per CPU is 10% of 0.1 s");
        assert!(at(0.3, 0.1).busy());
        assert!(at(0.2, 10.0).busy());
        assert!(
            at(0.5, 0.06).busy(),
            "a CPU-bound neighbour on one of 2 CPUs"
        );
    }

    #[test]
    fn quiet_is_not_busy() {
        let quiet = Contention {
            others_share: 0.02,
            steal_share: 0.0,
            seconds: 10.0,
        };
        assert!(!quiet.busy());
    }
}
