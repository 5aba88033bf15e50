//! Prints every workload of a preset as JSON (schema `cb-workloads-v1`, see
//! `workloads::export`): tasks, expected answers and the worker sweep, for the Python side.
//!
//! `cargo run -q -p workloads --bin export-workloads -- --preset quick [--out FILE]`; without
//! `--preset`, `CB_PRESET` (else `default`); the sweep is `CB_WORKERS` or the suite's own
//! (from the CPUs this process may use).

use std::io::Write;
use std::process::ExitCode;

use workloads::{Preset, export, worker_counts};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("export-workloads: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let (mut preset, mut out) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--preset" => preset = Some(value("--preset")?),
            "--out" => out = Some(value("--out")?),
            "-h" | "--help" => {
                println!("usage: export-workloads [--preset quick|default|large] [--out FILE]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let preset = match preset {
        Some(name) => name.parse::<Preset>().map_err(|e| format!("--preset: {e}")),
        None => Preset::from_env().map_err(|e| e.to_string()),
    }?;
    // The CPUs the suite's sweep is built from; CB_WORKERS overrides both sweeps the same way.
    let workers = worker_counts(host::run_cpus().get()).map_err(|e| e.to_string())?;
    let text = export::export(preset, &workers).to_string();
    match out {
        None => writeln!(std::io::stdout(), "{text}").map_err(|e| format!("stdout: {e}")),
        Some(path) => write_atomic(&path, &text),
    }
}

/// Writes to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &str, text: &str) -> Result<(), String> {
    let temp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&temp, text).map_err(|e| format!("cannot write {temp}: {e}"))?;
    std::fs::rename(&temp, path).map_err(|e| format!("cannot rename {temp} to {path}: {e}"))
}
