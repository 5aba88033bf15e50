//! `render`: the report page of one results file, e.g. one from another machine.
//!
//! The page is a pure function of the file (plus the newest committed baseline beside it),
//! so `render their-run.json` shows another machine's run as its own `cargo bench` showed it.
//! The newest Python run (`scripts/python-bench.sh`) of each interpreter of the same machine
//! and preset in `reports/runs/` is shown against it, a column per interpreter, with the
//! section on free-threading; `--python FILE` (once per file) picks them instead, even from
//! another machine or preset, which the page then says, and prints the same tables.
//! `--latest` renders the newest Rust run.
//! `--single-file` writes the page as one file to send, its charts inside it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use report::Results;
use report::analysis::versus::{newest_rust, python_text};
use report::publish::{python_beside, render_single_file, render_with_python};

/// Render a concurrency-bench results file as an HTML report.
#[derive(Parser, Debug)]
#[command(name = "render", version, about, long_about = None)]
struct Args {
    /// The results file (or --latest).
    #[arg(required_unless_present = "latest")]
    file: Option<PathBuf>,
    /// Render the newest Rust run in `<reports-dir>/runs/` that measured its whole preset (no
    /// filter, not stopped early), else the newest at all; it says which.
    #[arg(long, conflicts_with = "file")]
    latest: bool,
    /// A Python results file to show against the run; once per interpreter (a column each).
    #[arg(long, value_name = "FILE")]
    python: Vec<PathBuf>,
    /// The page to write (default: `reports/<file stem>.html`); its charts go beside it.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// The reports folder whose baselines/ is shown beside the run.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    reports_dir: PathBuf,
    /// Write one self-contained HTML file to send: every chart inside the page, no other
    /// file written; links to criterion's pages (not in the file) are replaced by a note.
    #[arg(long)]
    single_file: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let file = match (args.file, args.latest) {
        (Some(file), _) => file,
        (None, _) => match newest_rust(&args.reports_dir.join("runs")) {
            Some((file, complete)) => {
                let what = match complete {
                    true => "the newest complete run",
                    false => {
                        "the newest run (none is complete: all were filtered or stopped early)"
                    }
                };
                eprintln!("render: {} ({what})", file.display());
                file
            }
            None => {
                let runs = args.reports_dir.join("runs");
                return error(format!(
                    "{}: no Rust results file (run cargo bench)",
                    runs.display()
                ));
            }
        },
    };
    let results = match Results::read(&file) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let given: Result<Vec<(PathBuf, Results)>, _> = (args.python.iter())
        .map(|p| Results::read(p).map(|r| (p.clone(), r)))
        .collect();
    let given = match given {
        Ok(given) => given,
        Err(e) => return error(e),
    };
    let stem = file
        .file_stem()
        .map_or_else(|| "results".into(), |s| s.to_string_lossy().into_owned());
    let out = args
        .out
        .unwrap_or_else(|| args.reports_dir.join(format!("{stem}.html")));
    if !given.is_empty() {
        let pythons: Vec<&Results> = given.iter().map(|(_, r)| r).collect();
        print!("{}", python_text(&results, &pythons));
    }
    let python = match given.is_empty() {
        true => python_beside(&results, &args.reports_dir),
        false => given,
    };
    let rendered = match args.single_file {
        false => render_with_python(&results, &args.reports_dir, &out, None, &python),
        true => render_single_file(&results, &args.reports_dir, &out, &python),
    };
    if let Err(e) = rendered {
        return error(e);
    }
    println!("page: {}", out.display());
    ExitCode::SUCCESS
}

fn error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
