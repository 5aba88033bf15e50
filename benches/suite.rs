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
mod finish;
mod ids;
mod io;
mod map;
mod measure;
mod overhead;
mod paired;
mod process;
mod progress;
mod settings;
mod sidecar;
mod sync;

use criterion::Criterion;

fn main() {
    // Pool workers re-execute this binary; these turn such a copy into a worker before
    // anything else runs, and return at once in the suite itself.
    process_pool::init();
    procspawn::init();
    let settings = settings::Settings::from_env();
    if finish::is_measuring() {
        // The dry pass: count what the filter selects, run nothing.
        families(&mut Criterion::default(), &settings.planning());
        calibration::at_start();
        progress::begin(settings.preset.name());
    }
    let mut criterion = ids::criterion();
    families(&mut criterion, &settings);
    criterion.final_summary();
    finish::finish(None);
}

/// Every family, in the suite's order.
fn families(criterion: &mut Criterion, settings: &settings::Settings) {
    map::benches(criterion, settings);
    process::benches(criterion, settings);
    io::benches(criterion, settings);
    sync::benches(criterion, settings);
    overhead::benches(criterion, settings);
}
