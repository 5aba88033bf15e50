//! Family `map`: the article's map-style work (primes, squares, chunk-mean, sleep) and the
//! grain sweep (tasks of a fixed cost from 100 ns to 1 ms, and 4 KiB / 64 KiB payloads) through
//! every technique that can spread a list of tasks over workers: threads, the process pool
//! and tokio. Swept: worker count (1, 2, cores, 2 x cores; sleep adds the article's 3).
//! Why: the same tasks through every technique show what each way of spreading work costs,
//! from coarse unequal tasks (primes in 4 ranges) to tiny ones (squares); the grain sweep
//! gives the report the task cost from which each technique beats sequential (break-even),
//! measured (sequential time / tasks), not nominal. thread-per-task skips grain below 10 us.

use criterion::Criterion;
use workloads::{MapJob, MapTechnique};

use crate::measure::bench_map;
use crate::settings::Settings;

/// Every map technique of the workspace, in legend order.
fn map_techniques() -> Vec<Box<dyn MapTechnique>> {
    let mut all = threads::map_techniques();
    all.extend(async_tasks::map_techniques());
    all.extend(process_pool::map_techniques(
        &process_pool::WorkerProgram::CurrentExe,
    ));
    all
}

pub fn benches(c: &mut Criterion, settings: &Settings) {
    let techniques = map_techniques();
    for job in MapJob::for_preset(settings.preset) {
        bench_map(c, settings, &job, &techniques);
    }
}
