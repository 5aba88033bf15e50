//! The report's statistics: medians and means with their intervals (criterion's and the
//! Python side's samples alike), compare's verdicts and the page's stability marks.
//!
//! **Change between two runs of a benchmark.** Each run keeps criterion's raw samples
//! (`sample.json`: iterations and total time per sample); a sample's time per iteration is
//! time / iterations. The change is the ratio of the medians of those times (other run over
//! reference), with a 95% interval from a percentile bootstrap: both sample sets are
//! resampled with replacement [`RESAMPLES`] times (a fixed seed, so a verdict never changes
//! between two looks at the same files) and the 2.5th and 97.5th percentiles of the
//! resampled ratios are the bounds. The verdict is *slower* when the whole interval lies
//! above 1 + noise, *faster* when it lies below 1 / (1 + noise), else *no significant
//! change*; `noise` is the benchmark's run-to-run spread from an A/A check
//! (`reports/noise.json`, see [`crate::analysis::noise`]), 0 without one. Within-run intervals alone
//! cannot explain run-to-run spread (a contended lock is bimodal from run to run), so the
//! noise floor is what keeps A/A pairs quiet. Fewer than [`MIN_SAMPLES`] samples in either
//! run (criterion's `--quick` keeps 2) is *too few samples*: no guess.
//!
//! **Stability of one run.** The coefficient of variation of the per-iteration times, and
//! criterion's outlier classes (its Tukey fences from `tukey.json`: 1.5 and 3 interquartile
//! ranges beyond the quartiles). A benchmark is unstable when the CV is above [`UNSTABLE_CV`]
//! or more than [`UNSTABLE_SEVERE`] of its samples are severe outliers; the likely cause is
//! named ([`stability`]).

use crate::model::{Contention, Estimate, Outliers, Sample, Stability};

/// Fewer samples than this in either run: no verdict (criterion's quick mode keeps 2; the
/// suite's slowest benchmarks keep 10).
pub const MIN_SAMPLES: usize = 10;
/// Bootstrap resamples per comparison.
pub const RESAMPLES: usize = 2_000;
/// A coefficient of variation above this (10%) marks a benchmark unstable.
pub const UNSTABLE_CV: f64 = 0.10;
/// More than this share (10%) of samples being severe outliers marks a benchmark unstable.
pub const UNSTABLE_SEVERE: f64 = 0.10;

/// What a comparison of one benchmark concludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// The interval lies below 1 / (1 + noise).
    Faster,
    /// The interval lies above 1 + noise.
    Slower,
    /// The interval reaches into the noise band.
    NoChange,
    /// Fewer than [`MIN_SAMPLES`] samples in either run (or none kept).
    TooFewSamples,
}

impl Verdict {
    /// How the verdict reads in a table.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::NoChange => "no significant change",
            Verdict::TooFewSamples => "too few samples",
        }
    }

    /// Every verdict, in the order counts are shown.
    pub const ALL: [Verdict; 4] = [
        Verdict::Slower,
        Verdict::Faster,
        Verdict::NoChange,
        Verdict::TooFewSamples,
    ];
}

/// The change of one benchmark between a reference run and another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Ratio of medians of per-iteration times, other / reference.
    pub ratio: f64,
    /// The 95% bootstrap interval of the ratio; `None` with too few samples.
    pub interval: Option<(f64, f64)>,
    /// The conclusion, given the noise floor.
    pub verdict: Verdict,
}

/// Compares per-iteration times `other` against `reference`, with a noise floor (a fraction:
/// 0.1 = run-to-run spread of 10%). `fallback_ratio` is used when there are too few samples.
pub fn change(reference: &[f64], other: &[f64], noise: f64, fallback_ratio: f64) -> Change {
    if reference.len() < MIN_SAMPLES || other.len() < MIN_SAMPLES {
        return Change {
            ratio: fallback_ratio,
            interval: None,
            verdict: Verdict::TooFewSamples,
        };
    }
    let ratio = median(other) / median(reference);
    let (lower, upper) = bootstrap_interval(reference, other);
    let band = 1.0 + noise.max(0.0);
    let verdict = if lower > band {
        Verdict::Slower
    } else if upper < 1.0 / band {
        Verdict::Faster
    } else {
        Verdict::NoChange
    };
    Change {
        ratio,
        interval: Some((lower, upper)),
        verdict,
    }
}

