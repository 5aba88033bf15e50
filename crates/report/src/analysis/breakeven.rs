//! Break-even: the task cost from which a technique pays.
//!
//! Given one technique's speedups over sequential at several task costs (the grain sweep),
//! [`crossing`] finds the cost above which the speedup stays at or above a target: 1 ("beats
//! sequential") or 80% of the ideal speedup at the full CPU count ("scales"). Between two
//! measured costs the speedup is interpolated linearly against the logarithm of the cost,
//! as the chart draws it. The crossing is the last one: a technique that dips below the
//! target again at a larger cost has not paid off yet at the earlier crossing.
//!
//! ```
//! use report::analysis::breakeven::{crossing, Threshold};
//!
//! // Speedup 0.5 at 1 us, 1.5 at 100 us: the line crosses 1 at 10 us on a log scale.
//! let points = [(1_000.0, 0.5), (100_000.0, 1.5)];
//! let Threshold::At(ns) = crossing(&points, 1.0) else { panic!() };
//! assert!((ns - 10_000.0).abs() < 1.0);
//! assert_eq!(crossing(&points, 2.0), Threshold::Never);
//! assert_eq!(crossing(&points, 0.4), Threshold::AtOrBelow(1_000.0));
//! ```

/// Where a technique reaches a target speedup along the task cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// Already at the smallest cost measured (the true break-even is there or below).
    AtOrBelow(f64),
    /// From this cost on (ns per task), interpolated.
    At(f64),
    /// Not even at the largest cost measured.
    Never,
}

/// The share of the ideal speedup at which a technique "scales".
pub const SCALES_AT: f64 = 0.8;

/// The task cost (ns) above which `points` (`(cost_ns, speedup)`) stay at or above `target`.
/// Points with a non-positive or non-finite cost or speedup are ignored; with none left the
/// answer is [`Threshold::Never`].
pub fn crossing(points: &[(f64, f64)], target: f64) -> Threshold {
    let mut points: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(c, s)| c.is_finite() && s.is_finite() && c > 0.0 && s > 0.0)
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(last_below) = points.iter().rposition(|&(_, s)| s < target) else {
        return match points.first() {
            Some(&(cost, _)) => Threshold::AtOrBelow(cost),
            None => Threshold::Never,
        };
    };
    let Some(&(c1, s1)) = points.get(last_below + 1) else {
        return Threshold::Never;
    };
    let (c0, s0) = points[last_below];
    // s0 < target <= s1: interpolate on log(cost).
    let t = (target - s0) / (s1 - s0);
    Threshold::At((c0.ln() + t * (c1.ln() - c0.ln())).exp())
}

/// Both thresholds of one technique at `workers` workers: beating sequential, and reaching
/// [`SCALES_AT`] of the ideal speedup `workers`.
pub fn thresholds(points: &[(f64, f64)], workers: f64) -> (Threshold, Threshold) {
    (crossing(points, 1.0), crossing(points, SCALES_AT * workers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_on_a_log_scale() {
        let points = [
            (100.0, 0.2),
            (1_000.0, 0.6),
            (10_000.0, 1.4),
            (100_000.0, 1.9),
        ];
        let Threshold::At(ns) = crossing(&points, 1.0) else {
            panic!()
        };
        // Halfway from 0.6 to 1.4 is halfway from 1 us to 10 us on a log scale: 3.16 us.
        assert!((ns - 3_162.3).abs() < 1.0, "{ns}");
        let (beats, scales) = thresholds(&points, 2.0);
        assert_eq!(beats, Threshold::At(ns));
        let Threshold::At(scale_ns) = scales else {
            panic!()
        };
        assert!(scale_ns > 10_000.0 && scale_ns < 100_000.0);
    }

    #[test]
    fn a_dip_after_the_first_crossing_counts() {
        let points = [
            (100.0, 0.5),
            (1_000.0, 1.2),
            (10_000.0, 0.9),
            (100_000.0, 1.8),
        ];
        let Threshold::At(ns) = crossing(&points, 1.0) else {
            panic!()
        };
        assert!(ns > 10_000.0 && ns < 100_000.0, "{ns}");
    }

    #[test]
    fn order_and_bad_points_do_not_matter() {
        let points = [(1e5, 1.5), (f64::NAN, 9.0), (1e3, 0.5), (-1.0, 3.0)];
        let Threshold::At(ns) = crossing(&points, 1.0) else {
            panic!()
        };
        assert!((ns - 1e4).abs() < 1.0);
        assert_eq!(crossing(&[], 1.0), Threshold::Never);
    }
}
