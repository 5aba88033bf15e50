//! pyperf's JSON (the Python side's timings, `scripts/python/bench.py`) -> this suite's
//! records, so a Python run is a `cb-results-v1` file like a Rust run (`language: python`),
//! with the machine record and fingerprint from the same code ([`crate::inputs::machine`]).
//!
//! pyperf writes one file per run of its runner: benchmarks named by the suite's ids
//! (`<family>/<workload>/<technique>/<parameter>`), each with runs of worker processes whose
//! `values` are seconds per loop (warmups are left out). The median, mean and standard
//! deviation are computed here from every value; the median's 95% interval from order
//! statistics (distribution-free), the mean's from the normal approximation; the raw values
//! are kept as [`Sample`]s for compare's statistics. Metadata found in a benchmark or, when
//! pyperf hoisted it because every benchmark shares it, in the file: `cb_tier`, `cb_gil`,
//! `cb_start_method`, `python_version`, `python_implementation`, `perf_version`, `loops`, and
//! `cb_kind`, the kind the technique declared (`bench.py` writes it for every benchmark: a
//! benchmark without one is an error naming the file and the benchmark).
//! Load-test latencies come from the JSON lines `bench.py --sidecar` appends (the suite's
//! `loadgen --json` output plus the benchmark id).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::analysis::stats;
use crate::error::Error;
use crate::model::{Kind, Latency, PythonRun, Record, Sample};

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

/// Reads pyperf files (and an optional latency sidecar) into records.
pub fn import(files: &[&Path], sidecar: Option<&Path>) -> Result<Imported, Error> {
    let latencies = match sidecar {
        Some(path) if path.exists() => read_sidecar(path)?,
        _ => BTreeMap::new(),
    };
    let mut records = BTreeMap::new();
    let (mut python, mut preset, mut tiers) = (None, None, BTreeMap::new());
    for &path in files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file = parse_file(&text).map_err(|p| Error::new(path, p))?;
        for mut record in file.records {
            record.latency = latencies.get(&record.id).cloned();
            if records.insert(record.id.clone(), record).is_some() {
                return Err(Error::new(path, "a benchmark appears in two pyperf files"));
            }
        }
        tiers.extend(file.tiers);
        if let Some(p) = &file.preset {
            match &preset {
                Some(seen) if seen != p => {
                    let problem = format!("preset {p:?}, but an earlier file has {seen:?}");
                    return Err(Error::new(path, problem));
                }
                _ => preset = Some(p.clone()),
            }
        }
        python.get_or_insert(file.python);
    }
    let python = python.ok_or_else(|| Error::new(Path::new("import-pyperf"), "no files given"))?;
    Ok(Imported {
        benchmarks: records.into_values().collect(),
        python: PythonRun {
            tiers: tiers
                .into_iter()
                .map(|(t, how)| format!("{t}: {how}"))
                .collect(),
            ..python
        },
        preset: preset.unwrap_or_else(|| "unknown".to_string()),
    })
}

struct File {
    records: Vec<Record>,
    python: PythonRun,
    preset: Option<String>,
    tiers: BTreeMap<String, String>,
}

/// pyperf's `metadata` object of a file or of one benchmark; `empty` where there is none.
fn metadata<'a>(of: &'a Value, empty: &'a Map<String, Value>) -> &'a Map<String, Value> {
    of.get("metadata")
        .and_then(Value::as_object)
        .unwrap_or(empty)
}

/// Parses one pyperf file; the error says what is wrong (the caller names the file).
fn parse_file(text: &str) -> Result<File, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    let empty = Map::new();
    let common = metadata(&doc, &empty);
    let benches = doc
        .get("benchmarks")
        .and_then(Value::as_array)
        .ok_or("no \"benchmarks\" list: not a pyperf file")?;
    if benches.is_empty() {
        return Err("has no benchmarks".to_string());
    }
    let text_of = |key: &str| meta_text(common, &empty, key);
    let python = PythonRun {
        version: text_of("python_version"),
        implementation: text_of("python_implementation"),
        gil: text_of("cb_gil"),
        start_method: text_of("cb_start_method"),
        pyperf: text_of("perf_version"),
        tiers: Vec::new(),
    };
    let preset = common
        .get("cb_preset")
        .and_then(Value::as_str)
        .map(String::from);
    let (mut records, mut tiers) = (Vec::new(), BTreeMap::new());
    for bench in benches {
        let (record, how) = record(bench, common)?;
        if let Some(tier) = &record.tier {
            tiers.insert(tier.clone(), how);
        }
        records.push(record);
    }
    Ok(File {
        records,
        python,
        preset,
        tiers,
    })
}

fn meta_text(common: &Map<String, Value>, own: &Map<String, Value>, key: &str) -> String {
    match own.get(key).or_else(|| common.get(key)) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "unknown".to_string(),
    }
}

/// One benchmark: its values, statistics and tier, and how the tier was sampled.
fn record(bench: &Value, common: &Map<String, Value>) -> Result<(Record, String), String> {
    let empty = Map::new();
    let own = metadata(bench, &empty);
    let id = own
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a benchmark has no name")?;
    let parts: Vec<&str> = id.split('/').collect();
    let [family, workload, technique, parameter] = parts[..] else {
        return Err(format!(
            "benchmark {id:?}: expected <family>/<workload>/<technique>/<parameter>"
        ));
    };
    let loops = own
        .get("loops")
        .or_else(|| common.get("loops"))
        .and_then(Value::as_f64)
        .unwrap_or(1.0);
    let runs = bench
        .get("runs")
        .and_then(Value::as_array)
        .ok_or(format!("benchmark {id:?} has no runs"))?;
    let (mut values, mut processes, mut warmups) = (Vec::new(), 0, 0);
    for run in runs {
        let Some(list) = run.get("values").and_then(Value::as_array) else {
            continue; // a calibration run: warmups only
        };
        processes += 1;
        warmups = run
            .get("warmups")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for v in list {
            match v.as_f64() {
                Some(s) if s.is_finite() && s > 0.0 => values.push(s * 1e9),
                _ => return Err(format!("benchmark {id:?} has an invalid value {v}")),
            }
        }
    }
    if values.is_empty() {
        return Err(format!("benchmark {id:?} has no values"));
    }
    let per_process = values.len() / processes.max(1);
    let how = format!(
        "{processes} process(es) x {per_process} values, {warmups} warmup(s), {loops} loop(s)"
    );
    let tier = meta_text(common, own, "cb_tier");
    let kind = match own.get("cb_kind").or_else(|| common.get("cb_kind")) {
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
            iters: vec![loops; values.len()],
            times_ns: values.iter().map(|v| v * loops).collect(),
        }),
        tier: Some(tier),
        ..Record::new(
            (&group, technique, parameter),
            kind,
            measured,
            values.len() as u64,
        )
    };
    Ok((record, how))
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
