//! The one way a benchmark is measured ([`bench_checked`]: run once and verify, size the
//! sampling, then time with criterion, every run verified outside the time, CPU time, kind
//! and progress recorded), and the shapes on top of it: [`bench_started`] (start outside
//! the timed part), [`bench_map`] (a map job through every technique, paired with its
//! sequential baseline) and [`bench_jobs`] (a job family over its parameters).

use std::fmt::Display;
use std::time::{Duration, Instant};

use concurrency_bench::Slowdown;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use workloads::{Job, Kind, MapJob, MapTechnique, MapWorkload, Technique};

use crate::cpu::iter_timed_with_cpu;
use crate::finish::{fail, finish};
use crate::ids::{BenchId, size_for};
use crate::paired::Baseline;
use crate::settings::Settings;
use crate::{progress, sidecar};

/// Announces benchmark `id` and returns its start; after a Ctrl-C, publishes what was
/// measured and ends the run instead.
pub fn announce(id: &str) -> Instant {
    if progress::interrupted() {
        finish(Some("interrupted (Ctrl-C)".to_string()));
        std::process::exit(130);
    }
    progress::start(id)
}

/// Runs one map job through every technique at every worker count: each is started outside
/// the timed part, then run, verified and timed by [`bench_started`]. Every row but the
/// baseline's own is paired with the group's sequential baseline, run beside each of its
/// samples (see [`paired`](crate::paired)).
pub fn bench_map(
    c: &mut Criterion,
    settings: &Settings,
    job: &MapJob,
    techniques: &[Box<dyn MapTechnique>],
) {
    let group_name = format!("map/{}", job.id());
    let mut group = c.benchmark_group(&group_name);
    group.throughput(Throughput::Elements(job.elements()));
    let baseline_technique = techniques
        .iter()
        .find(|t| t.id() == report::analysis::BASELINE_TECHNIQUE);
    // Started once per group, when the first paired row is selected.
    let mut baseline: Option<Baseline<'_>> = None;
    for technique in techniques {
        for workers in settings.workers_for(job, technique.as_ref()) {
            let id =
                BenchId::new(&group_name, technique.id(), workers).declaring(sidecar::Declared {
                    threads: technique.threads(workers),
                    workers: technique.sweeps_workers().then_some(workers.get()),
                    ..sidecar::Declared::waiting(
                        job.floor(technique.concurrent_waits(workers)),
                        job.chain(technique.concurrent_waits(workers)),
                        technique.wake_ups(),
                    )
                });
            let id = match job.workload() {
                MapWorkload::Grain(_) => id.sweep_point(),
                _ => id,
            };
            let pair_with = baseline_technique.filter(|b| b.id() != technique.id());
            let mut after = |iters: u64, sample: Duration| {
                let Some(b) = pair_with else { return };
                let base = baseline.get_or_insert_with(|| {
                    Baseline::start(b.as_ref(), job)
                        .unwrap_or_else(|e| fail(format!("{group_name}/{}", b.id()), e))
                });
                base.beside(id.name(), iters, sample)
                    .unwrap_or_else(|e| fail(format!("{group_name}/{}", b.id()), e));
            };
            measure_started(
                (&mut group, settings),
                (&id, technique.kind()),
                || technique.start(workers),
                |runner| runner.run(job),
                |outputs| job.verify(outputs),
                &mut after,
            );
        }
    }
    group.finish();
}

/// Runs every technique of a job family on the jobs `jobs` gives it (a parameter each:
/// workers, permits, consumers) in the group `group_name`, through [`bench_checked`]; the
/// job's note on the first run of each (how far from its floor) is printed.
pub fn bench_jobs<J: Job>(
    c: &mut Criterion,
    settings: &Settings,
    group_name: &str,
    techniques: &[Box<dyn Technique<J>>],
    jobs: impl Fn(&dyn Technique<J>) -> Vec<(usize, J)>,
) {
    let mut group = c.benchmark_group(group_name);
    for technique in techniques {
        for (parameter, job) in jobs(technique.as_ref()) {
            let id = BenchId::new(group_name, technique.id(), parameter).declaring(
                sidecar::Declared::waiting(
                    job.floor(technique.timer_resolution()),
                    job.chain(),
                    technique.wake_ups(&job),
                ),
            );
            group.throughput(Throughput::Elements(job.elements()));
            let first = bench_checked(
                &mut group,
                settings,
                (&id, technique.kind()),
                || technique.run(&job),
                |report| job.check(report),
            );
            let note = first.and_then(|r| job.note(&r, technique.timer_resolution()));
            if let Some(note) = note {
                eprintln!("{id}: {note}");
            }
        }
    }
    group.finish();
}

