//! Physical bounds on every row: what no technique can do on the machine that measured it.
//!
//! A row that breaks one is a bug of the suite or a property of the machine, never a
//! finding. [`mark`] checks every record of a results file and puts each broken bound in the
//! record's list of marks, beside the existing "busy" mark, with the bound's figures and the
//! likely cause. It runs when a run is published and whenever a file is rendered or
//! compared, so a file from before the bounds, or from another machine, is judged the same
//! way. The page's answers, headline and break-even leave implausible rows out and say so.
//!
//! | bound | rows | mark |
//! |---|---|---|
//! | speedup above the ideal of its workers on this run's CPUs (calibrated), beyond its interval | compute-bound map rows | implausible |
//! | the same, where the data split across the cores' caches can make it honest | chunk-mean, grain with payload | warning |
//! | a technique at one worker faster than the baseline beyond its interval | compute-bound map rows | implausible |
//! | below the job's floor (the sleeps of its chain) | waiting rows with `floor_ns` | implausible |
//! | a server's rate above the generator's ceiling at the same connections | `io/web-server` | implausible |
//! | more cores busy than the run's CPUs | every row with CPU time | implausible |
//! | a one-thread technique above [`ONE_THREAD_CORES`] cores busy | rows with `threads: 1` | implausible |

use std::collections::BTreeMap;

use crate::analysis::{BASELINE_TECHNIQUE, by_group, speedup_interval};
use crate::model::{Machine, Mark, MarkKind, Ratio, Record, Results};

/// Cores busy a one-thread technique may show: its own thread plus the scheduler's and the
/// accounting's slack.
pub const ONE_THREAD_CORES: f64 = 1.05;
/// Slack on the run's CPUs for the cores-busy bound (CPU time is read in ticks of a few
/// microseconds around samples of a millisecond or more).
pub const CORES_SLACK: f64 = 1.02;

/// What a map workload's time is bound by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    /// Arithmetic in registers and caches: a speedup above the CPUs' is impossible.
    Compute,
    /// Data split across the cores' caches can run honestly faster than one core's share.
    Cache,
    /// Sleeps: held to their floor, not to the CPUs.
    Waiting,
}

fn bound_of(workload: &str) -> Bound {
    if workload.starts_with("sleep") {
        Bound::Waiting
    } else if workload.starts_with("chunk-mean")
        || (workload.starts_with("grain-") && workload.contains("-p"))
    {
        Bound::Cache
    } else {
        Bound::Compute
    }
}

/// Checks every record of `results` against the bounds of its machine, replacing its marks.
pub fn mark(results: &mut Results) {
    let marks: Vec<Vec<Mark>> = {
        let groups = by_group(&results.benchmarks);
        let ceilings = ceilings(&results.benchmarks);
        results
            .benchmarks
            .iter()
            .map(|r| {
                let group = &groups[r.group.as_str()];
                let mut marks = Vec::new();
                marks.extend(busy(r));
                marks.extend(speedup_bound(&results.machine, group, r));
                marks.extend(floor_bound(r));
                marks.extend(ceiling_bound(&ceilings, r));
                marks.extend(cores_bound(&results.machine, r));
                marks
            })
            .collect()
    };
    for (record, marks) in results.benchmarks.iter_mut().zip(marks) {
        record.marks = marks;
    }
}

fn busy(r: &Record) -> Option<Mark> {
    let c = r.contention.filter(|c| c.busy())?;
    Some(Mark {
        kind: MarkKind::Busy,
        what: format!("measured beside a busy neighbour ({})", c.describe()),
        cause: "another process or the hypervisor took CPU time while this row ran".into(),
    })
}

/// The ideal the row's speedup is held to, and the worker count it comes from.
fn ideal_for(machine: &Machine, r: &Record) -> (f64, f64) {
    let cpus = machine.run_cpus() as f64;
    // A technique that does not bound its CPUs (a thread per task) may use them all.
    let workers = r.workers.map_or(cpus, |w| w as f64);
    (machine.ideal_speedup(workers), workers)
}

