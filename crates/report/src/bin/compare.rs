//! `compare`: results files from several machines (or runs) side by side.
//!
//! Prints a table of median times, ratios against the reference and each machine's own
//! speedup over its sequential run, the geometric mean per family, and the benchmarks only
//! some files hold; writes the same as a page with charts. Each pair gets a verdict (faster,
//! slower, no significant change, too few samples) from a 95% bootstrap interval of the ratio
//! of medians, beyond the benchmark's run-to-run noise floor from `reports/noise.json` (read
//! when present; `--noise FILE` names another). `--write-noise FILE` treats the files as an
//! A/A check (repeated runs on one machine) and writes their noise floors. Exit status: 0, 1
//! for bad input (one line naming the file and the problem), 3 when `--fail-above` finds a
//! significant regression.
//! Python results files (`language: python`) among them are not machine columns: they are
//! shown against the reference Rust file in one "Rust against the article's Python" table, a
//! column per interpreter, and in "Does free-threading change the answer?", in the text and
//! on the page (one Rust file and Python files make a page of their own).
//! `--single-file` writes the page as one file to send, its charts inside it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use report::analysis::noise::{DEFAULT_NOISE_FILE, Noise};
use report::analysis::versus::python_text;
use report::output::compare::{
    Comparison, Input, read_inputs, reference_index, write_page, write_single_file,
};

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
    /// Exit with status 3 when a benchmark is significantly slower than the reference (its
    /// verdict is "slower") by more than PCT percent.
    #[arg(long, value_name = "PCT", value_parser = percent)]
    fail_above: Option<f64>,
    /// Noise floors from an A/A check (default: reports/noise.json, or noise.json in
    /// CB_REPORT_DIR, when present).
    #[arg(long, value_name = "FILE")]
    noise: Option<PathBuf>,
    /// Treat the files as repeated runs of one machine (an A/A check) and write each
    /// benchmark's run-to-run spread to FILE.
    #[arg(long, value_name = "FILE")]
    write_noise: Option<PathBuf>,
    /// Write the page as one self-contained HTML file to send: every chart inside it, no
    /// other file written.
    #[arg(long)]
    single_file: bool,
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
    // Python files (scripts/python-bench.sh) are not another machine's column: they are shown
    // against the reference Rust file, a column per interpreter, with a note on each whose
    // machine or preset differs.
    let (python, inputs): (Vec<_>, Vec<_>) =
        (inputs.into_iter()).partition(|i| i.results.run.language() == "python");
    if inputs.is_empty() {
        return error(
            "only Python files given: compare needs a Rust results file to show them against",
        );
    }
    let reference = match reference_index(&inputs, args.reference.as_deref()) {
        Ok(k) => k,
        Err(e) => return error(e),
    };
    let rust = &inputs[reference];
    if !python.is_empty() {
        let names: Vec<String> = python
            .iter()
            .map(|p| p.path.display().to_string())
            .collect();
        println!("{} against {}:", names.join(", "), rust.path.display());
        let pythons: Vec<&report::Results> = python.iter().map(|p| &p.results).collect();
        print!("{}", python_text(&rust.results, &pythons));
        println!();
    }
    if let Some(path) = &args.write_noise {
        return write_noise(&inputs, path);
    }
    let noise = match load_noise(args.noise.as_ref(), &inputs[reference]) {
        Ok(noise) => noise,
        Err(e) => return error(e),
    };
    let comparison = Comparison::new(&inputs, reference)
        .with_noise(noise.as_ref())
        .with_python(&python);
    if inputs.len() > 1 {
        print!("{}", comparison.text());
    }
    let written = match args.single_file {
        true => write_single_file(&comparison, &args.out),
        false => write_page(&comparison, &args.out),
    };
    if let Err(e) = written {
        return error(e);
    }
    println!("\npage: {}", args.out.display());
    if let Some(pct) = args.fail_above {
        let regressions = comparison.regressions(pct);
        if !regressions.is_empty() {
            eprintln!(
                "significant regressions (verdict slower, more than {pct}% slower than the reference): {}",
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

/// The noise file named, else `reports/noise.json` when present; one from another kind of
/// machine than the reference is left out with a warning.
fn load_noise(named: Option<&PathBuf>, reference: &Input) -> Result<Option<Noise>, report::Error> {
    // The folder the suite publishes into (`CB_REPORT_DIR`), else reports/.
    let default = std::env::var_os(report::publish::REPORT_DIR_ENV).map_or_else(
        || PathBuf::from(DEFAULT_NOISE_FILE),
        |d| PathBuf::from(d).join("noise.json"),
    );
    let path = match named {
        Some(p) => p,
        None if default.is_file() => &default,
        None => return Ok(None),
    };
    let noise = Noise::read(path)?;
    if noise.fingerprint != reference.results.machine.fingerprint {
        eprintln!(
            "warning: {} was measured on another kind of machine ({}) than the reference {}: noise floors left out",
            path.display(),
            noise.machine,
            reference.name
        );
        return Ok(None);
    }
    Ok(Some(noise))
}

fn write_noise(inputs: &[Input], path: &std::path::Path) -> ExitCode {
    let runs: Vec<(String, &report::Results)> = inputs
        .iter()
        .map(|i| (i.path.display().to_string(), &i.results))
        .collect();
    let noise = match Noise::from_runs(&runs) {
        Ok(n) => n,
        Err(e) => return error(e),
    };
    if let Err(e) = noise.write(path) {
        return error(e);
    }
    let (above, all) = noise.count_above(0.10);
    println!(
        "noise floors of {all} benchmarks over {} runs -> {} ({above} with a floor of 10% or more)",
        runs.len(),
        path.display()
    );
    let mut worst: Vec<(&String, &report::analysis::noise::Floor)> =
        noise.benchmarks.iter().collect();
    worst.sort_by(|a, b| b.1.floor.total_cmp(&a.1.floor));
    for (id, f) in worst.iter().take(10) {
        println!(
            "  {id}: floor {:.1}% (runs spread {:.1}%)",
            f.floor * 100.0,
            f.spread * 100.0
        );
    }
    ExitCode::SUCCESS
}

fn error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
