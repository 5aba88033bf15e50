//! Reading criterion's own output: `<criterion dir>/**/new/{benchmark,estimates,sample}.json`.
//!
//! criterion's files are private and drift between versions, so they are read leniently:
//! ids come from `benchmark.json` (`group_id`, `function_id`, `value_str`), never from folder
//! names (criterion makes those lossy: `map/primes` becomes `map_primes`); only `new/` is read
//! (`base/` and `change/` belong to criterion's own comparisons); a missing field falls back,
//! an unknown throughput kind keeps its name, and `slope` (null under flat sampling) is not
//! used. A file that is present but unreadable is an error naming that file. Beside them, the
//! suite's sidecars: CPU time (`cb-cpu.json`) and the kind each technique declared
//! (`cb-kinds.json`; without it the kind is guessed from the technique id).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::error::Error;
use crate::model::{
    Calibration, Contention, CpuTime, Estimate, Latency, Record, Sample, Throughput, kind_of,
};

/// The suite's CPU-time file in criterion's folder (schema `cb-cpu-v1`).
pub const CPU_FILE: &str = "cb-cpu.json";
/// The suite's file about the whole run (schema `cb-run-v1`): others' and steal's share.
pub const RUN_FILE: &str = "cb-run.json";

/// The suite's file of the kind each technique declared, in criterion's folder
/// (`{"schema": "cb-kinds-v1", "kinds": {"<group>/<function>": "thread"}}`).
pub const KINDS_FILE: &str = "cb-kinds.json";

/// The suite's file of the sequential baseline measured beside each sample of a map row
/// (schema `cb-pairs-v1`; see `benches/paired.rs`).
pub const PAIRS_FILE: &str = "cb-pairs.json";

/// The suite's file of each CPU's speed at the start and the end of the run (schema
/// `cb-calibration-v1`; see `benches/calibration.rs`).
pub const CALIBRATION_FILE: &str = "cb-calibration.json";

/// The suite's file of what each benchmark declared beside its kind: a waiting job's floor,
/// the threads and the workers of the technique (schema `cb-declared-v1`).
pub const DECLARED_FILE: &str = "cb-declared.json";

/// The kinds a technique may declare.
pub const KINDS: [&str; 4] = ["sequential", "thread", "process", "async"];

/// Reads every benchmark under `criterion_dir` whose results were written at or after
/// `since` (so a filtered run reports what it ran, not stale results of earlier runs).
pub fn load_criterion(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Vec<Record>, Error> {
    if !criterion_dir.is_dir() {
        return Err(Error::new(
            criterion_dir,
            "no criterion output here (run `cargo bench` first)",
        ));
    }
    let mut dirs = Vec::new();
    find_new_dirs(criterion_dir, &mut dirs)?;
    let mut records = Vec::new();
    let mut fences = std::collections::BTreeMap::new();
    for dir in dirs {
        if since.is_some_and(|since| !written_since(&dir.join("estimates.json"), since)) {
            continue;
        }
        let record = load_one(criterion_dir, &dir)?;
        fences.insert(record.id.clone(), read_fences(&dir.join("tukey.json"))?);
        records.push(record);
    }
    records.sort_by(|a, b| a.id.cmp(&b.id));
    merge_cpu(&criterion_dir.join(CPU_FILE), &mut records)?;
    merge_kinds(&criterion_dir.join(KINDS_FILE), &mut records)?;
    merge_declared(&criterion_dir.join(DECLARED_FILE), &mut records)?;
    crate::paired::merge_pairs(&criterion_dir.join(PAIRS_FILE), &mut records)?;
    for record in &mut records {
        if let Some(sample) = &record.sample {
            let fences = fences.get(&record.id).copied().flatten();
            record.stability = crate::stats::stability(sample, fences, record.contention.as_ref());
        }
    }
    if records.is_empty() {
        let when = if since.is_some() {
            " from this run"
        } else {
            ""
        };
        return Err(Error::new(
            criterion_dir,
            format!("no benchmark results{when} (did the filter match nothing?)"),
        ));
    }
    Ok(records)
}

/// Collects every `new/` folder that holds a `benchmark.json`.
fn find_new_dirs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut subdirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        // A `new/` holding a benchmark.json is a result; `base/` and named baselines
        // (`--save-baseline`) are criterion's own and never named `new`. Everything else may
        // be a group, a function or a parameter folder, whatever its name.
        if sub.file_name().is_some_and(|n| n == "new") && sub.join("benchmark.json").is_file() {
            out.push(sub);
        } else {
            find_new_dirs(&sub, out)?;
        }
    }
    Ok(())
}