fn speedup_bound(machine: &Machine, group: &[&Record], r: &Record) -> Option<Mark> {
    if r.family != "map" || r.technique == BASELINE_TECHNIQUE {
        return None;
    }
    let bound = bound_of(&r.workload);
    if bound == Bound::Waiting {
        return None;
    }
    let Ratio {
        point,
        lower,
        upper,
    } = speedup_interval(group, r)?;
    let (ideal, workers) = ideal_for(machine, r);
    if lower <= ideal {
        return None;
    }
    let cpus = machine.run_cpus();
    let interval = format!("{point:.2}x [{lower:.2}, {upper:.2}]");
    let (kind, cause) = match bound {
        Bound::Cache => (
            MarkKind::Warning,
            "the data split across the cores' caches can beat one core's share honestly".into(),
        ),
        _ if workers <= 1.0 => (
            MarkKind::Implausible,
            "one worker cannot beat the sequential baseline running the same kernel: the \
             baseline ran slower than its code (the host's speed drifted between the two, or \
             the baseline's thread ran somewhere slower)"
                .into(),
        ),
        _ => (
            MarkKind::Implausible,
            format!(
                "no compute-bound row can gain more than its CPUs: the baseline ran slower \
                 than this row's CPUs (drift between the two measurements, or a slower CPU); \
                 the calibration {}",
                match machine.calibration.as_ref().and_then(|c| c.unequal()) {
                    Some(u) => format!("found unequal CPUs: {u}"),
                    None => "found the CPUs alike, or was not taken".to_string(),
                }
            ),
        ),
    };
    let what = if workers <= 1.0 {
        format!("speedup {interval} at one worker, above 1x beyond its interval")
    } else {
        format!(
            "speedup {interval} above the ideal {ideal:.2}x of {} workers on {cpus} CPUs",
            workers
        )
    };
    Some(Mark { kind, what, cause })
}

fn floor_bound(r: &Record) -> Option<Mark> {
    let floor = r.floor_ns?;
    (r.median.point_ns < floor).then(|| Mark {
        kind: MarkKind::Implausible,
        what: format!(
            "median {} below the job's floor {}",
            crate::analysis::format_time(r.median.point_ns),
            crate::analysis::format_time(floor)
        ),
        cause: "a waiting job cannot end before its sleeps do: the technique's clock, or \
                its check of the answer, is wrong"
            .into(),
    })
}

/// The load generator's own rate against the canned responder, per connection count.
fn ceilings(records: &[Record]) -> BTreeMap<String, (f64, &Record)> {
    records
        .iter()
        .filter(|r| r.group == "io/loadgen-ceiling")
        .filter_map(|r| rate_interval(r).map(|(_, hi)| (r.parameter.clone(), (hi, r))))
        .collect()
}

/// A row's rate (units per second) at its median's interval: (lowest, highest).
fn rate_interval(r: &Record) -> Option<(f64, f64)> {
    let per = r.throughput.as_ref()?.per_iteration;
    (per > 0.0).then(|| {
        (
            per * 1e9 / r.median.upper_ns.max(r.median.point_ns),
            per * 1e9 / r.median.lower_ns.min(r.median.point_ns).max(1e-9),
        )
    })
}

fn ceiling_bound(ceilings: &BTreeMap<String, (f64, &Record)>, r: &Record) -> Option<Mark> {
    if r.group != "io/web-server" {
        return None;
    }
    let (ceiling, at) = ceilings.get(&r.parameter)?;
    let (lowest, _) = rate_interval(r)?;
    (lowest > *ceiling).then(|| Mark {
        kind: MarkKind::Implausible,
        what: format!(
            "{} req/s above the load generator's ceiling {} req/s ({}) at {} connections",
            crate::analysis::format_rate(lowest),
            crate::analysis::format_rate(*ceiling),
            at.id,
            r.parameter
        ),
        cause: "no server answers faster than the generator can ask against a canned \
                answer: the requests were not all counted, or the ceiling row ran on a \
                slower host"
            .into(),
    })
}

fn cores_bound(machine: &Machine, r: &Record) -> Option<Mark> {
    let cores = r.cpu.as_ref()?.cores_busy;
    let cpus = machine.run_cpus() as f64;
    if r.threads == Some(1) && cores > ONE_THREAD_CORES {
        return Some(Mark {
            kind: MarkKind::Implausible,
            what: format!("{cores:.2} cores busy for a technique that runs on one thread"),
            cause: "CPU time was charged to the row that it did not use (the accounting around \
                    its samples), or the technique runs threads it does not declare"
                .into(),
        });
    }
    (cores > cpus * CORES_SLACK).then(|| Mark {
        kind: MarkKind::Implausible,
        what: format!("{cores:.2} cores busy on a run of {cpus} CPUs"),
        cause: "more CPU time than the run's CPUs give in its wall time: the accounting \
                around the samples charged time outside them"
            .into(),
    })
}

/// The marks of `records` that say a row breaks a bound, as `id: what` lines, for a page
/// that says what it left out.
pub fn implausible_ids(records: &[&Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.implausible())
        .map(|r| r.id.clone())
        .collect()
}
