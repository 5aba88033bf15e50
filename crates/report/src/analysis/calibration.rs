//! A run's calibration read back: each CPU's speed, whether the CPUs differ, whether the
//! host drifted between the start and the end of the run, and the ideal speedup the CPUs
//! allow. Every difference is reported only beyond the calibration's own spread.
//!
//! The spread of one CPU's kernel is the relative range of its samples without the highest
//! and the lowest (with five samples or more: one preempted sample says nothing of the
//! CPU); the calibration's spread is the largest of those, at the start and the end.

use crate::analysis::format_time;
use crate::model::{Calibration, CpuCalibration, Machine};

/// One CPU at one end of the run: the median time of each kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuSpeed {
    /// The CPU's number.
    pub cpu: u64,
    /// Median time of the compute kernel, nanoseconds.
    pub compute_ns: f64,
    /// Median time of the memory kernel, nanoseconds.
    pub memory_ns: f64,
}

fn median(values: &[f64]) -> f64 {
    crate::analysis::stats::median(values)
}

/// The relative spread of one set of samples (see the module's docs).
pub fn spread(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.len() >= 5 {
        v = v[1..v.len() - 1].to_vec();
    }
    match (v.first(), v.last()) {
        (Some(lo), Some(hi)) if *lo > 0.0 => (hi - lo) / median(&v),
        _ => 0.0,
    }
}

/// Each CPU's medians, in CPU order.
pub fn speeds(cpus: &[CpuCalibration]) -> Vec<CpuSpeed> {
    cpus.iter()
        .filter(|c| !c.compute_ns.is_empty() && !c.memory_ns.is_empty())
        .map(|c| CpuSpeed {
            cpu: c.cpu,
            compute_ns: median(&c.compute_ns),
            memory_ns: median(&c.memory_ns),
        })
        .collect()
}

/// One of the calibration's measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Independent chains of arithmetic in registers: the CPU's own speed.
    Compute,
    /// A sum streaming through memory: the memory path, shared cache included.
    Memory,
    /// The compute kernel over a window longer than the scheduler's slices: how much of the
    /// CPU a thread gets, so a neighbour that takes turns on the CPU shows.
    Share,
}

impl Kernel {
    fn samples(self, c: &CpuCalibration) -> &[f64] {
        match self {
            Kernel::Compute => &c.compute_ns,
            Kernel::Memory => &c.memory_ns,
            Kernel::Share => &c.share_ns,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kernel::Compute => "compute kernel",
            Kernel::Memory => "memory kernel",
            Kernel::Share => "compute kernel over a window of scheduler slices",
        }
    }
}

impl Calibration {
    /// The calibration's own spread: the largest relative spread of any CPU's kernel, at the
    /// start or the end.
    pub fn noise(&self) -> f64 {
        self.noise_of(Kernel::Compute)
            .max(self.noise_of(Kernel::Memory))
    }

    /// Whether the CPUs differ in speed beyond the spread, said with the figures: `CPU 3's
    /// compute kernel takes 1.38x CPU 0's (spread 4.1%)`. From the start's calibration.
    pub fn unequal(&self) -> Option<String> {
        let speeds = speeds(&self.start);
        let noise = self.noise();
        let pick = |f: fn(&CpuSpeed) -> f64, name: &str| {
            let fastest = speeds.iter().min_by(|a, b| f(a).total_cmp(&f(b)))?;
            let slowest = speeds.iter().max_by(|a, b| f(a).total_cmp(&f(b)))?;
            let ratio = f(slowest) / f(fastest);
            (ratio - 1.0 > noise).then(|| {
                format!(
                    "CPU {}'s {name} kernel takes {:.2}x CPU {}'s ({} against {}; spread {:.1}%)",
                    slowest.cpu,
                    ratio,
                    fastest.cpu,
                    format_time(f(slowest)),
                    format_time(f(fastest)),
                    noise * 100.0
                )
            })
        };
        pick(|s| s.compute_ns, "compute").or_else(|| pick(|s| s.memory_ns, "memory"))
    }

