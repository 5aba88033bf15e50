//! "Does free-threading change the answer?": for each CPU-bound map workload (`map/primes-*`,
//! `map/squares-*`, `map/chunk-mean-*`), each interpreter's best technique (at its worker
//! count) and its speedup over that interpreter's own `sequential/1` row, the best
//! thread-kind row (the one free-threading changes), and Rust's best beside them; then a
//! verdict per workload from each free-threaded interpreter and its GIL twin (`3.13t` and
//! `3.13`): whether the best technique's kind differs.
//!
//! A speedup's interval is the paired one where the row has pairs (Rust), else from the two
//! medians' 95% intervals (lower: the sequential row's lower bound over the row's upper;
//! upper: the other way round; see [`crate::analysis::speedup_interval`]). A speedup whose
//! interval lies wholly above the CPUs its file's run could use ([`crate::model::Machine::run_cpus`])
//! is impossible on that machine: it is listed as such, never taken as the best.
//! An interpreter without the workload says why from its `absent` list, else "not measured";
//! a workload only the Rust run measured is shown where a Python file left it out whole.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::versus::{Column, columns};
use crate::analysis::{baseline, by_group, format_ratio, speedup_interval, three_digits};
use crate::model::{Kind, Ratio, Record, Results};

/// The groups this section covers: the CPU-bound map workloads.
pub const CPU_BOUND_GROUPS: [&str; 3] = ["map/primes-", "map/squares-", "map/chunk-mean-"];

/// Whether `group` is one of [`CPU_BOUND_GROUPS`].
pub fn cpu_bound(group: &str) -> bool {
    CPU_BOUND_GROUPS.iter().any(|p| group.starts_with(p))
}

/// A row and its speedup over its own sequential row.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The benchmark id.
    pub id: String,
    /// The technique id.
    pub technique: String,
    /// Its worker count.
    pub parameter: String,
    /// What the technique pays for.
    pub kind: Kind,
    /// Its speedup over `sequential/1`, with the 95% interval.
    pub speedup: Ratio,
}

impl Choice {
    /// `thread-pool-executor (2), 1.90×`.
    pub fn short(&self) -> String {
        format!(
            "{} ({}), {}",
            self.technique,
            self.parameter,
            format_ratio(self.speedup.point)
        )
    }

    /// `thread-pool-executor (2): 1.90× [1.70–2.10]`.
    pub fn long(&self) -> String {
        format!(
            "{} ({}): {} [{}–{}]",
            self.technique,
            self.parameter,
            format_ratio(self.speedup.point),
            three_digits(self.speedup.lower),
            three_digits(self.speedup.upper)
        )
    }
}

/// One file's answer on one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The row with the largest speedup that is possible on the file's CPUs (`None` when
    /// none is).
    pub best: Option<Choice>,
    /// The thread-kind row with the largest possible speedup.
    pub thread: Option<Choice>,
    /// Rows whose speedup's interval lies wholly above `cpus`: impossible on that machine.
    pub impossible: Vec<Choice>,
    /// The CPUs the file's run could use.
    pub cpus: u64,
}

impl Measured {
    /// What to show, a line each: the best, the best thread row, then each impossible row;
    /// `true` marks a line that flags a row instead of reporting one.
    pub fn lines(&self) -> Vec<(String, bool)> {
        let mut lines = vec![match &self.best {
            Some(best) => self.said("best", best),
            None => (
                format!(
                    "no row is possible on {} CPUs: the sequential row is suspect",
                    self.cpus
                ),
                true,
            ),
        }];
        match &self.thread {
            Some(t) if Some(t) == self.best.as_ref() => {
                lines.push(("threads: the best".to_string(), false));
            }
            Some(t) => lines.push(self.said("threads", t)),
            None => lines.push(("threads: no thread row".to_string(), false)),
        }
        lines.extend(self.impossible.iter().map(|c| {
            let flag = format!(
                "impossible on this machine ({} CPUs), left out: {}",
                self.cpus,
                c.long()
            );
            (flag, true)
        }));
        lines
    }

