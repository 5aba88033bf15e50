//! The primes kernel (the article's `is_prime` / `find_primes`) and an independent check.

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
