//! The kind of every benchmark and what it declares, noted as the suite runs and written
//! at the end beside criterion's files through `report::inputs::side` (which owns each side
//! file's name, schema and writer).
//!
//! Each technique declares its [`Kind`]; [`record_kind`] notes it per `group/function` (a
//! technique's kind does not change with its parameter) for `cb-kinds.json`, where the
//! report files every benchmark under its kind; [`declare`] notes what a benchmark declares
//! beside it (a waiting job's floor, threads, workers) for `cb-declared.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use report::inputs::side::Declared;
use report::inputs::side::{DeclaredFile, KindsFile};
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

/// Merges this run's declarations into `cb-declared.json`, keeping the entries of
/// benchmarks this run did not measure.
pub fn write_declared(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let all = DECLARED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    report::inputs::side::merge::<DeclaredFile>(criterion_dir, all).map_err(std::io::Error::other)
}

/// Merges this run's kinds into `cb-kinds.json` (a filtered run keeps the other entries).
pub fn write_kinds(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let kinds = KINDS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    report::inputs::side::merge::<KindsFile>(criterion_dir, kinds).map_err(std::io::Error::other)
}