    /// `what: choice`, flagged with why when its point lies above the CPUs (its interval
    /// reaching below them, or it would be impossible): a figure no machine of these CPUs
    /// gives is not shown bare.
    fn said(&self, what: &str, choice: &Choice) -> (String, bool) {
        match choice.speedup.point > self.cpus as f64 {
            true => (
                format!(
                    "{what}: {}, above what {} CPUs allow (within its noise: the sequential row, timed apart, ran slow)",
                    choice.long(),
                    self.cpus
                ),
                true,
            ),
            false => (format!("{what}: {}", choice.long()), false),
        }
    }
}

/// One file on one workload: measured, or why not.
#[derive(Clone, Debug, PartialEq)]
pub enum Side {
    /// The file measured the workload and its sequential row.
    Measured(Box<Measured>),
    /// Why there is nothing to show: the interpreter's `absent` entry, "not measured", or
    /// no sequential row.
    Missing(String),
}

impl Side {
    fn best(&self) -> Option<&Choice> {
        match self {
            Side::Measured(m) => m.best.as_ref(),
            Side::Missing(_) => None,
        }
    }

    /// [`Measured::lines`], or the reason as one line.
    pub fn lines(&self) -> Vec<(String, bool)> {
        match self {
            Side::Measured(m) => m.lines(),
            Side::Missing(why) => vec![(why.clone(), false)],
        }
    }
}

/// One CPU-bound workload on every interpreter and in Rust.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The criterion group.
    pub group: String,
    /// Rust's answer.
    pub rust: Side,
    /// Each interpreter's, per column of [`FreeThreading::columns`].
    pub python: Vec<Side>,
    /// One line: what free-threading changes here.
    pub verdict: String,
    /// Rows of this workload after whose runs a free-threaded interpreter had the GIL
    /// enabled, a sentence per interpreter.
    pub gil_enabled: Vec<String>,
}

/// The section's data.
#[derive(Clone, Debug, PartialEq)]
pub struct FreeThreading {
    /// The Python files, in interpreter order (as [`crate::analysis::versus::Versus`]).
    pub columns: Vec<Column>,
    /// The CPU-bound workloads any Python file measured or left out, in group order.
    pub workloads: Vec<Workload>,
}

impl FreeThreading {
    /// The section for a Rust run and Python runs.
    pub fn new(rust: &Results, pythons: &[&Results]) -> FreeThreading {
        let columns = columns(rust, pythons);
        let grouped: Vec<BTreeMap<&str, Vec<&Record>>> = (columns.iter())
            .map(|c| by_group(&pythons[c.input].benchmarks))
            .collect();
        let rust_groups = by_group(&rust.benchmarks);
        // A workload some Python file measured, or one the Rust run measured that a Python
        // file left out whole.
        let left_out = (columns.iter())
            .filter_map(|c| pythons[c.input].run.python.as_ref())
            .flat_map(|p| p.absent.iter().map(|a| a.rows.as_str()))
            .filter(|g| rust_groups.contains_key(g));
        let groups: BTreeSet<&str> = (grouped.iter().flat_map(|g| g.keys().copied()))
            .chain(left_out)
            .filter(|g| cpu_bound(g))
            .collect();
        let workloads = (groups.into_iter())
            .map(|group| {
                let rust_side = side(rust, rust_groups.get(group), || None);
                let python: Vec<Side> = (columns.iter().zip(&grouped))
                    .map(|(c, g)| {
                        let file = pythons[c.input];
                        let why = || {
                            let py = file.run.python.as_ref()?;
                            py.why_absent(group, None).map(|w| format!("left out: {w}"))
                        };
                        side(file, g.get(group), why)
                    })
                    .collect();
                Workload {
                    group: group.to_string(),
                    verdict: verdict(&columns, &python),
                    gil_enabled: gil_enabled(group, &columns, pythons),
                    rust: rust_side,
                    python,
                }
            })
            .collect();
        FreeThreading { columns, workloads }
    }

