//! The files the suite writes beside criterion's, owned in one place: per file its name, its
//! schema tag (checked on read), its serde types, its one writer and its reader.
//!
//! criterion knows ids and times; the suite adds what it cannot know. Six files sit in
//! criterion's folder (`target/criterion`), each one JSON object `{"schema": <tag>, <key>:
//! {<name>: <entry>}}` ([`SideFile`]):
//!
//! | file | marker | key | entry, per name |
//! |---|---|---|---|
//! | `cb-cpu.json` | [`CpuFile`] | `benchmarks` | [`CpuEntry`] per benchmark id |
//! | `cb-run.json` | [`RunFile`] | `run` | [`Shares`] under `contention` |
//! | `cb-kinds.json` | [`KindsFile`] | `kinds` | [`Kind`] per `group/function` |
//! | `cb-declared.json` | [`DeclaredFile`] | `declared` | [`Declared`] per benchmark id |
//! | `cb-pairs.json` | [`PairsFile`] | `pairs` | [`Pair`]s per benchmark id |
//! | `cb-calibration.json` | [`CalibrationFile`] | `calibration` | [`CpuCalibration`]s under `start` and `end` |
//!
//! The suite writes each through [`merge`]: the entries it brings replace those of the same
//! name, the others stay, so a filtered run keeps what earlier runs measured; the file goes
//! to a temporary name and is renamed, so a reader never sees half of one. The report reads
//! each through [`read`]: a file with another schema tag, or an entry that does not read, is
//! an [`Error`] naming the file, the field and the value.
//!
//! The seventh, [`LatencyFile`], is one per load-test benchmark, in criterion's `new/`
//! folder of that id ([`LATENCY_FILE`]): the load generator's percentiles, which criterion
//! does not measure ([`write_latency`], [`read_latency`]).
//!
//! ```
//! use report::inputs::side::{self, KindsFile};
//! use workloads::Kind;
//!
//! let dir = tempfile::tempdir().unwrap();
//! side::merge::<KindsFile>(dir.path(), [("map/w/rayon".to_string(), Kind::Thread)]).unwrap();
//! side::merge::<KindsFile>(dir.path(), [("map/w/sequential".to_string(), Kind::Sequential)])
//!     .unwrap();
//! let kinds = side::read::<KindsFile>(dir.path()).unwrap().expect("written");
//! assert_eq!(kinds.len(), 2, "a second run keeps the first one's entries");
//!
//! std::fs::write(dir.path().join("cb-kinds.json"), r#"{"schema": "cb-kinds-v0", "kinds": {}}"#)
//!     .unwrap();
//! let err = side::read::<KindsFile>(dir.path()).unwrap_err().to_string();
//! assert!(err.contains("cb-kinds.json") && err.contains("schema") && err.contains("cb-kinds-v0"));
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
pub use workloads::Kind;

use crate::error::Error;
use crate::fsio::write_atomic;
pub use crate::model::CpuCalibration;
use crate::model::{Calibration, Contention, Latency};

/// One of the suite's files in criterion's folder: `{"schema": SCHEMA, KEY: {name: Entry}}`.
pub trait SideFile {
    /// The file's name in criterion's folder.
    const NAME: &'static str;
    /// Its schema tag, written in `schema` and checked on read.
    const SCHEMA: &'static str;
    /// The key of the object holding the entries.
    const KEY: &'static str;
    /// What one entry holds.
    type Entry: Serialize + DeserializeOwned;

    /// The file's path in `criterion_dir`.
    fn path(criterion_dir: &Path) -> PathBuf {
        criterion_dir.join(Self::NAME)
    }
}

