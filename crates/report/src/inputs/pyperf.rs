//! pyperf's JSON (the Python side's timings, `scripts/python/bench.py`) -> this suite's
//! records, so a Python run is a `cb-results-v1` file like a Rust run (`language: python`),
//! with the machine record and fingerprint from the same code ([`crate::inputs::machine`]).
//!
//! pyperf writes one file per run of its runner: benchmarks named by the suite's ids
//! (`<family>/<workload>/<technique>/<parameter>`), each with runs of worker processes whose
//! `values` are seconds per loop (warmups are left out). The median, mean and standard
//! deviation are computed here from every value; the median's 95% interval from order
//! statistics (distribution-free), the mean's from the normal approximation; the raw values
//! are kept as [`Sample`]s for compare's statistics.
//!
//! pyperf puts a metadata key in the file's `metadata` when every benchmark shares it, else
//! in each benchmark's, and, where it differs between a benchmark's runs, in each run's: a
//! key is looked up in the run, then the benchmark, then the file. What `bench.py` writes:
//! - about the interpreter (one value per file): `cb_interpreter` (`3.13t`; derived from
//!   `python_version` and the build in files without it), `cb_build` (`free-threaded` or
//!   `gil`, the default), `cb_start_method`, `cb_preset`, `python_version`,
//!   `python_implementation`, `perf_version`, and two JSON lists in strings: `cb_absent`
//!   (`[{"rows": ..., "why": ...}]`, rows left out here and why) and `cb_notes` (sentences
//!   about the figures); a malformed list is an error naming the file, the key and the value;
//! - per run: `cb_gil`, `enabled` or `disabled`, read in the worker after its timed values,
//!   summarised into [`PythonRun::gil`] (with, on a free-threaded build, the rows after whose
//!   runs it read enabled in [`PythonRun::gil_enabled_rows`]);
//! - per benchmark: `cb_tier`, and `cb_kind`, the kind the technique declared (a benchmark
//!   without one is an error naming the file and the benchmark); per run: `loops`, each
//!   timed run's values multiplied back by its own.
//!
//! Load-test latencies come from the JSON lines `bench.py --sidecar` appends (the suite's
//! `loadgen --json` output plus the benchmark id).

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::analysis::stats;
use crate::error::Error;
use crate::model::{
    Absent, FREE_THREADED, Kind, Latency, PythonRun, Record, Sample, interpreter_of,
};

/// Everything read from one or more pyperf files.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// One record per benchmark, sorted by id.
    pub benchmarks: Vec<Record>,
    /// The interpreter and runner.
    pub python: PythonRun,
    /// `cb_preset` of the files: the workloads' preset.
    pub preset: String,
}

/// Reads pyperf files (and an optional latency sidecar) into records. The files must be of
/// one interpreter and one preset.
pub fn import(files: &[&Path], sidecar: Option<&Path>) -> Result<Imported, Error> {
    let latencies = match sidecar {
        Some(path) if path.exists() => read_sidecar(path)?,
        _ => BTreeMap::new(),
    };
    let mut records = BTreeMap::new();
    let (mut python, mut preset, mut tiers) = (None::<PythonRun>, None, BTreeMap::new());
    let mut gil = BTreeMap::new();
    for &path in files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file = parse_file(&text).map_err(|p| Error::new(path, p))?;
        agree(path, "preset", &mut preset, file.preset)?;
        match &mut python {
            None => python = Some(file.python),
            Some(seen) => {
                let mut interpreter = Some(seen.interpreter.clone());
                agree(
                    path,
                    "interpreter",
                    &mut interpreter,
                    Some(file.python.interpreter),
                )?;
                extend_new(&mut seen.absent, file.python.absent);
                extend_new(&mut seen.notes, file.python.notes);
            }
        }
        for (mut record, runs) in file.records {
            record.latency = latencies.get(&record.id).cloned();
            gil.insert(record.id.clone(), runs);
            if records.insert(record.id.clone(), record).is_some() {
                return Err(Error::new(path, "a benchmark appears in two pyperf files"));
            }
        }
        tiers.extend(file.tiers);
    }
    let python = python.ok_or_else(|| Error::new(Path::new("import-pyperf"), "no files given"))?;
    let gil_enabled_rows = match python.free_threaded() {
        true => (gil.iter())
            .filter(|(_, runs)| runs.enabled > 0)
            .map(|(id, _)| id.clone())
            .collect(),
        false => Vec::new(),
    };
    Ok(Imported {
        benchmarks: records.into_values().collect(),
        python: PythonRun {
            tiers: tiers
                .into_iter()
                .map(|(t, how)| format!("{t}: {how}"))
                .collect(),
            gil: gil_summary(&gil),
            gil_enabled_rows,
            ..python
        },
        preset: preset.unwrap_or_else(|| "unknown".to_string()),
    })
}

