//! `compare`: results files from several machines (or runs) side by side.
//!
//! Prints a table of median times, ratios against the reference and each machine's own
//! speedup over its sequential run, the geometric mean per family, and the benchmarks only
//! some files hold; writes the same as a page with charts. Exit status: 0, 1 for bad input
//! (one line naming the file and the problem), 3 when `--fail-above` finds a regression.
//! A Python results file (`language: python`) among them is not a machine column: it is
//! printed as "Rust against the article's Python" against the first Rust file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use report::compare::{Comparison, read_inputs, reference_index, write_page};
use report::versus::Versus;

/// Compare concurrency-bench results files across machines.
#[derive(Parser, Debug)]
#[command(name = "compare", version, about, long_about = None)]
struct Args {
    /// Results files (reports/runs/*.json, reports/baselines/*.json); the first is the reference.
    #[arg(required = true, num_args = 2..)]
    files: Vec<PathBuf>,
    /// The reference: a machine label or a file name (default: the first file).
    #[arg(long, value_name = "NAME")]
    reference: Option<String>,
    /// Where to write the comparison page; its charts go in a folder beside it.
    #[arg(long, value_name = "PATH", default_value = "reports/compare.html")]
    out: PathBuf,
    /// Exit with status 3 when any benchmark is slower than the reference by more than PCT percent.
    #[arg(long, value_name = "PCT", value_parser = percent)]
    fail_above: Option<f64>,
}

fn percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{text:?} is not a percentage (a number >= 0, e.g. 10)"
        )),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let inputs = match read_inputs(&args.files) {
        Ok(inputs) => inputs,
        Err(e) => return error(e),
    };
    // Python files (scripts/python-bench.sh) are not another machine's column: each is shown
    // against the first Rust file, with a note when its machine or preset differs.
    let (python, inputs): (Vec<_>, Vec<_>) =
        (inputs.into_iter()).partition(|i| i.results.run.language() == "python");
    if let (Some(rust), false) = (inputs.first(), python.is_empty()) {
        for py in &python {
            println!("{} against {}:", py.path.display(), rust.path.display());
            print!("{}", Versus::new(&rust.results, &py.results).text());
            println!();
        }
    } else if !python.is_empty() {
        return error(
            "only Python files given: compare needs a Rust results file to show them against",
        );
    }
    if inputs.len() < 2 {
        return ExitCode::SUCCESS;
    }
    let reference = match reference_index(&inputs, args.reference.as_deref()) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    let comparison = Comparison::new(&inputs, reference);
    print!("{}", comparison.text());
    if let Err(e) = write_page(&comparison, &args.out) {
        return error(e);
    }
    println!("\npage: {}", args.out.display());
    if let Some(pct) = args.fail_above {
        let regressions = comparison.regressions(pct);
        if !regressions.is_empty() {
            eprintln!(
                "regressions (more than {pct}% slower than the reference): {}",
                regressions.len()
            );
            for (id, machine, ratio) in regressions {
                eprintln!(
                    "  {id} on {machine}: {}",
                    report::analysis::format_ratio(ratio)
                );
            }
            return ExitCode::from(3);
        }
    }
    ExitCode::SUCCESS
}

fn error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