    /// The section as text: a block per workload, a line per file, then the verdict.
    pub fn text(&self) -> String {
        let mut out = String::from(
            "Does free-threading change the answer? (best row and its speedup over the same interpreter's sequential/1, 95% interval; threads: the best thread row)\n",
        );
        let width = (self.columns.iter().map(|c| c.heading.len()))
            .chain([4])
            .max()
            .unwrap_or(4);
        for w in &self.workloads {
            out.push_str(&format!("{}\n", w.group));
            let sides = std::iter::once(("Rust", &w.rust))
                .chain((self.columns.iter().map(|c| c.heading.as_str())).zip(&w.python));
            for (name, side) in sides {
                let lines: Vec<String> = side.lines().into_iter().map(|(l, _)| l).collect();
                out.push_str(&format!("  {name:<width$}  {}\n", lines.join("; ")));
            }
            out.push_str(&format!("  verdict: {}\n", w.verdict));
            for line in &w.gil_enabled {
                out.push_str(&format!("  note: {line}\n"));
            }
        }
        out
    }
}

/// One file's answer on a workload it holds `records` of, or why there is none (`why`,
/// else "not measured").
fn side(
    file: &Results,
    records: Option<&Vec<&Record>>,
    why: impl FnOnce() -> Option<String>,
) -> Side {
    let Some(records) = records else {
        return Side::Missing(why().unwrap_or_else(|| "not measured".to_string()));
    };
    if baseline(records).is_none() {
        return Side::Missing("no sequential/1 row to measure a speedup against".to_string());
    }
    let cpus = file.machine.run_cpus();
    let choices = (records.iter()).filter_map(|r| {
        let speedup = speedup_interval(records, r)?;
        Some(Choice {
            id: r.id.clone(),
            technique: r.technique.clone(),
            parameter: r.parameter.clone(),
            kind: r.kind,
            speedup,
        })
    });
    let (impossible, possible): (Vec<Choice>, Vec<Choice>) =
        choices.partition(|c| c.speedup.lower > cpus as f64);
    let fastest = |kind: Option<Kind>| {
        (possible.iter())
            .filter(|c| kind.is_none_or(|k| c.kind == k))
            .max_by(|a, b| a.speedup.point.total_cmp(&b.speedup.point))
            .cloned()
    };
    Side::Measured(Box::new(Measured {
        best: fastest(None),
        thread: fastest(Some(Kind::Thread)),
        impossible,
        cpus,
    }))
}

/// `threads`, `processes`, ...: a kind as the verdict says it.
fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Sequential => "no concurrency",
        Kind::Thread => "threads",
        Kind::Process => "processes",
        Kind::Async => "async tasks",
    }
}

/// Per free-threaded interpreter with its GIL twin (`3.13t` and `3.13`), whether the best
/// technique's kind differs; the pairs joined with `; `.
fn verdict(columns: &[Column], sides: &[Side]) -> String {
    let mut parts = Vec::new();
    for (k, column) in columns.iter().enumerate() {
        let Some(twin) = column.interpreter.strip_suffix('t') else {
            continue;
        };
        let Some(j) = columns.iter().position(|c| c.interpreter == twin) else {
            parts.push(format!(
                "{} has no GIL twin ({twin}) here to compare with",
                column.heading
            ));
            continue;
        };
        parts.push(match (sides[k].best(), sides[j].best()) {
            (Some(free), Some(gil)) if free.kind != gil.kind => format!(
                "free-threading changes the answer on {twin}: {} ({}) instead of {} ({})",
                kind_words(free.kind),
                free.short(),
                kind_words(gil.kind),
                gil.short()
            ),
            (Some(free), Some(gil)) => format!(
                "same answer on {} and {twin}: {} ({}; {})",
                column.interpreter,
                kind_words(free.kind),
                free.short(),
                gil.short()
            ),
            _ => format!("no verdict on {twin}: a best row on both builds is needed",),
        });
    }
    match parts.is_empty() {
        true => "no free-threaded interpreter measured".to_string(),
        false => parts.join("; "),
    }
}