/// Keeps the first file's `what` and refuses a later file with another.
fn agree(
    path: &Path,
    what: &str,
    seen: &mut Option<String>,
    now: Option<String>,
) -> Result<(), Error> {
    match (seen.as_ref(), now) {
        (Some(before), Some(now)) if *before != now => Err(Error::new(
            path,
            format!("{what} {now:?}, but an earlier file has {before:?}"),
        )),
        (_, Some(now)) => {
            *seen = Some(now);
            Ok(())
        }
        (_, None) => Ok(()),
    }
}

/// Appends the items of `more` that `list` does not hold yet.
fn extend_new<T: PartialEq>(list: &mut Vec<T>, more: Vec<T>) {
    for item in more {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// What the GIL read after a benchmark's timed runs: how many runs said each.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct GilRuns {
    enabled: usize,
    disabled: usize,
    /// Runs without `cb_gil` anywhere (files from before it was recorded per run may not
    /// have it at all).
    unknown: usize,
}

/// `disabled`, `enabled`, or what differed: `disabled, but enabled after the runs of 3 of
/// 40 rows`.
fn gil_summary(rows: &BTreeMap<String, GilRuns>) -> String {
    let count = |f: fn(&GilRuns) -> usize| rows.values().filter(|g| f(g) > 0).count();
    let (enabled, disabled, unknown) = (
        count(|g| g.enabled),
        count(|g| g.disabled),
        count(|g| g.unknown),
    );
    let n = rows.len();
    let base = match (enabled, disabled) {
        (0, 0) => return "unknown".to_string(),
        (_, 0) => "enabled",
        _ => "disabled",
    };
    let mut clauses = vec![base.to_string()];
    if disabled > 0 && enabled > 0 {
        clauses.push(format!(
            "but enabled after the runs of {enabled} of {n} rows"
        ));
    }
    if unknown > 0 {
        clauses.push(format!(
            "not recorded for the runs of {unknown} of {n} rows"
        ));
    }
    clauses.join(", ")
}

struct File {
    records: Vec<(Record, GilRuns)>,
    python: PythonRun,
    preset: Option<String>,
    tiers: BTreeMap<String, String>,
}

/// pyperf's `metadata` object of a file, a benchmark or a run; `empty` where there is none.
fn metadata<'a>(of: &'a Value, empty: &'a Map<String, Value>) -> &'a Map<String, Value> {
    of.get("metadata")
        .and_then(Value::as_object)
        .unwrap_or(empty)
}

/// Every `metadata` object of a file: the file's, then each benchmark's followed by its
/// runs'.
fn every_metadata<'a>(
    doc: &'a Value,
    empty: &'a Map<String, Value>,
) -> Vec<&'a Map<String, Value>> {
    let benches = doc.get("benchmarks").and_then(Value::as_array);
    let mut out = vec![metadata(doc, empty)];
    for bench in benches.into_iter().flatten() {
        out.push(metadata(bench, empty));
        let runs = bench.get("runs").and_then(Value::as_array);
        out.extend(runs.into_iter().flatten().map(|r| metadata(r, empty)));
    }
    out
}

/// A metadata value as text: a string as it is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON list that pyperf holds in a string (its metadata values are strings).
fn json_list<T: DeserializeOwned>(key: &str, value: &Value, what: &str) -> Result<Vec<T>, String> {
    let problem = |why: String| {
        format!("\"{key}\" is {value}: expected a JSON string holding {what} ({why})")
    };
    let Value::String(list) = value else {
        return Err(problem("not a string".to_string()));
    };
    serde_json::from_str(list).map_err(|e| problem(e.to_string()))
}