    /// The run's single-CPU compute time: the median over its CPUs of each CPU's median
    /// compute-kernel time, start and end samples together, in nanoseconds. Two runs' values
    /// divide into how much faster one machine's cores were while it measured; `None`
    /// without samples.
    pub fn compute_ns(&self) -> Option<f64> {
        let per_cpu: Vec<f64> = self
            .start
            .iter()
            .map(|s| {
                let end = self.end.iter().find(|e| e.cpu == s.cpu);
                let samples: Vec<f64> = s
                    .compute_ns
                    .iter()
                    .chain(end.map_or(&[][..], |e| &e.compute_ns[..]))
                    .copied()
                    .collect();
                median(&samples)
            })
            .filter(|t| t.is_finite() && *t > 0.0)
            .collect();
        (!per_cpu.is_empty()).then(|| median(&per_cpu))
    }

    /// How the host's speed moved from the start to the end of the run, per kernel: the
    /// median over CPUs of end time / start time (above 1: slower at the end). `None` without
    /// an end calibration.
    pub fn drift(&self) -> Option<(f64, f64)> {
        Some((
            self.drift_of(Kernel::Compute)?,
            self.drift_of(Kernel::Memory)?,
        ))
    }

    /// The spread of one kernel's samples (the largest of any CPU's, start or end).
    pub fn noise_of(&self, kernel: Kernel) -> f64 {
        self.start
            .iter()
            .chain(&self.end)
            .map(|c| spread(kernel.samples(c)))
            .fold(0.0, f64::max)
    }

    /// How one kernel moved from the start to the end of the run: the median over CPUs of
    /// each CPU's end median over its start median (above 1: slower at the end). `None`
    /// without an end calibration or without that kernel's samples.
    pub fn drift_of(&self, kernel: Kernel) -> Option<f64> {
        let ratios: Vec<f64> = (self.start.iter())
            .filter_map(|s| {
                let e = self.end.iter().find(|e| e.cpu == s.cpu)?;
                let (before, after) = (kernel.samples(s), kernel.samples(e));
                (!before.is_empty() && !after.is_empty()).then(|| median(after) / median(before))
            })
            .filter(|r| r.is_finite())
            .collect();
        (!ratios.is_empty()).then(|| median(&ratios))
    }

    /// The drift said in words when either kernel moved beyond its own spread: `the host was
    /// 12% slower at the end of the run than at its start (compute kernel; spread 3.0%)`.
    pub fn drifting(&self) -> Option<String> {
        [Kernel::Share, Kernel::Compute, Kernel::Memory]
            .into_iter()
            .find_map(|k| self.drifting_in(k))
    }

    /// The drift of one kernel, in words, when it moved beyond that kernel's spread. The
    /// memory kernel streams through a buffer larger than a small machine's caches, so it
    /// also moves with what neighbours on the host do to the shared cache: a compute-bound
    /// row is judged by the compute kernel, a row bound by memory by the memory kernel.
    pub fn drifting_in(&self, kernel: Kernel) -> Option<String> {
        let ratio = self.drift_of(kernel)?;
        let name = kernel.name();
        let noise = self.noise_of(kernel);
        ((ratio - 1.0).abs() > noise).then(|| {
            let how = if ratio > 1.0 { "slower" } else { "faster" };
            format!(
                "the host was {:.0}% {how} at the end of the run than at its start ({name}; \
                 spread {:.1}%)",
                (ratio - 1.0).abs() * 100.0,
                noise * 100.0
            )
        })
    }

    /// The most a compute-bound row at `workers` workers can gain over one CPU on `cpus`
    /// CPUs: `min(workers, cpus)` when the CPUs are alike; when they differ beyond the
    /// spread, the speed of the `min(workers, cpus)` fastest CPUs over the slowest one's
    /// (the baseline may have run on it).
    pub fn ideal_speedup(&self, workers: f64, cpus: f64) -> f64 {
        let n = workers.min(cpus).max(1.0);
        if self.unequal().is_none() {
            return n;
        }
        let mut speed: Vec<f64> = speeds(&self.start)
            .iter()
            .map(|s| 1.0 / s.compute_ns)
            .collect();
        speed.sort_by(|a, b| b.total_cmp(a));
        let Some(&slowest) = speed.last() else {
            return n;
        };
        let whole = n.floor() as usize;
        let mut sum: f64 = speed.iter().take(whole).sum();
        if let Some(next) = speed.get(whole) {
            sum += next * (n - whole as f64);
        }
        sum / slowest
    }
}

