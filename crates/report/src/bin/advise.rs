//! `advise`: which technique and worker count for tasks of a given cost, from the grain
//! sweep of a results file (see [`report::analysis::advice`] for the method and the rule).
//!
//! Without files it answers from the newest full, complete Rust run of this machine in
//! `<reports-dir>/runs/` (same fingerprint) that holds a grain sweep, and says which file.
//! With files, one answer per file, labelled with its machine and path. Bad input is one
//! line on stderr and exit status 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use report::Results;
use report::analysis::advice::{Question, advise, newest_run, read_file};

/// Which concurrency technique and worker count for tasks of a given cost, from a run's
/// grain sweep.
///
/// Example: advise --task 50us --tasks 10000 --payload 4KiB. Without FILES, the newest full
/// run of this machine in the reports folder's runs/ is read. Method: docs/advise.md.
#[derive(Parser, Debug)]
#[command(name = "advise", version)]
struct Args {
    /// The sequential time of one task: a number and ns, us (or µs), ms or s (e.g. 50us,
    /// 2.5ms).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    task: String,
    /// How many tasks: a whole number above zero (e.g. 10000 or 10_000).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    tasks: String,
    /// Bytes each task carries to its worker: a number and B, KiB, MiB (1024) or kB, MB
    /// (1000) (e.g. 4KiB). Read at the nearest measured payload.
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    payload: Option<String>,
    /// The reports folder whose runs/ is searched when no file is given.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    reports_dir: PathBuf,
    /// Results files (reports/runs/*.json, reports/baselines/*.json); one answer each.
    files: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let question = match Question::parse(&args.task, &args.tasks, args.payload.as_deref()) {
        Ok(q) => q,
        Err(e) => return error(e),
    };
    if args.files.is_empty() {
        let machine = report::inputs::machine::from_host(host::machine::facts(), None);
        let runs = args.reports_dir.join("runs");
        let (path, results) = match newest_run(&runs, &machine.fingerprint) {
            Ok(found) => found,
            Err(e) => return error(e),
        };
        println!(
            "from {} (the newest full run of this machine)",
            path.display()
        );
        return answer(&path, &results, &question);
    }
    let mut status = ExitCode::SUCCESS;
    for path in &args.files {
        let results = match read_file(path) {
            Ok(r) => r,
            Err(e) => {
                status = error(e);
                continue;
            }
        };
        if answer(path, &results, &question) != ExitCode::SUCCESS {
            status = ExitCode::FAILURE;
        }
    }
    status
}

fn answer(path: &std::path::Path, results: &Results, question: &Question) -> ExitCode {
    match advise(results, question) {
        Ok(a) => {
            let mut lines = a.lines().into_iter();
            if let Some(first) = lines.next() {
                println!("{} ({}): {first}", a.machine, path.display());
            }
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => error(format!("{}: {e}", path.display())),
    }
}

fn error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
