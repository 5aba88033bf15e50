//! "Rust against the article's Python": per workload, the best Rust technique beside the
//! best Python technique of each interpreter (each at its best parameter) and the ratio of
//! their times, as data; the page and its chart are drawn from it. One column per
//! interpreter (`3.11`, `3.13`, `3.13t`, `3.14`: by version, then the GIL build first).
//!
//! Where the parameter changes the amount of work (the counter's workers each add 100_000;
//! the load test's request count grows with connections), "best" and the ratio are per unit
//! of work: the Rust record's declared throughput for the same group and parameter says how
//! many elements an iteration holds, for both languages, since both ran the same workload.
//! When both are best at the same parameter, the ratio is simply Python's median over Rust's.
//!
//! Files are compared only as what they are: a Python file from another machine
//! (fingerprint) or preset is still compared, but with a note on its column saying so, never
//! silently mixed, and [`newest_python`] picks Python files for a Rust run only when both
//! match.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::analysis::{by_group, format_ratio, format_time, text_table};
use crate::model::{Record, Results, interpreter_order};

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

impl Best {
    /// `technique (parameter)`.
    pub fn named(&self) -> String {
        format!("{} ({})", self.technique, self.parameter)
    }
}

/// One interpreter's best on a workload, against Rust's.
#[derive(Clone, Debug, PartialEq)]
pub struct Against {
    /// The fastest Python technique.
    pub python: Best,
    /// Python's time over Rust's, per unit of work (see the module docs): how many times
    /// longer the article's Python takes.
    pub ratio: f64,
}

/// One workload: Rust's best, and each interpreter's.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The criterion group, e.g. `map/primes-1m-r64`.
    pub group: String,
    /// The fastest Rust technique.
    pub rust: Best,
    /// Per column of [`Versus::columns`], the interpreter's best, `None` where it did not
    /// measure the workload.
    pub python: Vec<Option<Against>>,
}

/// One Python file's column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The index of its file in the list given to [`Versus::new`].
    pub input: usize,
    /// The interpreter's short name (`3.13t`).
    pub interpreter: String,
    /// `Python 3.13t`; a second file of one interpreter gets `(2)`, and so on.
    pub heading: String,
    /// Why the file may not compare with the Rust run (another machine, another preset);
    /// `None` when it comes from the same machine and preset.
    pub note: Option<String>,
}

/// The side-by-side table.
#[derive(Clone, Debug, PartialEq)]
pub struct Versus {
    /// The Python files, in interpreter order.
    pub columns: Vec<Column>,
    /// Workloads the Rust run and at least one Python file measured, in group order.
    pub rows: Vec<Row>,
    /// Workloads only Python files measured.
    pub python_only: Vec<String>,
}

/// The short name of a Python file's interpreter ([`crate::model::PythonRun::interpreter`]),
/// `unknown` for a file that does not say what ran it.
pub fn interpreter(python: &Results) -> String {
    (python.run.python.as_ref()).map_or_else(|| "unknown".to_string(), |p| p.interpreter())
}

/// The indices of `pythons` in interpreter order (by version, then the GIL build first;
/// files of one interpreter in the order given).
pub fn interpreter_ordered(pythons: &[&Results]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pythons.len()).collect();
    order.sort_by_cached_key(|&k| interpreter_order(&interpreter(pythons[k])));
    order
}

impl Versus {
    /// Compares a Rust run with Python runs, one column per file in interpreter order.
    pub fn new(rust: &Results, pythons: &[&Results]) -> Versus {
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
        let columns = columns(rust, pythons);
        let python_groups: Vec<BTreeMap<&str, Vec<&Record>>> = (columns.iter())
            .map(|c| by_group(&pythons[c.input].benchmarks))
            .collect();
        let groups: BTreeSet<&str> = python_groups
            .iter()
            .flat_map(|g| g.keys().copied())
            .collect();
        let rust_groups = by_group(&rust.benchmarks);
        let (mut rows, mut python_only) = (Vec::new(), Vec::new());
        for group in groups {
            let Some((rust_unit, rust_best)) = rust_groups.get(group).and_then(|g| fastest(g))
            else {
                python_only.push(group.to_string());
                continue;
            };
            let python = (python_groups.iter())
                .map(|g| {
                    let (unit, python) = fastest(g.get(group)?)?;
                    Some(Against {
                        python,
                        ratio: unit / rust_unit,
                    })
                })
                .collect();
            rows.push(Row {
                group: group.to_string(),
                rust: rust_best,
                python,
            });
        }
        Versus {
            columns,
            rows,
            python_only,
        }
    }

    /// The notes of the columns that have one, each with its heading.
    pub fn notes(&self) -> Vec<String> {
        (self.columns.iter())
            .filter_map(|c| Some(format!("{}: {}", c.heading, c.note.as_ref()?)))
            .collect()
    }
}

