//! Publishing a run: criterion's files -> `reports/runs/<id>.json` -> `reports/index.html`.
//!
//! Nothing is replaced until everything is ready: the results are loaded and validated, the
//! page and every chart rendered in memory, and only then written (temp file + rename), so a
//! failure at any step leaves the previous report as it was.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::Error;
use crate::fsio;
use crate::inputs::criterion::load_criterion;
use crate::inputs::machine;
use crate::model::{Machine, Results, Run, SCHEMA};
use crate::output::html::Layout;
use crate::output::html::slug;
use crate::output::page::{Beside, Page, render_page};

/// Overrides where reports go (default `<workspace>/reports`).
pub const REPORT_DIR_ENV: &str = "CB_REPORT_DIR";

/// What a publish needs to know about the run.
#[derive(Clone, Debug)]
pub struct PublishOptions {
    /// criterion's output folder (`target/criterion`).
    pub criterion_dir: PathBuf,
    /// Where `index.html`, `runs/` and `baselines/` live.
    pub reports_dir: PathBuf,
    /// Only results written at or after this time belong to the run.
    pub since: Option<SystemTime>,
    /// `quick` or `full`.
    pub profile: String,
    /// The workload preset's name.
    pub preset: String,
    /// The command line, as run.
    pub command_line: String,
    /// Why the run stopped early, for a partial run (see [`Run::partial`]).
    pub partial: Option<String>,
    /// The machine as `host` read it (see [`crate::inputs::machine::from_host`]); the publisher adds
    /// the run's contention and calibration from the suite's files.
    pub machine: Machine,
    /// The revision of the code measured (`host::machine::git_revision`).
    pub git_revision: String,
}

/// Where a publish wrote to.
#[derive(Clone, Debug)]
pub struct Published {
    /// The results file under `runs/`.
    pub results: PathBuf,
    /// The page.
    pub index: PathBuf,
    /// How many benchmarks it holds.
    pub benchmarks: usize,
}

