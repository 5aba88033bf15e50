//! Who else used the machine while a run (or one benchmark) was measured: the share of all
//! CPU time taken by other processes and by the hypervisor (steal), from the aggregate `cpu`
//! line of `/proc/stat` read before and after, minus this process's own CPU time. What a
//! share means for a measurement (the busy mark) is the report's to judge.

/// The kernel's clock tick for `/proc/stat` (`USER_HZ`, 100 on every Linux ABI): a share over
/// a short window is uncertain by about one tick per CPU.
pub const NS_PER_TICK: f64 = 1e7;

/// One reading of the aggregate `cpu` line of `/proc/stat`, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Busy time of all CPUs in processes (user, nice, system; guest is inside user).
    /// Interrupt time is left out: loopback traffic of the run's own servers lands there.
    pub busy_ns: f64,
    /// Steal: time the hypervisor gave this VM's CPUs to someone else.
    pub steal_ns: f64,
    /// All time of all CPUs (busy, idle, iowait, steal).
    pub total_ns: f64,
}

impl Snapshot {
    /// Reads `/proc/stat`; `None` where it does not exist or does not parse.
    pub fn now() -> Option<Snapshot> {
        Snapshot::parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// Parses the `cpu ` line: user nice system idle iowait irq softirq steal ... (ticks).
    pub fn parse(stat: &str) -> Option<Snapshot> {
        let line = stat.lines().find(|l| l.starts_with("cpu "))?;
        let v: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse::<f64>().ok())
            .collect::<Option<_>>()?;
        let at = |i: usize| v.get(i).copied().unwrap_or(0.0) * NS_PER_TICK;
        let busy_ns = at(0) + at(1) + at(2);
        let steal_ns = at(7);
        Some(Snapshot {
            busy_ns,
            steal_ns,
            total_ns: busy_ns + at(3) + at(4) + at(5) + at(6) + steal_ns,
        })
    }

    /// What happened between `self` (earlier) and `later`, given the CPU time this process
    /// and its children used meanwhile.
    pub fn until(&self, later: &Snapshot, own_cpu_ns: f64) -> Delta {
        Delta {
            others_ns: (later.busy_ns - self.busy_ns - own_cpu_ns).max(0.0),
            steal_ns: (later.steal_ns - self.steal_ns).max(0.0),
            total_ns: (later.total_ns - self.total_ns).max(0.0),
        }
    }
}

/// CPU time of others and steal over an interval, summed over intervals (the samples of a
/// benchmark).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Delta {
    /// Busy time of other processes.
    pub others_ns: f64,
    /// Steal time.
    pub steal_ns: f64,
    /// All CPU time of the interval (CPUs x wall time).
    pub total_ns: f64,
}

impl Delta {
    /// Adds another interval.
    pub fn add(&mut self, other: Delta) {
        self.others_ns += other.others_ns;
        self.steal_ns += other.steal_ns;
        self.total_ns += other.total_ns;
    }

    /// As shares of all CPU time, over `cpus` CPUs (all of the machine's: `/proc/stat`
    /// adds up every CPU); `None` for an empty interval (nothing to say).
    pub fn shares(&self, cpus: usize) -> Option<Shares> {
        (self.total_ns > 0.0).then(|| Shares {
            others_share: (self.others_ns / self.total_ns).min(1.0),
            steal_share: (self.steal_ns / self.total_ns).min(1.0),
            seconds: self.total_ns / 1e9 / cpus.max(1) as f64,
        })
    }
}

/// Others' and steal's shares of all CPU time over an interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shares {
    /// Other processes' share of all CPU time, 0 to 1.
    pub others_share: f64,
    /// Steal's share of all CPU time, 0 to 1.
    pub steal_share: f64,
    /// The interval's wall time, in seconds.
    pub seconds: f64,
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`.
pub fn load_average() -> Option<Vec<f64>> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let v: Vec<f64> = text
        .split_whitespace()
        .take(3)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    (v.len() == 3).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "cpu  25555 0 14878 29798 870 0 93 756 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
    /// One second on 2 CPUs later: 100 ticks busy (50 of them ours), 90 idle, 10 steal.
    const AFTER: &str = "cpu  25605 0 14928 29888 870 0 93 766 0 0\n";

    #[test]
    fn shares_come_from_the_aggregate_line() {
        let (a, b) = (
            Snapshot::parse(BEFORE).unwrap(),
            Snapshot::parse(AFTER).unwrap(),
        );
        let s = a.until(&b, 0.5e9).shares(2).unwrap();
        assert!((s.others_share - 0.25).abs() < 1e-9, "{s:?}");
        assert!((s.steal_share - 0.05).abs() < 1e-9, "{s:?}");
        assert!((s.seconds - 1.0).abs() < 1e-9);
        assert!(Snapshot::parse("intr 1 2\n").is_none());
        assert_eq!(Delta::default().shares(2), None);
    }
}
