//! How a run ends, the one path for a complete run and a partial one alike ([`finish`]):
//! the progress summary, every side file beside criterion's, and the published report;
//! and [`fail`], which ends a run on a wrong answer with what was measured still published.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::{calibration, cpu, paired, progress, sidecar};

/// Ends the run with one line naming the benchmark and what went wrong: a wrong answer or a
/// broken technique is a failed run, never a fast one. What was measured before is still
/// published, marked partial.
pub fn fail(what: impl Display, error: impl Display) -> ! {
    eprintln!("error: {what}: {error}");
    finish(Some(format!("failed at {what}: {error}")));
    std::process::exit(1)
}

/// Whether criterion is measuring (`cargo bench`), as opposed to its test mode
/// (`cargo test`, `--test`) or listing (`--list`): only a measuring run writes results.
/// The report decides the same way whether to publish.
pub fn is_measuring() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    report::should_publish(&args)
}

/// Where criterion writes its files, found the way the report finds them (which may ask
/// `cargo metadata`, so it is asked once).
pub fn criterion_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| report::publish::criterion_dir(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .clone()
}

/// Ends a measuring run (nothing happens outside one): prints the progress summary, writes
/// every side file and publishes the report; `partial` says why a run that stopped early did
/// (a failure, Ctrl-C), and the results file keeps it. A partial run that measured nothing
/// publishes nothing.
pub fn finish(partial: Option<String>) {
    if !is_measuring() {
        return;
    }
    let Some(measured) = progress::summary() else {
        return;
    };
    let partial = match partial {
        None => None,
        Some(_) if measured == 0 => {
            eprintln!("report: nothing measured, nothing published");
            return;
        }
        Some(why) => {
            // Ctrl-C reaches the pool's worker processes too, which can fail the benchmark
            // at hand.
            let why = match progress::interrupted() && !why.starts_with("interrupted") {
                true => format!("interrupted (Ctrl-C): {why}"),
                false => why,
            };
            let partial = format!("{why}, after {measured} benchmarks");
            eprintln!("report: publishing a partial run ({partial})");
            Some(partial)
        }
    };
    write_sidecars();
    publish(progress::preset(), partial);
}

/// Writes every side file beside criterion's files: CPU times, kinds, what each benchmark
/// declared, the calibration at the end, the paired baselines. One that cannot be written
/// is a warning: the others and the report still go out.
fn write_sidecars() {
    let dir = criterion_dir();
    type Writer = fn(&Path) -> std::io::Result<PathBuf>;
    let writers: [(&str, Writer); 5] = [
        ("CPU times", cpu::write_sidecar),
        ("kinds", sidecar::write_kinds),
        ("declared floors and threads", sidecar::write_declared),
        ("calibration", calibration::write_at_end),
        ("paired baselines", paired::write_pairs),
    ];
    for (what, write) in writers {
        match write(&dir) {
            Ok(path) => eprintln!("{what}: {}", path.display()),
            Err(e) => eprintln!("warning: {what} not written: {e}"),
        }
    }
}

/// Publishes the results into `reports/`: `reports/runs/<id>.json` and `reports/index.html`,
/// with the machine as `host` reads it now; a failure leaves the previous report as it was.
fn publish(preset: &str, partial: Option<String>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let machine =
        report::inputs::machine::from_host(host::machine::facts(), Some(host::machine::limits()));
    let options = report::PublishOptions {
        partial,
        ..report::PublishOptions::for_bench(
            root,
            preset,
            &args,
            machine,
            host::machine::process_start(),
            host::machine::git_revision(),
        )
    };
    match report::publish(&options) {
        Ok(done) => eprintln!(
            "report: {} benchmarks -> {} and {}",
            done.benchmarks,
            done.results.display(),
            done.index.display()
        ),
        Err(e) => {
            eprintln!("error: report: {e}");
            std::process::exit(1)
        }
    }
}
