//! "Rust against the article's Python": per workload, the best Rust technique beside the
//! best Python technique (each at its best parameter) and the ratio of their times, as
//! data; the page and its chart are drawn from it.
//!
//! Where the parameter changes the amount of work (the counter's workers each add 100_000;
//! the load test's request count grows with connections), "best" and the ratio are per unit
//! of work: the Rust record's declared throughput for the same group and parameter says how
//! many elements an iteration holds, for both languages, since both ran the same workload.
//! When both are best at the same parameter, the ratio is simply Python's median over Rust's.
//!
//! Two files are compared only as what they are: a Python file from another machine
//! (fingerprint) or preset is still compared, but with a note saying so, never silently
//! mixed, and [`newest_python`] picks a Python file for a Rust run only when both match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analysis::{by_group, format_ratio, format_time};
use crate::model::{Record, Results};

/// The best technique of one language on one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Best {
    /// The technique id.
    pub technique: String,
    /// The parameter it was fastest at (worker count, connections, size).
    pub parameter: String,
    /// Its median time per iteration, nanoseconds.
    pub median_ns: f64,
}

/// One workload in both languages.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The criterion group, e.g. `map/primes-1m-r64`.
    pub group: String,
    /// The fastest Rust technique.
    pub rust: Best,
    /// The fastest Python technique.
    pub python: Best,
    /// Python's time over Rust's, per unit of work (see the module docs): how many times
    /// longer the article's Python takes.
    pub ratio: f64,
}

/// The side-by-side table.
#[derive(Clone, Debug, PartialEq)]
pub struct Versus {
    /// Workloads both files measured, in group order.
    pub rows: Vec<Row>,
    /// Why the two files may not compare (another machine, another preset); `None` when
    /// they come from the same machine and preset.
    pub note: Option<String>,
    /// Workloads only the Python file measured.
    pub python_only: Vec<String>,
}

