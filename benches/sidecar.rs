//! The files the suite writes beside criterion's, and the kind of every benchmark.
//!
//! Each technique declares its [`Kind`]; [`record_kind`] notes it per benchmark as the suite
//! runs, and at the end the kinds are merged into `<target>/criterion/cb-kinds.json`, which
//! the report reads (a benchmark missing there falls back to a guess from its id):
//!
//! ```json
//! {"schema": "cb-kinds-v1", "kinds": {"map/primes-1m-r4/rayon": "thread"}}
//! ```
//!
//! The key is `group/function`: a technique's kind does not change with its parameter.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use workloads::Kind;

static KINDS: Mutex<BTreeMap<String, Kind>> = Mutex::new(BTreeMap::new());

/// Notes the kind of the benchmark `id` (`group/function/parameter`).
pub fn record_kind(id: &str, kind: Kind) {
    let key = id
        .rsplit_once('/')
        .map_or(id, |(group_function, _)| group_function);
    let mut kinds = KINDS.lock().unwrap_or_else(|e| e.into_inner());
    kinds.insert(key.to_string(), kind);
}

/// What a benchmark declares about itself, beside its kind: what the report's physical
/// bounds judge it against. Each field is left out of the file when not declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Declared {
    /// The least time one iteration can take, from the job's structure (waiting jobs), in
    /// nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor_ns: Option<u64>,
    /// The threads the technique runs the work on, when fixed (1 for sequential).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// The worker count the technique was started with, when it bounds the CPUs it can use;
    /// `None` for a technique that spreads the work its own way (a thread per task).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
}

impl Declared {
    /// A waiting job's floor, nothing else.
    pub fn floor(floor: Option<Duration>) -> Declared {
        Declared {
            floor_ns: floor.map(|f| u64::try_from(f.as_nanos()).unwrap_or(u64::MAX)),
            ..Declared::default()
        }
    }
}

static DECLARED: Mutex<BTreeMap<String, Declared>> = Mutex::new(BTreeMap::new());

/// Notes what the benchmark `id` (`group/function/parameter`) of `kind` declares; a
/// sequential technique runs on one thread whatever else it declares.
pub fn declare(id: &str, kind: Kind, mut declared: Declared) {
    if kind == Kind::Sequential {
        declared.threads = Some(1);
    }
    if declared != Declared::default() {
        let mut all = DECLARED.lock().unwrap_or_else(|e| e.into_inner());
        all.insert(id.to_string(), declared);
    }
}

/// Merges this run's declarations into `cb-declared.json` (`{"schema": "cb-declared-v1",
/// "declared": {"<id>": {"floor_ns": 4e7, "threads": 1, "workers": 2}}}`), keeping the
/// entries of benchmarks this run did not measure.
pub fn write_declared(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let all = DECLARED.lock().unwrap_or_else(|e| e.into_inner());
    let entries = all.iter().map(|(id, d)| (id.clone(), json!(d)));
    merge(
        criterion_dir,
        report::load::DECLARED_FILE,
        ("cb-declared-v1", "declared"),
        entries,
    )
}

/// Merges this run's kinds into `cb-kinds.json` (a filtered run keeps the other entries).
pub fn write_kinds(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let kinds = KINDS.lock().unwrap_or_else(|e| e.into_inner());
    let entries = kinds.iter().map(|(id, kind)| (id.clone(), json!(kind)));
    merge(
        criterion_dir,
        "cb-kinds.json",
        ("cb-kinds-v1", "kinds"),
        entries,
    )
}

/// Merges `entries` into the object under `key` of the sidecar `file` in `criterion_dir`
/// (schema `schema`), keeping the entries this run did not touch, and writes it to a
/// temporary file renamed over the old one.
pub fn merge(
    criterion_dir: &Path,
    file: &str,
    (schema, key): (&str, &str),
    entries: impl IntoIterator<Item = (String, Value)>,
) -> std::io::Result<PathBuf> {
    let path = criterion_dir.join(file);
    let mut all = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|mut doc| doc.get_mut(key).map(Value::take))
        .and_then(|b| serde_json::from_value::<BTreeMap<String, Value>>(b).ok())
        .unwrap_or_default();
    all.extend(entries);
    let doc = json!({"schema": schema, key: all});
    std::fs::create_dir_all(criterion_dir)?;
    let temp = path.with_extension("json.tmp");
    std::fs::write(&temp, serde_json::to_vec_pretty(&doc)?)?;
    std::fs::rename(&temp, &path)?;
    Ok(path)
}