/// Declares a side file's marker type and its [`SideFile`] constants in one line:
/// `side_file!(Type, NAME, SCHEMA, KEY, Entry)`, the doc comment above it going to the type.
macro_rules! side_file {
    ($(#[$doc:meta])* $file:ident, $name:literal, $schema:literal, $key:literal, $entry:ty) => {
        $(#[$doc])*
        pub struct $file;
        impl SideFile for $file {
            const NAME: &'static str = $name;
            const SCHEMA: &'static str = $schema;
            const KEY: &'static str = $key;
            type Entry = $entry;
        }
    };
}

side_file!(
    /// `cb-cpu.json`: CPU time beside wall time, and what others took, per benchmark id.
    CpuFile, "cb-cpu.json", "cb-cpu-v1", "benchmarks", CpuEntry
);

side_file!(
    /// `cb-run.json`: what others took over the whole run, under the name [`RUN_CONTENTION`].
    RunFile, "cb-run.json", "cb-run-v1", "run", Shares
);

/// The one entry of [`RunFile`].
pub const RUN_CONTENTION: &str = "contention";

side_file!(
    /// `cb-kinds.json`: the kind each technique declared, per `group/function` (a technique's
    /// kind does not change with its parameter).
    KindsFile, "cb-kinds.json", "cb-kinds-v1", "kinds", Kind
);

side_file!(
    /// `cb-declared.json`: what each benchmark declared beside its kind, per benchmark id.
    DeclaredFile, "cb-declared.json", "cb-declared-v1", "declared", Declared
);

side_file!(
    /// `cb-pairs.json`: the sequential baseline run beside each criterion call of a map row,
    /// per benchmark id (see [`crate::analysis::paired`]).
    PairsFile, "cb-pairs.json", "cb-pairs-v1", "pairs", Vec<Pair>
);

side_file!(
    /// `cb-calibration.json`: each CPU's speed, under the names [`CALIBRATION_START`] and
    /// [`CALIBRATION_END`].
    CalibrationFile, "cb-calibration.json", "cb-calibration-v1", "calibration", Vec<CpuCalibration>
);

/// The calibration before the first benchmark.
pub const CALIBRATION_START: &str = "start";
/// The calibration after the last benchmark.
pub const CALIBRATION_END: &str = "end";

/// One benchmark's CPU-time totals over its timed samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuEntry {
    /// Iterations the totals cover.
    pub iterations: u64,
    /// Wall time of those iterations, nanoseconds.
    pub wall_ns: f64,
    /// CPU time of this process and its children over them, nanoseconds.
    pub cpu_ns: f64,
    /// What others took meanwhile, when `/proc/stat` could be read.
    #[serde(flatten)]
    pub shares: Shares,
}

/// Others' and steal's share of all CPU time over an interval; each field is left out where
/// `/proc/stat` could not be read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    /// Busy time of other processes, as a share of all CPU time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_share: Option<f64>,
    /// Steal time, as a share of all CPU time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_share: Option<f64>,
    /// How long the readings cover, seconds of wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

impl Shares {
    /// The contention these shares give, when both shares were read (each clamped to
    /// [0, 1]: `/proc/stat`'s ticks and the process's own CPU time are read at slightly
    /// different moments).
    pub fn contention(&self) -> Option<Contention> {
        let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
        Some(Contention {
            others_share: finite(self.others_share)?.clamp(0.0, 1.0),
            steal_share: finite(self.steal_share)?.clamp(0.0, 1.0),
            seconds: finite(self.seconds).unwrap_or(0.0),
        })
    }
}

/// What a benchmark declares about itself, beside its kind: what the report's physical
/// bounds judge it against. Each field is left out of the file when not declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    /// The least time one iteration can take, from the job's structure (waiting jobs), in
    /// nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_ns: Option<u64>,
    /// The chain of waits behind the floor and its wake-ups per round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<crate::model::Chain>,
    /// The threads the technique runs the work on, when fixed (1 for sequential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// The worker count the technique was started with, when it bounds the CPUs it can use;
    /// `None` for a technique that spreads the work its own way (a thread per task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
}

impl Declared {
    /// A waiting job's floor and the chain of `rounds` behind it, each paying `wake_ups`;
    /// nothing for a job without a floor.
    pub fn waiting(
        floor: Option<std::time::Duration>,
        rounds: Option<u32>,
        wake_ups: workloads::WakeUps,
    ) -> Declared {
        Declared {
            floor_ns: floor.map(|f| u64::try_from(f.as_nanos()).unwrap_or(u64::MAX)),
            chain: floor.and(rounds).map(|rounds| crate::model::Chain {
                rounds,
                timers: wake_ups.timers,
                handoffs: wake_ups.handoffs,
            }),
            ..Declared::default()
        }
    }
}

