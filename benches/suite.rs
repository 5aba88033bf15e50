//! The criterion suite of concurrency-bench: one target, a module per family.
//!
//! Benchmark ids are `<family>/<workload>` (the group), the technique (the function) and the
//! worker count (the parameter), so the report reads everything from criterion's own files.
//! Pick a family with a filter: `cargo bench -- map/`, `cargo bench -- sync/counter`,
//! `cargo bench -- overhead/`.
//! `CB_PRESET=quick` shrinks the workloads; `CB_WORKERS=1,2,8` overrides the worker sweep.
//! After the suite, the results are published into `reports/` (not in criterion's test mode).

mod cpu;
mod io;
mod map;
mod overhead;
mod process;
mod support;
mod sync;

fn main() {
    // Pool workers re-execute this binary; these turn such a copy into a worker before
    // anything else runs, and return at once in the suite itself.
    process_pool::init();
    procspawn::init();
    let settings = support::Settings::from_env();
    let mut criterion = support::criterion();
    map::benches(&mut criterion, &settings);
    process::benches(&mut criterion, &settings);
    io::benches(&mut criterion, &settings);
    sync::benches(&mut criterion, &settings);
    overhead::benches(&mut criterion, &settings);
    criterion.final_summary();
    if support::is_measuring() {
        match cpu::write_sidecar(&support::criterion_dir()) {
            Ok(path) => eprintln!("CPU times: {}", path.display()),
            Err(e) => eprintln!("warning: CPU times not written: {e}"),
        }
    }
    support::publish(&settings);
}