/// The 2.5th and 97.5th percentiles of the ratio of medians over [`RESAMPLES`] resamples.
fn bootstrap_interval(reference: &[f64], other: &[f64]) -> (f64, f64) {
    let mut rng = SplitMix(0x5eed_cafe_f00d_d00d);
    let (mut a, mut b) = (vec![0.0; reference.len()], vec![0.0; other.len()]);
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            rng.resample(reference, &mut a);
            rng.resample(other, &mut b);
            median_in_place(&mut b) / median_in_place(&mut a)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((RESAMPLES - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

/// The median of a non-empty set with a distribution-free 95% interval: the order
/// statistics `n/2 -+ 0.98 sqrt(n)` (the normal approximation of the binomial), clamped to
/// the data.
pub fn median_interval(values: &[f64]) -> Estimate {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return Estimate {
            point_ns: f64::NAN,
            lower_ns: f64::NAN,
            upper_ns: f64::NAN,
        };
    }
    let point = median_in_place(&mut sorted);
    let half = 0.98 * (n as f64).sqrt();
    let lo = ((n as f64 / 2.0 - half).floor().max(0.0) as usize).min(n - 1);
    let hi = ((n as f64 / 2.0 + half).ceil() as usize).min(n - 1);
    Estimate {
        point_ns: point,
        lower_ns: sorted[lo].min(point),
        upper_ns: sorted[hi].max(point),
    }
}

/// The mean of a non-empty set with its 95% interval from the normal approximation
/// (`1.96` standard errors), the lower bound clamped at 0: times are never negative.
pub fn mean_interval(values: &[f64]) -> Estimate {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let half = 1.96 * std_dev(values).point_ns / n.sqrt();
    Estimate {
        point_ns: m,
        lower_ns: (m - half).max(0.0),
        upper_ns: m + half,
    }
}

/// The sample standard deviation of a set (0 for fewer than two values), as an estimate
/// without an interval of its own.
pub fn std_dev(values: &[f64]) -> Estimate {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = match values.len() {
        0 | 1 => 0.0,
        _ => values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0),
    };
    let sd = var.sqrt();
    Estimate {
        point_ns: sd,
        lower_ns: sd,
        upper_ns: sd,
    }
}

/// The median of a non-empty set.
pub fn median(values: &[f64]) -> f64 {
    median_in_place(&mut values.to_vec())
}

fn median_in_place(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A small, fixed-seed generator (SplitMix64): reproducible resampling without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn resample(&mut self, from: &[f64], into: &mut [f64]) {
        let n = from.len() as u64;
        for slot in into.iter_mut() {
            *slot = from[(self.next() % n) as usize];
        }
    }
}

/// Coefficient of variation, outlier counts against criterion's fences
/// (`[low severe, low mild, high mild, high severe]`), and the likely cause when unstable.
pub fn stability(
    sample: &Sample,
    fences: Option<[f64; 4]>,
    contention: Option<&Contention>,
) -> Option<Stability> {
    let times = sample.per_iteration();
    let n = times.len();
    if n < 2 {
        return None;
    }
    let mean = times.iter().sum::<f64>() / n as f64;
    let var = times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let cv = if mean > 0.0 { var.sqrt() / mean } else { 0.0 };
    let mut outliers = Outliers::default();
    if let Some([ls, lm, hm, hs]) = fences {
        for &t in &times {
            match t {
                t if t < ls => outliers.low_severe += 1,
                t if t < lm => outliers.low_mild += 1,
                t if t > hs => outliers.high_severe += 1,
                t if t > hm => outliers.high_mild += 1,
                _ => {}
            }
        }
    }
    let severe = (outliers.low_severe + outliers.high_severe) as f64 / n as f64;
    let unstable = (n >= MIN_SAMPLES && (cv > UNSTABLE_CV || severe > UNSTABLE_SEVERE))
        .then(|| likely_cause(&times, severe, contention));
    Some(Stability {
        cv,
        outliers,
        unstable,
    })
}

/// The most likely reason for a wide spread, most specific first.
fn likely_cause(times: &[f64], severe: f64, contention: Option<&Contention>) -> String {
    if let Some(c) = contention.filter(|c| c.busy()) {
        return format!("busy machine ({})", c.describe());
    }
    if bimodal(times) {
        return "bimodal: samples fall in two clusters (workers overlapping or not, a lock \
                handed off or not)"
            .to_string();
    }
    if severe > UNSTABLE_SEVERE {
        return "severe outliers: occasional slow samples (preemption, page faults, timers)"
            .to_string();
    }
    "wide spread from sample to sample".to_string()
}

/// Two clusters: a jump of more than 15% between consecutive sorted times with at least a
/// fifth of the samples on each side.
fn bimodal(times: &[f64]) -> bool {
    let mut v = times.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let side = n.div_ceil(5).max(2);
    (side..=n.saturating_sub(side)).any(|i| i > 0 && v[i - 1] > 0.0 && v[i] / v[i - 1] > 1.15)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 30 samples around 1 ms with a few percent of jitter.
    fn samples(scale: f64) -> Vec<f64> {
        (0..30)
            .map(|i| scale * 1e6 * (1.0 + 0.03 * ((i * 7 % 11) as f64 / 10.0 - 0.5)))
            .collect()
    }

    #[test]
    fn identical_sets_show_no_significant_change() {
        let c = change(&samples(1.0), &samples(1.0), 0.0, 1.0);
        assert_eq!(c.verdict, Verdict::NoChange);
        let (lo, hi) = c.interval.unwrap();
        assert!(lo <= 1.0 && hi >= 1.0, "{c:?}");
        assert!((c.ratio - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_20_percent_shift_is_slower_and_significant() {
        let c = change(&samples(1.0), &samples(1.2), 0.0, 1.0);
        assert_eq!(c.verdict, Verdict::Slower);
        assert!((c.ratio - 1.2).abs() < 1e-9);
        let (lo, hi) = c.interval.unwrap();
        assert!(lo > 1.1 && hi < 1.3, "{c:?}");
        assert_eq!(
            change(&samples(1.2), &samples(1.0), 0.0, 1.0).verdict,
            Verdict::Faster
        );
    }

    #[test]
    fn the_noise_floor_absorbs_a_change_within_it() {
        assert_eq!(
            change(&samples(1.0), &samples(1.2), 0.25, 1.0).verdict,
            Verdict::NoChange
        );
        assert_eq!(
            change(&samples(1.0), &samples(1.2), 0.08, 1.0).verdict,
            Verdict::Slower,
            "a 20% slowdown stands out of an 8% noise floor"
        );
    }

    #[test]
    fn quick_mode_has_too_few_samples() {
        let c = change(&[1.0, 2.0], &samples(1.0), 0.0, 1.5);
        assert_eq!(c.verdict, Verdict::TooFewSamples);
        assert_eq!((c.ratio, c.interval), (1.5, None));
    }

    #[test]
    fn stability_counts_outliers_and_names_a_cause() {
        let mut times = samples(1.0);
        let steady = Sample {
            iters: vec![1.0; 30],
            times_ns: times.clone(),
        };
        let s = stability(&steady, Some([0.0, 0.9e6, 1.1e6, 2e6]), None).unwrap();
        assert!(s.cv < 0.02 && s.unstable.is_none(), "{s:?}");
        times[..12].iter_mut().for_each(|t| *t *= 1.6);
        let split = Sample {
            iters: vec![1.0; 30],
            times_ns: times,
        };
        let s = stability(&split, Some([0.0, 0.9e6, 1.1e6, 2e6]), None).unwrap();
        assert_eq!(s.outliers.high_mild, 12);
        assert!(s.unstable.unwrap().starts_with("bimodal"));
        let busy = Contention {
            others_share: 0.5,
            steal_share: 0.0,
            seconds: 1.0,
        };
        let s = stability(&split, None, Some(&busy)).unwrap();
        assert!(s.unstable.unwrap().starts_with("busy machine"));
    }
}