/// One criterion call of a map row and the baseline beside it: `[iterations, the row's
/// total time (ns), the baseline's time per iteration measured right after it (ns), or 0
/// when none ran then]`.
pub type Pair = [f64; 3];

/// Reads the side file `F` from `criterion_dir`: its entries by name, or `None` when there
/// is no such file. A file that is not JSON, has another schema tag, lacks its object or
/// holds an entry that does not read is an error naming the file, the field and the value.
pub fn read<F: SideFile>(
    criterion_dir: &Path,
) -> Result<Option<BTreeMap<String, F::Entry>>, Error> {
    let path = F::path(criterion_dir);
    if !path.is_file() {
        return Ok(None);
    }
    let mut doc = read_json(&path)?;
    check_schema(&path, &doc, F::SCHEMA)?;
    let Some(Value::Object(entries)) = doc.get_mut(F::KEY).map(Value::take) else {
        return Err(Error::new(&path, format!("no \"{}\" object", F::KEY)));
    };
    let mut out = BTreeMap::new();
    for (name, value) in entries {
        match serde_json::from_value(value.clone()) {
            Ok(entry) => {
                out.insert(name, entry);
            }
            Err(e) => {
                let problem = format!("\"{}\".\"{name}\" is {value}: {e}", F::KEY);
                return Err(Error::new(&path, problem));
            }
        }
    }
    Ok(Some(out))
}

/// Writes `entries` into the side file `F` in `criterion_dir` (created if need be): they
/// replace the entries of the same name, the file's others stay (a filtered run keeps what
/// it did not measure; an existing file that does not read under `F`'s schema is replaced
/// whole). The file goes to a temporary name and is renamed over the old one.
pub fn merge<F: SideFile>(
    criterion_dir: &Path,
    entries: impl IntoIterator<Item = (String, F::Entry)>,
) -> Result<PathBuf, Error> {
    let mut all = read::<F>(criterion_dir).ok().flatten().unwrap_or_default();
    all.extend(entries);
    let doc = serde_json::json!({"schema": F::SCHEMA, F::KEY: all});
    let path = F::path(criterion_dir);
    let bytes = serde_json::to_vec_pretty(&doc)
        .map_err(|e| Error::new(&path, format!("does not serialize: {e}")))?;
    write_atomic(&path, &bytes)?;
    Ok(path)
}

/// The run's calibration from [`CalibrationFile`] entries (no `end` when the run stopped
/// before it).
pub fn calibration(mut entries: BTreeMap<String, Vec<CpuCalibration>>) -> Calibration {
    Calibration {
        start: entries.remove(CALIBRATION_START).unwrap_or_default(),
        end: entries.remove(CALIBRATION_END).unwrap_or_default(),
    }
}

/// The latency file's name, in criterion's `new/` folder of a load-test benchmark (or the
/// folder above it).
pub const LATENCY_FILE: &str = "latency.json";
/// The latency file's schema tag.
pub const LATENCY_SCHEMA: &str = "cb-latency-v1";

/// A load-test benchmark's `latency.json`: the load generator's figures over every load
/// run made for that benchmark id (warm-up and samples), with the percentiles of the open
/// loop run beside them when there was one (`loopback::latency_figures`).
///
/// The io benches write it in criterion's folder of the id,
/// `<criterion dir>/<group dir>/<function>/<parameter>/new/`, where each part has
/// criterion's file-name escaping (`io/web-server` is `io_web-server`):
///
/// ```json
/// {"schema":"cb-latency-v1","group":"io/web-server","function":"tokio-hyper",
///  "parameter":"16","requests":20480,"errors":0,"requests_per_sec":18000.5,
///  "p50_us":812.0,"p99_us":2101.0,"max_us":5003.0,"duration_s":1.14,
///  "latency_mode":"open-loop","open_loop_rate":9000.2,"closed_loop_p99_us":1890.0}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyFile {
    /// [`LATENCY_SCHEMA`].
    pub schema: String,
    /// criterion's group of the benchmark.
    pub group: String,
    /// criterion's function (the technique).
    pub function: String,
    /// criterion's parameter (the connections).
    pub parameter: String,
    /// What the results file keeps: requests, errors, rate, percentiles, duration.
    #[serde(flatten)]
    pub latency: Latency,
    /// `open-loop` when the percentiles are an open loop's (coordinated omission corrected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_mode: Option<String>,
    /// The open loop's fixed rate, requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_loop_rate: Option<f64>,
    /// The closed loop's own p99, microseconds, when the percentiles are the open loop's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_loop_p99_us: Option<f64>,
}

