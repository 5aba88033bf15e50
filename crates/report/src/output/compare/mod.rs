//! Comparing results files from several machines (or runs): ratios of median times against
//! a reference file, the geometric mean per family, each machine's own speedup over its
//! sequential baseline, machine fingerprints, and benchmarks that only some files hold.
//! Each pair gets a verdict from [`crate::analysis::stats`] (ratio of medians with a 95% bootstrap
//! interval, beyond the benchmark's noise floor from [`crate::analysis::noise`] when one is loaded);
//! `--fail-above` counts only significant regressions. Runs whose effective CPUs differ, and
//! runs or benchmarks measured beside a busy neighbour, are named.
//! The terminal table is in `text`, the page in `html`.

mod html;
mod text;

pub use html::{write_page, write_single_file};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::analysis::grain::{Sweep, format_threshold};
use crate::analysis::noise::Noise;
use crate::analysis::stats::{Change, Verdict};
use crate::analysis::{format_ratio, format_time, geomean, speedup};
use crate::error::Error;
use crate::model::{MarkKind, Record, Results};
use crate::output::page::{LIMIT_ROWS, machine_rows};

/// One results file taking part in a comparison.
#[derive(Clone, Debug)]
pub struct Input {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its column name: the machine label, with the file name added when labels repeat.
    pub name: String,
    /// Its content.
    pub results: Results,
}

/// Reads results files, naming each by its machine label (made unique with the file name).
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    let mut inputs = Vec::new();
    for path in paths {
        let mut results = Results::read(path)?;
        // Each file is judged against its own machine's bounds.
        crate::analysis::bounds::mark(&mut results);
        inputs.push(Input {
            path: path.clone(),
            name: results.machine.label.clone(),
            results,
        });
    }
    let labels: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    for input in &mut inputs {
        if labels.iter().filter(|l| **l == input.name).count() > 1 {
            let file = input
                .path
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            input.name = format!("{} [{file}]", input.name);
        }
    }
    Ok(inputs)
}

/// The index of the reference: the input whose name, label, file name or path is `wanted`,
/// else the first.
pub fn reference_index(inputs: &[Input], wanted: Option<&str>) -> Result<usize, String> {
    let Some(wanted) = wanted else { return Ok(0) };
    let matches = |i: &Input| {
        let file = i.path.file_name().map(|f| f.to_string_lossy().into_owned());
        let stem = i.path.file_stem().map(|f| f.to_string_lossy().into_owned());
        i.name == wanted
            || i.results.machine.label == wanted
            || i.path == Path::new(wanted)
            || file.as_deref() == Some(wanted)
            || stem.as_deref() == Some(wanted)
    };
    let found: Vec<usize> = (0..inputs.len()).filter(|&k| matches(&inputs[k])).collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "--reference {wanted:?} names none of the files (use a machine label or a file name)"
        )),
        _ => Err(format!(
            "--reference {wanted:?} names several files; use a file name"
        )),
    }
}

/// A comparison of inputs against one of them.
pub struct Comparison<'a> {
    inputs: &'a [Input],
    reference: usize,
    /// Each input's records by id.
    maps: Vec<BTreeMap<&'a str, &'a Record>>,
    /// Every id in any input, sorted.
    ids: BTreeSet<&'a str>,
    /// Run-to-run noise floors from an A/A check, if loaded.
    noise: Option<&'a Noise>,
    /// Python results files (`language: python`), shown against the reference in one
    /// table, a column per interpreter.
    python: &'a [Input],
    /// Each input's core time against the reference's and the calibrations' spread
    /// (see [`Comparison::core_time_factor`]), computed once.
    core_factors: Vec<Option<(f64, f64)>>,
}

