//! The grain sweep read back: speedup against the measured task cost, and where each
//! technique starts to pay.
//!
//! The suite's `map/grain-<cost>-n<tasks>` groups run tasks of one fixed kernel cost through
//! every map technique (`-p<k>kib` groups add a payload per task at one cost). The cost a
//! point stands for is **measured**: the sequential run's median over its task count (the
//! declared element throughput), never the nominal one in the id. From the points, per
//! technique, [`crate::analysis::breakeven`] finds the cost above which it beats sequential (its best
//! worker count) and the cost above which it reaches 80% of the ideal speedup at the full
//! CPU count; [`Sweep::advice`] turns the fastest technique at each cost into the sentence
//! "for tasks above X use Y".

use std::collections::BTreeMap;

use crate::analysis::breakeven::{SCALES_AT, Threshold, crossing};
use crate::analysis::{BASELINE_TECHNIQUE, by_group, format_time, speedup_interval};
use crate::model::{Kind, Record, Results};

/// What a grain workload id says: `grain-1us-n20k` or `grain-100us-n200-p64kib`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrainId {
    /// The nominal cost as the id spells it (`1us`).
    pub nominal: String,
    /// KiB carried per task (0 for the cost sweep itself).
    pub payload_kib: u64,
}

impl GrainId {
    /// Reads a workload id; `None` when it is not a grain workload.
    pub fn parse(workload: &str) -> Option<GrainId> {
        let mut parts = workload.strip_prefix("grain-")?.split('-');
        let nominal = parts.next().filter(|c| !c.is_empty())?.to_string();
        parts.next().filter(|n| n.starts_with('n'))?;
        let payload_kib = match parts.next() {
            None => 0,
            Some(p) => p.strip_prefix('p')?.strip_suffix("kib")?.parse().ok()?,
        };
        parts.next().is_none().then_some(GrainId {
            nominal,
            payload_kib,
        })
    }
}

/// One measured cost point of the sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct CostPoint {
    /// The criterion group (`map/grain-1us-n20k`).
    pub group: String,
    /// The nominal cost from the id.
    pub nominal: String,
    /// KiB carried per task.
    pub payload_kib: u64,
    /// Sequential median / tasks, in nanoseconds.
    pub cost_ns: f64,
    /// Each technique's speedup over sequential at its best worker count, and that count.
    pub best: BTreeMap<String, (f64, String)>,
    /// Each technique's speedup at the full CPU count (its only count when it has one).
    pub at_cpus: BTreeMap<String, f64>,
    /// The lower bound of each technique's speedup at its best count: it beats sequential
    /// only when this is above 1.
    pub lower: BTreeMap<String, f64>,
}

/// One technique along the sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The kind the technique declared.
    pub kind: Kind,
    /// `(cost_ns, speedup at the best worker count)`, by cost.
    pub best: Vec<(f64, f64)>,
    /// Where it beats sequential (speedup 1).
    pub beats: Threshold,
    /// Where it reaches [`SCALES_AT`] of the ideal speedup at the full CPU count.
    pub scales: Threshold,
}

/// The grain sweep of one results file.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The CPU count the ideal speedup and "scales" refer to.
    pub cpus: f64,
    /// The cost points without payload, by measured cost.
    pub points: Vec<CostPoint>,
    /// The payload points (with the 0 B point of the same nominal cost first), by payload.
    pub payloads: Vec<CostPoint>,
    /// Per technique (sequential left out).
    pub curves: BTreeMap<String, Curve>,
    /// Rows of the sweep marked implausible (see `bounds`), left out of every figure.
    pub left_out: Vec<String>,
}

/// One row of the advice: from `from_ns` on, `technique` is the fastest.
#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    /// The task cost from which the row holds (ns).
    pub from_ns: f64,
    /// The fastest technique there (`None`: stay sequential).
    pub technique: Option<String>,
    /// Its worker count at the first point of the row.
    pub workers: String,
    /// Its speedup at the first point of the row.
    pub speedup: f64,
}