/// A sentence per free-threaded interpreter with rows of `group` in its `gil_enabled_rows`.
fn gil_enabled(group: &str, columns: &[Column], pythons: &[&Results]) -> Vec<String> {
    let prefix = format!("{group}/");
    (columns.iter())
        .filter_map(|c| {
            let python = pythons[c.input].run.python.as_ref()?;
            let rows: Vec<&str> = (python.gil_enabled_rows.iter())
                .filter(|id| id.starts_with(&prefix))
                .map(String::as_str)
                .collect();
            (!rows.is_empty()).then(|| {
                format!(
                    "{}: the GIL was enabled after the runs of {}: those rows did not run free-threaded throughout",
                    c.heading,
                    rows.join(", ")
                )
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Absent, Estimate, PythonRun};

    /// The group every fixture row is in: a CPU-bound workload of `tests/data/results.json`.
    pub(crate) const GROUP: &str = "map/primes-100k-r4";
    /// A second CPU-bound workload, measured by some interpreters only.
    pub(crate) const CHUNK: &str = "map/chunk-mean-1m-c10";

    fn row(group: &str, technique: &str, workers: &str, kind: Kind, median_ms: f64) -> Record {
        let e = |f: f64| Estimate {
            point_ns: median_ms * 1e6 * f,
            lower_ns: median_ms * 1e6 * f * 0.97,
            upper_ns: median_ms * 1e6 * f * 1.03,
        };
        Record::new(
            (group, technique, workers),
            kind,
            (e(1.0), e(1.0), e(0.02)),
            10,
        )
    }

    fn python_run(interpreter: &str, build: &str) -> PythonRun {
        PythonRun {
            version: format!("{}.5 (64-bit)", interpreter.trim_end_matches('t')),
            implementation: "cpython".into(),
            gil: if build == "gil" {
                "enabled"
            } else {
                "disabled"
            }
            .into(),
            start_method: "fork".into(),
            pyperf: "2.11.0".into(),
            tiers: vec!["fast: 1 process(es) x 3 values, 0 warmup(s), 1 loop(s)".into()],
            interpreter: interpreter.into(),
            build: build.into(),
            absent: Vec::new(),
            notes: Vec::new(),
            gil_enabled_rows: Vec::new(),
        }
    }

    /// The Rust run of `tests/data/results.json` (2 CPUs) with a sequential row added to
    /// [`GROUP`] and [`CHUNK`] measured (rayon wins), and three Python runs of its machine and preset, given out of order:
    /// 3.13t (threads win: 1.90×; one impossible row; the GIL came back after one row's
    /// runs), 3.11 and 3.13 (processes win), each also with the Rust run's web-server
    /// rows 30 times slower; [`CHUNK`] on 3.13 and 3.13t only, 3.11 leaving it out.
    pub(crate) fn three_interpreters() -> (Results, Vec<Results>) {
        let mut rust = Results::parse(include_str!("../../tests/data/results.json")).unwrap();
        rust.run.language = Some("rust".into());
        let mut seq = row(GROUP, "sequential", "1", Kind::Sequential, 16.0);
        seq.throughput = rust
            .benchmarks
            .iter()
            .find(|r| r.group == GROUP)
            .unwrap()
            .throughput
            .clone();
        rust.benchmarks.push(seq);
        rust.benchmarks.extend([
            row(CHUNK, "sequential", "1", Kind::Sequential, 1.0),
            row(CHUNK, "rayon", "2", Kind::Thread, 0.55),
        ]);
        rust.benchmarks.sort_by(|a, b| a.id.cmp(&b.id));
        let server: Vec<Record> = (rust.benchmarks.iter())
            .filter(|r| r.group.starts_with("io/"))
            .map(|r| {
                let mut r = r.clone();
                r.median.point_ns *= 30.0;
                r
            })
            .collect();
        let python = |interpreter: &str, build: &str, rows: &[(&str, &str, &str, Kind, f64)]| {
            let mut py = rust.clone();
            py.run.language = Some("python".into());
            py.run.python = Some(python_run(interpreter, build));
            py.benchmarks = server.clone();
            py.benchmarks
                .extend(rows.iter().map(|(g, t, w, k, m)| row(g, t, w, *k, *m)));
            py.benchmarks.sort_by(|a, b| a.id.cmp(&b.id));
            py
        };
        use Kind::{Process, Sequential, Thread};
        let mut free = python(
            "3.13t",
            "free-threaded",
            &[
                (GROUP, "sequential", "1", Sequential, 110.0),
                (GROUP, "thread-pool-executor", "2", Thread, 110.0 / 1.9),
                (GROUP, "process-pool-map", "2", Process, 110.0 / 1.6),
                (GROUP, "thread-per-task", "1", Thread, 110.0 / 5.5),
                (CHUNK, "sequential", "1", Sequential, 50.0),
                (CHUNK, "process-pool-map", "2", Process, 40.0),
            ],
        );
        let py = free.run.python.as_mut().unwrap();
        py.gil_enabled_rows = vec![format!("{GROUP}/thread-pool-executor/2")];
        py.notes = vec!["aiohttp runs without its C extensions here".into()];
        let gil = |interpreter: &str, chunk: bool| {
            let mut rows = vec![
                (GROUP, "sequential", "1", Sequential, 100.0),
                (GROUP, "thread-pool-executor", "2", Thread, 105.0),
                (GROUP, "process-pool-map", "2", Process, 100.0 / 1.65),
            ];
            if chunk {
                rows.extend([
                    (CHUNK, "sequential", "1", Sequential, 45.0),
                    (CHUNK, "process-pool-map", "2", Process, 38.0),
                ]);
            }
            python(interpreter, "gil", &rows)
        };
        let mut old = gil("3.11", false);
        old.run.python.as_mut().unwrap().absent = vec![Absent {
            rows: CHUNK.into(),
            why: "numpy is not installed for this interpreter".into(),
        }];
        let new = gil("3.13", true);
        (rust, vec![free, old, new])
    }

    fn python_side(side: &Side) -> &Measured {
        match side {
            Side::Measured(m) => m,
            Side::Missing(why) => panic!("missing: {why}"),
        }
    }

    #[test]
    fn free_threading_changes_the_answer_where_threads_win_on_the_free_threaded_twin() {
        let (rust, pythons) = three_interpreters();
        let refs: Vec<&Results> = pythons.iter().collect();
        let section = FreeThreading::new(&rust, &refs);
        let names: Vec<&str> = section
            .columns
            .iter()
            .map(|c| c.interpreter.as_str())
            .collect();
        assert_eq!(
            names,
            ["3.11", "3.13", "3.13t"],
            "ordered by version, then build"
        );
        let groups: Vec<&str> = section.workloads.iter().map(|w| w.group.as_str()).collect();
        assert_eq!(groups, [CHUNK, GROUP], "CPU-bound workloads only, not io/*");
        let primes = &section.workloads[1];
        let free = python_side(&primes.python[2]);
        let best = free.best.as_ref().unwrap();
        assert_eq!(
            (best.technique.as_str(), best.kind),
            ("thread-pool-executor", Kind::Thread)
        );
        assert!((best.speedup.point - 1.9).abs() < 1e-9, "{best:?}");
        // The interval comes from both medians' intervals: 0.97/1.03 and 1.03/0.97 of 1.9.
        assert!((best.speedup.lower - 1.9 * 0.97 / 1.03).abs() < 1e-9);
        assert!((best.speedup.upper - 1.9 * 1.03 / 0.97).abs() < 1e-9);
        let gil = python_side(&primes.python[1]);
        assert_eq!(gil.best.as_ref().unwrap().kind, Kind::Process);
        assert_eq!(
            gil.thread.as_ref().unwrap().technique,
            "thread-pool-executor"
        );
        assert!(
            primes.verdict.starts_with(
                "free-threading changes the answer on 3.13: threads (thread-pool-executor (2), 1.90×) instead of processes (process-pool-map (2), 1.65×)"
            ),
            "{}",
            primes.verdict
        );
        let rust_side = python_side(&primes.rust);
        assert_eq!(rust_side.best.as_ref().unwrap().kind, Kind::Process);
        assert!(
            section.workloads[0]
                .verdict
                .starts_with("same answer on 3.13t and 3.13: processes")
        );
        assert_eq!(primes.gil_enabled.len(), 1);
        assert!(
            primes.gil_enabled[0].contains("thread-pool-executor/2"),
            "{:?}",
            primes.gil_enabled
        );
        assert!(section.workloads[0].gil_enabled.is_empty());
    }

    #[test]
    fn a_speedup_above_the_machines_cpus_is_flagged_never_the_best() {
        let (rust, pythons) = three_interpreters();
        let section = FreeThreading::new(&rust, &[&pythons[0]]);
        let free = python_side(&section.workloads[1].python[0]);
        assert_eq!(free.cpus, 2);
        let ids: Vec<&str> = free
            .impossible
            .iter()
            .map(|c| c.technique.as_str())
            .collect();
        assert_eq!(ids, ["thread-per-task"], "5.5× on 2 CPUs");
        assert_ne!(free.best.as_ref().unwrap().technique, "thread-per-task");
        let text = section.text();
        assert!(
            text.contains(
                "impossible on this machine (2 CPUs), left out: thread-per-task (1): 5.50×"
            ),
            "{text}"
        );
        assert!(text.contains("3.13t has no GIL twin (3.13) here"), "{text}");
    }

    #[test]
    fn a_best_above_the_cpus_within_its_noise_is_flagged_not_shown_bare() {
        let choice = |point: f64, lower: f64| Choice {
            id: "map/p/process-pool-map/4".into(),
            technique: "process-pool-map".into(),
            parameter: "4".into(),
            kind: Kind::Process,
            speedup: Ratio {
                point,
                lower,
                upper: point * 1.1,
            },
        };
        let measured = |best: Choice| Measured {
            best: Some(best),
            thread: None,
            impossible: Vec::new(),
            cpus: 2,
        };
        let (line, flagged) = measured(choice(2.16, 1.95)).lines()[0].clone();
        assert!(
            flagged && line.contains("above what 2 CPUs allow"),
            "{line}"
        );
        let (line, flagged) = measured(choice(1.9, 1.7)).lines()[0].clone();
        assert!(!flagged && !line.contains("above"), "{line}");
    }

    #[test]
    fn an_interpreter_without_the_workload_says_why() {
        let (rust, pythons) = three_interpreters();
        let refs: Vec<&Results> = pythons.iter().collect();
        let section = FreeThreading::new(&rust, &refs);
        let chunk = &section.workloads[0];
        assert_eq!(
            chunk.python[0],
            Side::Missing("left out: numpy is not installed for this interpreter".into())
        );
        assert_eq!(
            python_side(&chunk.rust).best.as_ref().unwrap().technique,
            "rayon"
        );
        // Without an absent entry, it was simply not measured.
        let (mut rust, mut pythons) = (rust, pythons);
        pythons[1].run.python.as_mut().unwrap().absent.clear();
        rust.benchmarks.retain(|r| r.group != CHUNK);
        let refs: Vec<&Results> = pythons.iter().collect();
        let chunk = &FreeThreading::new(&rust, &refs).workloads[0];
        assert_eq!(chunk.python[0], Side::Missing("not measured".into()));
        assert_eq!(chunk.rust, Side::Missing("not measured".into()));
        // A workload no Python file measured is shown where the Rust run has it and a
        // Python file left it out whole, not otherwise.
        let (full_rust, fresh) = three_interpreters();
        let left_out = FreeThreading::new(&full_rust, &[&fresh[1]]);
        let groups: Vec<&str> = left_out
            .workloads
            .iter()
            .map(|w| w.group.as_str())
            .collect();
        assert_eq!(groups, [CHUNK, GROUP]);
        let neither = FreeThreading::new(&rust, &[&fresh[1]]);
        assert_eq!(neither.workloads.len(), 1, "{:?}", neither.workloads);
        // A file without its sequential row has no speedup to show.
        rust.benchmarks
            .retain(|r| r.id != format!("{GROUP}/sequential/1"));
        let primes = &FreeThreading::new(&rust, &refs).workloads[1];
        assert!(matches!(&primes.rust, Side::Missing(why) if why.contains("no sequential/1 row")));
    }
}
