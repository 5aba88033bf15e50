//! Each CPU's speed, from a short fixed single-thread calibration.
//!
//! Two kernels, each a few milliseconds: `compute` (independent xorshift chains that stay
//! in registers: the core's clock and how much of it this CPU gets) and `memory` (a
//! sum over a buffer larger than the caches of a small machine: the memory path). A thread
//! is pinned to each CPU the run may use in turn, and the rounds are interleaved (round 1 on
//! every CPU, then round 2, ...), so a host that slows down during the calibration slows
//! every CPU alike instead of looking like one slow CPU. The raw times are returned: a
//! difference between two CPUs, or between the start and the end of a run, means something
//! only beyond the spread of those samples, which the reader computes from them.
//!
//! The whole calibration takes [`BUDGET`] at most: fewer rounds on machines with many CPUs
//! (at least [`MIN_ROUNDS`]).

use std::time::{Duration, Instant};

/// Steps of the compute kernel: about 2 ms on the 2-vCPU reference machine (any measuring
/// `cargo bench` records it: `machine.calibration.compute_ns` in the results file).
const COMPUTE_STEPS: u64 = 600_000;
/// Bytes the memory kernel sums: 16 MiB, beyond the last-level cache share of a small VM.
const MEMORY_BYTES: usize = 16 << 20;
/// The most a calibration should take, all CPUs together.
pub const BUDGET: Duration = Duration::from_secs(2);
/// Rounds per CPU at least, so each CPU's figure has a spread.
pub const MIN_ROUNDS: usize = 3;
/// Rounds per CPU at most, on small machines.
const MAX_ROUNDS: usize = 7;
/// Compute-kernel runs back to back in one share window: about 24 ms on the reference
/// machine, longer than the scheduler's slices when two threads share a CPU, so a window
/// shows the part of the CPU this thread gets, where a single run (shorter than a slice)
/// shows only the core's speed.
pub const SHARE_RUNS: u32 = 12;

/// The calibration samples of one CPU, nanoseconds per run of each kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct CpuSamples {
    /// The CPU's number, as the kernel counts it.
    pub cpu: usize,
    /// Times of the compute-bound kernel.
    pub compute_ns: Vec<f64>,
    /// Times of the memory-streaming kernel.
    pub memory_ns: Vec<f64>,
    /// Wall time per compute-kernel run over a window of [`SHARE_RUNS`] runs back to back:
    /// the compute time plus whatever the CPU gave to other threads meanwhile.
    pub share_ns: Vec<f64>,
}

/// The CPUs this process may run on (its affinity mask), in order; on systems without
/// affinity, `0..run_cpus`.
pub fn allowed_cpus() -> Vec<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: cpu_set_t is plain data; sched_getaffinity fills the set we own.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if unsafe { libc::sched_getaffinity(0, size, &mut set) } == 0 {
            let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
                .collect();
            if !cpus.is_empty() {
                return cpus;
            }
        }
    }
    (0..crate::run_cpus().get()).collect()
}

/// Pins the calling thread to `cpu`; false where that is not possible (then the thread runs
/// wherever the scheduler puts it).
pub fn pin_to(cpu: usize) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: as in `allowed_cpus`; pid 0 is the calling thread.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        unsafe { libc::CPU_SET(cpu, &mut set) };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        unsafe { libc::sched_setaffinity(0, size, &set) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpu;
        false
    }
}

