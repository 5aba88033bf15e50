//! The sequential baseline measured beside the samples of each map row, so a speedup
//! divides two times taken in the same interval.
//!
//! The host's speed drifts by tens of percent over tens of seconds on a shared VM, and a
//! speedup divides two rows: with the baseline measured once per group, up to half a
//! minute from the rows it divides, every speedup carried that drift (a `rayon` row with one
//! worker "faster" than sequential). So between the criterion samples of every map row, the
//! group's sequential baseline runs too: for [`SHARE`] of the row's own time (as long as
//! the row; [`QUICK_SHARE`] under `--quick`), in whole runs,
//! right after the sample that brings the owed time to one run (the first sample always
//! gets one). A row of short samples gets a baseline beside nearly every sample; a row
//! whose sample is shorter than one baseline run (35 ms against 70 ms) gets one every few
//! samples, and the report gives each sample the baseline measured nearest to it
//! (interpolated between the runs before and after). The share doubles the map family's
//! measuring time, which keeps the full run within its 15 minutes on 2 CPUs.
//!
//! At the end of the run the pairs are merged into `<target>/criterion/cb-pairs.json`:
//!
//! ```json
//! {"schema": "cb-pairs-v1",
//!  "pairs": {"map/primes-1m-r4/rayon/2": [[2, 70400000, 69800000], [2, 70100000, 0], ...]}}
//! ```
//!
//! Each entry is one criterion call of the row (warm-up calls included, which the report
//! drops by matching criterion's `sample.json`): `[iterations, the row's total time (ns),
//! the baseline's time per iteration measured right after it (ns), or 0 when none ran]`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use report::inputs::side::{Pair, PairsFile};
use workloads::{MapJob, MapRunner, MapTechnique, TaskOutput};

/// The share of a row's measured time the baseline runs beside it: as long as the row, so
/// a row of one-iteration samples as long as one baseline run (a one-worker row) gets a
/// baseline run after every sample. A smaller share runs one every few samples there, and
/// the host's speed steps (tens of percent for seconds on a shared VM) fall between them:
/// one-worker rows then read faster than sequential "beyond their interval".
pub const SHARE: f64 = 1.0;
/// The share under criterion's `--quick`, whose budget is 90 s for the whole suite.
pub const QUICK_SHARE: f64 = 0.3;

static PAIRS: Mutex<BTreeMap<String, Vec<Pair>>> = Mutex::new(BTreeMap::new());

/// A group's sequential baseline, started and verified, ready to run beside each sample.
pub struct Baseline<'a> {
    runner: Box<dyn MapRunner>,
    job: &'a MapJob,
    /// The verified answer: every later run is compared with it.
    answer: Vec<TaskOutput>,
    /// One run's time, from the verifying run.
    per_iter: Duration,
    /// The row the owed time belongs to, and the baseline time owed to it so far.
    owed: (String, f64),
}

impl<'a> Baseline<'a> {
    /// Starts `technique` (the baseline, one worker) on `job`, runs it once and verifies it.
    pub fn start(technique: &dyn MapTechnique, job: &'a MapJob) -> Result<Baseline<'a>, String> {
        let mut runner = technique
            .start(std::num::NonZeroUsize::MIN)
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let answer = runner.run(job).map_err(|e| e.to_string())?;
        let per_iter = started.elapsed();
        job.verify(&answer).map_err(|e| e.to_string())?;
        Ok(Baseline {
            runner,
            job,
            answer,
            per_iter,
            owed: (String::new(), 0.0),
        })
    }

    /// After one sample of the row `id` (`iters` iterations in `sample`): runs the baseline
    /// for the whole runs now owed to the row ([`SHARE`] of its time so far, at least one
    /// run after its first sample), and keeps the entry. Every run's answer is compared
    /// with the verified one.
    pub fn beside(&mut self, id: &str, iters: u64, sample: Duration) -> Result<(), String> {
        let per_iter = self.per_iter.as_secs_f64().max(1e-9);
        if self.owed.0 != id {
            // A new row: its first sample gets a run whatever it owes.
            self.owed = (id.to_string(), per_iter);
        } else {
            let share = if crate::ids::quick() {
                QUICK_SHARE
            } else {
                SHARE
            };
            self.owed.1 += sample.as_secs_f64() * share;
        }
        // Rounded: a row whose sample is as long as one run gets a run after each sample.
        let runs = (self.owed.1 / per_iter).round().max(0.0) as u64;
        let mut took = Duration::ZERO;
        for _ in 0..runs {
            let started = Instant::now();
            let answer = self.runner.run(self.job).map_err(|e| e.to_string())?;
            took += started.elapsed();
            if answer != self.answer {
                self.job.verify(&answer).map_err(|e| e.to_string())?;
            }
        }
        self.owed.1 -= runs as f64 * per_iter;
        let baseline_ns = match runs {
            0 => 0.0,
            n => took.as_nanos() as f64 / n as f64,
        };
        let mut pairs = PAIRS.lock().unwrap_or_else(|e| e.into_inner());
        pairs.entry(id.to_string()).or_default().push([
            iters as f64,
            sample.as_nanos() as f64,
            baseline_ns,
        ]);
        Ok(())
    }
}

/// Merges this run's pairs into `cb-pairs.json` (a filtered run keeps the other rows' pairs;
/// a row measured again replaces its own).
pub fn write_pairs(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let pairs = PAIRS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    report::inputs::side::merge::<PairsFile>(criterion_dir, pairs).map_err(std::io::Error::other)
}
