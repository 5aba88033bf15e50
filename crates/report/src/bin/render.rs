//! `render`: the report page of one results file, e.g. one from another machine.
//!
//! The page is a pure function of the file (plus the newest committed baseline beside it),
//! so `render their-run.json` shows another machine's run as its own `cargo bench` showed it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use report::Results;

/// Render a concurrency-bench results file as an HTML report.
#[derive(Parser, Debug)]
#[command(name = "render", version, about, long_about = None)]
struct Args {
    /// The results file.
    file: PathBuf,
    /// The page to write (default: `reports/<file stem>.html`); its charts go beside it.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// The reports folder whose baselines/ is shown beside the run.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    reports_dir: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let results = match Results::read(&args.file) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let stem = args
        .file
        .file_stem()
        .map_or_else(|| "results".into(), |s| s.to_string_lossy().into_owned());
    let out = args
        .out
        .unwrap_or_else(|| args.reports_dir.join(format!("{stem}.html")));
    if let Err(e) = report::publish::render_to(&results, &args.reports_dir, &out, None) {
        return error(e);
    }
    println!("page: {}", out.display());
    ExitCode::SUCCESS
}

fn error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