impl Versus {
    /// Compares a Rust run with a Python run.
    pub fn new(rust: &Results, python: &Results) -> Versus {
        let rust_groups = by_group(&rust.benchmarks);
        let work: BTreeMap<(&str, &str), f64> = (rust.benchmarks.iter())
            .filter_map(|r| {
                let elements = r.throughput.as_ref()?.per_iteration;
                (elements > 0.0).then_some(((r.group.as_str(), r.parameter.as_str()), elements))
            })
            .collect();
        let fastest = |records: &[&Record]| {
            (records.iter())
                .map(|r| {
                    let units = work.get(&(r.group.as_str(), r.parameter.as_str()));
                    (r.median.point_ns / units.copied().unwrap_or(1.0), best(r))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
        };
        let mut rows = Vec::new();
        let mut python_only = Vec::new();
        for (group, records) in by_group(&python.benchmarks) {
            let rs = rust_groups.get(group).and_then(|g| fastest(g));
            match (rs, fastest(&records)) {
                (Some((rust_unit, rust)), Some((python_unit, python))) => rows.push(Row {
                    group: group.to_string(),
                    ratio: python_unit / rust_unit,
                    rust,
                    python,
                }),
                _ => python_only.push(group.to_string()),
            }
        }
        Versus {
            rows,
            note: mismatch(rust, python),
            python_only,
        }
    }
}

impl Versus {
    /// The table as text: one line per workload, the note first when there is one.
    pub fn text(&self) -> String {
        let mut out = String::from("Rust against the article's Python\n");
        if let Some(note) = &self.note {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str(&format!(
            "{:<28} {:<32} {:>10}  {:<36} {:>10}  {:>9}\n",
            "workload", "best Rust", "median", "best Python", "median", "Py / Rust"
        ));
        for row in &self.rows {
            let named = |b: &Best| format!("{} ({})", b.technique, b.parameter);
            out.push_str(&format!(
                "{:<28} {:<32} {:>10}  {:<36} {:>10}  {:>9}\n",
                row.group,
                named(&row.rust),
                format_time(row.rust.median_ns),
                named(&row.python),
                format_time(row.python.median_ns),
                format_ratio(row.ratio)
            ));
        }
        if !self.python_only.is_empty() {
            out.push_str(&format!("Python only: {}\n", self.python_only.join(", ")));
        }
        out
    }
}

fn best(r: &Record) -> Best {
    Best {
        technique: r.technique.clone(),
        parameter: r.parameter.clone(),
        median_ns: r.median.point_ns,
    }
}

/// What makes the two files incomparable, in words, or `None`.
pub fn mismatch(rust: &Results, python: &Results) -> Option<String> {
    let mut problems = Vec::new();
    if rust.machine.fingerprint != python.machine.fingerprint {
        problems.push(format!(
            "the Python file comes from another machine ({}, {}, fingerprint {}) than the Rust run ({}, {}, fingerprint {})",
            python.machine.label,
            python.machine.cpu_model,
            python.machine.fingerprint,
            rust.machine.label,
            rust.machine.cpu_model,
            rust.machine.fingerprint
        ));
    }
    if rust.run.preset != python.run.preset {
        problems.push(format!(
            "the Python file ran the {} preset, the Rust run the {} preset: the workloads differ in size",
            python.run.preset, rust.run.preset
        ));
    }
    (!problems.is_empty())
        .then(|| format!("Not comparable as they stand: {}.", problems.join("; ")))
}

/// The newest Python results file in `runs_dir` from the machine (fingerprint) and preset
/// of `rust`, by name (names start with the UTC time). Files that do not read are skipped.
pub fn newest_python(runs_dir: &Path, rust: &Results) -> Option<(PathBuf, Results)> {
    crate::fsio::json_files(runs_dir)?
        .into_iter()
        .rev()
        .find_map(|path| {
            let results = Results::read(&path).ok()?;
            let matches = results.run.language() == "python"
                && mismatch(rust, &results).is_none()
                && covers(rust, &results);
            matches.then_some((path, results))
        })
}

/// Whether `rust` measured every workload of `python`: a filtered Rust run (one row) is
/// not set against a whole Python run.
pub fn covers(rust: &Results, python: &Results) -> bool {
    let groups: std::collections::BTreeSet<&str> =
        rust.benchmarks.iter().map(|b| b.group.as_str()).collect();
    python
        .benchmarks
        .iter()
        .all(|b| groups.contains(b.group.as_str()))
}

/// The newest Rust results file in `runs_dir` that measured every benchmark of its preset
/// (no filter, not stopped early), else the newest Rust one at all, and whether it is
/// complete (the `render --latest` choice, which says which it took).
pub fn newest_rust(runs_dir: &Path) -> Option<(PathBuf, bool)> {
    let rust: Vec<(PathBuf, Results)> = crate::fsio::json_files(runs_dir)?
        .into_iter()
        .rev()
        .filter_map(|path| Results::read(&path).ok().map(|r| (path, r)))
        .filter(|(_, r)| r.run.language() == "rust")
        .collect();
    let complete = rust.iter().find(|(_, r)| r.run.complete());
    complete
        .map(|(path, _)| (path.clone(), true))
        .or_else(|| rust.first().map(|(path, _)| (path.clone(), false)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(language: &str) -> Results {
        let mut r = Results::parse(include_str!("../../tests/data/results.json")).unwrap();
        r.run.language = Some(language.to_string());
        r
    }

    /// The same groups as `rust`, each technique `factor` times slower, renamed.
    fn slower(rust: &Results, factor: f64) -> Results {
        let mut py = rust.clone();
        py.run.language = Some("python".into());
        for b in &mut py.benchmarks {
            b.technique = format!("py-{}", b.technique);
            b.id = format!("{}/{}/{}", b.group, b.technique, b.parameter);
            b.median.point_ns *= factor;
        }
        py
    }

    #[test]
    fn each_workload_pairs_the_best_of_both_with_the_ratio() {
        let rust = results("rust");
        let python = slower(&rust, 40.0);
        let versus = Versus::new(&rust, &python);
        assert!(!versus.rows.is_empty() && versus.note.is_none());
        let text = versus.text();
        assert!(
            text.contains(&versus.rows[0].group) && text.contains("40.0×"),
            "{text}"
        );
        for row in &versus.rows {
            assert!((row.ratio - 40.0).abs() < 1e-9, "{row:?}");
            assert!(row.python.technique.starts_with("py-"));
            let group: Vec<&Record> = (rust.benchmarks.iter())
                .filter(|r| r.group == row.group)
                .collect();
            let fastest = group
                .iter()
                .map(|r| r.median.point_ns)
                .fold(f64::MAX, f64::min);
            assert_eq!(row.rust.median_ns, fastest);
        }
    }

    #[test]
    fn more_work_per_iteration_is_compared_per_unit_of_work() {
        let rust = results("rust");
        let group = rust.benchmarks[0].group.clone();
        let mut python = slower(&rust, 10.0);
        python.benchmarks.retain(|r| r.group == group);
        python.benchmarks.truncate(1);
        let mut bigger = python.benchmarks[0].clone();
        // Twice the median at a parameter whose iterations hold 4x the work: faster per unit.
        bigger.parameter = "big".into();
        bigger.id = format!("{group}/{}/big", bigger.technique);
        bigger.median.point_ns *= 2.0;
        python.benchmarks.push(bigger.clone());
        let mut rust = rust;
        let mut big_rust = rust.benchmarks[0].clone();
        big_rust.parameter = "big".into();
        big_rust.id = format!("{group}/{}/big", big_rust.technique);
        big_rust.median.point_ns = f64::MAX / 4.0;
        let base = rust.benchmarks[0]
            .throughput
            .clone()
            .unwrap_or(crate::model::Throughput {
                unit: "elements".into(),
                per_iteration: 1.0,
                per_second: 1.0,
            });
        rust.benchmarks[0].throughput = Some(base.clone());
        big_rust.throughput = Some(crate::model::Throughput {
            per_iteration: base.per_iteration * 4.0,
            ..base
        });
        rust.benchmarks.push(big_rust);
        let row = Versus::new(&rust, &python)
            .rows
            .into_iter()
            .find(|r| r.group == group);
        let row = row.unwrap();
        assert_eq!(row.python.parameter, "big");
        assert!(row.ratio < 10.0, "{row:?}");
    }

    #[test]
    fn another_machine_or_preset_gets_a_note() {
        let rust = results("rust");
        let mut python = slower(&rust, 2.0);
        python.machine.fingerprint = "0000".into();
        let note = Versus::new(&rust, &python).note.unwrap();
        assert!(
            note.contains("another machine") && note.contains("0000"),
            "{note}"
        );
        python.machine.fingerprint = rust.machine.fingerprint.clone();
        python.run.preset = "quick".into();
        let note = Versus::new(&rust, &python).note.unwrap();
        assert!(note.contains("quick preset"), "{note}");
    }

    #[test]
    fn the_newest_matching_python_file_is_found_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let rust = results("rust");
        let mut other = slower(&rust, 2.0);
        other.machine.fingerprint = "elsewhere".into();
        other
            .write(&dir.path().join("20990101T000000Z-x-python.json"))
            .unwrap();
        assert!(
            newest_python(dir.path(), &rust).is_none(),
            "another machine is not picked"
        );
        let same = slower(&rust, 3.0);
        same.write(&dir.path().join("20260101T000000Z-x-python.json"))
            .unwrap();
        rust.write(&dir.path().join("20260102T000000Z-x.json"))
            .unwrap();
        let (path, found) = newest_python(dir.path(), &rust).unwrap();
        assert!(path.ends_with("20260101T000000Z-x-python.json"));
        assert_eq!(found.run.language(), "python");
        // A Rust run filtered to one group is not set against the whole Python run.
        let mut one_row = rust.clone();
        let first = one_row.benchmarks[0].group.clone();
        one_row.benchmarks.retain(|b| b.group == first);
        one_row.run.command_line = format!("cargo bench -- --bench {first}/");
        assert!(!covers(&one_row, &same));
        assert!(newest_python(dir.path(), &one_row).is_none());
        assert_eq!(one_row.run.filter(), Some(format!("{first}/").as_str()));
        let (latest, complete) = newest_rust(dir.path()).unwrap();
        assert!(latest.ends_with("20260102T000000Z-x.json"));
        assert_eq!(complete, rust.run.complete());
    }
}
