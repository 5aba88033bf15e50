//! The run-to-run noise floor of each benchmark, from an A/A check (`scripts/aa-check.sh`):
//! the same filter run two or more times back to back on one machine, without a change.
//!
//! A benchmark's spread is the largest ratio between its medians in those runs, minus 1
//! (runs of 11.7 ms and 18.1 ms: a spread of 0.547). A few runs see less than the full
//! spread, so the floor widens it to the difference that two further runs stay within 95% of
//! the time, assuming normal log-times: the range of `n` runs averages `d2(n)` standard
//! deviations (quality control's constant: 1.128 for 2 runs, 1.693 for 3, 2.059 for 4), the
//! difference of two runs stays within 1.96 x sqrt(2) = 2.77 of them, so
//! floor = (max/min)^(2.77 / d2(n)) - 1 (2 runs: x2.46 in log terms, 3 runs: x1.64, 5: x1.19,
//! 10: x0.90). compare reads `reports/noise.json` by
//! itself when it is present (or the file named by `--noise`) and calls a change significant
//! only when its whole 95% interval lies beyond that floor (see [`crate::analysis::stats`]). The file
//! (schema `cb-noise-v1`):
//!
//! ```json
//! {"schema": "cb-noise-v1", "machine": "epyc-2cpu", "fingerprint": "…", "effective_cpus": 2,
//!  "runs": ["reports/runs/…json", "…"],
//!  "benchmarks": {"sync/counter/std-mutex/2":
//!     {"floor": 1.93, "spread": 0.547, "medians_ns": [1.17e7, 1.81e7]}}}
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::Results;

/// The schema of a noise file.
pub const NOISE_SCHEMA: &str = "cb-noise-v1";
/// Where compare looks for a noise file when `--noise` is not given.
pub const DEFAULT_NOISE_FILE: &str = "reports/noise.json";

/// Run-to-run spread per benchmark, from repeated runs on one machine.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Noise {
    /// Always [`NOISE_SCHEMA`].
    pub schema: String,
    /// The machine label of the runs.
    pub machine: String,
    /// Their fingerprint: a floor measured elsewhere says nothing about this machine.
    pub fingerprint: String,
    /// The runs' effective CPUs, when recorded.
    pub effective_cpus: Option<u64>,
    /// The results files the floors come from.
    pub runs: Vec<String>,
    /// Per benchmark id.
    pub benchmarks: BTreeMap<String, Floor>,
}

/// One benchmark's noise floor.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Floor {
    /// The change two further runs stay within 95% of the time: the spread widened for the
    /// number of runs (see the module docs).
    pub floor: f64,
    /// max(median) / min(median) - 1 over the runs.
    #[serde(default)]
    pub spread: f64,
    /// The median of each run, nanoseconds.
    pub medians_ns: Vec<f64>,
}

/// 1.96 x sqrt(2) / d2(n): how much wider than the range of `n` runs the difference of two
/// further runs can be, 95% of the time (d2: the mean range of `n` standard normal draws).
pub fn widening(runs: usize) -> f64 {
    const D2: [f64; 9] = [
        1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
    ];
    let d2 = D2[runs.clamp(2, 10) - 2];
    1.96 * std::f64::consts::SQRT_2 / d2
}

impl Noise {
    /// The floors of benchmarks present in every run of `runs` (at least two, all from one
    /// kind of machine); the error names the file that does not fit.
    pub fn from_runs(runs: &[(String, &Results)]) -> Result<Noise, String> {
        let [(_, first), _, ..] = runs else {
            return Err("an A/A check needs at least two results files".to_string());
        };
        let fingerprint = &first.machine.fingerprint;
        if let Some((name, _)) = runs
            .iter()
            .find(|(_, r)| &r.machine.fingerprint != fingerprint)
        {
            return Err(format!(
                "{name} comes from another kind of machine (fingerprint differs): an A/A check repeats runs on one machine"
            ));
        }
        let mut benchmarks = BTreeMap::new();
        for record in &first.benchmarks {
            let medians: Option<Vec<f64>> = runs
                .iter()
                .map(|(_, r)| {
                    r.benchmarks
                        .iter()
                        .find(|b| b.id == record.id)
                        .map(|b| b.median.point_ns)
                })
                .collect();
            let Some(medians_ns) = medians else { continue };
            let (lo, hi) = medians_ns
                .iter()
                .fold((f64::INFINITY, 0.0_f64), |(lo, hi), &m| {
                    (lo.min(m), hi.max(m))
                });
            let spread = (hi / lo - 1.0).max(0.0);
            let floor = (hi / lo).powf(widening(runs.len())) - 1.0;
            benchmarks.insert(
                record.id.clone(),
                Floor {
                    floor: floor.max(0.0),
                    spread,
                    medians_ns,
                },
            );
        }
        if benchmarks.is_empty() {
            return Err("the files share no benchmark".to_string());
        }
        Ok(Noise {
            schema: NOISE_SCHEMA.to_string(),
            machine: first.machine.label.clone(),
            fingerprint: fingerprint.clone(),
            effective_cpus: first.machine.limits.as_ref().and_then(|l| l.effective_cpus),
            runs: runs.iter().map(|(n, _)| n.clone()).collect(),
            benchmarks,
        })
    }

    /// The noise floor of a benchmark, if the A/A check measured it.
    pub fn floor(&self, id: &str) -> Option<f64> {
        self.benchmarks.get(id).map(|f| f.floor)
    }

    /// Reads a noise file; the error names the file and the problem.
    pub fn read(path: &Path) -> Result<Noise, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let noise: Noise = serde_json::from_str(&text)
            .map_err(|e| Error::new(path, format!("not a {NOISE_SCHEMA} file ({e})")))?;
        if noise.schema != NOISE_SCHEMA {
            return Err(Error::new(
                path,
                format!("schema {:?} is not {NOISE_SCHEMA:?}", noise.schema),
            ));
        }
        if let Some((id, _)) = noise
            .benchmarks
            .iter()
            .find(|(_, f)| !f.floor.is_finite() || f.floor < 0.0)
        {
            return Err(Error::new(
                path,
                format!("benchmark {id:?} has an invalid floor"),
            ));
        }
        Ok(noise)
    }

    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::new(path, format!("cannot serialize: {e}")))?;
        crate::fsio::write_atomic(path, format!("{text}\n").as_bytes())
    }

    /// How many benchmarks have a floor at or above `limit` (e.g. 0.10), and how many in all.
    pub fn count_above(&self, limit: f64) -> (usize, usize) {
        let above = self
            .benchmarks
            .values()
            .filter(|f| f.floor >= limit)
            .count();
        (above, self.benchmarks.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_runs_widen_the_floor_more() {
        assert!((widening(2) - 2.457).abs() < 1e-3);
        assert!((widening(3) - 1.637).abs() < 1e-3);
        assert!(widening(10) < 1.0 && widening(50) == widening(10));
    }
}