/// The compute kernel: four independent xorshift64 chains stepped together, returned so
/// they are not elided. Independent chains keep several instructions in flight each cycle,
/// as the suite's kernels do, so the kernel slows when the core is shared (an SMT sibling
/// busy on the host) and not only when its clock drops: a single dependent chain reads the
/// same on a shared core while the grain kernel runs slower.
pub fn compute_kernel(steps: u64) -> u64 {
    let step = |mut x: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^ (x << 17)
    };
    let mut s =
        std::hint::black_box([1u64, 2, 3, 4].map(|k| k.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    for _ in 0..steps {
        s = s.map(step);
    }
    s.iter().fold(0, |a, x| a ^ x)
}

/// The memory kernel: the wrapping sum of every word of `buffer`, read in order.
pub fn memory_kernel(buffer: &[u64]) -> u64 {
    std::hint::black_box(buffer)
        .iter()
        .fold(0u64, |a, &w| a.wrapping_add(w))
}

fn time(f: impl FnOnce() -> u64) -> f64 {
    let started = Instant::now();
    std::hint::black_box(f());
    started.elapsed().as_nanos() as f64
}

/// Rounds per CPU so that `cpus` CPUs fit [`BUDGET`], given one round's estimated time.
fn rounds_for(cpus: usize, round: Duration) -> usize {
    let per_cpu = BUDGET.as_secs_f64() / cpus.max(1) as f64;
    ((per_cpu / round.as_secs_f64().max(1e-6)) as usize).clamp(MIN_ROUNDS, MAX_ROUNDS)
}

/// Calibrates every CPU this process may use, on a thread of its own pinned to each in turn
/// (the caller's affinity is left as it was). Runs at most about [`BUDGET`].
pub fn calibrate() -> Vec<CpuSamples> {
    calibrate_cpus(&allowed_cpus())
}

/// Calibrates the CPUs `cpus` (see [`calibrate`]).
pub fn calibrate_cpus(cpus: &[usize]) -> Vec<CpuSamples> {
    let cpus = cpus.to_vec();
    std::thread::Builder::new()
        .name("cb-calibrate".into())
        .spawn(move || {
            let buffer: Vec<u64> = (0..MEMORY_BYTES / 8).map(|i| i as u64).collect();
            // One untimed round: the buffer is touched, the code and the clock are warm,
            // and its time sizes the rounds.
            let started = Instant::now();
            compute_kernel(COMPUTE_STEPS);
            memory_kernel(&buffer);
            let one = started.elapsed();
            let rounds = rounds_for(cpus.len(), one + one * SHARE_RUNS);
            let mut samples: Vec<CpuSamples> = cpus
                .iter()
                .map(|&cpu| CpuSamples {
                    cpu,
                    compute_ns: Vec::with_capacity(rounds),
                    memory_ns: Vec::with_capacity(rounds),
                    share_ns: Vec::with_capacity(rounds),
                })
                .collect();
            for _ in 0..rounds {
                for s in &mut samples {
                    if !pin_to(s.cpu) {
                        continue;
                    }
                    s.compute_ns.push(time(|| compute_kernel(COMPUTE_STEPS)));
                    s.memory_ns.push(time(|| memory_kernel(&buffer)));
                    let window =
                        time(|| (0..SHARE_RUNS).fold(0, |a, _| a ^ compute_kernel(COMPUTE_STEPS)));
                    s.share_ns.push(window / f64::from(SHARE_RUNS));
                }
            }
            samples.retain(|s| !s.compute_ns.is_empty());
            samples
        })
        .ok()
        .and_then(|t| t.join().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_allowed_cpu_gets_samples_of_both_kernels() {
        let allowed = allowed_cpus();
        assert!(!allowed.is_empty());
        let samples = calibrate();
        let cpus: Vec<usize> = samples.iter().map(|s| s.cpu).collect();
        assert_eq!(cpus, allowed, "one entry per allowed CPU, in order");
        for s in &samples {
            assert!(s.compute_ns.len() >= MIN_ROUNDS, "{s:?}");
            assert_eq!(s.compute_ns.len(), s.memory_ns.len());
            assert_eq!(s.compute_ns.len(), s.share_ns.len());
            assert!(s.compute_ns.iter().chain(&s.memory_ns).all(|&t| t > 0.0));
        }
    }

    #[test]
    fn rounds_shrink_with_the_cpu_count_within_their_bounds() {
        let round = Duration::from_millis(5);
        assert_eq!(rounds_for(2, round), MAX_ROUNDS);
        assert_eq!(rounds_for(1024, round), MIN_ROUNDS);
        assert!(rounds_for(64, round) * 64 * 5 <= 2_000 || rounds_for(64, round) == MIN_ROUNDS);
    }

    #[test]
    fn the_kernels_compute_what_they_say() {
        assert_eq!(memory_kernel(&[1, 2, 3, u64::MAX]), 5);
        assert_ne!(compute_kernel(10), compute_kernel(11));
    }
}