/// Parses one pyperf file; the error says what is wrong (the caller names the file).
fn parse_file(text_of_file: &str) -> Result<File, String> {
    let doc: Value =
        serde_json::from_str(text_of_file).map_err(|e| format!("not valid JSON ({e})"))?;
    let empty = Map::new();
    let common = metadata(&doc, &empty);
    let benches = doc
        .get("benchmarks")
        .and_then(Value::as_array)
        .ok_or("no \"benchmarks\" list: not a pyperf file")?;
    if benches.is_empty() {
        return Err("has no benchmarks".to_string());
    }
    // What describes the interpreter is one value per file, wherever pyperf put it.
    let places = every_metadata(&doc, &empty);
    let values = |key: &str| -> Vec<&Value> { places.iter().filter_map(|m| m.get(key)).collect() };
    let first = |key: &str| values(key).first().copied().map(text);
    let text_of = |key: &str| first(key).unwrap_or_else(|| "unknown".to_string());
    let build = first("cb_build").unwrap_or_else(|| "gil".to_string());
    if ![FREE_THREADED, "gil"].contains(&build.as_str()) {
        return Err(format!(
            "\"cb_build\" is {build:?}, expected \"{FREE_THREADED}\" or \"gil\""
        ));
    }
    let version = text_of("python_version");
    let mut python = PythonRun {
        interpreter: first("cb_interpreter").unwrap_or_else(|| interpreter_of(&version, &build)),
        version,
        implementation: text_of("python_implementation"),
        gil: String::new(),
        start_method: text_of("cb_start_method"),
        pyperf: text_of("perf_version"),
        tiers: Vec::new(),
        build,
        absent: Vec::new(),
        notes: Vec::new(),
        gil_enabled_rows: Vec::new(),
    };
    for value in values("cb_absent") {
        let absent: Vec<Absent> =
            json_list("cb_absent", value, "a list of {\"rows\", \"why\"} objects")?;
        extend_new(&mut python.absent, absent);
    }
    for value in values("cb_notes") {
        let notes: Vec<String> = json_list("cb_notes", value, "a list of strings")?;
        extend_new(&mut python.notes, notes);
    }
    let preset = first("cb_preset");
    let (mut records, mut tiers) = (Vec::new(), BTreeMap::new());
    for bench in benches {
        let (record, how, gil) = record(bench, common)?;
        if let Some(tier) = &record.tier {
            tiers.insert(tier.clone(), how);
        }
        records.push((record, gil));
    }
    Ok(File {
        records,
        python,
        preset,
        tiers,
    })
}

/// A key from the first of `levels` that has it: a run's, its benchmark's, the file's.
fn lookup<'a>(levels: [&'a Map<String, Value>; 3], key: &str) -> Option<&'a Value> {
    levels.into_iter().find_map(|m| m.get(key))
}