impl Sweep {
    /// Reads the grain groups of `results`; `None` when there are fewer than two cost points
    /// with a sequential baseline and a task count.
    pub fn from_results(results: &Results) -> Option<Sweep> {
        let cpus = results.machine.run_cpus() as f64;
        let ideal = results.machine.ideal_speedup(cpus);
        let mut points = Vec::new();
        let mut left_out = Vec::new();
        let mut kinds = BTreeMap::new();
        for (group, records) in by_group(&results.benchmarks) {
            if GrainId::parse(&records[0].workload).is_none() {
                continue;
            }
            kinds.extend(records.iter().map(|r| (r.technique.as_str(), r.kind)));
            let (kept, out): (Vec<&Record>, Vec<&Record>) =
                records.into_iter().partition(|r| !r.implausible());
            left_out.extend(out.iter().map(|r| r.id.clone()));
            if let Some(point) = cost_point(group, &kept, cpus) {
                points.push(point);
            }
        }
        points.sort_by(|a, b| a.cost_ns.total_cmp(&b.cost_ns));
        let (mut payloads, points): (Vec<CostPoint>, Vec<CostPoint>) =
            points.into_iter().partition(|p| p.payload_kib > 0);
        if points.len() < 2 {
            return None;
        }
        if let Some(first) = payloads.first() {
            let zero = points.iter().find(|p| p.nominal == first.nominal).cloned();
            payloads.extend(zero);
        }
        payloads.sort_by_key(|p| p.payload_kib);
        let mut curves = BTreeMap::new();
        let techniques: std::collections::BTreeSet<&String> =
            points.iter().flat_map(|p| p.best.keys()).collect();
        for technique in techniques {
            let best: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| p.best.get(technique).map(|&(s, _)| (p.cost_ns, s)))
                .collect();
            let at_cpus: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| p.at_cpus.get(technique).map(|&s| (p.cost_ns, s)))
                .collect();
            let Some(&kind) = kinds.get(technique.as_str()) else {
                continue;
            };
            curves.insert(
                technique.clone(),
                Curve {
                    kind,
                    beats: crossing(&best, 1.0),
                    scales: crossing(&at_cpus, SCALES_AT * ideal),
                    best,
                },
            );
        }
        Some(Sweep {
            cpus,
            points,
            payloads,
            curves,
            left_out,
        })
    }

    /// The fastest technique at each measured cost, merged where it stays the same; the
    /// first row starts at the smallest cost (or at its technique's break-even when that
    /// lies between two points), and a cost where nothing beats sequential says so.
    pub fn advice(&self) -> Vec<Advice> {
        let mut rows: Vec<Advice> = Vec::new();
        for point in &self.points {
            // A technique wins a point only beyond its speedup's interval.
            let winner = point
                .best
                .iter()
                .filter(|(t, _)| point.lower.get(*t).is_some_and(|l| *l > 1.0))
                .max_by(|a, b| a.1.0.total_cmp(&b.1.0));
            let technique = winner.map(|(t, _)| t.clone());
            if rows.last().is_some_and(|r| r.technique == technique) {
                continue;
            }
            let from_ns = match (
                &technique,
                self.curves.get(technique.as_deref().unwrap_or("")),
            ) {
                (
                    Some(_),
                    Some(Curve {
                        beats: Threshold::At(ns),
                        ..
                    }),
                ) if *ns <= point.cost_ns => ns.max(rows.last().map_or(0.0, |r| r.from_ns)),
                _ => point.cost_ns,
            };
            let (speedup, workers) =
                winner.map_or((1.0, "1".to_string()), |(_, (s, w))| (*s, w.clone()));
            rows.push(Advice {
                from_ns,
                technique,
                workers,
                speedup,
            });
        }
        rows
    }
}

/// A threshold as the page says it: `3.2 us`, `≤ 120 ns`, `not measured`.
pub fn format_threshold(t: Threshold) -> String {
    match t {
        Threshold::At(ns) => format_time(ns),
        Threshold::AtOrBelow(ns) => format!("≤ {}", format_time(ns)),
        Threshold::Never => "beyond the sweep".to_string(),
    }
}

