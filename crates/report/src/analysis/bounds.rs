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
//! | the host's speed moved across the run beyond the calibration's spread (its end against its start) | every row but the waiting ones | drifting |

use std::collections::BTreeMap;

use crate::analysis::calibration::Kernel;
use crate::analysis::{BASELINE_TECHNIQUE, by_group, speedup_interval};
use crate::model::{Calibration, Machine, Mark, MarkKind, Ratio, Record, Results};

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

/// Whether a row's time is bound by the CPUs' speed (a map workload that computes, with or
/// without a payload), so two machines' times divide into their cores' speeds.
pub fn compute_bound(r: &Record) -> bool {
    r.family == "map" && bound_of(&r.workload) != Bound::Waiting
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
        let drift = Drift::of(results.machine.calibration.as_ref());
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
                marks.extend(drift.mark(r));
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

/// Whether the host's speed moved during the run, per kind of row: a row is marked drifting
/// by the kernel of the run's calibration that matches what bounds it (memory for the map
/// rows whose data is split across caches, compute for the rest); a waiting row, held to its
/// sleeps rather than the CPUs' speed, is not.
struct Drift {
    /// The drift that marks a compute-bound row, in words: the share window's, else the
    /// compute kernel's.
    compute: Option<String>,
    /// The drift that marks a row bound by memory: the share window's, else the memory
    /// kernel's.
    memory: Option<String>,
}

impl Drift {
    /// Judged once per run: a neighbour taking turns on the CPUs slows every row; each
    /// kernel, the rows it bounds.
    fn of(calibration: Option<&Calibration>) -> Drift {
        let Some(c) = calibration else {
            return Drift {
                compute: None,
                memory: None,
            };
        };
        let share = c.drifting_in(Kernel::Share);
        Drift {
            compute: share.clone().or_else(|| c.drifting_in(Kernel::Compute)),
            memory: share.or_else(|| c.drifting_in(Kernel::Memory)),
        }
    }

    fn mark(&self, r: &Record) -> Option<Mark> {
        let drift = match bound_of(&r.workload) {
            _ if r.floor_ns.is_some() => return None,
            Bound::Waiting => return None,
            Bound::Cache if r.family == "map" => self.memory.as_ref(),
            _ => self.compute.as_ref(),
        }?;
        Some(Mark {
            kind: MarkKind::Drifting,
            what: drift.clone(),
            cause: "the host's speed changed during the run (a neighbour on the host, a clock \
                    change): its times mix two speeds"
                .into(),
        })
    }
}

/// The ideal the row's speedup is held to, and the worker count it comes from: the workers
/// the technique declared; in a file from before the declarations, the parameter of a
/// technique measured at several counts in the group. A technique that does not bound its
/// CPUs (a thread per task) may use them all.
fn ideal_for(machine: &Machine, group: &[&Record], r: &Record) -> (f64, f64) {
    let cpus = machine.run_cpus() as f64;
    let sweeps = || group.iter().filter(|o| o.technique == r.technique).count() > 1;
    let workers = match (r.workers, r.parameter_value()) {
        (Some(w), _) => w as f64,
        (None, Some(p)) if sweeps() => p,
        _ => cpus,
    };
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
    let (ideal, workers) = ideal_for(machine, group, r);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::grain::Sweep;
    use crate::analysis::grain::tests::{record, synthetic};
    use crate::model::{Contention, CpuTime, Throughput};

    fn marked(mut results: Results) -> Results {
        mark(&mut results);
        results
    }

    fn marks_of<'a>(results: &'a Results, id: &str) -> &'a [Mark] {
        let r = results.benchmarks.iter().find(|r| r.id == id);
        &r.unwrap_or_else(|| panic!("no {id}")).marks
    }

    fn only_kind(marks: &[Mark]) -> Option<MarkKind> {
        assert!(marks.len() <= 1, "{marks:?}");
        marks.first().map(|m| m.kind)
    }

    /// The synthetic sweep plus one doctored row.
    fn with(row: Record) -> Results {
        let mut results = synthetic();
        results.benchmarks.retain(|r| r.id != row.id);
        results.benchmarks.push(row);
        results.benchmarks.sort_by(|a, b| a.id.cmp(&b.id));
        results
    }

    #[test]
    fn the_clean_sweep_has_no_marks() {
        let results = marked(synthetic());
        let marked: Vec<&str> = results
            .benchmarks
            .iter()
            .filter(|r| !r.marks.is_empty())
            .map(|r| r.id.as_str())
            .collect();
        assert!(marked.is_empty(), "{marked:?}");
    }

    #[test]
    fn a_speedup_above_the_cpus_is_implausible_and_the_advice_leaves_it_out() {
        // rayon at 4 workers on 2 CPUs, 3x faster than sequential at 100 us tasks.
        let w = "grain-100us-n200";
        let seq = 100_000.0 * 1.1 * 200.0;
        let results = marked(with(record(w, "rayon", 4, seq / 3.0, 200.0)));
        let id = format!("map/{w}/rayon/4");
        let marks = marks_of(&results, &id);
        assert_eq!(only_kind(marks), Some(MarkKind::Implausible));
        assert!(
            marks[0].what.contains("ideal 2.00x of 4 workers on 2 CPUs"),
            "{marks:?}"
        );
        let sweep = Sweep::from_results(&results).unwrap();
        assert_eq!(sweep.left_out, vec![id]);
        let point = sweep.points.iter().find(|p| p.nominal == "100us").unwrap();
        assert!(point.best["rayon"].0 < 2.01, "{:?}", point.best["rayon"]);
        assert!(sweep.advice().iter().all(|a| a.speedup < 2.01));
    }

    #[test]
    fn a_cache_split_above_the_cpus_is_a_warning() {
        let w = "grain-100us-n200-p64kib";
        let results = marked(with(record(w, "rayon", 2, 200.0 * 120_000.0 / 2.5, 200.0)));
        let marks = marks_of(&results, &format!("map/{w}/rayon/2"));
        assert_eq!(only_kind(marks), Some(MarkKind::Warning));
        assert!(!results.benchmarks.iter().any(Record::implausible));
    }

    #[test]
    fn one_worker_beating_the_baseline_is_implausible() {
        let w = "grain-10us-n2000";
        let seq = 10_000.0 * 1.1 * 2000.0;
        let results = marked(with(record(w, "rayon", 1, seq / 1.3, 2000.0)));
        let marks = marks_of(&results, &format!("map/{w}/rayon/1"));
        assert_eq!(only_kind(marks), Some(MarkKind::Implausible));
        assert!(marks[0].what.contains("at one worker"), "{marks:?}");
    }

    #[test]
    fn the_paired_interval_decides_not_the_point() {
        // 2.05x on 2 CPUs, but the pairs' interval reaches below 2: not marked.
        let w = "grain-100us-n200";
        let seq = 100_000.0 * 1.1 * 200.0;
        let mut row = record(w, "rayon", 2, seq / 2.05, 200.0);
        row.paired = Some(crate::model::Paired {
            baseline: "sequential".into(),
            baseline_ns: vec![seq; 10],
            speedup: Ratio {
                point: 2.05,
                lower: 1.97,
                upper: 2.12,
            },
        });
        let results = marked(with(row.clone()));
        assert!(marks_of(&results, &row.id).is_empty());
        row.paired.as_mut().unwrap().speedup.lower = 2.02;
        let results = marked(with(row.clone()));
        assert_eq!(
            only_kind(marks_of(&results, &row.id)),
            Some(MarkKind::Implausible)
        );
    }

    #[test]
    fn unequal_cpus_raise_the_ideal() {
        use crate::model::{Calibration, CpuCalibration};
        let cpu = |cpu, t: f64| CpuCalibration {
            cpu,
            compute_ns: vec![t; 5],
            memory_ns: vec![t; 5],
            share_ns: Vec::new(),
        };
        // CPU 1 at half the speed: against it, both CPUs give 3x.
        let w = "grain-100us-n200";
        let seq = 100_000.0 * 1.1 * 200.0;
        let mut results = with(record(w, "rayon", 2, seq / 2.5, 200.0));
        results.machine.calibration = Some(Calibration {
            start: vec![cpu(0, 1e6), cpu(1, 2e6)],
            end: Vec::new(),
        });
        let results = marked(results);
        assert!(marks_of(&results, &format!("map/{w}/rayon/2")).is_empty());
    }

    #[test]
    fn a_host_slower_at_the_end_marks_the_run_drifting_from_the_calibration_alone() {
        use crate::model::{Calibration, CpuCalibration};
        let cpu = |cpu, t: f64| CpuCalibration {
            cpu,
            compute_ns: vec![t * 0.98, t * 0.99, t, t * 1.01, t * 1.02],
            memory_ns: vec![t * 0.98, t * 0.99, t, t * 1.01, t * 1.02],
            share_ns: Vec::new(),
        };
        let mut results = synthetic();
        results.machine.calibration = Some(Calibration {
            start: vec![cpu(0, 1e6), cpu(1, 1e6)],
            end: vec![cpu(0, 1.3e6), cpu(1, 1.3e6)],
        });
        let mut waiting = record("sleep-5x20ms", "thread-pool", 3, 41e6, 5.0);
        waiting.floor_ns = Some(40e6);
        results.benchmarks.push(waiting.clone());
        let results = marked(results);
        for r in &results.benchmarks {
            let drifting = r
                .marks
                .iter()
                .filter(|m| m.kind == MarkKind::Drifting)
                .count();
            let expected = usize::from(r.id != waiting.id);
            assert_eq!(drifting, expected, "{}: {:?}", r.id, r.marks);
        }
        let mark = &marks_of(&results, &results.benchmarks[0].id)[0];
        assert!(mark.what.contains("30% slower at the end"), "{mark:?}");

        // Only the memory kernel moved: only the rows bound by memory are marked.
        let mut memory_only = synthetic();
        let mem = |cpu, t: f64| CpuCalibration {
            cpu,
            compute_ns: vec![0.98e6, 0.99e6, 1e6, 1.01e6, 1.02e6],
            memory_ns: vec![t * 0.98, t * 0.99, t, t * 1.01, t * 1.02],
            share_ns: Vec::new(),
        };
        memory_only.machine.calibration = Some(Calibration {
            start: vec![mem(0, 1e6), mem(1, 1e6)],
            end: vec![mem(0, 1.9e6), mem(1, 1.9e6)],
        });
        for r in marked(memory_only).benchmarks {
            let cache_bound = r.workload.contains("-p");
            let drifting = r.marks.iter().any(|m| m.kind == MarkKind::Drifting);
            assert_eq!(drifting, cache_bound, "{}: {:?}", r.id, r.marks);
        }

        // A neighbour taking turns on the CPUs: the core's speed holds, the share window
        // doubles, and every row but the waiting ones is marked.
        let mut shared = synthetic();
        let turn = |cpu, window: f64| CpuCalibration {
            cpu,
            compute_ns: vec![0.98e6, 0.99e6, 1e6, 1.01e6, 1.02e6],
            memory_ns: vec![0.98e6, 0.99e6, 1e6, 1.01e6, 1.02e6],
            share_ns: vec![window * 0.99, window, window * 1.01],
        };
        shared.machine.calibration = Some(Calibration {
            start: vec![turn(0, 1e6), turn(1, 1e6)],
            end: vec![turn(0, 2e6), turn(1, 2e6)],
        });
        let shared = marked(shared);
        assert!(shared.benchmarks.iter().all(|r| {
            r.marks
                .iter()
                .any(|m| m.kind == MarkKind::Drifting && m.what.contains("window"))
        }));

        // The same speed at both ends, within the spread: no mark.
        let mut steady = synthetic();
        steady.machine.calibration = Some(Calibration {
            start: vec![cpu(0, 1e6), cpu(1, 1e6)],
            end: vec![cpu(0, 1.005e6), cpu(1, 1e6)],
        });
        assert!(marked(steady).benchmarks.iter().all(|r| r.marks.is_empty()));
    }

    #[test]
    fn a_waiting_row_below_its_floor_is_implausible() {
        let mut row = record("sleep-5x20ms", "thread-pool", 3, 39e6, 5.0);
        row.floor_ns = Some(40e6);
        let results = marked(with(row.clone()));
        let marks = marks_of(&results, &row.id);
        assert_eq!(only_kind(marks), Some(MarkKind::Implausible));
        assert!(
            marks[0].what.contains("below the job's floor 40.0 ms"),
            "{marks:?}"
        );
        row.median.point_ns = 40.2e6;
        assert!(marks_of(&marked(with(row.clone())), &row.id).is_empty());
    }

    #[test]
    fn a_server_above_the_generators_ceiling_is_implausible() {
        let requests = |r: &mut Record, n: f64| {
            r.group = format!("io/{}", r.workload);
            r.family = "io".into();
            r.id = format!("{}/{}/{}", r.group, r.technique, r.parameter);
            r.throughput = Some(Throughput {
                unit: "elements".into(),
                per_iteration: n,
                per_second: n / r.median.point_ns * 1e9,
            });
        };
        // The generator's ceiling: 10k requests in 100 ms (100k req/s); the server: 10k in 80 ms.
        let mut ceiling = record("loadgen-ceiling", "canned", 16, 100e6, 1.0);
        requests(&mut ceiling, 10_000.0);
        let mut server = record("web-server", "tokio-hyper", 16, 80e6, 1.0);
        requests(&mut server, 10_000.0);
        let mut results = with(ceiling);
        results.benchmarks.push(server.clone());
        let results = marked(results);
        let marks = marks_of(&results, &server.id);
        assert_eq!(only_kind(marks), Some(MarkKind::Implausible));
        assert!(
            marks[0].what.contains("io/loadgen-ceiling/canned/16"),
            "{marks:?}"
        );
    }

    #[test]
    fn more_cores_busy_than_cpus_or_than_one_thread_is_implausible() {
        let cpu = |cores: f64| CpuTime {
            iterations: 10,
            wall_ns: 1e9,
            cpu_ns: cores * 1e9,
            cores_busy: cores,
        };
        let w = "grain-100us-n200";
        let seq = 100_000.0 * 1.1 * 200.0;
        let mut row = record(w, "rayon", 2, seq / 2.0, 200.0);
        row.cpu = Some(cpu(2.19));
        let results = marked(with(row.clone()));
        let marks = marks_of(&results, &row.id);
        assert!(
            marks[0].what.contains("2.19 cores busy on a run of 2 CPUs"),
            "{marks:?}"
        );
        row.cpu = Some(cpu(2.01));
        assert!(marks_of(&marked(with(row.clone())), &row.id).is_empty());

        let mut seq_row = record(w, "sequential", 1, seq, 200.0);
        seq_row.threads = Some(1);
        seq_row.cpu = Some(cpu(1.21));
        let results = marked(with(seq_row.clone()));
        let marks = marks_of(&results, &seq_row.id);
        assert_eq!(only_kind(marks), Some(MarkKind::Implausible));
        assert!(marks[0].what.contains("runs on one thread"), "{marks:?}");
        seq_row.cpu = Some(cpu(1.03));
        assert!(marks_of(&marked(with(seq_row.clone())), &seq_row.id).is_empty());
    }

    #[test]
    fn busy_is_a_mark_in_the_same_list() {
        let w = "grain-100us-n200";
        let mut row = record(w, "rayon", 2, 100_000.0 * 1.1 * 100.0, 200.0);
        row.contention = Some(Contention {
            others_share: 0.4,
            steal_share: 0.0,
            seconds: 1.0,
        });
        let results = marked(with(row.clone()));
        assert_eq!(only_kind(marks_of(&results, &row.id)), Some(MarkKind::Busy));
    }

    #[test]
    fn marking_twice_gives_the_same_marks() {
        let w = "grain-100us-n200";
        let once = marked(with(record(w, "rayon", 4, 1e6, 200.0)));
        assert_eq!(marked(once.clone()), once);
    }
}