/// The columns of `pythons`, in interpreter order, each with its heading and note.
pub(crate) fn columns(rust: &Results, pythons: &[&Results]) -> Vec<Column> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    (interpreter_ordered(pythons).into_iter())
        .map(|k| {
            let interpreter = interpreter(pythons[k]);
            let n = seen.entry(interpreter.clone()).or_default();
            *n += 1;
            let heading = match *n {
                1 => format!("Python {interpreter}"),
                n => format!("Python {interpreter} ({n})"),
            };
            Column {
                input: k,
                heading,
                note: mismatch(rust, pythons[k]),
                interpreter,
            }
        })
        .collect()
}

impl Versus {
    /// The table as text: one line per workload, a column per interpreter, each column's
    /// note first.
    pub fn text(&self) -> String {
        let mut out = String::from("Rust against the article's Python\n");
        for note in self.notes() {
            out.push_str(&format!("note: {note}\n"));
        }
        let mut table = vec![
            ["workload", "best Rust", "median"]
                .map(String::from)
                .into_iter()
                .chain(
                    self.columns
                        .iter()
                        .map(|c| format!("{} (÷ Rust)", c.heading)),
                )
                .collect::<Vec<_>>(),
        ];
        for row in &self.rows {
            let mut line = vec![
                row.group.clone(),
                row.rust.named(),
                format_time(row.rust.median_ns),
            ];
            line.extend(row.python.iter().map(|cell| match cell {
                Some(a) => format!(
                    "{} {} {}",
                    a.python.named(),
                    format_time(a.python.median_ns),
                    format_ratio(a.ratio)
                ),
                None => "–".to_string(),
            }));
            table.push(line);
        }
        out.push_str(&text_table(&table));
        if !self.python_only.is_empty() {
            out.push_str(&format!("Python only: {}\n", self.python_only.join(", ")));
        }
        out
    }
}