/// One benchmark: its values, statistics and tier, how the tier was sampled, and what its
/// timed runs read of the GIL.
fn record(bench: &Value, common: &Map<String, Value>) -> Result<(Record, String, GilRuns), String> {
    let empty = Map::new();
    let own = metadata(bench, &empty);
    // A file of one benchmark has all of its metadata, the name too, in the file's.
    let id = own
        .get("name")
        .or_else(|| common.get("name"))
        .and_then(Value::as_str)
        .ok_or("a benchmark has no name")?;
    let parts: Vec<&str> = id.split('/').collect();
    let [family, workload, technique, parameter] = parts[..] else {
        return Err(format!(
            "benchmark {id:?}: expected <family>/<workload>/<technique>/<parameter>"
        ));
    };
    let runs = bench
        .get("runs")
        .and_then(Value::as_array)
        .ok_or(format!("benchmark {id:?} has no runs"))?;
    // Runs with values are timed; the others are pyperf's calibration (warmups only).
    let timed: Vec<(&Value, &Vec<Value>)> = (runs.iter())
        .filter_map(|run| Some((run, run.get("values").and_then(Value::as_array)?)))
        .collect();
    // A key of this benchmark, wherever pyperf put it: a timed run, the benchmark, the file.
    let first_run = timed
        .first()
        .map_or(&empty, |(run, _)| metadata(run, &empty));
    let meta = |key: &str| lookup([first_run, own, common], key);
    let (mut values, mut loops, mut warmups) = (Vec::new(), Vec::new(), 0);
    let mut gil = GilRuns::default();
    for &(run, list) in &timed {
        let levels = [metadata(run, &empty), own, common];
        let run_loops = lookup(levels, "loops").and_then(Value::as_f64);
        let run_loops = run_loops.filter(|l| *l >= 1.0).unwrap_or(1.0);
        match lookup(levels, "cb_gil").map(|v| (v, v.as_str())) {
            Some((_, Some("enabled"))) => gil.enabled += 1,
            Some((_, Some("disabled"))) => gil.disabled += 1,
            Some((v, _)) => {
                return Err(format!(
                    "benchmark {id:?}: \"cb_gil\" is {v}, expected \"enabled\" or \"disabled\""
                ));
            }
            None => gil.unknown += 1,
        }
        warmups = run
            .get("warmups")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for v in list {
            match v.as_f64() {
                Some(s) if s.is_finite() && s > 0.0 => values.push(s * 1e9),
                _ => return Err(format!("benchmark {id:?} has an invalid value {v}")),
            }
            loops.push(run_loops);
        }
    }
    if values.is_empty() {
        return Err(format!("benchmark {id:?} has no values"));
    }
    let processes = timed.len();
    let per_process = values.len() / processes.max(1);
    let (fewest, most) =
        (loops.iter()).fold((f64::MAX, 0.0f64), |(lo, hi), l| (lo.min(*l), hi.max(*l)));
    let loops_text = match fewest == most {
        true => most.to_string(),
        false => format!("{fewest}-{most}"),
    };
    let how = format!(
        "{processes} process(es) x {per_process} values, {warmups} warmup(s), {loops_text} loop(s)"
    );
    let tier = meta("cb_tier").map_or_else(|| "unknown".to_string(), text);
    let kind = match meta("cb_kind") {
        Some(v) => serde_json::from_value::<Kind>(v.clone()).map_err(|_| {
            let expected = Kind::ALL.map(Kind::as_str).join(", ");
            format!("benchmark {id:?}: \"cb_kind\" is {v}, expected one of {expected}")
        })?,
        None => {
            return Err(format!(
                "benchmark {id:?} has no \"cb_kind\" metadata (bench.py declares each technique's kind)"
            ));
        }
    };
    let measured = (
        stats::median_interval(&values),
        stats::mean_interval(&values),
        stats::std_dev(&values),
    );
    let group = format!("{family}/{workload}");
    let record = Record {
        id: id.to_string(),
        sample: Some(Sample {
            times_ns: values.iter().zip(&loops).map(|(v, l)| v * l).collect(),
            iters: loops,
        }),
        tier: Some(tier),
        ..Record::new(
            (&group, technique, parameter),
            kind,
            measured,
            values.len() as u64,
        )
    };
    Ok((record, how, gil))
}

