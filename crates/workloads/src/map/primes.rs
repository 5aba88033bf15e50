//! The article's primes: count the primes `<= limit`, split into equal-width ranges, one task
//! each. The kernel is the article's `is_prime` / `find_primes` (trial division); the expected
//! counts come from a sieve of Eratosthenes, and their sum from the known table of pi(10^n).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Workload;
use crate::{Preset, short_size};

/// Primes `<= limit`, split into `ranges` equal-width ranges: unequal work, since trial
/// division costs more for larger numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Primes {
    /// Upper bound, included.
    pub limit: u32,
    /// How many ranges (tasks).
    pub ranges: u32,
}

/// Count the primes in `start..=end` by trial division (the article's `find_primes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// First number of the range.
    pub start: u32,
    /// Last number of the range, included.
    pub end: u32,
}

impl Primes {
    /// The inclusive bounds of each range.
    ///
    /// # Panics
    /// If `ranges` is zero or larger than `limit`: presets are fixed, not user input.
    fn bounds(&self) -> Vec<(u32, u32)> {
        let Primes { limit, ranges } = *self;
        assert!(
            ranges > 0 && ranges <= limit,
            "primes: bad split {ranges} of {limit}"
        );
        let width = limit.div_ceil(ranges);
        (0..ranges)
            .map(|i| (i * width + 1, ((i + 1) * width).min(limit)))
            .filter(|(start, end)| start <= end)
            .collect()
    }
}

impl Workload for Primes {
    type Task = Task;
    /// The number of primes found.
    type Output = u64;

    const KIND: &'static str = "primes";
    const PYTHON: bool = true;

    /// Every limit split every way: a small and a large range count.
    fn jobs(preset: Preset) -> Vec<Primes> {
        let (limits, splits): (&[u32], &[u32]) = match preset {
            Preset::Quick => (&[10_000], &[4, 64]),
            Preset::Default => (&[100_000, 1_000_000], &[4, 64]),
            Preset::Large => (&[1_000_000, 10_000_000], &[64, 1_024]),
        };
        (limits.iter())
            .flat_map(|&limit| splits.iter().map(move |&ranges| Primes { limit, ranges }))
            .collect()
    }

    fn id(&self) -> String {
        format!("primes-{}-r{}", short_size(self.limit.into()), self.ranges)
    }

    /// The numbers tested.
    fn elements(&self) -> u64 {
        self.limit.into()
    }

    fn tasks(&self) -> Vec<Task> {
        (self.bounds().into_iter())
            .map(|(start, end)| Task { start, end })
            .collect()
    }

    /// The sieve's count for each range.
    fn expected(&self) -> Vec<u64> {
        sieve_prime_counts(self.limit, &self.bounds())
    }

    /// pi(limit) from the table.
    fn known_answer(&self) -> Option<u128> {
        known_prime_count(self.limit).map(u128::from)
    }

    fn run(task: &Task) -> u64 {
        count_primes(task.start, task.end)
    }

    fn describe(task: &Task) -> String {
        format!("primes in {}..={}", task.start, task.end)
    }

    fn export_task(task: &Task) -> Value {
        json!([task.start, task.end])
    }
}

/// Trial division, as in the article's `is_prime`, on odd divisors only.
///
/// Deliberately naive: the work per number grows with its size, so equal-width ranges are
/// *unequal* tasks, which is what makes static chunking and work stealing differ.
pub fn is_prime(n: u32) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut divisor = 3;
    while divisor * divisor <= n {
        if n % divisor == 0 {
            return false;
        }
        divisor += 2;
    }
    true
}

/// Counts the primes in `start..=end` with [`is_prime`] (the article's `find_primes`).
pub fn count_primes(start: u32, end: u32) -> u64 {
    (start..=end).filter(|&n| is_prime(n)).count() as u64
}

/// The number of primes `<= limit` for the limits the presets use (pi(10^n), a known table).
pub fn known_prime_count(limit: u32) -> Option<u64> {
    match limit {
        10 => Some(4),
        100 => Some(25),
        1_000 => Some(168),
        10_000 => Some(1_229),
        100_000 => Some(9_592),
        1_000_000 => Some(78_498),
        10_000_000 => Some(664_579),
        _ => None,
    }
}

/// Counts the primes in each inclusive range with a sieve of Eratosthenes: a second,
/// independent algorithm, so the expected answer does not come from the kernel under test.
pub fn sieve_prime_counts(limit: u32, ranges: &[(u32, u32)]) -> Vec<u64> {
    let limit = limit as usize;
    let mut composite = vec![false; limit + 1];
    composite[0] = true;
    if limit >= 1 {
        composite[1] = true;
    }
    let mut p = 2;
    while p * p <= limit {
        if !composite[p] {
            (p * p..=limit).step_by(p).for_each(|m| composite[m] = true);
        }
        p += 1;
    }
    ranges
        .iter()
        .map(|&(start, end)| {
            composite[start as usize..=end as usize]
                .iter()
                .filter(|&&c| !c)
                .count() as u64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MapJob;

    #[test]
    fn default_primes_answers_are_the_articles() {
        let job = MapJob::primes(100_000, 4);
        assert_eq!(MapJob::answer(job.expected()), 9_592);
        let first = Task {
            start: 1,
            end: 25_000,
        };
        assert_eq!(job.tasks()[0], crate::Task::CountPrimes(first));
        let last = Task {
            start: 75_001,
            end: 100_000,
        };
        assert_eq!(job.tasks()[3], crate::Task::CountPrimes(last));
        let job = MapJob::primes(1_000_000, 64);
        assert_eq!(job.tasks().len(), 64);
        assert_eq!(MapJob::answer(job.expected()), 78_498);
    }

    #[test]
    fn kernel_matches_the_known_table() {
        for limit in [10, 100, 1_000, 10_000, 100_000] {
            assert_eq!(
                Some(count_primes(1, limit)),
                known_prime_count(limit),
                "{limit}"
            );
        }
    }

    #[test]
    fn sieve_matches_the_known_table() {
        assert_eq!(sieve_prime_counts(1_000_000, &[(1, 1_000_000)]), [78_498]);
        assert_eq!(sieve_prime_counts(100, &[(1, 10), (11, 100)]), [4, 21]);
    }

    #[test]
    fn small_numbers() {
        let primes: Vec<u32> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    }
}