impl Machine {
    /// The CPUs the run could use (`limits.effective_cpus`), else the logical cores, at
    /// least 1: what every "ideal" and "full CPU count" of the report means.
    pub fn run_cpus(&self) -> u64 {
        self.limits
            .as_ref()
            .and_then(|l| l.effective_cpus)
            .or(self.logical_cores)
            .unwrap_or(1)
            .max(1)
    }

    /// The ideal speedup of a compute-bound row at `workers` workers on this run's CPUs
    /// ([`Calibration::ideal_speedup`]; `min(workers, CPUs)` without a calibration).
    pub fn ideal_speedup(&self, workers: f64) -> f64 {
        let cpus = self.run_cpus() as f64;
        match &self.calibration {
            Some(c) => c.ideal_speedup(workers, cpus),
            None => workers.min(cpus).max(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(cpu: u64, compute: f64, memory: f64) -> CpuCalibration {
        let around = |t: f64| vec![t * 0.99, t, t * 1.01, t, t * 1.005];
        CpuCalibration {
            cpu,
            compute_ns: around(compute),
            memory_ns: around(memory),
            share_ns: Vec::new(),
        }
    }

    #[test]
    fn alike_cpus_give_the_worker_count_as_ideal() {
        let c = Calibration {
            start: vec![cpu(0, 2e6, 3e6), cpu(1, 2.004e6, 3e6)],
            end: vec![cpu(0, 2e6, 3e6), cpu(1, 2e6, 3e6)],
        };
        assert_eq!(c.unequal(), None, "0.2% apart is within the spread");
        assert_eq!(c.drifting(), None);
        assert_eq!(c.ideal_speedup(4.0, 2.0), 2.0);
        assert_eq!(c.ideal_speedup(1.0, 2.0), 1.0);
    }

    #[test]
    fn a_hybrid_machine_counts_its_fast_cores() {
        // Two performance cores and two efficiency cores at half their speed.
        let c = Calibration {
            start: vec![
                cpu(0, 1e6, 2e6),
                cpu(1, 1e6, 2e6),
                cpu(2, 2e6, 3e6),
                cpu(3, 2e6, 3e6),
            ],
            end: Vec::new(),
        };
        assert!(c.unequal().unwrap().contains("2.00x"), "{:?}", c.unequal());
        // Against the slowest CPU: two fast ones give 4x, all four 6x.
        assert!((c.ideal_speedup(2.0, 4.0) - 4.0).abs() < 1e-9);
        assert!((c.ideal_speedup(8.0, 4.0) - 6.0).abs() < 1e-9);
        assert_eq!(c.drift(), None);
    }

    #[test]
    fn a_host_that_slowed_down_is_drifting() {
        let c = Calibration {
            start: vec![cpu(0, 2e6, 3e6), cpu(1, 2e6, 3e6)],
            end: vec![cpu(0, 2.4e6, 3.3e6), cpu(1, 2.4e6, 3.3e6)],
        };
        let (compute, memory) = c.drift().unwrap();
        assert!((compute - 1.2).abs() < 1e-9 && (memory - 1.1).abs() < 1e-9);
        assert!(
            c.drifting().unwrap().contains("20% slower"),
            "{:?}",
            c.drifting()
        );
    }

    #[test]
    fn one_preempted_sample_does_not_widen_the_spread() {
        assert!(spread(&[100.0, 101.0, 100.0, 500.0, 100.5]) < 0.02);
        assert!((spread(&[100.0, 110.0, 105.0]) - 0.1 / 1.05).abs() < 1e-9);
    }
}
