//! Reading criterion's own output: `<criterion dir>/**/new/{benchmark,estimates,sample}.json`.
//!
//! criterion's files are private and drift between versions, so they are read leniently:
//! ids come from `benchmark.json` (`group_id`, `function_id`, `value_str`), never from folder
//! names (criterion makes those lossy: `map/primes` becomes `map_primes`); only `new/` is read
//! (`base/` and `change/` belong to criterion's own comparisons); a missing field falls back,
//! an unknown throughput kind keeps its name, and `slope` (null under flat sampling) is not
//! used. A file that is present but unreadable is an error naming that file. Beside them, the
//! suite's side files ([`crate::inputs::side`]): CPU time (`cb-cpu.json`), the kind each
//! technique declared (`cb-kinds.json`: a benchmark without one is an error), what each
//! benchmark declared, the paired baselines, the run's contention and calibration, and the
//! load tests' latency.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::error::Error;
use crate::inputs::side::{
    self, CalibrationFile, CpuFile, DeclaredFile, KindsFile, RunFile, SideFile,
};
use crate::model::{Calibration, Contention, CpuTime, Estimate, Kind, Record, Sample, Throughput};

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
    let kinds = side::read::<KindsFile>(criterion_dir)?.unwrap_or_default();
    let mut records = Vec::new();
    let mut fences = std::collections::BTreeMap::new();
    for dir in dirs {
        if since.is_some_and(|since| !written_since(&dir.join("estimates.json"), since)) {
            continue;
        }
        let record = load_one(criterion_dir, &dir, &kinds)?;
        fences.insert(record.id.clone(), read_fences(&dir.join("tukey.json"))?);
        records.push(record);
    }
    records.sort_by(|a, b| a.id.cmp(&b.id));
    merge_cpu(criterion_dir, &mut records)?;
    merge_declared(criterion_dir, &mut records)?;
    crate::analysis::paired::merge_pairs(criterion_dir, &mut records)?;
    for record in &mut records {
        if let Some(sample) = &record.sample {
            let fences = fences.get(&record.id).copied().flatten();
            record.stability =
                crate::analysis::stats::stability(sample, fences, record.contention.as_ref());
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

/// One benchmark from its `new/` folder, filed under the kind `kinds` (`cb-kinds.json`)
/// holds for its technique.
fn load_one(
    root: &Path,
    new_dir: &Path,
    kinds: &std::collections::BTreeMap<String, Kind>,
) -> Result<Record, Error> {
    let bench_file = new_dir.join("benchmark.json");
    let bench = read_json(&bench_file)?;
    let text = |key: &str| bench.get(key).and_then(Value::as_str).map(str::to_string);
    let group = text("group_id").ok_or_else(|| Error::new(&bench_file, "no \"group_id\""))?;
    let technique = text("function_id").unwrap_or_else(|| "(none)".to_string());
    let parameter = text("value_str").unwrap_or_default();
    let key = format!("{group}/{technique}");
    let kind = *kinds.get(&key).ok_or_else(|| {
        let problem =
            format!("no kind declared for {key} (the suite writes each technique's kind here)");
        Error::new(&KindsFile::path(root), problem)
    })?;

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
    let latency = side::read_latency(new_dir)?.map(|l| l.latency());
    let criterion_page = criterion_page(root, new_dir);
    let record = Record {
        throughput,
        latency,
        criterion_page,
        sample,
        ..Record::new(
            (&group, &technique, &parameter),
            kind,
            (median, mean, std_dev),
            samples,
        )
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

/// Adds CPU time and contention from `cb-cpu.json` to the records it names; no file, no
/// CPU time.
fn merge_cpu(criterion_dir: &Path, records: &mut [Record]) -> Result<(), Error> {
    merge_entries::<CpuFile>(criterion_dir, records, |record, entry| {
        record.contention = entry.shares.contention();
        if entry.wall_ns > 0.0 && entry.cpu_ns >= 0.0 {
            record.cpu = Some(CpuTime {
                iterations: entry.iterations,
                wall_ns: entry.wall_ns,
                cpu_ns: entry.cpu_ns,
                cores_busy: entry.cpu_ns / entry.wall_ns,
            });
            return record.validate();
        }
        Ok(())
    })
}

/// Applies each entry of the side file `F` to the record of its id; no file, nothing to
/// add. A record the entry makes invalid is an error naming the file.
fn merge_entries<F: side::SideFile>(
    criterion_dir: &Path,
    records: &mut [Record],
    mut apply: impl FnMut(&mut Record, &F::Entry) -> Result<(), String>,
) -> Result<(), Error> {
    let Some(entries) = side::read::<F>(criterion_dir)? else {
        return Ok(());
    };
    for record in records {
        if let Some(entry) = entries.get(&record.id) {
            apply(record, entry).map_err(|p| Error::new(&F::path(criterion_dir), p))?;
        }
    }
    Ok(())
}

/// The run's contention from `cb-run.json`, when the file was written by this run (at or
/// after `since`).
pub fn run_contention(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Option<Contention>, Error> {
    let run = read_this_run::<RunFile>(criterion_dir, since)?;
    Ok(run
        .as_ref()
        .and_then(|run| run.get(side::RUN_CONTENTION))
        .and_then(side::Shares::contention))
}

/// Adds what each benchmark declared from `cb-declared.json` to the records it names.
fn merge_declared(criterion_dir: &Path, records: &mut [Record]) -> Result<(), Error> {
    merge_entries::<DeclaredFile>(criterion_dir, records, |record, entry| {
        record.floor_ns = entry.floor_ns.map(|ns| ns as f64);
        record.chain = entry.chain;
        record.threads = entry.threads.map(|n| n as u64);
        record.workers = entry.workers.map(|n| n as u64);
        Ok(())
    })
}

/// The run's calibration from `cb-calibration.json`, when this run wrote it (at or after
/// `since`).
pub fn calibration(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Option<Calibration>, Error> {
    Ok(read_this_run::<CalibrationFile>(criterion_dir, since)?.map(side::calibration))
}

/// The side file `F`, when this run wrote it (at or after `since`): an older one describes
/// another run.
fn read_this_run<F: side::SideFile>(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Option<std::collections::BTreeMap<String, F::Entry>>, Error> {
    let path = F::path(criterion_dir);
    if since.is_some_and(|since| path.is_file() && !written_since(&path, since)) {
        return Ok(None);
    }
    side::read::<F>(criterion_dir)
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
