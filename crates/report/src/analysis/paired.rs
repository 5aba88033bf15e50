//! Speedups from paired measurements: the suite ran each map row's sequential baseline
//! beside every one of its samples (`cb-pairs.json`), so a speedup divides two times taken
//! in the same interval, not two rows measured up to half a minute apart on a host whose
//! speed drifts.
//!
//! The sidecar holds, per benchmark id, one entry per criterion call of the row (warm-up
//! calls too): `[iterations, the row's total time (ns), the baseline's time per iteration
//! measured right after it (ns), or 0 when none ran then]`. The calls that are criterion's
//! samples are found by matching `sample.json` (iterations and time, in order). Each sample's
//! baseline is the one measured right after it, or else the nearest ones before and after
//! it, interpolated by call; each sample gives one ratio, baseline over row, and the speedup
//! is their median with a distribution-free 95% interval.

use std::path::Path;

use crate::analysis::BASELINE_TECHNIQUE;
use crate::error::Error;
use crate::inputs::side::{self, PairsFile};
use crate::model::{Paired, Ratio, Record, Sample};

/// Pairs fewer than this give no interval worth the name: the row keeps the ratio of the
/// medians.
pub const MIN_PAIRS: usize = 5;

/// Adds the paired baseline from `cb-pairs.json` to the records it names; no file, no pairs.
pub fn merge_pairs(criterion_dir: &Path, records: &mut [Record]) -> Result<(), Error> {
    let Some(pairs) = side::read::<PairsFile>(criterion_dir)? else {
        return Ok(());
    };
    for record in records {
        if let (Some(entries), Some(sample)) = (pairs.get(&record.id), &record.sample) {
            record.paired = pair(sample, entries);
        }
    }
    Ok(())
}

/// The baseline beside each sample, when every sample has one, and the speedup.
pub fn pair(sample: &Sample, entries: &[[f64; 3]]) -> Option<Paired> {
    let same = |a: f64, b: f64| (a - b).abs() <= 1.0 + 1e-9 * a.abs().max(b.abs());
    // criterion's samples are the last calls of the row, in order: the warm-up came first.
    let mut calls = Vec::with_capacity(sample.iters.len());
    let mut next = 0;
    for (&iters, &time) in sample.iters.iter().zip(&sample.times_ns) {
        let found = entries[next..]
            .iter()
            .position(|e| e[0] == iters && same(e[1], time))?;
        calls.push(next + found);
        next += found + 1;
    }
    let measured: Vec<(usize, f64)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e[2] > 0.0 && e[2].is_finite())
        .map(|(k, e)| (k, e[2]))
        .collect();
    let baseline_ns: Vec<f64> = calls
        .iter()
        .map(|&k| nearest(&measured, k))
        .collect::<Option<_>>()?;
    let ratios: Vec<f64> = baseline_ns
        .iter()
        .zip(sample.per_iteration())
        .map(|(b, t)| b / t)
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    if ratios.len() < MIN_PAIRS || ratios.len() != baseline_ns.len() {
        return None;
    }
    let m = crate::analysis::stats::median_interval(&ratios);
    Some(Paired {
        baseline: BASELINE_TECHNIQUE.to_string(),
        baseline_ns,
        speedup: Ratio {
            point: m.point_ns,
            lower: m.lower_ns,
            upper: m.upper_ns,
        },
    })
}

/// The baseline of call `k`: its own, else interpolated between the nearest measured calls
/// before and after it, else the nearest one on either side.
fn nearest(measured: &[(usize, f64)], k: usize) -> Option<f64> {
    let after = measured.iter().find(|(j, _)| *j >= k);
    let before = measured.iter().rev().find(|(j, _)| *j <= k);
    match (before, after) {
        (Some(&(j, b)), _) if j == k => Some(b),
        (Some(&(j0, b0)), Some(&(j1, b1))) => {
            let t = (k - j0) as f64 / (j1 - j0) as f64;
            Some(b0 + (b1 - b0) * t)
        }
        (Some(&(_, b)), None) | (None, Some(&(_, b))) => Some(b),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(per_iter: &[f64]) -> Sample {
        Sample {
            iters: vec![2.0; per_iter.len()],
            times_ns: per_iter.iter().map(|t| t * 2.0).collect(),
        }
    }

    #[test]
    fn warm_up_calls_are_skipped_and_each_sample_gets_its_pair() {
        let s = sample(&[100.0; 6]);
        let mut entries = vec![[1.0, 120.0, 999.0], [3.0, 330.0, 999.0]];
        entries.extend((0..6).map(|i| [2.0, 200.0, 190.0 + i as f64 * 4.0]));
        let p = pair(&s, &entries).expect("six pairs");
        assert_eq!(
            p.baseline_ns,
            vec![190.0, 194.0, 198.0, 202.0, 206.0, 210.0]
        );
        assert!((p.speedup.point - 2.0).abs() < 1e-9, "{p:?}");
        assert!(p.speedup.lower <= 2.0 && p.speedup.upper >= 2.0);
    }

    #[test]
    fn a_drifting_host_moves_both_sides_of_a_pair() {
        // The host slows by half in the middle of the row: the medians of the two rows would
        // depend on when each ran; each pair still says 2x.
        let row = [100.0, 100.0, 100.0, 150.0, 150.0, 150.0];
        let s = sample(&row);
        let entries: Vec<[f64; 3]> = row.iter().map(|t| [2.0, t * 2.0, t * 2.0]).collect();
        let p = pair(&s, &entries).unwrap();
        assert_eq!(
            (p.speedup.lower, p.speedup.point, p.speedup.upper),
            (2.0, 2.0, 2.0)
        );
    }

    #[test]
    fn samples_between_baseline_runs_get_the_nearest_interpolated() {
        let s = sample(&[100.0; 6]);
        // Runs after the warm-up, after the 3rd sample and none after the last two.
        let mut entries = vec![[1.0, 100.0, 180.0]];
        entries.extend((0..6).map(|i| [2.0, 200.0, if i == 2 { 240.0 } else { 0.0 }]));
        let p = pair(&s, &entries).unwrap();
        assert_eq!(
            p.baseline_ns,
            vec![200.0, 220.0, 240.0, 240.0, 240.0, 240.0]
        );
    }

    #[test]
    fn missing_or_stale_pairs_give_none() {
        let s = sample(&[100.0; 6]);
        let stale: Vec<[f64; 3]> = (0..6).map(|_| [2.0, 300.0, 200.0]).collect();
        assert_eq!(
            pair(&s, &stale),
            None,
            "times from another run do not match"
        );
        let few: Vec<[f64; 3]> = (0..4).map(|_| [2.0, 200.0, 200.0]).collect();
        assert_eq!(pair(&sample(&[100.0; 4]), &few), None, "under MIN_PAIRS");
        let none_ran: Vec<[f64; 3]> = (0..6).map(|_| [2.0, 200.0, 0.0]).collect();
        assert_eq!(pair(&s, &none_ran), None, "no baseline measured at all");
    }
}
