//! The latency file written beside criterion's output (schema `cb-latency-v1`, documented in
//! the crate docs), so the report can show percentiles criterion does not measure.

use std::path::{Path, PathBuf};

use crate::{LoadReport, LoopbackError};

/// The schema tag of the latency file.
pub const LATENCY_SCHEMA: &str = "cb-latency-v1";

/// The latency file's name.
pub const LATENCY_FILE: &str = "latency.json";

/// An open-loop run beside a benchmark's closed-loop runs: its percentiles, corrected for
/// coordinated omission, are the ones the latency file gives.
#[derive(Clone, Debug)]
pub struct OpenLoop {
    /// The fixed request rate, requests per second.
    pub rate: f64,
    /// What the open-loop run measured.
    pub report: LoadReport,
}

/// The `cb-latency-v1` JSON of `report` for one benchmark id. With `open`, the percentiles
/// are the open loop's and `latency_mode`, `open_loop_rate` and `closed_loop_p99_us` say so
/// (optional fields: readers of the schema ignore them).
pub fn latency_json(
    report: &LoadReport,
    open: Option<&OpenLoop>,
    group: &str,
    function: &str,
    parameter: &str,
) -> serde_json::Value {
    let mut json = closed_loop_json(report, group, function, parameter);
    if let Some(open) = open {
        json["latency_mode"] = "open-loop".into();
        json["open_loop_rate"] = open.rate.into();
        json["closed_loop_p99_us"] = report.latency_at(0.99).into();
        json["p50_us"] = open.report.latency_at(0.50).into();
        json["p99_us"] = open.report.latency_at(0.99).into();
        json["max_us"] = (open.report.latency_us.max() as f64).into();
        json["errors"] = (report.errors + open.report.errors).into();
    }
    json
}

fn closed_loop_json(
    report: &LoadReport,
    group: &str,
    function: &str,
    parameter: &str,
) -> serde_json::Value {
    serde_json::json!({
        "schema": LATENCY_SCHEMA,
        "group": group,
        "function": function,
        "parameter": parameter,
        "requests": report.requests,
        "errors": report.errors,
        "requests_per_sec": report.requests_per_sec(),
        "p50_us": report.latency_at(0.50),
        "p99_us": report.latency_at(0.99),
        "max_us": report.latency_us.max() as f64,
        "duration_s": report.duration.as_secs_f64(),
    })
}

/// Writes [`latency_json`] as `dir/latency.json`, creating `dir`, and returns the path.
pub fn write_latency_json(
    dir: &Path,
    (report, open): (&LoadReport, Option<&OpenLoop>),
    group: &str,
    function: &str,
    parameter: &str,
) -> Result<PathBuf, LoopbackError> {
    let path = dir.join(LATENCY_FILE);
    let json = latency_json(report, open, group, function, parameter);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, format!("{json}\n")))
        .map_err(|e| LoopbackError::io(format!("writing {}", path.display()), e))?;
    Ok(path)
}