/// What `render --python` and `compare` print for Python runs: the table of [`Versus`], then
/// the free-threading section ([`crate::analysis::interpreters::FreeThreading`]) when there
/// is a CPU-bound workload.
pub fn python_text(rust: &Results, pythons: &[&Results]) -> String {
    let mut out = Versus::new(rust, pythons).text();
    let free = crate::analysis::interpreters::FreeThreading::new(rust, pythons);
    if !free.workloads.is_empty() {
        out.push('\n');
        out.push_str(&free.text());
    }
    out
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

/// The newest Python results file of each interpreter in `runs_dir` from the machine
/// (fingerprint) and preset of `rust` whose workloads `rust` measured, by name (names start
/// with the UTC time), in interpreter order. A file without a recorded interpreter counts as
/// the one its version says. Files that do not read are skipped.
pub fn newest_python(runs_dir: &Path, rust: &Results) -> Vec<(PathBuf, Results)> {
    let mut newest: BTreeMap<_, (PathBuf, Results)> = BTreeMap::new();
    for path in crate::fsio::json_files(runs_dir).unwrap_or_default() {
        let Ok(results) = Results::read(&path) else {
            continue;
        };
        let matches = results.run.language() == "python"
            && mismatch(rust, &results).is_none()
            && covers(rust, &results);
        if matches {
            // Files come oldest first: a later one of the same interpreter replaces it.
            newest.insert(interpreter_order(&interpreter(&results)), (path, results));
        }
    }
    newest.into_values().collect()
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
        let versus = Versus::new(&rust, &[&python]);
        assert!(!versus.rows.is_empty() && versus.notes().is_empty());
        let text = versus.text();
        assert!(
            text.contains(&versus.rows[0].group) && text.contains("40.0×"),
            "{text}"
        );
        for row in &versus.rows {
            let against = row.python[0].as_ref().unwrap();
            assert!((against.ratio - 40.0).abs() < 1e-9, "{row:?}");
            assert!(against.python.technique.starts_with("py-"));
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
        let row = Versus::new(&rust, &[&python])
            .rows
            .into_iter()
            .find(|r| r.group == group);
        let row = row.unwrap();
        let against = row.python[0].as_ref().unwrap();
        assert_eq!(against.python.parameter, "big");
        assert!(against.ratio < 10.0, "{row:?}");
    }

    #[test]
    fn another_machine_or_preset_gets_a_note() {
        let rust = results("rust");
        let mut python = slower(&rust, 2.0);
        python.machine.fingerprint = "0000".into();
        let note = Versus::new(&rust, &[&python]).columns[0]
            .note
            .clone()
            .unwrap();
        assert!(
            note.contains("another machine") && note.contains("0000"),
            "{note}"
        );
        python.machine.fingerprint = rust.machine.fingerprint.clone();
        python.run.preset = "quick".into();
        let same = slower(&rust, 2.0);
        let versus = Versus::new(&rust, &[&python, &same]);
        let notes = versus.notes();
        assert_eq!(notes.len(), 1, "only the file that differs: {notes:?}");
        assert!(notes[0].contains("quick preset"), "{notes:?}");
        assert!(versus.text().contains(&format!("note: {}", notes[0])));
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
            newest_python(dir.path(), &rust).is_empty(),
            "another machine is not picked"
        );
        let same = slower(&rust, 3.0);
        same.write(&dir.path().join("20260101T000000Z-x-python.json"))
            .unwrap();
        rust.write(&dir.path().join("20260102T000000Z-x.json"))
            .unwrap();
        let found = newest_python(dir.path(), &rust);
        let [(path, found)] = &found[..] else {
            panic!("one file: {found:?}")
        };
        assert!(path.ends_with("20260101T000000Z-x-python.json"));
        assert_eq!(found.run.language(), "python");
        // A Rust run filtered to one group is not set against the whole Python run.
        let mut one_row = rust.clone();
        let first = one_row.benchmarks[0].group.clone();
        one_row.benchmarks.retain(|b| b.group == first);
        one_row.run.command_line = format!("cargo bench -- --bench {first}/");
        assert!(!covers(&one_row, &same));
        assert!(newest_python(dir.path(), &one_row).is_empty());
        assert_eq!(one_row.run.filter(), Some(format!("{first}/").as_str()));
        let (latest, complete) = newest_rust(dir.path()).unwrap();
        assert!(latest.ends_with("20260102T000000Z-x.json"));
        assert_eq!(complete, rust.run.complete());
    }

    #[test]
    fn each_interpreter_is_a_column_in_version_order() {
        let (rust, pythons) = crate::analysis::interpreters::tests::three_interpreters();
        let refs: Vec<&Results> = pythons.iter().collect();
        let versus = Versus::new(&rust, &refs);
        let headings: Vec<&str> = versus.columns.iter().map(|c| c.heading.as_str()).collect();
        assert_eq!(headings, ["Python 3.11", "Python 3.13", "Python 3.13t"]);
        let inputs: Vec<usize> = versus.columns.iter().map(|c| c.input).collect();
        assert_eq!(inputs, [1, 2, 0], "each column knows its file");
        let server = (versus.rows.iter())
            .find(|r| r.group == "io/web-server")
            .unwrap();
        assert!(
            server
                .python
                .iter()
                .all(|a| (a.as_ref().unwrap().ratio - 30.0).abs() < 1e-9)
        );
        let primes = (versus.rows.iter())
            .find(|r| r.group == crate::analysis::interpreters::tests::GROUP)
            .unwrap();
        let best: Vec<&str> = (primes.python.iter())
            .map(|a| a.as_ref().unwrap().python.technique.as_str())
            .collect();
        assert_eq!(
            best,
            ["process-pool-map", "process-pool-map", "thread-per-task"]
        );
        // A workload some interpreters lack is a dash; one the Rust run lacks is Python-only.
        let chunk = (versus.rows.iter())
            .find(|r| r.group == crate::analysis::interpreters::tests::CHUNK)
            .unwrap();
        assert!(chunk.python[0].is_none() && chunk.python[1].is_some());
        assert!(versus.python_only.is_empty());
        let mut fewer = rust.clone();
        fewer.benchmarks.retain(|r| r.group != chunk.group);
        let only = Versus::new(&fewer, &refs).python_only;
        assert_eq!(only, std::slice::from_ref(&chunk.group));
        let text = versus.text();
        assert!(
            text.contains("Python 3.13t (÷ Rust)") && text.contains("30.0×"),
            "{text}"
        );
        // Two files of one interpreter stay apart.
        let twice = Versus::new(&rust, &[&pythons[1], &pythons[1]]);
        let headings: Vec<&str> = twice.columns.iter().map(|c| c.heading.as_str()).collect();
        assert_eq!(headings, ["Python 3.11", "Python 3.11 (2)"]);
    }

    #[test]
    fn the_newest_file_of_each_interpreter_is_picked() {
        let dir = tempfile::tempdir().unwrap();
        let (rust, pythons) = crate::analysis::interpreters::tests::three_interpreters();
        let [free, old, new] = &pythons[..] else {
            unreachable!()
        };
        // An older 3.11 file, written before the interpreter was recorded: its version says.
        let mut older = old.clone();
        older.run.python.as_mut().unwrap().interpreter.clear();
        older
            .write(&dir.path().join("20260101T000000Z-x-python.json"))
            .unwrap();
        old.write(&dir.path().join("20260102T000000Z-x-python-3.11.json"))
            .unwrap();
        new.write(&dir.path().join("20260101T000000Z-x-python-3.13.json"))
            .unwrap();
        free.write(&dir.path().join("20260101T000000Z-x-python-3.13t.json"))
            .unwrap();
        let mut other = free.clone();
        other.machine.fingerprint = "elsewhere".into();
        other
            .write(&dir.path().join("20990101T000000Z-x-python-3.13t.json"))
            .unwrap();
        let found = newest_python(dir.path(), &rust);
        let names: Vec<String> = (found.iter())
            .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "20260102T000000Z-x-python-3.11.json",
                "20260101T000000Z-x-python-3.13.json",
                "20260101T000000Z-x-python-3.13t.json"
            ]
        );
        std::fs::remove_file(dir.path().join("20260102T000000Z-x-python-3.11.json")).unwrap();
        let found = newest_python(dir.path(), &rust);
        assert!(
            found[0].0.ends_with("20260101T000000Z-x-python.json"),
            "{:?}",
            found[0].0
        );
        assert_eq!(interpreter(&found[0].1), "3.11");
    }
}
