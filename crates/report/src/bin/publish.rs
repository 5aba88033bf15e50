//! `publish`: the report of everything in criterion's folder, not only the last run.
//!
//! `cargo bench` publishes by itself; this is for results gathered over several filtered
//! runs (`cargo bench -- map/`, then `-- sync/`), or to publish again after a failure was fixed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use report::{PublishOptions, publish};

/// Publish reports/index.html and a results file from all of target/criterion.
#[derive(Parser, Debug)]
#[command(name = "publish", version, about, long_about = None)]
struct Args {
    /// criterion's folder (default: as criterion finds it, usually target/criterion).
    #[arg(long, value_name = "DIR")]
    criterion_dir: Option<PathBuf>,
    /// Where index.html, runs/ and baselines/ live.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    reports_dir: PathBuf,
    /// The profile to record: quick or full.
    #[arg(long, default_value = "full", value_parser = ["quick", "full"])]
    profile: String,
    /// The workload preset the results were measured with.
    #[arg(long, default_value = "default")]
    preset: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let options = PublishOptions {
        criterion_dir: args
            .criterion_dir
            .unwrap_or_else(|| report::publish::criterion_dir(&root)),
        reports_dir: args.reports_dir,
        since: None,
        profile: args.profile,
        preset: args.preset,
        command_line: std::env::args().collect::<Vec<_>>().join(" "),
        partial: None,
        machine: report::inputs::machine::from_host(
            host::machine::facts(),
            Some(host::machine::limits()),
        ),
        git_revision: host::machine::git_revision(),
    };
    match publish(&options) {
        Ok(done) => {
            println!(
                "{} benchmarks -> {} and {}",
                done.benchmarks,
                done.results.display(),
                done.index.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