fn written_since(file: &Path, since: SystemTime) -> bool {
    // A file whose time cannot be read is kept: better a stale row than a missing one.
    fs::metadata(file)
        .and_then(|m| m.modified())
        .map_or(true, |t| t >= since)
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::new(path, format!("not valid JSON ({e})")))
}

/// One benchmark from its `new/` folder.
fn load_one(root: &Path, new_dir: &Path) -> Result<Record, Error> {
    let bench_file = new_dir.join("benchmark.json");
    let bench = read_json(&bench_file)?;
    let text = |key: &str| bench.get(key).and_then(Value::as_str).map(str::to_string);
    let group = text("group_id").ok_or_else(|| Error::new(&bench_file, "no \"group_id\""))?;
    let technique = text("function_id").unwrap_or_else(|| "(none)".to_string());
    let parameter = text("value_str").unwrap_or_default();
    let (family, workload) = match group.split_once('/') {
        Some((f, w)) => (f.to_string(), w.to_string()),
        None => (group.clone(), String::new()),
    };
    let id = [group.as_str(), technique.as_str(), parameter.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");

    let est_file = new_dir.join("estimates.json");
    let est = read_json(&est_file)?;
    let median =
        estimate(&est, "median").ok_or_else(|| Error::new(&est_file, "no median estimate"))?;
    let mean = estimate(&est, "mean").unwrap_or(median);
    let std_dev = estimate(&est, "std_dev").unwrap_or(Estimate {
        point_ns: 0.0,
        lower_ns: 0.0,
        upper_ns: 0.0,
    });
    for (name, e) in [("median", median), ("mean", mean), ("std_dev", std_dev)] {
        for v in [e.point_ns, e.lower_ns, e.upper_ns] {
            if !v.is_finite() || v < 0.0 || (name != "std_dev" && e.point_ns == 0.0) {
                return Err(Error::new(
                    &est_file,
                    format!("invalid {name} time: {v} ns"),
                ));
            }
        }
    }
    let sample = read_sample(&new_dir.join("sample.json"))?;
    let samples = sample.as_ref().map_or(0, |s| s.iters.len() as u64);
    let throughput = bench
        .get("throughput")
        .and_then(|t| throughput(t, median.point_ns));
    let latency = latency(new_dir)?;
    let criterion_page = criterion_page(root, new_dir);
    let record = Record {
        id,
        kind: kind_of(&technique).to_string(),
        group,
        family,
        workload,
        technique,
        parameter,
        median,
        mean,
        std_dev,
        samples,
        throughput,
        latency,
        cpu: None,
        criterion_page,
        contention: None,
        sample,
        stability: None,
        tier: None,
        paired: None,
        floor_ns: None,
        threads: None,
        workers: None,
        marks: Vec::new(),
    };
    // What the files hold together must make a record that can be written and read back:
    // a positive but tiny median gives an infinite throughput.
    record.validate().map_err(|p| Error::new(new_dir, p))?;
    Ok(record)
}

/// `{"point_estimate": x, "confidence_interval": {"lower_bound": l, "upper_bound": u}}`.
fn estimate(est: &Value, key: &str) -> Option<Estimate> {
    let e = est.get(key)?;
    let point_ns = e.get("point_estimate")?.as_f64()?;
    let ci = e.get("confidence_interval");
    let bound = |k: &str| {
        ci.and_then(|c| c.get(k))
            .and_then(Value::as_f64)
            .unwrap_or(point_ns)
    };
    Some(Estimate {
        point_ns,
        lower_ns: bound("lower_bound"),
        upper_ns: bound("upper_bound"),
    })
}

/// criterion's raw samples: `iters` and `times` of `sample.json` (`None` when the file is
/// absent; an error naming the file when they do not pair up).
fn read_sample(path: &Path) -> Result<Option<Sample>, Error> {
    if !path.is_file() {
        return Ok(None);
    }
    let doc = read_json(path)?;
    let numbers = |key: &str| -> Option<Vec<f64>> {
        doc.get(key)?
            .as_array()?
            .iter()
            .map(Value::as_f64)
            .collect()
    };
    let (Some(iters), Some(times_ns)) = (numbers("iters"), numbers("times")) else {
        return Err(Error::new(
            path,
            "no numeric \"iters\" and \"times\" arrays",
        ));
    };
    let valid = |v: &[f64]| v.iter().all(|x| x.is_finite() && *x >= 0.0);
    if iters.len() != times_ns.len() || !valid(&iters) || !valid(&times_ns) {
        return Err(Error::new(
            path,
            format!(
                "{} iteration counts for {} times, or a negative or non-finite value",
                iters.len(),
                times_ns.len()
            ),
        ));
    }
    Ok(Some(Sample { iters, times_ns }))
}

/// criterion's Tukey fences: `[low severe, low mild, high mild, high severe]`.
fn read_fences(path: &Path) -> Result<Option<[f64; 4]>, Error> {
    if !path.is_file() {
        return Ok(None);
    }
    let v = read_json(path)?;
    let f: Option<Vec<f64>> = v
        .as_array()
        .and_then(|a| a.iter().map(Value::as_f64).collect());
    match f.as_deref() {
        Some(&[a, b, c, d]) => Ok(Some([a, b, c, d])),
        _ => Err(Error::new(path, "expected 4 numeric fences")),
    }
}

/// criterion's throughput, any kind: `{"Elements": n}`, `{"Bits": n}`,
/// `{"ElementsAndBytes": {"elements": n, "bytes": m}}` (elements win), or a kind not yet
/// known, named in lower case with its first number.
fn throughput(value: &Value, median_ns: f64) -> Option<Throughput> {
    let (kind, inner) = value.as_object()?.iter().next()?;
    let (unit, per_iteration) = match inner {
        Value::Number(n) => (kind.to_ascii_lowercase(), n.as_f64()?),
        Value::Object(fields) => {
            let (name, n) = fields
                .get_key_value("elements")
                .or_else(|| fields.iter().find(|(_, v)| v.is_number()))?;
            (name.to_ascii_lowercase(), n.as_f64()?)
        }
        _ => return None,
    };
    let unit = if unit == "bytesdecimal" {
        "bytes".to_string()
    } else {
        unit
    };
    let per_second = per_iteration / (median_ns * 1e-9);
    Some(Throughput {
        unit,
        per_iteration,
        per_second,
    })
}

/// The sidecar `latency.json` a server benchmark writes, in `new/` or beside it.
fn latency(new_dir: &Path) -> Result<Option<Latency>, Error> {
    let candidates = [
        new_dir.join("latency.json"),
        new_dir.with_file_name("latency.json"),
    ];
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Ok(None);
    };
    let v = read_json(path)?;
    let num = |k: &str| v.get(k).and_then(Value::as_f64);
    let (Some(p50_us), Some(p99_us)) = (num("p50_us"), num("p99_us")) else {
        return Err(Error::new(path, "no p50_us/p99_us latency"));
    };
    Ok(Some(Latency {
        requests: num("requests").unwrap_or(0.0) as u64,
        errors: num("errors").unwrap_or(0.0) as u64,
        requests_per_sec: num("requests_per_sec").unwrap_or(0.0),
        p50_us,
        p99_us,
        max_us: num("max_us").unwrap_or(p99_us),
        duration_s: num("duration_s").unwrap_or(0.0),
    }))
}

