//! Each CPU's speed at the start and the end of a measuring run (`host::calibrate`, at most
//! about 2 s each), merged into `<target>/criterion/cb-calibration.json`:
//!
//! ```json
//! {"schema": "cb-calibration-v1",
//!  "calibration": {"start": [{"cpu": 0, "compute_ns": [...], "memory_ns": [...]}], "end": [...]}}
//! ```
//!
//! The report puts it in the results file (`machine.calibration`): CPUs of unequal speed
//! and a host that drifted between the start and the end show there, beside the spread of
//! the calibration's own samples.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use report::inputs::side::{self, CalibrationFile, CpuCalibration};

static START: Mutex<Vec<CpuCalibration>> = Mutex::new(Vec::new());

/// Calibrates every CPU the run may use, now.
fn measure() -> Vec<CpuCalibration> {
    host::calibrate()
        .into_iter()
        .map(|s| CpuCalibration {
            cpu: s.cpu as u64,
            compute_ns: s.compute_ns,
            memory_ns: s.memory_ns,
            share_ns: s.share_ns,
        })
        .collect()
}

/// The calibration before the first benchmark.
pub fn at_start() {
    let start = measure();
    eprintln!("calibration: {} CPUs measured at the start", start.len());
    *START.lock().unwrap_or_else(|e| e.into_inner()) = start;
}

/// Calibrates again (the end of the run) and writes both into `cb-calibration.json`.
pub fn write_at_end(criterion_dir: &Path) -> std::io::Result<PathBuf> {
    let start = START.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let end = measure();
    let entries = [
        (side::CALIBRATION_START.to_string(), start),
        (side::CALIBRATION_END.to_string(), end),
    ];
    side::merge::<CalibrationFile>(criterion_dir, entries).map_err(std::io::Error::other)
}