fn cost_point(group: &str, records: &[&Record], cpus: f64) -> Option<CostPoint> {
    let first = records.first()?;
    let id = GrainId::parse(&first.workload)?;
    let sequential = records.iter().find(|r| r.technique == BASELINE_TECHNIQUE)?;
    let tasks = sequential
        .throughput
        .as_ref()
        .filter(|t| t.unit == "elements" && t.per_iteration >= 1.0)?
        .per_iteration;
    let base = sequential.median.point_ns;
    let mut best: BTreeMap<String, (f64, String)> = BTreeMap::new();
    let mut lower: BTreeMap<String, f64> = BTreeMap::new();
    let mut at_cpus: BTreeMap<String, f64> = BTreeMap::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in records.iter().filter(|r| r.technique != BASELINE_TECHNIQUE) {
        *counts.entry(r.technique.as_str()).or_default() += 1;
    }
    let mut measured: BTreeMap<&str, Vec<(&Record, crate::model::Ratio)>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.technique != BASELINE_TECHNIQUE) {
        let Some(interval) = speedup_interval(records, r).filter(|i| i.point.is_finite()) else {
            continue;
        };
        measured
            .entry(&r.technique)
            .or_default()
            .push((r, interval));
        if r.parameter_value() == Some(cpus) || counts[r.technique.as_str()] == 1 {
            at_cpus.insert(r.technique.clone(), interval.point);
        }
    }
    for (technique, rows) in measured {
        // The fewest workers whose speedup the best one does not beat beyond its interval:
        // more workers than that are quoted only when they won.
        let top = rows.iter().map(|(_, i)| i.point).fold(f64::MIN, f64::max);
        let by_workers = |r: &Record| r.parameter_value().unwrap_or(f64::MAX);
        let Some((r, interval)) = rows
            .iter()
            .filter(|(_, i)| i.upper >= top)
            .min_by(|a, b| by_workers(a.0).total_cmp(&by_workers(b.0)))
        else {
            continue;
        };
        best.insert(technique.to_string(), (interval.point, r.parameter.clone()));
        lower.insert(technique.to_string(), interval.lower);
    }
    Some(CostPoint {
        group: group.to_string(),
        nominal: id.nominal,
        payload_kib: id.payload_kib,
        cost_ns: base / tasks,
        best,
        at_cpus,
        lower,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Estimate, Machine, Run, SCHEMA, Throughput};

    /// The kind each technique of these tests declares, as the suite's `cb-kinds.json` would
    /// hold it.
    fn declared_kind(technique: &str) -> Kind {
        match technique {
            "sequential" => Kind::Sequential,
            "process-pool" => Kind::Process,
            "tokio-hyper" => Kind::Async,
            "rayon" | "thread-pool" | "canned" => Kind::Thread,
            other => panic!("no kind declared for the test technique {other}"),
        }
    }

    pub(crate) fn record(
        workload: &str,
        technique: &str,
        workers: u32,
        median_ns: f64,
        tasks: f64,
    ) -> Record {
        let e = Estimate {
            point_ns: median_ns,
            lower_ns: median_ns,
            upper_ns: median_ns,
        };
        Record {
            throughput: Some(Throughput {
                unit: "elements".into(),
                per_iteration: tasks,
                per_second: tasks / median_ns * 1e9,
            }),
            ..Record::new(
                (&format!("map/{workload}"), technique, &workers.to_string()),
                declared_kind(technique),
                (e, e, e),
                10,
            )
        }
    }

    /// A 2-CPU machine where a pool costs 10 us per task of overhead spread over 2 workers,
    /// and a cheap technique 0.1 us.
    pub(crate) fn synthetic() -> Results {
        let mut benchmarks = Vec::new();
        for (nominal, cost, tasks) in [
            ("100ns", 100.0, 100_000.0),
            ("1us", 1_000.0, 20_000.0),
            ("10us", 10_000.0, 2_000.0),
            ("100us", 100_000.0, 200.0),
        ] {
            let w = format!("grain-{nominal}-n{tasks}");
            let seq = cost * 1.1 * tasks; // measured cost is 10% above nominal
            benchmarks.push(record(&w, "sequential", 1, seq, tasks));
            for workers in [1, 2, 4] {
                let par = f64::from(workers.min(2));
                for (technique, overhead) in [("process-pool", 10_000.0), ("rayon", 100.0)] {
                    let t = tasks * (cost * 1.1 + overhead) / par;
                    benchmarks.push(record(&w, technique, workers, t, tasks));
                }
            }
        }
        let w = "grain-100us-n200-p64kib";
        benchmarks.push(record(w, "sequential", 1, 200.0 * 120_000.0, 200.0));
        benchmarks.push(record(w, "rayon", 2, 100.0 * 120_000.0, 200.0));
        Results {
            schema: SCHEMA.into(),
            run: Run {
                id: "r".into(),
                time_utc: "t".into(),
                git_revision: "g".into(),
                profile: "full".into(),
                preset: "default".into(),
                command_line: "cargo bench".into(),
                criterion_dir: None,
                partial: None,
                language: None,
                python: None,
            },
            machine: Machine {
                label: "m".into(),
                cpu_model: "c".into(),
                logical_cores: Some(2),
                physical_cores: Some(2),
                memory_bytes: None,
                os: "o".into(),
                kernel: "k".into(),
                arch: "a".into(),
                rustc: "r".into(),
                fingerprint: "f".into(),
                limits: None,
                calibration: None,
            },
            benchmarks,
        }
    }

    #[test]
    fn ids_parse() {
        let id = GrainId::parse("grain-100us-n200-p64kib").unwrap();
        assert_eq!((id.nominal.as_str(), id.payload_kib), ("100us", 64));
        assert_eq!(GrainId::parse("grain-1us-n20k").unwrap().payload_kib, 0);
        assert_eq!(GrainId::parse("squares-10k"), None);
        assert_eq!(GrainId::parse("grain-1us"), None);
        assert_eq!(GrainId::parse("grain-1us-n20k-p4k"), None);
    }

    #[test]
    fn costs_are_measured_and_break_even_follows_the_overhead() {
        let sweep = Sweep::from_results(&synthetic()).unwrap();
        assert_eq!(sweep.points.len(), 4);
        assert!((sweep.points[0].cost_ns - 110.0).abs() < 1e-6);
        // The pool: speedup 2c / (c + 10 us) crosses 1 at c = 10 us.
        let pool = &sweep.curves["process-pool"];
        let Threshold::At(beats) = pool.beats else {
            panic!("{:?}", pool.beats)
        };
        assert!(beats > 1_100.0 && beats < 11_000.0, "{beats}");
        // 80% of 2: 2c / (c + 10 us) = 1.6 at c = 40 us, between the 11 and 110 us points.
        let Threshold::At(scales) = pool.scales else {
            panic!("{:?}", pool.scales)
        };
        assert!(scales > 11_000.0 && scales < 110_000.0, "{scales}");
        let Threshold::AtOrBelow(rayon) = sweep.curves["rayon"].beats else {
            panic!("{:?}", sweep.curves["rayon"].beats)
        };
        assert!((rayon - 110.0).abs() < 1e-6);
        let advice = sweep.advice();
        assert_eq!(advice.len(), 1, "{advice:?}");
        assert_eq!(advice[0].technique.as_deref(), Some("rayon"));
        assert_eq!(advice[0].workers, "2");
        assert_eq!(sweep.payloads.len(), 2);
        assert_eq!(sweep.payloads[0].payload_kib, 0);
    }

    #[test]
    fn compare_puts_break_even_side_by_side() {
        use crate::output::compare::{Comparison, Input};
        let mut other = synthetic();
        other.machine.label = "big".into();
        other.benchmarks.retain(|r| r.technique != "process-pool");
        let inputs = [("m", synthetic()), ("big", other)].map(|(name, results)| Input {
            path: format!("{name}.json").into(),
            name: name.into(),
            results,
        });
        let comparison = Comparison::new(&inputs, 0);
        let (header, rows) = comparison.breakeven_table().unwrap();
        assert_eq!(header[1..], ["m", "big"]);
        let pool = rows.iter().find(|r| r[0] == "process-pool").unwrap();
        assert!(pool[1].contains("µs / "), "{pool:?}");
        assert_eq!(pool[2], "–");
        assert!(comparison.text().contains("break-even per machine"));
    }

    #[test]
    fn no_grain_groups_no_sweep() {
        let mut results = synthetic();
        results
            .benchmarks
            .retain(|r| r.workload.starts_with("grain-1us"));
        assert_eq!(Sweep::from_results(&results), None);
    }
}