/// The one way a benchmark is measured: runs once and verifies, sizes the sampling, then
/// benches. criterion gets the duration `check` returns for each run (the technique's own
/// clock, or [`timed`] around `run`), so verifying every run stays outside the time. The
/// kind goes into the kinds sidecar. Returns the first
/// run's result, or `None` when criterion's filter leaves the benchmark out (and nothing
/// was run).
pub fn bench_checked<R, E: Display, M: Display>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    (id, kind): (&BenchId, Kind),
    run: impl FnMut() -> Result<R, E>,
    check: impl Fn(&R) -> Result<Duration, M>,
) -> Option<R> {
    measure(group, settings, (id, kind), run, check, &mut |_, _| {})
}

/// [`bench_checked`], with `after_sample` run after each sample, outside its time (the
/// paired baseline).
fn measure<R, E: Display, M: Display>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    settings: &Settings,
    (id, kind): (&BenchId, Kind),
    mut run: impl FnMut() -> Result<R, E>,
    check: impl Fn(&R) -> Result<Duration, M>,
    after_sample: &mut dyn FnMut(u64, Duration),
) -> Option<R> {
    if !settings.selected(id) {
        return None;
    }
    let name = id.name();
    let started = announce(name);
    sidecar::record_kind(name, kind);
    sidecar::declare(name, kind, id.declared);
    let first = run().unwrap_or_else(|e| fail(name, e));
    let once = check(&first).unwrap_or_else(|e| fail(name, e));
    size_for(group, once, id.sampling);
    let slowdown = settings.slowdown.as_ref().and_then(|s| s.factor_for(name));
    group.bench_function(id.criterion(), |b| {
        iter_timed_with_cpu(
            b,
            name,
            || {
                let result = run().unwrap_or_else(|e| fail(name, e));
                let took = check(&result).unwrap_or_else(|e| fail(name, e));
                slowdown.map_or(took, |factor| Slowdown::stretch(factor, took))
            },
            &mut *after_sample,
        )
    });
    progress::done(name, started);
    Some(first)
}

/// Starts a technique outside the timed part (`start`, skipped when the filter leaves the
/// benchmark out), then measures `run` on what it started with [`bench_checked`]: `verify`
/// checks the first answer, and a later one that differs from it (an equal one is checked
/// by comparing, cheap next to the named check).
pub fn bench_started<S, R: Clone + PartialEq, E: Display, M: Display>(
    at: (&mut BenchmarkGroup<'_, WallTime>, &Settings),
    what: (&BenchId, Kind),
    start: impl FnOnce() -> Result<S, E>,
    run: impl FnMut(&mut S) -> Result<R, E>,
    verify: impl Fn(&R) -> Result<(), M>,
) {
    measure_started(at, what, start, run, verify, &mut |_, _| {});
}

/// [`bench_started`], with `after_sample` run after each sample (see [`measure`]).
fn measure_started<S, R: Clone + PartialEq, E: Display, M: Display>(
    (group, settings): (&mut BenchmarkGroup<'_, WallTime>, &Settings),
    (id, kind): (&BenchId, Kind),
    start: impl FnOnce() -> Result<S, E>,
    mut run: impl FnMut(&mut S) -> Result<R, E>,
    verify: impl Fn(&R) -> Result<(), M>,
    after_sample: &mut dyn FnMut(u64, Duration),
) {
    if !settings.selected(id) {
        return;
    }
    let mut started = start().unwrap_or_else(|e| fail(id, e));
    let verified = std::cell::OnceCell::new();
    let check = |(answer, took): &(R, Duration)| {
        if verified.get() != Some(answer) {
            verify(answer)?;
            verified.get_or_init(|| answer.clone());
        }
        Ok::<_, M>(*took)
    };
    let run = timed(|| run(&mut started));
    measure(group, settings, (id, kind), run, check, after_sample);
}

/// Wraps `run` so it also returns how long it took, for [`bench_checked`].
pub fn timed<R, E>(
    mut run: impl FnMut() -> Result<R, E>,
) -> impl FnMut() -> Result<(R, Duration), E> {
    move || {
        let started = Instant::now();
        run().map(|result| (result, started.elapsed()))
    }
}
