//! The grain kernel: a fixed amount of CPU work per task, to sweep the task cost.
//!
//! The question a user brings is "my tasks take about 50 us each: which technique?". The
//! grain workload answers it by giving every technique tasks of one known cost at a time
//! (about 100 ns, 1 us, 10 us, 100 us, 1 ms, 10 ms on the 2-core reference machine), so the
//! report can find, per technique, the task cost from which it pays.
//!
//! The kernel is `iterations` steps of Marsaglia's xorshift64 (13, 7, 17) from a start value.
//! Each step depends on the one before (no vectorizing, no reordering) and, unlike a linear
//! congruential step, the compiler cannot fold unrolled steps into one (an LCG's `a * x + c`
//! unrolls into `a^8 * x + k`, one multiply per eight steps). The iteration count is fixed
//! per id, so `grain-10us` is the same work on every machine; the time it takes is measured
//! (sequential time / tasks), never assumed.
//!
//! The checksum is known independently: xorshift64 is linear over GF(2), so `n` steps are one
//! 64x64 bit matrix raised to the `n`-th power by squaring ([`Jump`]), a different algorithm
//! from the step-by-step kernel. A payload (bytes carried with the task, which is what a
//! process pool has to move) enters the start value through its byte sum, which for the
//! payloads built here (`payload[i] = (task + i) mod 256`, a length divisible by 256) has a
//! closed form: `len / 256 * 32640`.

/// Xorshift64 steps per nanosecond of nominal cost: one step takes ~2.8 ns on the 2-core
/// reference machine (AMD EPYC, 2 vCPUs; `cargo bench -- map/grain` measures it: the
/// sequential median over tasks over steps), so `grain-1us` is 350 steps. Fixed, so an id
/// means the same work everywhere.
const STEPS_PER_NS: (u64, u64) = (7, 20);

/// Sum of one full cycle of payload bytes `0..=255`.
const CYCLE_SUM: u64 = 255 * 256 / 2;

/// A start value with high bits set, so `seed ^ payload sum` is never zero (xorshift's one
/// fixed point).
const SEED_BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// One xorshift64 step.
#[inline]
fn step(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// The kernel: `iterations` xorshift64 steps from `seed` xor the byte sum of `payload`.
pub fn grain_kernel(seed: u64, iterations: u64, payload: &[u8]) -> u64 {
    let sum: u64 = payload.iter().map(|&b| u64::from(b)).sum();
    let mut x = seed ^ sum;
    for _ in 0..iterations {
        x = step(x);
    }
    x
}

/// A linear map over GF(2)^64, as the images of the 64 unit vectors.
#[derive(Clone, Copy)]
struct BitMatrix([u64; 64]);

impl BitMatrix {
    fn identity() -> BitMatrix {
        BitMatrix(std::array::from_fn(|j| 1 << j))
    }

    fn of_step() -> BitMatrix {
        BitMatrix(std::array::from_fn(|j| step(1 << j)))
    }

    fn apply(&self, x: u64) -> u64 {
        (0..64)
            .filter(|&j| x >> j & 1 == 1)
            .fold(0, |acc, j| acc ^ self.0[j])
    }

    /// `self` after `other`.
    fn after(&self, other: &BitMatrix) -> BitMatrix {
        BitMatrix(std::array::from_fn(|j| self.apply(other.0[j])))
    }
}

/// `iterations` xorshift64 steps as one map: the step matrix to the power `iterations`
/// (square and multiply), the independent check of [`grain_kernel`]. Built once per job,
/// applied once per task.
#[derive(Clone, Copy)]
pub struct Jump(BitMatrix);

impl Jump {
    /// The map of `iterations` steps.
    pub fn new(iterations: u64) -> Jump {
        let mut result = BitMatrix::identity();
        let mut power = BitMatrix::of_step();
        let mut n = iterations;
        while n > 0 {
            if n & 1 == 1 {
                result = power.after(&result);
            }
            power = power.after(&power);
            n >>= 1;
        }
        Jump(result)
    }

    /// Where the steps take `x`.
    pub fn apply(&self, x: u64) -> u64 {
        self.0.apply(x)
    }
}

/// The kernel steps of a nominal task cost in nanoseconds (at least one).
pub fn iterations_for(nominal_ns: u64) -> u64 {
    (nominal_ns * STEPS_PER_NS.0 / STEPS_PER_NS.1).max(1)
}

/// The start value of task `index`.
pub fn seed_of(index: u64) -> u64 {
    SEED_BASE ^ index
}

/// The payload of task `index`: `len` bytes `(index + i) mod 256`.
pub fn payload_of(index: u64, len: usize) -> Vec<u8> {
    (0..len as u64).map(|i| (index + i) as u8).collect()
}

/// The byte sum of any payload [`payload_of`] builds, in closed form.
///
/// # Panics
/// If `len` is not a multiple of 256 (presets are fixed, not user input).
pub fn payload_sum(len: usize) -> u64 {
    assert!(
        len % 256 == 0,
        "grain payload of {len} bytes: not whole cycles"
    );
    len as u64 / 256 * CYCLE_SUM
}

/// The number of tasks for a nominal cost: `sequential_ns / nominal_ns`, at least 64 (so
/// every worker count has work) and at most 100_000 (so 100 ns tasks stay a short run).
pub fn task_count(nominal_ns: u64, sequential_ns: u64) -> u64 {
    (sequential_ns / nominal_ns.max(1)).clamp(64, 100_000)
}

/// How ids spell a nominal cost: `100ns`, `1us`, `10ms`.
pub fn cost_name(nominal_ns: u64) -> String {
    match nominal_ns {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}us", n / 1_000),
        n => format!("{n}ns"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_jump_agrees_with_stepping() {
        for iterations in [0, 1, 2, 3, 35, 350, 3_500, 12_345] {
            let jump = Jump::new(iterations);
            for x in [1, SEED_BASE, SEED_BASE ^ 77, u64::MAX] {
                assert_eq!(jump.apply(x), grain_kernel(x, iterations, &[]));
            }
        }
    }

    #[test]
    fn the_kernel_is_not_the_identity_and_depends_on_every_input() {
        let base = grain_kernel(seed_of(0), 350, &payload_of(0, 256));
        assert_ne!(base, seed_of(0) ^ CYCLE_SUM);
        assert_ne!(base, grain_kernel(seed_of(1), 350, &payload_of(1, 256)));
        assert_ne!(base, grain_kernel(seed_of(0), 351, &payload_of(0, 256)));
        assert_ne!(base, grain_kernel(seed_of(0), 350, &[]));
    }

    #[test]
    fn payload_sums_have_a_closed_form() {
        for index in [0, 1, 255, 1_000] {
            for len in [0, 256, 4_096, 65_536] {
                let sum: u64 = payload_of(index, len).iter().map(|&b| u64::from(b)).sum();
                assert_eq!(sum, payload_sum(len), "task {index}, {len} bytes");
            }
        }
    }

    #[test]
    fn costs_counts_and_names() {
        assert_eq!(iterations_for(1_000), 350);
        assert_eq!(iterations_for(1), 1);
        assert_eq!(task_count(100, 20_000_000), 100_000);
        assert_eq!(task_count(1_000, 20_000_000), 20_000);
        assert_eq!(task_count(1_000_000, 20_000_000), 64);
        assert_eq!(cost_name(100), "100ns");
        assert_eq!(cost_name(10_000), "10us");
        assert_eq!(cost_name(10_000_000), "10ms");
    }
}