/// Adds CPU time from `cb-cpu.json` (`{"benchmarks": {id: {iterations, wall_ns, cpu_ns}}}`)
/// to the records it names; no file, no CPU time.
fn merge_cpu(path: &Path, records: &mut [Record]) -> Result<(), Error> {
    if !path.is_file() {
        return Ok(());
    }
    let doc = read_json(path)?;
    let Some(benchmarks) = doc.get("benchmarks").and_then(Value::as_object) else {
        return Err(Error::new(path, "no \"benchmarks\" object"));
    };
    for record in records {
        let Some(entry) = benchmarks.get(&record.id) else {
            continue;
        };
        let num = |k: &str| entry.get(k).and_then(Value::as_f64);
        let (Some(wall_ns), Some(cpu_ns)) = (num("wall_ns"), num("cpu_ns")) else {
            continue;
        };
        record.contention = contention(entry);
        if wall_ns > 0.0 && cpu_ns >= 0.0 {
            let iterations = num("iterations").unwrap_or(0.0) as u64;
            record.cpu = Some(CpuTime {
                iterations,
                wall_ns,
                cpu_ns,
                cores_busy: cpu_ns / wall_ns,
            });
            record.validate().map_err(|p| Error::new(path, p))?;
        }
    }
    Ok(())
}