impl PublishOptions {
    /// Options for the bench binary of the workspace at `workspace_root`, run with `args`
    /// (without the program name) under `preset`, on `machine`, started at `since`.
    pub fn for_bench(
        workspace_root: &Path,
        preset: &str,
        args: &[String],
        machine: Machine,
        since: Option<SystemTime>,
        git_revision: String,
    ) -> PublishOptions {
        let quick = preset == "quick" || args.iter().any(|a| a == "--quick");
        let reports_dir = std::env::var_os(REPORT_DIR_ENV)
            .map_or_else(|| workspace_root.join("reports"), PathBuf::from);
        PublishOptions {
            criterion_dir: criterion_dir(workspace_root),
            reports_dir,
            since,
            profile: if quick { "quick" } else { "full" }.to_string(),
            preset: preset.to_string(),
            command_line: std::iter::once("cargo bench --")
                .chain(args.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
            partial: None,
            machine,
            git_revision,
        }
    }
}

/// Whether a bench binary run with `args` measured anything worth publishing: cargo passes
/// `--bench` under `cargo bench`; `cargo test --benches` (no `--bench`), `--test`, `--list`,
/// `--profile-time` and `--load-baseline` measure nothing new.
pub fn should_publish(args: &[String]) -> bool {
    let has = |flag: &str| {
        args.iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    has("--bench")
        && !["--test", "--list", "--profile-time", "--load-baseline"]
            .iter()
            .any(|f| has(f))
}

/// criterion's options that take a value (criterion 0.8 `configure_from_args`).
const CRITERION_OPTIONS_WITH_VALUE: &[&str] = &[
    "-c",
    "--color",
    "--colour",
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--format",
    "--profile-time",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
];

/// criterion's filter among a bench binary's arguments (without the program name): the
/// first that is neither an option nor an option's value, as criterion reads it. The suite
/// skips the setup of what it filters out, and the report tells a filtered run apart.
pub fn criterion_filter<'a>(args: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if CRITERION_OPTIONS_WITH_VALUE.contains(&arg) {
            args.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

/// criterion's folder, found as criterion finds it: `CRITERION_HOME`, else
/// `CARGO_TARGET_DIR/criterion`, else cargo's target dir, else `<workspace>/target/criterion`.
pub fn criterion_dir(workspace_root: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return workspace_root.join(target).join("criterion");
    }
    cargo_target_dir(workspace_root)
        .unwrap_or_else(|| workspace_root.join("target"))
        .join("criterion")
}

fn cargo_target_dir(workspace_root: &Path) -> Option<PathBuf> {
    // Outside cargo (no `CARGO`), no guess at which cargo to ask.
    let cargo = std::env::var_os("CARGO")?;
    let meta = cargo_metadata::MetadataCommand::new()
        .cargo_path(cargo)
        .current_dir(workspace_root)
        .no_deps()
        .exec()
        .ok()?;
    Some(meta.target_directory.into_std_path_buf())
}

/// Loads this run's benchmarks, writes `runs/<id>.json` and the page.
pub fn publish(options: &PublishOptions) -> Result<Published, Error> {
    let benchmarks = load_criterion(&options.criterion_dir, options.since)?;
    let mut machine = options.machine.clone();
    if let Some(limits) = &mut machine.limits {
        limits.contention =
            crate::inputs::criterion::run_contention(&options.criterion_dir, options.since)?
                .map(crate::model::Contention::rounded);
    }
    machine.calibration =
        crate::inputs::criterion::calibration(&options.criterion_dir, options.since)?;
    let (time_utc, compact) = machine::utc_stamps(SystemTime::now());
    let id = format!("{compact}-{}", slug(&machine.label));
    let run = Run {
        id: id.clone(),
        time_utc,
        git_revision: options.git_revision.clone(),
        profile: options.profile.clone(),
        preset: options.preset.clone(),
        command_line: options.command_line.clone(),
        criterion_dir: Some(relative_link(&options.reports_dir, &options.criterion_dir)),
        language: Some("rust".to_string()),
        python: None,
        partial: options.partial.clone(),
    };
    let mut results = Results {
        schema: SCHEMA.to_string(),
        run,
        machine,
        benchmarks,
    };
    crate::analysis::bounds::mark(&mut results);
    results
        .validate()
        .map_err(|p| Error::new(&options.criterion_dir, p))?;
    let results_path = options.reports_dir.join("runs").join(format!("{id}.json"));
    let index = options.reports_dir.join("index.html");
    render_to(&results, &options.reports_dir, &index, Some(&results_path))?;
    Ok(Published {
        results: results_path,
        index,
        benchmarks: results.benchmarks.len(),
    })
}

/// Renders `results` into the page at `index` beside its machine's baseline (same
/// fingerprint, effective CPUs and idle polling) in `<reports_dir>/baselines/<label>/` and,
/// for a Rust run, the newest Python run of each interpreter of the same machine and preset
/// in `<reports_dir>/runs/` whose workloads the run measured; with `results_path`, also
/// writes the results file first.
pub fn render_to(
    results: &Results,
    reports_dir: &Path,
    index: &Path,
    results_path: Option<&Path>,
) -> Result<(), Error> {
    let python = python_beside(results, reports_dir);
    render_with_python(results, reports_dir, index, results_path, &python)
}

/// The Python runs [`render_to`] shows beside `results`: for a Rust run, the newest Python
/// run of each interpreter of the same machine and preset in `<reports_dir>/runs/`, in
/// interpreter order ([`crate::analysis::versus::newest_python`]).
pub fn python_beside(results: &Results, reports_dir: &Path) -> Vec<(PathBuf, Results)> {
    match results.run.language() {
        "rust" => crate::analysis::versus::newest_python(&reports_dir.join("runs"), results),
        _ => Vec::new(),
    }
}

/// [`render_to`] with the Python runs given (`render --python FILE`, once per interpreter):
/// shown even when they come from another machine or preset, with a note saying so.
pub fn render_with_python(
    results: &Results,
    reports_dir: &Path,
    index: &Path,
    results_path: Option<&Path>,
    python: &[(PathBuf, Results)],
) -> Result<(), Error> {
    let tag = slug(&results.run.id);
    let charts_dir = fsio::charts_dir_name(index, &tag);
    let page = render_beside(results, reports_dir, python, &Layout::Folder(charts_dir))
        .map_err(|p| Error::new(index, p))?;
    if let Some(path) = results_path {
        results.write(path)?;
    }
    let charts: Vec<(String, String)> = page.charts.into_iter().map(|c| (c.file, c.svg)).collect();
    fsio::publish_page(index, &tag, &page.html, &charts)
}

/// [`render_with_python`] into one self-contained file at `out` (`render --single-file`):
/// the charts inside the page, no link to criterion's pages, no other file written. The
/// file is written to a temporary name and renamed, so `out` is never a partial page.
pub fn render_single_file(
    results: &Results,
    reports_dir: &Path,
    out: &Path,
    python: &[(PathBuf, Results)],
) -> Result<(), Error> {
    let page = render_beside(results, reports_dir, python, &Layout::SingleFile)
        .map_err(|p| Error::new(out, p))?;
    fsio::write_atomic(out, page.html.as_bytes())
}

/// The page of `results` beside its machine's baseline in `<reports_dir>/baselines/` and
/// the Python runs `python`, laid out as `layout` says.
fn render_beside(
    results: &Results,
    reports_dir: &Path,
    python: &[(PathBuf, Results)],
    layout: &Layout,
) -> Result<Page, String> {
    let baseline = baseline_for(results, &reports_dir.join("baselines"));
    let beside = baseline.as_ref().map(|(path, r)| Beside {
        name: path.as_str(),
        results: r,
    });
    let names: Vec<String> = (python.iter())
        .map(|(path, _)| {
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        })
        .collect();
    let python: Vec<Beside<'_>> = (python.iter().zip(&names))
        .map(|((_, r), name)| Beside { name, results: r })
        .collect();
    render_page(results, beside, &python, layout)
}

/// What a baseline must share with a run to stand beside it: the kind of machine
/// (fingerprint), the CPUs the run could use, and whether idle CPUs polled.
fn baseline_key(r: &Results) -> (&str, u64, bool) {
    let polls = (r.machine.limits.as_ref()).is_some_and(|l| l.cpu_dma_latency_us == Some(0));
    (r.machine.fingerprint.as_str(), r.machine.run_cpus(), polls)
}

/// The baseline of `results`' machine in `dir`: `<dir>/<label>/results.json` whose
/// fingerprint, effective CPUs and idle polling match the run's, the newest by its run's
/// time when several do. A baseline that does not read is reported on stderr and left out:
/// it must not stop a run from being published.
fn baseline_for(results: &Results, dir: &Path) -> Option<(String, Results)> {
    let mut found: Vec<(String, Results)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join(BASELINE_FILE))
        .filter(|path| path.is_file())
        .filter_map(|path| match Results::read(&path) {
            Ok(r) => {
                let label = path
                    .parent()
                    .and_then(Path::file_name)
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                Some((format!("baseline {label}"), r))
            }
            Err(e) => {
                eprintln!("warning: {e} (baseline left out of the report)");
                None
            }
        })
        .filter(|(_, r)| baseline_key(r) == baseline_key(results))
        .collect();
    found.sort_by(|a, b| a.1.run.time_utc.cmp(&b.1.run.time_utc));
    found.pop()
}