impl<'a> Comparison<'a> {
    /// Compares `inputs` against `inputs[reference]`.
    pub fn new(inputs: &'a [Input], reference: usize) -> Comparison<'a> {
        let maps: Vec<BTreeMap<&str, &Record>> = inputs
            .iter()
            .map(|i| {
                i.results
                    .benchmarks
                    .iter()
                    .map(|r| (r.id.as_str(), r))
                    .collect()
            })
            .collect();
        let ids = maps.iter().flat_map(|m| m.keys().copied()).collect();
        let core_factors = (0..inputs.len())
            .map(|k| core_time_factor(&inputs[k], &inputs[reference]))
            .collect();
        Comparison {
            inputs,
            reference,
            maps,
            ids,
            noise: None,
            python: &[],
            core_factors,
        }
    }

    /// Shows `python` (results of `scripts/python-bench.sh`, one file per interpreter)
    /// against the reference in the page's "Rust against the article's Python" table, a
    /// column per interpreter, and its "Does free-threading change the answer?" section.
    pub fn with_python(mut self, python: &'a [Input]) -> Comparison<'a> {
        self.python = python;
        self
    }

    /// Uses `noise`'s floors in the verdicts (see [`crate::analysis::stats`]).
    pub fn with_noise(mut self, noise: Option<&'a Noise>) -> Comparison<'a> {
        self.noise = noise;
        self
    }

    /// The change of a benchmark both `input` and the reference hold: ratio, interval,
    /// verdict (see [`crate::analysis::stats`]).
    pub fn change(&self, input: usize, id: &str) -> Option<Change> {
        let (r, x) = (
            self.maps[self.reference].get(id)?,
            self.maps[input].get(id)?,
        );
        let times = |rec: &Record| {
            rec.sample
                .as_ref()
                .map(|s| s.per_iteration())
                .unwrap_or_default()
        };
        let floor = self.noise.and_then(|n| n.floor(id)).unwrap_or(0.0);
        let fallback = x.median.point_ns / r.median.point_ns;
        Some(crate::analysis::stats::change(
            &times(r),
            &times(x),
            floor,
            fallback,
        ))
    }

    /// How many of `ids` got each verdict for `input`.
    pub fn verdict_counts(&self, input: usize, ids: &[&str]) -> BTreeMap<Verdict, usize> {
        let mut counts = BTreeMap::new();
        for c in ids.iter().filter_map(|id| self.change(input, id)) {
            *counts.entry(c.verdict).or_insert(0) += 1;
        }
        counts
    }

    /// `2 slower, 40 no significant change`: the counts of [`Self::verdict_counts`].
    pub fn verdict_summary(&self, input: usize, ids: &[&str]) -> String {
        let counts = self.verdict_counts(input, ids);
        Verdict::ALL
            .iter()
            .filter_map(|v| counts.get(v).map(|n| format!("{n} {}", v.label())))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn others(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.inputs.len()).filter(move |&k| k != self.reference)
    }

    /// `input`'s median over the reference's, for a benchmark both hold.
    pub fn ratio(&self, input: usize, id: &str) -> Option<f64> {
        let (r, x) = (
            self.maps[self.reference].get(id)?,
            self.maps[input].get(id)?,
        );
        Some(x.median.point_ns / r.median.point_ns)
    }

    /// `input`'s own speedup over its sequential run, for a benchmark.
    pub fn own_speedup(&self, input: usize, id: &str) -> Option<f64> {
        let record = self.maps[input].get(id)?;
        let group: Vec<&Record> = self.maps[input]
            .values()
            .copied()
            .filter(|r| r.group == record.group)
            .collect();
        speedup(&group, record)
    }

    /// Families in id order, each with its ids.
    fn families(&self) -> BTreeMap<&'a str, Vec<&'a str>> {
        let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for id in &self.ids {
            let record = self.maps.iter().find_map(|m| m.get(id)).copied();
            out.entry(record.map_or("", |r| r.family.as_str()))
                .or_default()
                .push(id);
        }
        out
    }

    /// Break-even per technique and machine, side by side: a header (technique, then one
    /// column per input) and one row per technique, each cell "beats sequential from X;
    /// 80% of ideal from Y" from that machine's own grain sweep. `None` when no input has one.
    pub fn breakeven_table(&self) -> Option<(Vec<String>, Vec<Vec<String>>)> {
        let sweeps: Vec<Option<Sweep>> = self
            .inputs
            .iter()
            .map(|i| Sweep::from_results(&i.results))
            .collect();
        let techniques: BTreeSet<&String> = sweeps
            .iter()
            .flatten()
            .flat_map(|s| s.curves.keys())
            .collect();
        if techniques.is_empty() {
            return None;
        }
        let mut header =
            vec!["technique: beats sequential from / reaches 80% of ideal from".to_string()];
        header.extend(self.inputs.iter().map(|i| i.name.clone()));
        let rows =
            techniques
                .iter()
                .map(|t| {
                    std::iter::once(t.to_string())
                        .chain(sweeps.iter().map(
                            |s| match s.as_ref().and_then(|s| s.curves.get(*t)) {
                                Some(c) => format!(
                                    "{} / {}",
                                    format_threshold(c.beats),
                                    format_threshold(c.scales)
                                ),
                                None => "–".to_string(),
                            },
                        ))
                        .collect()
                })
                .collect();
        Some((header, rows))
    }

    /// Geometric mean of `input`'s ratios over a family's common benchmarks, with their count.
    pub fn family_geomean(&self, input: usize, ids: &[&str]) -> (Option<f64>, usize) {
        let ratios: Vec<f64> = ids.iter().filter_map(|id| self.ratio(input, id)).collect();
        (geomean(&ratios), ratios.len())
    }

    /// Benchmarks some inputs lack: (id, names of the inputs that hold it).
    pub fn partial(&self) -> Vec<(&'a str, Vec<&'a str>)> {
        self.ids
            .iter()
            .filter_map(|id| {
                let holders: Vec<&str> = (0..self.inputs.len())
                    .filter(|&k| self.maps[k].contains_key(id))
                    .map(|k| self.inputs[k].name.as_str())
                    .collect();
                (holders.len() < self.inputs.len()).then_some((*id, holders))
            })
            .collect()
    }

    /// Significant regressions above `pct` percent: benchmarks whose verdict is slower and
    /// whose ratio is above 1 + pct/100: (id, input, ratio).
    pub fn regressions(&self, pct: f64) -> Vec<(&'a str, &'a str, f64)> {
        let limit = 1.0 + pct / 100.0;
        let mut out = Vec::new();
        for k in self.others() {
            for id in &self.ids {
                if let Some(c) = self
                    .change(k, id)
                    .filter(|c| c.verdict == Verdict::Slower && c.ratio > limit)
                {
                    out.push((*id, self.inputs[k].name.as_str(), c.ratio));
                }
            }
        }
        out
    }

    /// Lines warning that numbers are not comparable as they stand: an input ran on another
    /// kind of machine than the reference, with other effective CPUs, or beside a busy
    /// neighbour.
    pub fn fingerprint_notes(&self) -> Vec<String> {
        let mut notes = self.machine_notes();
        notes.extend(self.speed_notes());
        notes.extend(self.limit_notes());
        notes
    }

    /// Effective CPUs that differ from the reference's, and busy runs.
    fn limit_notes(&self) -> Vec<String> {
        let effective = |k: usize| {
            let l = self.inputs[k].results.machine.limits.as_ref()?;
            l.effective_cpus
        };
        let mut notes = Vec::new();
        let (r, rname) = (effective(self.reference), &self.inputs[self.reference].name);
        for k in self.others() {
            if let (Some(x), Some(r)) = (effective(k), r) {
                if x != r {
                    notes.push(format!(
                        "effective_cpus differ: {} could use {x} CPUs, the reference {rname} {r} (affinity or CPU quota): speedups and contended benchmarks are not comparable",
                        self.inputs[k].name
                    ));
                }
            }
        }
        let polls = |k: usize| {
            let l = self.inputs[k].results.machine.limits.as_ref()?;
            l.cpu_dma_latency_us.map(|us| us == 0)
        };
        let r_polls = polls(self.reference);
        for k in self.others() {
            if let (Some(x), Some(r)) = (polls(k), r_polls) {
                if x != r {
                    let say = |p: bool| if p { "polling" } else { "halting" };
                    notes.push(format!(
                        "idle CPUs differ: {} ran with them {}, the reference {rname} {} (CB_IDLE_POLL): every wake-up costs differently, so waiting techniques are not comparable",
                        self.inputs[k].name,
                        say(x),
                        say(r)
                    ));
                }
            }
        }
        for input in self.inputs {
            let run = input
                .results
                .machine
                .limits
                .as_ref()
                .and_then(|l| l.contention);
            if let Some(c) = run.filter(|c| c.busy()) {
                notes.push(format!(
                    "{} ran beside a busy neighbour: {}",
                    input.name,
                    c.describe()
                ));
            }
            let busy = input
                .results
                .benchmarks
                .iter()
                .filter(|b| b.contention.is_some_and(|c| c.busy()))
                .count();
            if busy > 0 {
                notes.push(format!(
                    "{}: {busy} of {} benchmarks were measured beside a busy neighbour (marked busy)",
                    input.name,
                    input.results.benchmarks.len()
                ));
            }
            if let Some(drift) = input
                .results
                .machine
                .calibration
                .as_ref()
                .and_then(|c| c.drifting())
            {
                let rows = input
                    .results
                    .benchmarks
                    .iter()
                    .filter(|b| b.marks.iter().any(|m| m.kind == MarkKind::Drifting))
                    .count();
                notes.push(format!(
                    "{} drifted: {drift}; its {rows} rows that are not waiting rows are marked drifting",
                    input.name
                ));
            }
            // Busy and drifting rows are counted above; every other mark is named with its
            // bound.
            for r in &input.results.benchmarks {
                let named = |m: &&crate::model::Mark| {
                    !matches!(m.kind, MarkKind::Busy | MarkKind::Drifting)
                };
                for m in r.marks.iter().filter(named) {
                    let (label, what, cause) = (m.kind.label(), &m.what, &m.cause);
                    notes.push(format!(
                        "{}: {} {label}: {what} ({cause})",
                        input.name, r.id
                    ));
                }
            }
        }
        notes
    }

    /// Inputs from another kind of machine than the reference.
    fn machine_notes(&self) -> Vec<String> {
        let r = &self.inputs[self.reference].results.machine;
        self.others()
            .filter_map(|k| {
                let m = &self.inputs[k].results.machine;
                (m.fingerprint != r.fingerprint).then(|| {
                    let mut diffs = Vec::new();
                    for (name, field) in machine_rows() {
                        if !matches!(name, "label" | "fingerprint" | "kernel" | "rustc")
                            && !LIMIT_ROWS.contains(&name)
                            && field(m) != field(r)
                        {
                            diffs.push(name);
                        }
                    }
                    format!(
                        "{} is another kind of machine than the reference {} (differs in: {}): ratios show the machines, not a regression",
                        self.inputs[k].name,
                        self.inputs[self.reference].name,
                        if diffs.is_empty() { "fingerprint".to_string() } else { diffs.join(", ") }
                    )
                })
            })
            .collect()
    }
    /// The table header: benchmark, each input's median (and ratio), each input's speedup;
    /// `short` names inputs by letter (A, B, ...) to keep a terminal table narrow.
    fn header(&self, short: bool) -> Vec<String> {
        let name = |k: usize| {
            if short {
                letter(k)
            } else {
                self.inputs[k].name.clone()
            }
        };
        let mut header = vec!["benchmark".to_string()];
        for k in 0..self.inputs.len() {
            header.push(name(k));
            if k != self.reference {
                header.push(format!("{} / {}", name(k), name(self.reference)));
                if self.core_time_factor(k).is_some() {
                    header.push(format!(
                        "{} / {} equal speed",
                        name(k),
                        name(self.reference)
                    ));
                }
                header.push(format!("verdict {}", name(k)));
            }
        }
        header.extend((0..self.inputs.len()).map(|k| format!("speedup {}", name(k))));
        header
    }

    /// How much longer input `k`'s cores took for the calibration's compute kernel than the
    /// reference's (above 1: a slower machine, or the same machine on a slower day), and the
    /// two calibrations' spread: `None` where either file has no calibration (older files,
    /// Python files).
    pub fn core_time_factor(&self, k: usize) -> Option<(f64, f64)> {
        self.core_factors[k]
    }

    /// Input `k`'s time ratio for `id` at equal speed per core: the raw ratio divided by
    /// [`Self::core_time_factor`], for compute-bound rows only (a sleep lasts as long on a
    /// fast machine).
    pub fn ratio_at_equal_speed(&self, k: usize, id: &str) -> Option<f64> {
        let record = self.maps[k].get(id)?;
        if !crate::analysis::bounds::compute_bound(record) {
            return None;
        }
        Some(self.ratio(k, id)? / self.core_time_factor(k)?.0)
    }

    /// Every waiting row (one with a floor) against its floors on each machine: `+3.1% /
    /// +0.4%` above the nominal floor and above that machine's floor (its measured wake-ups
    /// over the row's chain); `None` when no input has a waiting row.
    pub fn floors_table(&self) -> Option<(Vec<String>, Vec<Vec<String>>)> {
        let waiting: Vec<&str> = self
            .ids
            .iter()
            .copied()
            .filter(|id| {
                self.maps
                    .iter()
                    .any(|m| m.get(id).is_some_and(|r| r.floor_ns.is_some()))
            })
            .collect();
        if waiting.is_empty() {
            return None;
        }
        let mut header = vec!["waiting row".to_string()];
        header.extend(self.inputs.iter().map(|i| i.name.clone()));
        let pct = |x: f64| format!("{:+.1}%", x * 100.0);
        let rows = waiting
            .into_iter()
            .map(|id| {
                let mut row = vec![id.to_string()];
                for (k, input) in self.inputs.iter().enumerate() {
                    let limits = input.results.machine.limits.as_ref();
                    let above = self.maps[k].get(id).and_then(|r| r.above_floors(limits));
                    row.push(match above {
                        Some((nominal, Some(machine))) => {
                            format!("{} / {}", pct(nominal), pct(machine))
                        }
                        Some((nominal, None)) => format!("{} / –", pct(nominal)),
                        None => "–".to_string(),
                    });
                }
                row
            })
            .collect();
        Some((header, rows))
    }

    /// Each input's core speed against the reference's, from the calibrations, and what it
    /// means for the ratios; Python files say they are not normalised.
    fn speed_notes(&self) -> Vec<String> {
        let rname = &self.inputs[self.reference].name;
        let mut notes = Vec::new();
        for k in self.others() {
            let name = &self.inputs[k].name;
            match self.core_time_factor(k) {
                Some((f, noise)) if (f - 1.0).abs() > noise => notes.push(format!(
                    "{name}'s cores ran the calibration's compute kernel {:.2}x {} than the reference {rname}'s (spread {:.1}%): its compute-bound ratios are shown also at equal speed per core, and a verdict there reads against the machine, not the code",
                    if f > 1.0 { f } else { 1.0 / f },
                    if f > 1.0 { "slower" } else { "faster" },
                    noise * 100.0
                )),
                Some((f, noise)) => notes.push(format!(
                    "{name}'s cores ran as fast as the reference {rname}'s ({f:.3}x, within the calibration's spread {:.1}%)",
                    noise * 100.0
                )),
                None => notes.push(format!(
                    "{name} or the reference {rname} has no calibration (an older file): raw ratios only, not normalised to core speed"
                )),
            }
        }
        if !self.python.is_empty() {
            notes.push(
                "Python results files carry no calibration: their figures are not normalised to core speed"
                    .to_string(),
            );
        }
        notes
    }

    /// One benchmark's row, as text (the page escapes it).
    fn row(&self, id: &str) -> Vec<String> {
        let dash = || "–".to_string();
        let mut row = vec![id.to_string()];
        for k in 0..self.inputs.len() {
            row.push(self.maps[k].get(id).map_or_else(dash, |r| {
                // The row's marks (busy, implausible, above ideal), each once.
                let mut labels: Vec<&str> = r.marks.iter().map(|m| m.kind.label()).collect();
                labels.dedup();
                let marks: String = labels.iter().map(|l| format!(" {l}")).collect();
                format!("{}{marks}", format_time(r.median.point_ns))
            }));
            if k != self.reference {
                row.push(self.ratio(k, id).map_or_else(dash, format_ratio));
                if self.core_time_factor(k).is_some() {
                    row.push(
                        self.ratio_at_equal_speed(k, id)
                            .map_or_else(dash, format_ratio),
                    );
                }
                row.push(self.change(k, id).map_or_else(dash, |c| {
                    let slower_machine = self
                        .core_time_factor(k)
                        .filter(|(f, noise)| f - 1.0 > *noise)
                        .filter(|_| self.ratio_at_equal_speed(k, id).is_some());
                    match (c.verdict, slower_machine) {
                        (Verdict::Slower, Some((f, _))) => {
                            format!("{} (its cores are {f:.2}x slower)", verdict_cell(&c))
                        }
                        _ => verdict_cell(&c),
                    }
                }));
            }
        }
        row.extend(
            (0..self.inputs.len()).map(|k| self.own_speedup(k, id).map_or_else(dash, format_ratio)),
        );
        row
    }
}

/// How much longer `input`'s cores took for the calibration's compute kernel than
/// `reference`'s, and the larger of the two calibrations' spreads of that kernel.
fn core_time_factor(input: &Input, reference: &Input) -> Option<(f64, f64)> {
    let (mine, theirs) = (
        input.results.machine.calibration.as_ref()?,
        reference.results.machine.calibration.as_ref()?,
    );
    let factor = mine.compute_ns()? / theirs.compute_ns()?;
    let noise =
        |c: &crate::model::Calibration| c.noise_of(crate::analysis::calibration::Kernel::Compute);
    Some((factor, noise(mine).max(noise(theirs))))
}

/// `slower [1.15–1.25]`, `no significant change [0.97–1.04]`, `too few samples`.
fn verdict_cell(c: &Change) -> String {
    match c.interval {
        Some((lo, hi)) => format!("{} [{lo:.2}–{hi:.2}]", c.verdict.label()),
        None => c.verdict.label().to_string(),
    }
}

/// A, B, ... Z, then A2, B2, ...: a column's short name.
fn letter(k: usize) -> String {
    let c = char::from(b'A' + (k % 26) as u8);
    if k < 26 {
        c.to_string()
    } else {
        format!("{c}{}", k / 26 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::{Comparison, Input};
    use crate::analysis::grain::tests::synthetic;
    use crate::model::{Calibration, CpuCalibration};

    fn calibrated(compute_ns: f64) -> Calibration {
        let cpu = |cpu| CpuCalibration {
            cpu,
            compute_ns: vec![compute_ns * 0.99, compute_ns, compute_ns * 1.01],
            memory_ns: vec![1e6; 3],
            share_ns: Vec::new(),
        };
        Calibration {
            start: vec![cpu(0), cpu(1)],
            end: vec![cpu(0), cpu(1)],
        }
    }

    #[test]
    fn a_slower_machine_is_judged_at_equal_speed_per_core() {
        let mut reference = synthetic();
        reference.machine.calibration = Some(calibrated(1e6));
        // The same code on cores 25% slower: every compute-bound row 25% slower.
        let mut slow = synthetic();
        slow.machine.label = "slow".into();
        slow.machine.calibration = Some(calibrated(1.25e6));
        for r in &mut slow.benchmarks {
            for e in [&mut r.median, &mut r.mean] {
                e.point_ns *= 1.25;
                e.lower_ns *= 1.25;
                e.upper_ns *= 1.25;
            }
        }
        let inputs = [("ref", reference), ("slow", slow)].map(|(name, results)| Input {
            path: format!("{name}.json").into(),
            name: name.into(),
            results,
        });
        let comparison = Comparison::new(&inputs, 0);
        let (factor, _) = comparison.core_time_factor(1).unwrap();
        assert!((factor - 1.25).abs() < 1e-9, "{factor}");
        let id = inputs[0].results.benchmarks[0].id.as_str();
        assert!((comparison.ratio(1, id).unwrap() - 1.25).abs() < 1e-9);
        assert!((comparison.ratio_at_equal_speed(1, id).unwrap() - 1.0).abs() < 1e-9);
        let text = comparison.text();
        assert!(text.contains("1.25x slower than the reference"), "{text}");
        assert!(text.contains("equal speed"), "{text}");
    }

    #[test]
    fn waiting_rows_show_their_distance_to_both_floors() {
        use crate::model::{Chain, Limits};
        let mut results = synthetic();
        results.machine.limits = Some(Limits {
            sleep_overshoot_us: Some(100.0),
            wake_up_us: Some(150.0),
            ..Limits::default()
        });
        let row = &mut results.benchmarks[0];
        row.median.point_ns = 16.5e6;
        row.floor_ns = Some(15e6);
        row.chain = Some(Chain {
            rounds: 3,
            timers: 1,
            handoffs: 1,
        });
        let id = row.id.clone();
        let inputs = [("a", results)].map(|(name, results)| Input {
            path: format!("{name}.json").into(),
            name: name.into(),
            results,
        });
        let (header, rows) = Comparison::new(&inputs, 0).floors_table().unwrap();
        assert_eq!(header, ["waiting row", "a"]);
        assert_eq!(rows, [vec![id, "+10.0% / +4.8%".to_string()]]);
    }

    #[test]
    fn files_without_calibration_are_said_not_normalised() {
        let inputs = [("a", synthetic()), ("b", synthetic())].map(|(name, results)| Input {
            path: format!("{name}.json").into(),
            name: name.into(),
            results,
        });
        let comparison = Comparison::new(&inputs, 0);
        assert_eq!(comparison.core_time_factor(1), None);
        assert!(comparison.text().contains("not normalised to core speed"));
    }
}
