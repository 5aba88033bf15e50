//! `import-pyperf`: the Python side's pyperf files (of one interpreter) ->
//! `reports/runs/<UTC time>-<machine>-python-<interpreter>.json` (`...-python-3.13t.json`: runs
//! of several interpreters in one minute do not collide), a `cb-results-v1` file with
//! `language: python`, the interpreter in `run.python`, and the machine record and fingerprint
//! from the same code as a Rust run (see `report::inputs::pyperf`).
//! `scripts/python-bench.sh` runs it; it prints the path it wrote.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use report::SCHEMA;
use report::inputs::machine;
use report::inputs::pyperf;
use report::model::{Results, Run};
use report::output::html::slug;

/// Convert pyperf JSON files of scripts/python/bench.py into a results file.
#[derive(Parser, Debug)]
#[command(name = "import-pyperf", version, about, long_about = None)]
struct Args {
    /// pyperf files (one per tier); a benchmark may appear in only one.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Load-test latencies appended by `bench.py --sidecar`.
    #[arg(long, value_name = "FILE")]
    sidecar: Option<PathBuf>,
    /// The reports folder: the file goes to `<DIR>/runs/`.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    reports_dir: PathBuf,
    /// What to record as the command that produced the timings.
    #[arg(long, value_name = "TEXT", default_value = "scripts/python-bench.sh")]
    command_line: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let files: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    let imported = match pyperf::import(&files, args.sidecar.as_deref()) {
        Ok(i) => i,
        Err(e) => return error(e),
    };
    let machine = machine::from_host(host::machine::facts(), Some(host::machine::limits()));
    let (time_utc, compact) = machine::utc_stamps(SystemTime::now());
    let id = format!(
        "{compact}-{}-python-{}",
        slug(&machine.label),
        file_tag(&imported.python.interpreter)
    );
    let profile = match imported.preset.as_str() {
        "quick" => "quick",
        _ => "full",
    };
    let results = Results {
        schema: SCHEMA.to_string(),
        run: Run {
            id: id.clone(),
            time_utc,
            git_revision: host::machine::git_revision(),
            profile: profile.to_string(),
            preset: imported.preset,
            command_line: args.command_line,
            criterion_dir: None,
            language: Some("python".to_string()),
            python: Some(imported.python),
            partial: None,
        },
        machine,
        benchmarks: imported.benchmarks,
    };
    let path = args.reports_dir.join("runs").join(format!("{id}.json"));
    if let Err(problem) = results.validate() {
        return error(format!("{}: {problem}", path.display()));
    }
    if let Err(e) = std::fs::create_dir_all(args.reports_dir.join("runs")) {
        return error(format!("{}: {e}", args.reports_dir.display()));
    }
    if let Err(e) = results.write(&path) {
        return error(e);
    }
    println!("{}", path.display());
    ExitCode::SUCCESS
}

/// The interpreter's name as it goes into a file name: `3.13t` as it is, any character but
/// a letter, a digit or a dot as `-`.
fn file_tag(interpreter: &str) -> String {
    (interpreter.chars())
        .map(|c| match c.is_ascii_alphanumeric() || c == '.' {
            true => c,
            false => '-',
        })
        .collect()
}

fn error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("import-pyperf: {e}");
    ExitCode::FAILURE
}