/// The run's contention from `cb-run.json` (`{"run": {"contention": {...}}}`), when the
/// file was written by this run (at or after `since`).
pub fn run_contention(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Option<Contention>, Error> {
    let path = criterion_dir.join(RUN_FILE);
    if !path.is_file() || since.is_some_and(|since| !written_since(&path, since)) {
        return Ok(None);
    }
    let doc = read_json(&path)?;
    Ok(doc.pointer("/run/contention").and_then(contention))
}

/// `others_share` and `steal_share` of a `cb-cpu.json` entry, when the suite read them.
pub fn contention(entry: &Value) -> Option<Contention> {
    let num = |k: &str| {
        entry
            .get(k)
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
    };
    Some(Contention {
        others_share: num("others_share")?.clamp(0.0, 1.0),
        steal_share: num("steal_share")?.clamp(0.0, 1.0),
        seconds: num("seconds").unwrap_or(0.0),
    })
}

/// Files each record under the kind its technique declared in `cb-kinds.json`; without the
/// file, or for a benchmark it does not name, the guess from the id stays (`kind_of`).
fn merge_kinds(path: &Path, records: &mut [Record]) -> Result<(), Error> {
    if !path.is_file() {
        return Ok(());
    }
    let doc = read_json(path)?;
    let kinds = doc.get("kinds").and_then(Value::as_object);
    let kinds = kinds.ok_or_else(|| Error::new(path, "no \"kinds\" object"))?;
    for record in records {
        let key = format!("{}/{}", record.group, record.technique);
        let Some(kind) = kinds.get(&key) else {
            continue;
        };
        match kind.as_str().filter(|k| KINDS.contains(k)) {
            Some(kind) => record.kind = kind.to_string(),
            None => {
                let expected = KINDS.join(", ");
                let problem = format!("kind of {key} is {kind}, expected one of {expected}");
                return Err(Error::new(path, problem));
            }
        }
    }
    Ok(())
}

/// The object under `key` of the suite's sidecar at `path`, whose schema must be `schema`;
/// `None` when there is no such file. A file with another schema, or without the object, is
/// an error naming the file.
pub fn read_sidecar(path: &Path, schema: &str, key: &str) -> Result<Option<Value>, Error> {
    if !path.is_file() {
        return Ok(None);
    }
    let mut doc = read_json(path)?;
    match doc.get("schema").and_then(Value::as_str) {
        Some(s) if s == schema => {}
        other => {
            let problem = format!("schema {other:?} is not supported (expected {schema:?})");
            return Err(Error::new(path, problem));
        }
    }
    match doc.get_mut(key).map(Value::take) {
        Some(value) if value.is_object() => Ok(Some(value)),
        _ => Err(Error::new(path, format!("no \"{key}\" object"))),
    }
}

/// Adds what each benchmark declared from `cb-declared.json` (`{"declared": {id: {"floor_ns":
/// ns, "threads": n, "workers": n}}}`, each field optional).
fn merge_declared(path: &Path, records: &mut [Record]) -> Result<(), Error> {
    let Some(Value::Object(declared)) = read_sidecar(path, "cb-declared-v1", "declared")? else {
        return Ok(());
    };
    for record in records {
        let Some(entry) = declared.get(&record.id) else {
            continue;
        };
        let bad = |field: &str, v: &Value| {
            Error::new(
                path,
                format!("{field} of {} is {v}, expected a number", record.id),
            )
        };
        if let Some(v) = entry.get("floor_ns") {
            let ns = v.as_f64().filter(|f| f.is_finite() && *f >= 0.0);
            record.floor_ns = Some(ns.ok_or_else(|| bad("floor_ns", v))?);
        }
        if let Some(v) = entry.get("threads") {
            record.threads = Some(v.as_u64().ok_or_else(|| bad("threads", v))?);
        }
        if let Some(v) = entry.get("workers") {
            record.workers = Some(v.as_u64().ok_or_else(|| bad("workers", v))?);
        }
    }
    Ok(())
}

/// The run's calibration from `cb-calibration.json`, when this run wrote it (at or after
/// `since`).
pub fn calibration(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Option<Calibration>, Error> {
    let path = criterion_dir.join(CALIBRATION_FILE);
    if since.is_some_and(|since| path.is_file() && !written_since(&path, since)) {
        return Ok(None);
    }
    let Some(value) = read_sidecar(&path, "cb-calibration-v1", "calibration")? else {
        return Ok(None);
    };
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| Error::new(&path, format!("calibration does not read: {e}")))
}

/// criterion's page for the benchmark (`<bench dir>/report/index.html`), relative to the
/// criterion folder, when criterion wrote one.
fn criterion_page(root: &Path, new_dir: &Path) -> Option<String> {
    let page = new_dir.parent()?.join("report").join("index.html");
    let rel = page.strip_prefix(root).ok()?;
    page.is_file().then(|| {
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    })
}