impl LatencyFile {
    /// What the results file keeps of it.
    pub fn latency(&self) -> Latency {
        self.latency.clone()
    }
}

/// Writes `latency` as `new_dir/latency.json` (creating `new_dir`), through a temporary
/// file and a rename.
pub fn write_latency(new_dir: &Path, latency: &LatencyFile) -> Result<PathBuf, Error> {
    let path = new_dir.join(LATENCY_FILE);
    let mut bytes = serde_json::to_vec(latency)
        .map_err(|e| Error::new(&path, format!("does not serialize: {e}")))?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)?;
    Ok(path)
}

/// The latency file of the benchmark whose criterion folder is `new_dir`, in it or beside
/// it; `None` when there is none. Another schema tag, or a field that does not read, is an
/// error naming the file.
pub fn read_latency(new_dir: &Path) -> Result<Option<LatencyFile>, Error> {
    let candidates = [
        new_dir.join(LATENCY_FILE),
        new_dir.with_file_name(LATENCY_FILE),
    ];
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Ok(None);
    };
    let doc = read_json(path)?;
    check_schema(path, &doc, LATENCY_SCHEMA)?;
    serde_json::from_value(doc)
        .map(Some)
        .map_err(|e| Error::new(path, format!("does not read as {LATENCY_SCHEMA}: {e}")))
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::new(path, format!("not valid JSON ({e})")))
}

/// The `schema` field of `doc` must be `schema`.
fn check_schema(path: &Path, doc: &Value, schema: &str) -> Result<(), Error> {
    match doc.get("schema") {
        Some(Value::String(s)) if s == schema => Ok(()),
        Some(other) => Err(Error::new(
            path,
            format!("field \"schema\" is {other}, expected \"{schema}\""),
        )),
        None => Err(Error::new(
            path,
            format!("no field \"schema\", expected \"{schema}\""),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_other_entries_and_replaces_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let entry = |n: u64| CpuEntry {
            iterations: n,
            wall_ns: 1e6,
            cpu_ns: 2e6,
            shares: Shares::default(),
        };
        merge::<CpuFile>(dir.path(), [("a".into(), entry(1)), ("b".into(), entry(2))]).unwrap();
        merge::<CpuFile>(dir.path(), [("b".into(), entry(3))]).unwrap();
        let all = read::<CpuFile>(dir.path()).unwrap().unwrap();
        assert_eq!(all["a"].iterations, 1);
        assert_eq!(all["b"].iterations, 3);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file stays");
    }

    #[test]
    fn a_bad_entry_names_the_file_the_field_and_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"{"schema": "cb-kinds-v1", "kinds": {"map/w/rayon": "fiber"}}"#;
        std::fs::write(dir.path().join("cb-kinds.json"), text).unwrap();
        let err = read::<KindsFile>(dir.path()).unwrap_err().to_string();
        for part in ["cb-kinds.json", "kinds", "map/w/rayon", "fiber"] {
            assert!(err.contains(part), "{err}");
        }
    }

    #[test]
    fn latency_round_trips_and_checks_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let file = LatencyFile {
            schema: LATENCY_SCHEMA.into(),
            group: "io/web-server".into(),
            function: "hyper".into(),
            parameter: "16".into(),
            latency: Latency {
                requests: 100,
                errors: 0,
                requests_per_sec: 1000.0,
                p50_us: 10.0,
                p99_us: 20.0,
                max_us: 30.0,
                duration_s: 0.1,
            },
            latency_mode: None,
            open_loop_rate: None,
            closed_loop_p99_us: None,
        };
        write_latency(dir.path(), &file).unwrap();
        assert_eq!(read_latency(dir.path()).unwrap(), Some(file.clone()));
        let wrong = LatencyFile {
            schema: "cb-latency-v2".into(),
            ..file
        };
        write_latency(dir.path(), &wrong).unwrap();
        let err = read_latency(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("latency.json") && err.contains("cb-latency-v2"),
            "{err}"
        );
    }
}
