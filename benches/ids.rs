//! A benchmark's id, built once, and how closely it is sampled: criterion configured for
//! the suite, and each benchmark's sampling plan sized to the cost of one iteration.

use std::fmt::Display;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode};

use crate::sidecar;

/// A benchmark's id, built once: criterion's group, function (the technique) and parameter
/// (workers, connections, a size). [`BenchId::name`] is `group/function/parameter`, the key
/// of the filter, the sidecars and every message; [`BenchId::criterion`] is criterion's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchId {
    /// criterion's group, `<family>/<workload>`.
    pub group: String,
    /// The technique id.
    pub function: String,
    /// The swept value, as text.
    pub parameter: String,
    name: String,
    pub(crate) sampling: Sampling,
    /// What the benchmark declares for the report's bounds (`cb-declared.json`).
    pub(crate) declared: sidecar::Declared,
}

/// How closely a benchmark is sampled (see [`size_for`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sampling {
    /// Tight intervals for compare's statistics: 30 samples up to 20 ms an iteration.
    #[default]
    Precise,
    /// A point of a sweep read on a log scale (the grain sweep's break-even): from 2 ms an
    /// iteration already, 10 samples of one iteration and a one-iteration warm-up (the
    /// verifying run has warmed the technique), a few percent of precision at a fraction of
    /// the cost.
    Sweep,
}

impl BenchId {
    /// The id of `function` at `parameter` in `group`.
    pub fn new(group: &str, function: &str, parameter: impl Display) -> BenchId {
        let parameter = parameter.to_string();
        BenchId {
            name: format!("{group}/{function}/{parameter}"),
            group: group.to_string(),
            function: function.to_string(),
            parameter,
            sampling: Sampling::Precise,
            declared: sidecar::Declared::default(),
        }
    }

    /// The same id, sampled as a sweep point ([`Sampling::Sweep`]).
    pub fn sweep_point(mut self) -> BenchId {
        self.sampling = Sampling::Sweep;
        self
    }

    /// The same id, declaring `declared` (a floor, threads, workers) for the report's
    /// bounds.
    pub fn declaring(mut self, declared: sidecar::Declared) -> BenchId {
        self.declared = declared;
        self
    }

    /// `group/function/parameter`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// criterion's id of the benchmark inside its group.
    pub fn criterion(&self) -> BenchmarkId {
        BenchmarkId::new(self.function.clone(), &self.parameter)
    }
}

impl Display for BenchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// criterion's warm-up before each benchmark (a sweep point of [`Sampling::Sweep`] warms up
/// for one iteration instead).
const WARM_UP: Duration = Duration::from_millis(200);

/// Criterion as the suite uses it: fewer bootstrap resamples (the suite holds hundreds of
/// benchmarks), then the command line (`--quick`, filters, `--save-baseline`) on top.
pub fn criterion() -> Criterion {
    Criterion::default()
        .nresamples(20_000)
        .warm_up_time(WARM_UP)
        .configure_from_args()
}

/// Sizes the next benchmark of `group` from the cost of one iteration (`per_iter`, the
/// verifying run's time), so the samples are many enough for compare's statistics and the
/// whole suite fits its budget (15 minutes on 2 CPUs):
///
/// | one iteration | samples | iterations each | warm-up |
/// |---|---|---|---|
/// | under 1 ms | 30, linear (1, 2, 3, ... x d) | about 800 ms in all | 200 ms |
/// | 1 to 20 ms | 30, flat | 2 | 200 ms |
/// | 20 ms and more, or a sweep point from 2 ms | 10, flat | 1 | one iteration |
///
/// Linear sampling (criterion's slope) matters only where the timer's cost is not
/// negligible; from 1 ms each sample is a clean measurement of its own, and 30 of them give
/// the bootstrap in [`report::analysis::stats`] a much narrower interval than 10 linear
/// samples, at about half their cost (a contended lock is bimodal within a run, and 10 samples cannot
/// tell a 20% slowdown from that spread). From 20 ms one iteration per sample is enough, and the
/// verifying run has already warmed the technique up. A sweep point ([`Sampling::Sweep`],
/// the grain sweep, read on a log scale) takes the slow plan from 2 ms on.
///
/// criterion rounds iterations per sample up (`ceil(time per sample / warm-up mean)`), so
/// the measurement time asked for is below the exact product: 30 x 1.5 iterations gives 2
/// each, 10 x 0.6 gives 1 each. With one iteration per sample criterion prints "Unable to
/// complete 10 samples in ...": that is this plan, not a problem.
///
/// Under criterion's `--quick` the measurement time is only its upper bound (criterion stops
/// once two doubling runs agree within 5%), capped here so a noisy benchmark cannot hold a
/// quick run for seconds, and the warm-up is at most 50 ms (the verifying run has warmed the
/// technique already).
pub fn size_for(group: &mut BenchmarkGroup<'_, WallTime>, per_iter: Duration, sampling: Sampling) {
    const QUICK_CAP: Duration = Duration::from_millis(150);
    const QUICK_WARM_UP: Duration = Duration::from_millis(50);
    const SLOW_FROM: Duration = Duration::from_millis(20);
    const SWEEP_SLOW_FROM: Duration = Duration::from_millis(2);
    const FLAT_FROM: Duration = Duration::from_millis(1);
    let slow =
        per_iter >= SLOW_FROM || (sampling == Sampling::Sweep && per_iter >= SWEEP_SLOW_FROM);
    let (warm_up, measurement) = if slow {
        // One iteration of warm-up (criterion warms up until this much time has passed).
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        (per_iter.mul_f64(0.5), per_iter.mul_f64(10.0 * 0.6))
    } else if per_iter >= FLAT_FROM {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(30);
        (WARM_UP, per_iter.mul_f64(30.0 * 1.5))
    } else {
        group.sampling_mode(SamplingMode::Linear);
        group.sample_size(30);
        (WARM_UP, Duration::from_millis(800))
    };
    // Quick mode is for fast feedback within its 90 s budget (`time scripts/quick.sh`): 0.2 s
    // of warm-up and 0.25 s of measuring for each of its 333 benchmarks would nearly fill it,
    // so both are capped.
    let (warm_up, measurement) = if quick() {
        (warm_up.min(QUICK_WARM_UP), measurement.min(QUICK_CAP))
    } else {
        (warm_up, measurement)
    };
    group.warm_up_time(warm_up);
    group.measurement_time(measurement);
}

/// Whether criterion runs in `--quick` mode.
pub fn quick() -> bool {
    static QUICK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *QUICK.get_or_init(|| std::env::args().any(|a| a == "--quick"))
}
