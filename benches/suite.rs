//! The criterion suite of concurrency-bench: one target, a module per family.
//!
//! Benchmark ids are `<family>/<workload>` (the group), the technique (the function) and the
//! worker count (the parameter), so the report reads everything from criterion's own files.
//! Pick a family with a filter: `cargo bench -- map/`, `cargo bench -- sync/counter`,
//! `cargo bench -- overhead/`.
//! `CB_PRESET=quick` shrinks the workloads; `CB_WORKERS=1,2,8` overrides the worker sweep.
//! After the suite, the results are published into `reports/` (not in criterion's test mode).

mod calibration;
mod cpu;
mod io;
mod map;
mod overhead;
mod paired;
mod process;
mod progress;
mod sidecar;
mod support;
mod sync;

use criterion::Criterion;

fn main() {
    // Pool workers re-execute this binary; these turn such a copy into a worker before
    // anything else runs, and return at once in the suite itself.
    process_pool::init();
    procspawn::init();
    let settings = support::Settings::from_env();
    if support::is_measuring() {
        // The dry pass: count what the filter selects, run nothing.
        families(&mut Criterion::default(), &settings.planning());
        calibration::at_start();
        progress::begin(settings.preset.name());
    }
    let mut criterion = support::criterion();
    families(&mut criterion, &settings);
    criterion.final_summary();
    progress::finish();
    write_sidecars();
    support::publish(settings.preset.name(), None);
}

/// Every family, in the suite's order.
fn families(criterion: &mut Criterion, settings: &support::Settings) {
    map::benches(criterion, settings);
    process::benches(criterion, settings);
    io::benches(criterion, settings);
    sync::benches(criterion, settings);
    overhead::benches(criterion, settings);
}

/// Writes every sidecar beside criterion's files (a measuring run only): CPU times, kinds,
/// what each benchmark declared, the calibration at the end, the paired baselines. One that
/// cannot be written is a warning: the others and the report still go out.
fn write_sidecars() {
    if !support::is_measuring() {
        return;
    }
    let dir = support::criterion_dir();
    type Writer = fn(&std::path::Path) -> std::io::Result<std::path::PathBuf>;
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