/// The sidecar: one JSON object per line, the load generator's report plus `id`. Several
/// lines of one id (one per timed run) are merged: counts summed, rates and percentiles
/// the median over runs, the maximum the largest.
fn read_sidecar(path: &Path) -> Result<BTreeMap<String, Latency>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut runs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| Error::new(path, format!("line {}: not valid JSON ({e})", i + 1)))?;
        let id = v.get("id").and_then(Value::as_str).map(String::from);
        let id = id.ok_or_else(|| Error::new(path, format!("line {}: no \"id\"", i + 1)))?;
        runs.entry(id).or_default().push(v);
    }
    let mut out = BTreeMap::new();
    for (id, lines) in runs {
        let field = |key: &str| -> Result<Vec<f64>, Error> {
            (lines.iter())
                .map(|l| l.get(key).and_then(Value::as_f64))
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| Error::new(path, format!("{id}: a line has no number {key:?}")))
        };
        let mid = |key: &str| field(key).map(|v| stats::median(&v));
        let sum = |key: &str| field(key).map(|v| v.iter().sum::<f64>());
        let latency = Latency {
            requests: sum("requests")? as u64,
            errors: sum("errors")? as u64,
            requests_per_sec: mid("req_per_s")?,
            p50_us: mid("p50_us")?,
            p99_us: mid("p99_us")?,
            max_us: field("max_us")?.into_iter().fold(0.0, f64::max),
            duration_s: sum("seconds")?,
        };
        out.insert(id, latency);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"version": "1.0", "metadata": {"cb_gil": "enabled",
      "cb_start_method": "fork", "cb_preset": "quick", "cb_tier": "fast", "loops": 1,
      "python_version": "3.11.7 (64-bit)", "python_implementation": "cpython",
      "perf_version": "2.11.0"},
      "benchmarks": [
        {"metadata": {"name": "map/squares-1k/thread-pool-executor/2", "cb_kind": "thread"},
         "runs": [{"metadata": {}, "warmups": [[1, 0.5]]},
                  {"metadata": {}, "warmups": [[1, 0.004]], "values": [0.003, 0.001, 0.002]},
                  {"metadata": {}, "warmups": [[1, 0.004]], "values": [0.004, 0.005, 0.006]}]},
        {"metadata": {"name": "io/web-server/asyncio-aiohttp/16", "cb_tier": "slow",
                      "cb_kind": "async"},
         "runs": [{"metadata": {}, "values": [0.25, 0.2]}]}]}"#;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn values_become_records_with_samples_tiers_and_the_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "fast.json", FILE);
        let line = r#"{"id": "io/web-server/asyncio-aiohttp/16", "requests": 9000, "errors": 0,
            "seconds": 2.0, "req_per_s": 4500.0, "p50_us": 3000, "p90_us": 4000,
            "p99_us": 9000, "max_us": 20000}"#;
        let sidecar = write(dir.path(), "latency.jsonl", &line.replace('\n', " "));
        let got = import(&[&file], Some(&sidecar)).unwrap();
        assert_eq!(got.preset, "quick");
        assert_eq!(
            (got.python.gil.as_str(), got.python.start_method.as_str()),
            ("enabled", "fork")
        );
        let pool = &got.benchmarks[1];
        assert_eq!(pool.id, "map/squares-1k/thread-pool-executor/2");
        assert_eq!(
            (pool.group.as_str(), pool.parameter.as_str()),
            ("map/squares-1k", "2")
        );
        assert_eq!(
            pool.samples, 6,
            "values of both processes, warmups left out"
        );
        assert!((pool.median.point_ns - 3.5e6).abs() < 1.0);
        assert!(pool.median.lower_ns <= 3e6 && pool.median.upper_ns >= 4e6);
        assert_eq!(pool.sample.as_ref().unwrap().times_ns.len(), 6);
        assert_eq!(pool.tier.as_deref(), Some("fast"));
        let server = &got.benchmarks[0];
        assert_eq!(server.tier.as_deref(), Some("slow"));
        assert_eq!(server.kind, Kind::Async);
        assert_eq!(server.latency.as_ref().unwrap().requests, 9000);
        assert!(
            got.python
                .tiers
                .iter()
                .any(|t| t.starts_with("slow: 1 process(es) x 2"))
        );
    }

    /// A free-threaded file as `bench.py` writes it now: the interpreter's keys hoisted to
    /// the file, `cb_gil` per run (one row's second run read it enabled).
    fn free_threaded(absent: &str) -> String {
        let absent = serde_json::to_string(absent).unwrap();
        format!(
            r#"{{"version": "1.0", "metadata": {{"cb_interpreter": "3.13t",
              "cb_build": "free-threaded", "cb_start_method": "fork", "cb_preset": "quick",
              "cb_tier": "fast", "loops": 1, "python_version": "3.13.5 (64-bit)",
              "python_implementation": "cpython", "perf_version": "2.11.0",
              "cb_absent": {absent},
              "cb_notes": "[\"aiohttp runs without its C extensions here\"]"}},
              "benchmarks": [
                {{"metadata": {{"name": "map/squares-1k/thread-pool-executor/2", "cb_kind": "thread"}},
                 "runs": [{{"metadata": {{"cb_gil": "disabled"}}, "values": [0.003, 0.004]}},
                          {{"metadata": {{"cb_gil": "enabled"}}, "values": [0.005, 0.006]}}]}},
                {{"metadata": {{"name": "map/squares-1k/sequential/1", "cb_kind": "sequential",
                               "cb_gil": "disabled"}},
                 "runs": [{{"metadata": {{}}, "values": [0.003]}}, {{"metadata": {{}}, "values": [0.004]}}]}},
                {{"metadata": {{"name": "map/squares-1k/process-pool-map/2", "cb_kind": "process"}},
                 "runs": [{{"metadata": {{"cb_gil": "disabled"}}, "values": [0.003]}}]}}]}}"#
        )
    }

    const ABSENT: &str = r#"[{"rows": "map/chunk-mean-100k/interpreter-pool-executor",
        "why": "numpy and pandas cannot be imported in a subinterpreter"}]"#;

    #[test]
    fn the_gil_read_after_each_run_is_summarised_and_its_rows_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "ft.json", &free_threaded(ABSENT));
        let python = import(&[&file], None).unwrap().python;
        assert_eq!(
            python.gil,
            "disabled, but enabled after the runs of 1 of 3 rows"
        );
        assert_eq!(
            python.gil_enabled_rows,
            ["map/squares-1k/thread-pool-executor/2"]
        );
        assert_eq!(
            (python.interpreter.as_str(), python.build.as_str()),
            ("3.13t", "free-threaded")
        );
        assert_eq!(
            python.label(),
            "CPython 3.13.5 free-threaded (GIL disabled, but enabled after the runs of 1 of 3 rows)"
        );
        // The same reading on a GIL build names no rows: there the GIL is expected.
        let gil_build = free_threaded(ABSENT).replace("\"free-threaded\"", "\"gil\"");
        let file = write(dir.path(), "gil.json", &gil_build);
        assert!(
            import(&[&file], None)
                .unwrap()
                .python
                .gil_enabled_rows
                .is_empty()
        );
    }

    #[test]
    fn absent_rows_and_notes_are_read_from_their_json_strings() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "ft.json", &free_threaded(ABSENT));
        let python = import(&[&file], None).unwrap().python;
        assert_eq!(python.absent.len(), 1);
        let absent = &python.absent[0];
        assert_eq!(absent.rows, "map/chunk-mean-100k/interpreter-pool-executor");
        assert!(absent.why.starts_with("numpy and pandas"));
        assert_eq!(
            python.why_absent("map/chunk-mean-100k", Some("interpreter-pool-executor")),
            Some(absent.why.as_str())
        );
        assert_eq!(python.why_absent("map/chunk-mean-100k", None), None);
        assert_eq!(python.notes, ["aiohttp runs without its C extensions here"]);
    }

    #[test]
    fn a_malformed_absent_list_is_named_with_the_file_key_and_value() {
        let dir = tempfile::tempdir().unwrap();
        for (i, bad) in [r#"[{"rows": "map/x"}]"#, "not json"].iter().enumerate() {
            let path = write(dir.path(), &format!("bad{i}.json"), &free_threaded(bad));
            let err = import(&[&path], None).unwrap_err().to_string();
            assert!(
                err.contains(&format!("bad{i}.json"))
                    && err.contains("\"cb_absent\"")
                    && err.contains(&bad.replace('"', "\\\"")),
                "{err}"
            );
        }
        let not_a_string =
            free_threaded("[]").replace(r#""cb_absent": "[]""#, r#""cb_absent": []"#);
        let path = write(dir.path(), "list.json", &not_a_string);
        let err = import(&[&path], None).unwrap_err().to_string();
        assert!(
            err.contains("\"cb_absent\" is []") && err.contains("not a string"),
            "{err}"
        );
        let other = free_threaded("[]").replace("\"free-threaded\"", "\"nogil\"");
        let path = write(dir.path(), "build.json", &other);
        let err = import(&[&path], None).unwrap_err().to_string();
        assert!(
            err.contains("build.json") && err.contains("\"cb_build\" is \"nogil\""),
            "{err}"
        );
    }

    #[test]
    fn an_older_file_without_the_new_keys_reads_as_its_version_and_a_gil_build() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "old.json", FILE);
        let python = import(&[&file], None).unwrap().python;
        assert_eq!(
            (
                python.interpreter.as_str(),
                python.build(),
                python.gil.as_str()
            ),
            ("3.11", "gil", "enabled")
        );
        assert!(python.absent.is_empty() && python.notes.is_empty());
        assert!(python.gil_enabled_rows.is_empty());
        assert_eq!(python.label(), "CPython 3.11.7 (GIL enabled)");
        // Files of two interpreters are not one run.
        let ft = write(dir.path(), "ft.json", &free_threaded(ABSENT));
        let err = import(&[&file, &ft], None).unwrap_err().to_string();
        assert!(
            err.contains("ft.json") && err.contains("interpreter \"3.13t\""),
            "{err}"
        );
    }

    #[test]
    fn keys_are_looked_up_in_the_run_then_the_benchmark_then_the_file() {
        let text = r#"{"metadata": {"cb_tier": "fast", "cb_gil": "enabled", "loops": 8},
          "benchmarks": [{"metadata": {"name": "map/x/thread-pool-executor/2"},
            "runs": [{"metadata": {"loops": 2, "cb_kind": "thread", "cb_gil": "disabled"},
                      "values": [0.5]},
                     {"metadata": {"loops": 4, "cb_kind": "thread"}, "values": [0.25]}]}]}"#;
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "levels.json", text);
        let got = import(&[&file], None).unwrap();
        let row = &got.benchmarks[0];
        assert_eq!(
            (row.kind, row.tier.as_deref()),
            (Kind::Thread, Some("fast"))
        );
        let sample = row.sample.as_ref().unwrap();
        assert_eq!(
            sample.iters,
            [2.0, 4.0],
            "each run's own loops, not the file's"
        );
        assert_eq!(sample.times_ns, [1e9, 1e9]);
        assert_eq!(
            got.python.tiers,
            ["fast: 2 process(es) x 1 values, 0 warmup(s), 2-4 loop(s)"]
        );
        // The first run's reading is its own; the second has none and takes the file's.
        assert_eq!(
            got.python.gil,
            "disabled, but enabled after the runs of 1 of 1 rows"
        );
    }

    #[test]
    fn a_file_of_one_benchmark_names_it_in_the_files_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let one = r#"{"version": "1.0", "metadata": {"name": "sync/counter/lock/1",
          "cb_kind": "thread", "cb_tier": "fast", "loops": 1, "python_version": "3.13.5 (64-bit)"},
          "benchmarks": [{"runs": [{"metadata": {}, "values": [0.003, 0.004]}]}]}"#;
        let path = write(dir.path(), "one.json", one);
        let got = import(&[&path], None).unwrap();
        assert_eq!(got.benchmarks.len(), 1);
        assert_eq!(got.benchmarks[0].id, "sync/counter/lock/1");
    }

    #[test]
    fn bad_files_are_named_with_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("{", "not valid JSON"),
            (r#"{"benchmarks": []}"#, "has no benchmarks"),
            (r#"{"metadata": {}}"#, "not a pyperf file"),
            (
                r#"{"benchmarks": [{"metadata": {"name": "a/b"}, "runs": []}]}"#,
                "<family>",
            ),
            (
                r#"{"benchmarks": [{"metadata": {"name": "a/b/c/1", "cb_kind": "thread"}, "runs": [{"values": [-1]}]}]}"#,
                "invalid value",
            ),
            (
                r#"{"benchmarks": [{"metadata": {"name": "a/b/c/1"}, "runs": [{"values": [1]}]}]}"#,
                "benchmark \"a/b/c/1\" has no \"cb_kind\"",
            ),
            (
                r#"{"benchmarks": [{"metadata": {"name": "a/b/c/1", "cb_kind": "fiber"}, "runs": [{"values": [1]}]}]}"#,
                "\"cb_kind\" is \"fiber\"",
            ),
            (
                r#"{"benchmarks": [{"metadata": {"name": "a/b/c/1", "cb_kind": "thread"}, "runs": [{"metadata": {"cb_gil": "maybe"}, "values": [1]}]}]}"#,
                "benchmark \"a/b/c/1\": \"cb_gil\" is \"maybe\"",
            ),
            (
                r#"{"metadata": {"cb_notes": "[1]"}, "benchmarks": [{"metadata": {"name": "a/b/c/1", "cb_kind": "thread"}, "runs": [{"values": [1]}]}]}"#,
                "\"cb_notes\" is \"[1]\": expected a JSON string holding a list of strings",
            ),
        ];
        for (i, (text, problem)) in cases.iter().enumerate() {
            let path = write(dir.path(), &format!("bad{i}.json"), text);
            let err = import(&[&path], None).unwrap_err().to_string();
            assert!(
                err.contains(&format!("bad{i}.json")) && err.contains(problem),
                "{err}"
            );
        }
        let a = write(dir.path(), "a.json", FILE);
        let err = import(&[&a, &a], None).unwrap_err().to_string();
        assert!(err.contains("two pyperf files"), "{err}");
    }
}