/// The results file of a baseline, in its own folder `reports/baselines/<label>/` beside
/// the README that says what to take from it.
pub const BASELINE_FILE: &str = "results.json";

/// `to` as seen from `from` (`../target/criterion`), or an absolute `file://` link when the
/// two share no root.
fn relative_link(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (from, to) = (abs(from), abs(to));
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common <= 1 {
        return format!("file://{}", to.display());
    }
    let ups = from.components().count() - common;
    let downs: Vec<String> = to
        .components()
        .skip(common)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    std::iter::repeat_n("..".to_string(), ups)
        .chain(downs)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_mode_publishes_nothing() {
        let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert!(should_publish(&args("--bench map/")));
        assert!(should_publish(&args("--bench --quick --save-baseline x")));
        assert!(!should_publish(&args("")));
        assert!(!should_publish(&args("--bench --test")));
        assert!(!should_publish(&args("--bench --list")));
    }

    #[test]
    fn cargo_metadata_names_the_target_dir_this_test_runs_from() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = cargo_target_dir(&root).expect("cargo sets CARGO for tests");
        let exe = std::env::current_exe().unwrap().canonicalize().unwrap();
        assert!(
            exe.starts_with(dir.canonicalize().unwrap()),
            "{} is not under {}",
            exe.display(),
            dir.display()
        );
    }

    #[test]
    fn links_are_relative_inside_one_tree() {
        assert_eq!(
            relative_link(Path::new("/w/reports"), Path::new("/w/target/criterion")),
            "../target/criterion"
        );
    }
}
