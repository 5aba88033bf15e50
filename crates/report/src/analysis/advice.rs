//! "My tasks take about X, I have N of them": which technique and worker count, read from
//! one results file's grain sweep (the `advise` binary).
//!
//! **The points.** Each `map/grain-<cost>-n<tasks>` group is one cost point: its measured
//! cost is the sequential median over its task count (the declared element throughput), as
//! in [`crate::analysis::grain`]. Every other row of the group, at its worker count, is a
//! candidate, with its speedup over sequential and that speedup's 95% interval
//! ([`speedup_interval`]: the paired one when the record has pairs, else the two medians'
//! bounds). Rows marked implausible (see [`crate::analysis::bounds`]) are left out and
//! named.
//!
//! **Scaling to the question.** A speedup is a ratio of times per task, so the grain rows'
//! fixed task counts drop out: sequential is `tasks × task cost`, a candidate is that over
//! its speedup at the asked cost. Between two measured costs the speedup (and each bound)
//! is interpolated linearly against the logarithm of the cost, as
//! [`crate::analysis::breakeven`] does. Outside the measured costs the answer is
//! extrapolated and says so: the candidate's per-task overhead at the nearest point
//! (its time per task less the task's cost split over its ideal speedup) is held
//! constant, and the cost beyond it is split ideally over the workers.
//! No technique finishes `n` tasks faster than `ceil(n / CPUs)` tasks run back to back, so
//! the estimate never goes below that.
//!
//! **Start cost.** The grain rows time runs of an already started technique. Pools started
//! once outside the timed part add their start: `process-pool` and `procspawn-pool` the
//! measured `process/startup/<technique>/<workers>` row, `thread-pool`, `rayon` and
//! `tokio-spawn-blocking` an estimate of workers × `overhead/handoff/thread-spawn-join/1`
//! (a pool's threads are spawned once). When the file lacks the row, the answer says the
//! start is not included. Techniques that start inside every run (scoped threads, a thread
//! per task, a fresh process pool) already carry that start in the measured time, spread
//! over the grain point's task count: it cannot be told apart from the per-task cost,
//! because the sweep's points all hold about the same sequential time, so for a task count
//! far below the measured one their estimate is optimistic.
//!
//! **Payload.** The payload points are measured at one cost. The asked payload is matched
//! to the nearest measured one (0 B is the cost sweep itself) and the answer says which.
//! With a payload, each candidate's per-task time gains what the payload added to it at the
//! payload's cost beyond what it added to sequential split over the candidate's ideal
//! speedup (never below zero); only candidates measured at that payload are considered.
//!
//! **The rule.** A parallel candidate is recommended only when the lower bound of its
//! estimated speedup (start included) is above 1; among those the fastest estimate wins, at
//! the fewest workers of its technique whose interval reaches the winner's estimate. With
//! none, the answer is sequential, naming the best candidate and its interval.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::grain::GrainId;
use crate::analysis::{
    BASELINE_TECHNIQUE, by_group, format_ratio, format_time, speedup_interval, three_digits,
};
use crate::model::{Ratio, Record, Results};

/// What the user asked.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// The sequential time of one task, in nanoseconds.
    pub task_ns: f64,
    /// How many tasks.
    pub tasks: u64,
    /// Bytes each task carries, when given.
    pub payload_bytes: Option<u64>,
}

impl Question {
    /// Reads the three arguments as the command line spells them.
    pub fn parse(task: &str, tasks: &str, payload: Option<&str>) -> Result<Question, String> {
        Ok(Question {
            task_ns: parse_duration(task)?,
            tasks: parse_count(tasks)?,
            payload_bytes: payload.map(parse_bytes).transpose()?,
        })
    }
}

/// A task time: a positive number and a unit, `ns`, `us` (or `µs`), `ms` or `s`, e.g.
/// `50us`, `2.5 ms`; in nanoseconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let (value, unit) = split_number(text, "task time")?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "" => {
            return Err(format!(
                "task time {text:?} has no unit: add ns, us, ms or s (e.g. 50us)"
            ));
        }
        other => {
            return Err(format!(
                "task time {text:?}: unknown unit {other:?} (use ns, us, µs, ms or s)"
            ));
        }
    };
    if value <= 0.0 {
        return Err(format!("task time {text:?} must be above zero"));
    }
    Ok(value * scale)
}

/// A payload: a number and a unit, `B`, `KiB`, `MiB` (powers of 1024) or `kB`, `MB` (powers
/// of 1000), e.g. `4KiB`; in bytes. Zero is no payload.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let (value, unit) = split_number(text, "payload")?;
    let scale = match unit {
        "B" | "b" => 1.0,
        "KiB" | "kib" | "KIB" => 1024.0,
        "MiB" | "mib" | "MIB" => 1024.0 * 1024.0,
        "kB" | "KB" | "kb" => 1e3,
        "MB" | "mb" => 1e6,
        "" => {
            return Err(format!(
                "payload {text:?} has no unit: add B, KiB, MiB, kB or MB (e.g. 4KiB)"
            ));
        }
        other => {
            return Err(format!(
                "payload {text:?}: unknown unit {other:?} (use B, KiB, MiB, kB or MB)"
            ));
        }
    };
    if value < 0.0 {
        return Err(format!("payload {text:?} must not be negative"));
    }
    Ok((value * scale).round() as u64)
}

/// A task count: a whole number above zero (`_` separators allowed).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let digits = text.trim().replace('_', "");
    match digits.parse::<i128>() {
        Ok(n) if n > 0 && n <= i128::from(u64::MAX) => Ok(n as u64),
        Ok(_) => Err(format!("task count {text:?} must be above zero")),
        Err(_) => Err(format!(
            "task count {text:?} is not a whole number (e.g. 10000)"
        )),
    }
}

/// The leading number and the unit after it (spaces between allowed).
fn split_number<'a>(text: &'a str, what: &str) -> Result<(f64, &'a str), String> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+') && i == 0)
                || ((c == 'e' || c == 'E') && t[i + 1..].starts_with(|d: char| d.is_ascii_digit())))
        })
        .map_or(t.len(), |(i, _)| i);
    let value: f64 = t[..end]
        .parse()
        .map_err(|_| format!("{what} {text:?} does not start with a number"))?;
    if !value.is_finite() {
        return Err(format!("{what} {text:?} is not a finite number"));
    }
    Ok((value, t[end..].trim()))
}

/// `value` at `x`, on the line through `(x0, v0)` and `(x1, v1)` drawn against `ln x`: the
/// grain chart's and the break-even's reading of two measured points.
pub fn log_interpolate((x0, v0): (f64, f64), (x1, v1): (f64, f64), x: f64) -> f64 {
    if x1 == x0 {
        return v0;
    }
    let t = (x.ln() - x0.ln()) / (x1.ln() - x0.ln());
    v0 + t * (v1 - v0)
}

/// One measured row an answer rests on.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// The benchmark id.
    pub id: String,
    /// Its median time (ns) for its task count.
    pub median_ns: f64,
    /// Its task count.
    pub tasks: f64,
    /// Its speedup over sequential, with the interval (none for sequential).
    pub speedup: Option<Ratio>,
}

/// Where the asked cost lies against a candidate's measured costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reach {
    /// On a measured cost (within 1%).
    At,
    /// Between two measured costs: interpolated.
    Between,
    /// Below the smallest measured cost (ns): extrapolated.
    Below(f64),
    /// Above the largest measured cost (ns): extrapolated.
    Above(f64),
}

/// A pool's start, added once.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    /// Nanoseconds.
    pub ns: f64,
    /// Where the figure comes from.
    pub source: String,
}

/// One candidate's estimate for the question.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The technique id.
    pub technique: String,
    /// Its worker count (the benchmark parameter).
    pub workers: String,
    /// Expected time for every task (ns), start included.
    pub time_ns: f64,
    /// Speedup over sequential, with its interval, start included.
    pub speedup: Ratio,
    /// Where the asked cost lies.
    pub reach: Reach,
    /// The rows it rests on: the candidate's and sequential's at the points on each side.
    pub points: Vec<Evidence>,
    /// The start added, when the technique starts once outside its runs and the file
    /// measured it.
    pub start: Option<Start>,
    /// Said when a pool's start is not in the file.
    pub start_missing: bool,
    /// Whether the `ceil(tasks / CPUs)` floor set the time.
    pub floored: bool,
}

/// The answer for one results file.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The machine's label.
    pub machine: String,
    /// The CPUs the run used.
    pub cpus: u64,
    /// The question.
    pub question: Question,
    /// The payload used, in KiB, when one was asked for.
    pub payload_kib: Option<u64>,
    /// Sequential: tasks × task time (ns).
    pub sequential_ns: f64,
    /// The recommendation; `None` is sequential.
    pub choice: Option<Estimate>,
    /// When sequential is the answer: the best candidate, whose interval reached 1.
    pub runner_up: Option<Estimate>,
    /// Rows of the sweep left out as implausible.
    pub left_out: Vec<String>,
}

/// A grain point of one candidate.
struct Point<'a> {
    cost_ns: f64,
    speedup: Ratio,
    row: &'a Record,
    sequential: &'a Record,
    tasks: f64,
}

/// The answer for `question` from `results`' grain sweep; the error says what is missing.
pub fn advise(results: &Results, question: &Question) -> Result<Answer, String> {
    if !(question.task_ns > 0.0 && question.task_ns.is_finite()) || question.tasks == 0 {
        return Err("the task time and the task count must be above zero".into());
    }
    let cpus = results.machine.run_cpus();
    let mut left_out = Vec::new();
    // Per payload (KiB), per (technique, workers): the candidate's points by cost.
    let mut sweeps: BTreeMap<u64, BTreeMap<(String, String), Vec<Point>>> = BTreeMap::new();
    for (_, records) in by_group(&results.benchmarks) {
        let Some(id) = GrainId::parse(&records[0].workload) else {
            continue;
        };
        let (kept, out): (Vec<&Record>, Vec<&Record>) =
            records.into_iter().partition(|r| !r.implausible());
        left_out.extend(out.iter().map(|r| r.id.clone()));
        let Some(sequential) = kept.iter().find(|r| r.technique == BASELINE_TECHNIQUE) else {
            continue;
        };
        let Some(tasks) = sequential
            .throughput
            .as_ref()
            .filter(|t| t.unit == "elements" && t.per_iteration >= 1.0)
            .map(|t| t.per_iteration)
        else {
            continue;
        };
        let cost_ns = sequential.median.point_ns / tasks;
        let sweep = sweeps.entry(id.payload_kib).or_default();
        for r in kept.iter().filter(|r| r.technique != BASELINE_TECHNIQUE) {
            let Some(speedup) = speedup_interval(&kept, r).filter(|s| s.point > 0.0) else {
                continue;
            };
            sweep
                .entry((r.technique.clone(), r.parameter.clone()))
                .or_default()
                .push(Point {
                    cost_ns,
                    speedup,
                    row: r,
                    sequential,
                    tasks,
                });
        }
    }
    let Some(cost_sweep) = sweeps.remove(&0).filter(|s| !s.is_empty()) else {
        return Err("no grain sweep (no map/grain-* group with a sequential row)".into());
    };
    let payload_kib = question.payload_bytes.map(|bytes| {
        let kib = bytes as f64 / 1024.0;
        std::iter::once(0)
            .chain(sweeps.keys().copied())
            .min_by(|a, b| (*a as f64 - kib).abs().total_cmp(&(*b as f64 - kib).abs()))
            .unwrap_or(0)
    });
    let payload_sweep = payload_kib.and_then(|k| sweeps.get(&k));
    let sequential_ns = question.task_ns * question.tasks as f64;
    let mut estimates = Vec::new();
    for ((technique, workers), mut points) in cost_sweep {
        points.sort_by(|a, b| a.cost_ns.total_cmp(&b.cost_ns));
        let width = ideal_width(results, points[0].row);
        let extra = match payload_sweep {
            None => Some((0.0, Vec::new())),
            Some(sweep) => sweep
                .get(&(technique.clone(), workers.clone()))
                .and_then(|p| payload_extra(p.first()?, &points, width)),
        };
        let Some((extra_ns, payload_points)) = extra else {
            continue;
        };
        let mut estimate = estimate(
            results,
            question,
            (&technique, &workers),
            &points,
            width,
            extra_ns,
        );
        estimate.points.extend(payload_points);
        estimates.push(estimate);
    }
    if estimates.is_empty() {
        return Err(format!(
            "no technique of the grain sweep was measured with a {} KiB payload",
            payload_kib.unwrap_or(0)
        ));
    }
    let (choice, runner_up) = choose(estimates);
    Ok(Answer {
        machine: results.machine.label.clone(),
        cpus,
        question: question.clone(),
        payload_kib,
        sequential_ns,
        choice,
        runner_up,
        left_out,
    })
}

/// The choice rule: the fastest candidate whose speedup's lower bound is above 1, at the
/// fewest workers of its technique whose interval reaches its estimate; else sequential and
/// the best candidate, to say why.
pub fn choose(estimates: Vec<Estimate>) -> (Option<Estimate>, Option<Estimate>) {
    let workers = |e: &Estimate| e.workers.parse::<f64>().unwrap_or(f64::MAX);
    // Equal estimates go to the fewer workers.
    let by_point = |a: &&Estimate, b: &&Estimate| {
        (a.speedup.point.total_cmp(&b.speedup.point)).then(workers(b).total_cmp(&workers(a)))
    };
    let winner = estimates
        .iter()
        .filter(|e| e.speedup.lower > 1.0)
        .max_by(by_point);
    match winner {
        Some(w) => {
            let fewest = estimates
                .iter()
                .filter(|e| e.technique == w.technique && e.speedup.lower > 1.0)
                .filter(|e| e.speedup.upper >= w.speedup.point)
                .min_by(|a, b| workers(a).total_cmp(&workers(b)))
                .unwrap_or(w);
            (Some(fewest.clone()), None)
        }
        None => (None, estimates.iter().max_by(by_point).cloned()),
    }
}

/// The speedup a candidate would reach with no overhead: its workers (declared, else the
/// parameter) on the run's CPUs.
fn ideal_width(results: &Results, row: &Record) -> f64 {
    let workers = row
        .workers
        .map(|w| w as f64)
        .or_else(|| row.parameter_value())
        .unwrap_or(1.0);
    results.machine.ideal_speedup(workers)
}

/// What a payload adds to a candidate's time per task beyond sequential's share of it, from
/// its payload point and its cost-sweep point nearest that cost; the rows it rests on.
fn payload_extra(payload: &Point, points: &[Point], width: f64) -> Option<(f64, Vec<Evidence>)> {
    let zero = points.iter().min_by(|a, b| {
        let d = |p: &Point| (p.cost_ns.ln() - payload.cost_ns.ln()).abs();
        d(a).total_cmp(&d(b))
    })?;
    let per_task = |p: &Point| p.row.median.point_ns / p.tasks;
    let sequential_extra = payload.cost_ns - zero.cost_ns;
    let extra = (per_task(payload) - per_task(zero) - sequential_extra / width).max(0.0);
    Some((
        extra,
        vec![
            evidence(payload.sequential, None),
            evidence(payload.row, Some(payload.speedup)),
        ],
    ))
}

fn evidence(r: &Record, speedup: Option<Ratio>) -> Evidence {
    Evidence {
        id: r.id.clone(),
        median_ns: r.median.point_ns,
        tasks: r.throughput.as_ref().map_or(1.0, |t| t.per_iteration),
        speedup,
    }
}

/// One candidate's time at the asked cost: its speedup bounds read off its points, turned
/// into times per task, plus the payload's extra, times the tasks, floored, plus its start.
fn estimate(
    results: &Results,
    question: &Question,
    (technique, workers): (&str, &str),
    points: &[Point],
    width: f64,
    extra_ns: f64,
) -> Estimate {
    let c = question.task_ns;
    let near = |p: &Point| (p.cost_ns / c).ln().abs() < 0.01_f64.ln_1p();
    let pick = |r: &Ratio, which: usize| [r.point, r.lower, r.upper][which];
    let (reach, used): (Reach, Vec<&Point>) = if let Some(p) = points.iter().find(|p| near(p)) {
        (Reach::At, vec![p])
    } else if c < points[0].cost_ns {
        (Reach::Below(points[0].cost_ns), vec![&points[0]])
    } else if c > points[points.len() - 1].cost_ns {
        let last = &points[points.len() - 1];
        (Reach::Above(last.cost_ns), vec![last])
    } else {
        let k = points.iter().position(|p| p.cost_ns > c).unwrap_or(1);
        (Reach::Between, vec![&points[k - 1], &points[k]])
    };
    // Per-task parallel time at the asked cost for each of point, lower and upper speedup.
    let per_task = |which: usize| -> f64 {
        match (reach, used.as_slice()) {
            (Reach::Between, [a, b]) => {
                let s = log_interpolate(
                    (a.cost_ns, pick(&a.speedup, which)),
                    (b.cost_ns, pick(&b.speedup, which)),
                    c,
                );
                c / s.max(1e-9)
            }
            (_, [p, ..]) => {
                let s = pick(&p.speedup, which).max(1e-9);
                let overhead = (p.cost_ns / s - p.cost_ns / width).max(0.0);
                c / width + overhead
            }
            _ => c,
        }
    };
    let tasks = question.tasks as f64;
    let floor = (tasks / results.machine.run_cpus() as f64).ceil() * c;
    let (start, start_missing) = start_cost(results, technique, workers, width);
    let start_ns = start.as_ref().map_or(0.0, |s| s.ns);
    let mut floored = false;
    let mut time = |which: usize| {
        let work = tasks * (per_task(which) + extra_ns);
        floored |= which == 0 && work < floor;
        start_ns + work.max(floor)
    };
    let (point, slow, fast) = (time(0), time(1), time(2));
    let sequential = tasks * c;
    let mut points_used = Vec::new();
    for p in &used {
        points_used.push(evidence(p.sequential, None));
        points_used.push(evidence(p.row, Some(p.speedup)));
    }
    Estimate {
        technique: technique.to_string(),
        workers: workers.to_string(),
        time_ns: point,
        speedup: Ratio {
            point: sequential / point,
            lower: sequential / slow,
            upper: sequential / fast,
        },
        reach,
        points: points_used,
        start,
        start_missing,
        floored,
    }
}

/// The start a technique started once outside its timed runs adds, and whether the file
/// lacked the row to say it.
fn start_cost(
    results: &Results,
    technique: &str,
    workers: &str,
    width: f64,
) -> (Option<Start>, bool) {
    let find = |id: &str| (results.benchmarks.iter()).find(|r| r.id == id && !r.implausible());
    match technique {
        "process-pool" | "procspawn-pool" => {
            let id = format!("process/startup/{technique}/{workers}");
            match find(&id) {
                Some(r) => (
                    Some(Start {
                        ns: r.median.point_ns,
                        source: format!("{id}, measured"),
                    }),
                    false,
                ),
                None => (None, true),
            }
        }
        "thread-pool" | "rayon" | "tokio-spawn-blocking" => {
            let id = "overhead/handoff/thread-spawn-join/1";
            match find(id) {
                Some(r) => (
                    Some(Start {
                        ns: r.median.point_ns * width.ceil(),
                        source: format!("estimated: {} × {id}", width.ceil()),
                    }),
                    false,
                ),
                None => (None, true),
            }
        }
        _ => (None, false),
    }
}

impl Answer {
    /// The answer as lines: the first is the recommendation, the rest what it rests on.
    pub fn lines(&self) -> Vec<String> {
        let q = &self.question;
        let mut head = format!("{} tasks of {}", q.tasks, format_time(q.task_ns));
        if let (Some(bytes), Some(kib)) = (q.payload_bytes, self.payload_kib) {
            let _ = write!(head, " carrying {}", format_bytes(bytes));
            let _ = write!(
                head,
                " (read at the nearest measured payload, {})",
                if kib == 0 {
                    "none".to_string()
                } else {
                    format!("{kib} KiB")
                }
            );
        }
        let sequential = seconds(self.sequential_ns);
        let mut lines = Vec::new();
        // What every estimate says: technique, workers, time, speedup, its interval.
        let said = |e: &Estimate| {
            let interval = format!(
                "({}–{})",
                format_ratio(e.speedup.lower),
                format_ratio(e.speedup.upper)
            );
            let who = format!("{} with {} workers", e.technique, e.workers);
            (
                who,
                seconds(e.time_ns),
                format_ratio(e.speedup.point),
                interval,
            )
        };
        let rest = match (&self.choice, &self.runner_up) {
            (Some(e), _) => {
                let (who, time, speedup, interval) = said(e);
                lines.push(format!(
                    "{head}: use {who}: about {time}, {speedup} faster than sequential {sequential} {interval}."
                ));
                Some(e)
            }
            (None, Some(e)) => {
                let (who, time, speedup, interval) = said(e);
                lines.push(format!(
                    "{head}: stay sequential (about {sequential}): no parallel technique beats it beyond its interval; the best, {who}, would take about {time}, {speedup} {interval}."
                ));
                Some(e)
            }
            (None, None) => {
                lines.push(format!("{head}: stay sequential (about {sequential})."));
                None
            }
        };
        if let Some(e) = rest {
            lines.push(match e.reach {
                Reach::At => "  on a measured cost point:".to_string(),
                Reach::Between => {
                    "  interpolated on a log scale between two measured cost points:".to_string()
                }
                Reach::Below(ns) => format!(
                    "  extrapolated: {} is below the smallest measured cost, {} ({}x below; its per-task overhead held):",
                    format_time(q.task_ns),
                    format_time(ns),
                    three_digits(ns / q.task_ns)
                ),
                Reach::Above(ns) => format!(
                    "  extrapolated: {} is above the largest measured cost, {} ({}x above; its per-task overhead held):",
                    format_time(q.task_ns),
                    format_time(ns),
                    three_digits(q.task_ns / ns)
                ),
            });
            for p in &e.points {
                let mut line = format!(
                    "    {} {} for {} tasks ({}/task)",
                    p.id,
                    format_time(p.median_ns),
                    p.tasks,
                    format_time(p.median_ns / p.tasks)
                );
                if let Some(s) = p.speedup {
                    let _ = write!(
                        line,
                        ", {} ({}–{})",
                        format_ratio(s.point),
                        format_ratio(s.lower),
                        format_ratio(s.upper)
                    );
                }
                lines.push(line);
            }
            match (&e.start, e.start_missing) {
                (Some(s), _) => lines.push(format!(
                    "  start included once: {} ({})",
                    format_time(s.ns),
                    s.source
                )),
                (None, true) => lines.push(format!(
                    "  {}'s start is not in the file: not included",
                    e.technique
                )),
                (None, false) => {}
            }
            if e.floored {
                lines.push(format!(
                    "  {} tasks on {} CPUs: no faster than {} tasks back to back",
                    q.tasks,
                    self.cpus,
                    q.tasks.div_ceil(self.cpus.max(1))
                ));
            }
        }
        if !self.left_out.is_empty() {
            lines.push(format!(
                "  left out as implausible: {}",
                self.left_out.join(", ")
            ));
        }
        lines
    }
}

/// Bytes as the command line spells them: `4 KiB`, `1000 B`.
fn format_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

/// A whole run's time: seconds from a tenth of a second (`0.27 s`), else the readable unit.
fn seconds(ns: f64) -> String {
    if ns >= 1e8 {
        format!("{} s", three_digits(ns / 1e9))
    } else {
        format_time(ns)
    }
}

/// The newest full Rust run of the machine with `fingerprint` in `runs_dir` that holds a
/// grain sweep, complete; the error says where it looked and what it found.
pub fn newest_run(runs_dir: &Path, fingerprint: &str) -> Result<(PathBuf, Results), String> {
    let entries = std::fs::read_dir(runs_dir).map_err(|e| {
        format!(
            "{}: cannot list the runs ({e}); give a results file",
            runs_dir.display()
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut best: Option<(PathBuf, Results)> = None;
    let mut seen = 0;
    for path in files {
        let Ok(results) = Results::read(&path) else {
            continue;
        };
        seen += 1;
        let fits = results.machine.fingerprint == fingerprint
            && results.run.profile == "full"
            && results.run.language() == "rust"
            && results.run.partial.is_none()
            && has_grain(&results);
        if fits
            && best
                .as_ref()
                .is_none_or(|(_, b)| results.run.time_utc >= b.run.time_utc)
        {
            best = Some((path, results));
        }
    }
    best.ok_or_else(|| {
        format!(
            "{}: no full, complete Rust run of this machine (fingerprint {fingerprint}) with a grain sweep among {seen} results files; run `cargo bench`, or give a results file",
            runs_dir.display()
        )
    })
}

/// A results file given on the command line, read and checked for a grain sweep; the error
/// names the file.
pub fn read_file(path: &Path) -> Result<Results, String> {
    let results = Results::read(path).map_err(|e| e.to_string())?;
    if !has_grain(&results) {
        return Err(format!(
            "{}: no grain sweep (no map/grain-* group with a sequential row)",
            path.display()
        ));
    }
    Ok(results)
}

/// Whether a grain group with a sequential row is in the file.
pub fn has_grain(results: &Results) -> bool {
    results.benchmarks.iter().any(|r| {
        r.technique == BASELINE_TECHNIQUE
            && GrainId::parse(&r.workload).is_some_and(|g| g.payload_kib == 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::grain::tests::synthetic;
    use crate::model::{Estimate as Median, Kind, Mark, MarkKind, Paired};

    fn ask(task: &str, tasks: &str, payload: Option<&str>) -> Question {
        Question::parse(task, tasks, payload).unwrap()
    }

    fn row_mut<'a>(results: &'a mut Results, id: &str) -> &'a mut Record {
        (results.benchmarks.iter_mut())
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("no row {id}"))
    }

    fn plain(group: &str, technique: &str, kind: Kind, ns: f64) -> Record {
        let e = Median {
            point_ns: ns,
            lower_ns: ns,
            upper_ns: ns,
        };
        let (g, parameter) = group.rsplit_once('/').unwrap();
        Record::new((g, technique, parameter), kind, (e, e, e), 10)
    }

    #[test]
    fn units_parse_and_bad_ones_are_named() {
        assert_eq!(parse_duration("200ns"), Ok(200.0));
        assert_eq!(parse_duration("50us"), Ok(50_000.0));
        assert_eq!(parse_duration("50 µs"), Ok(50_000.0));
        assert_eq!(parse_duration("2.5ms"), Ok(2_500_000.0));
        assert_eq!(parse_duration("1s"), Ok(1e9));
        assert_eq!(parse_duration("1e3ns"), Ok(1_000.0));
        let unknown = parse_duration("5parsecs").unwrap_err();
        assert!(unknown.contains("unknown unit \"parsecs\""), "{unknown}");
        assert!(parse_duration("0us").unwrap_err().contains("above zero"));
        assert!(parse_duration("-5us").unwrap_err().contains("above zero"));
        assert!(parse_duration("50").unwrap_err().contains("no unit"));
        assert!(parse_duration("fast").unwrap_err().contains("number"));
        assert_eq!(parse_bytes("4KiB"), Ok(4_096));
        assert_eq!(parse_bytes("64 kib"), Ok(65_536));
        assert_eq!(parse_bytes("1MiB"), Ok(1 << 20));
        assert_eq!(parse_bytes("4kB"), Ok(4_000));
        assert_eq!(parse_bytes("1MB"), Ok(1_000_000));
        assert_eq!(parse_bytes("0B"), Ok(0));
        assert!(
            parse_bytes("4parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_bytes("-1KiB").unwrap_err().contains("negative"));
        assert!(parse_bytes("4096").unwrap_err().contains("no unit"));
        assert_eq!(parse_count("10000"), Ok(10_000));
        assert_eq!(parse_count("10_000"), Ok(10_000));
        assert!(parse_count("0").unwrap_err().contains("above zero"));
        assert!(parse_count("-5").unwrap_err().contains("above zero"));
        assert!(parse_count("ten").unwrap_err().contains("whole number"));
        assert!(Question::parse("5parsecs", "10", None).is_err());
        assert!(Question::parse("5us", "10", Some("4 light-years")).is_err());
    }

    #[test]
    fn interpolation_is_linear_in_the_log_of_the_cost() {
        let (a, b) = ((1_000.0, 0.5), (100_000.0, 1.5));
        assert!((log_interpolate(a, b, 10_000.0) - 1.0).abs() < 1e-12);
        assert!((log_interpolate(a, b, 1_000.0) - 0.5).abs() < 1e-12);
        assert_eq!(log_interpolate(a, a, 5.0), 0.5);
    }

    #[test]
    fn between_two_points_the_speedup_is_interpolated() {
        // rayon at 2 workers: 2c / (c + 100 ns) at the measured costs 1.1 and 11 us.
        let c = (1_100.0_f64 * 11_000.0).sqrt();
        let q = Question {
            task_ns: c,
            tasks: 10_000,
            payload_bytes: None,
        };
        let answer = advise(&synthetic(), &q).unwrap();
        let e = answer.choice.as_ref().expect("rayon beats sequential");
        assert_eq!((e.technique.as_str(), e.workers.as_str()), ("rayon", "2"));
        assert_eq!(e.reach, Reach::Between);
        let expected = (2.0 * 1_100.0 / 1_200.0 + 2.0 * 11_000.0 / 11_100.0) / 2.0;
        assert!((e.speedup.point - expected).abs() < 1e-9, "{e:?}");
        assert!((answer.sequential_ns - c * 10_000.0).abs() < 1e-6);
        let ids: Vec<&str> = e.points.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "map/grain-1us-n20000/sequential/1",
                "map/grain-1us-n20000/rayon/2",
                "map/grain-10us-n2000/sequential/1",
                "map/grain-10us-n2000/rayon/2",
            ]
        );
        assert!(e.start_missing && e.start.is_none());
        let text = answer.lines().join("\n");
        assert!(text.contains("use rayon with 2 workers"), "{text}");
        assert!(text.contains("interpolated on a log scale"), "{text}");
        assert!(text.contains("rayon's start is not in the file"), "{text}");
    }

    #[test]
    fn parallel_only_beyond_its_interval() {
        // At 110 ns rayon is 2 * 110 / 210 = 1.05x: chosen while its interval is tight.
        let q = ask("110ns", "100000", None);
        let tight = advise(&synthetic(), &q).unwrap();
        assert_eq!(tight.choice.unwrap().technique, "rayon");
        // The same point with an interval reaching below 1: sequential, naming rayon.
        let mut wide = synthetic();
        for r in wide.benchmarks.iter_mut() {
            if r.workload.starts_with("grain-100ns") && r.technique == "rayon" {
                r.median.upper_ns = r.median.point_ns * 1.2;
            }
        }
        let answer = advise(&wide, &q).unwrap();
        assert_eq!(answer.choice, None);
        let runner_up = answer.runner_up.as_ref().unwrap();
        assert_eq!(runner_up.technique, "rayon");
        assert!(runner_up.speedup.point > 1.0 && runner_up.speedup.lower < 1.0);
        assert!(
            answer.lines()[0].contains("stay sequential"),
            "{:?}",
            answer.lines()
        );
        // A paired interval, where the record has one, is the one the rule reads.
        let pair = Paired {
            baseline: "sequential".into(),
            baseline_ns: vec![1.0; 10],
            speedup: Ratio {
                point: 1.05,
                lower: 1.02,
                upper: 1.08,
            },
        };
        row_mut(&mut wide, "map/grain-100ns-n100000/rayon/2").paired = Some(pair);
        let answer = advise(&wide, &q).unwrap();
        let e = answer.choice.unwrap();
        assert_eq!((e.technique.as_str(), e.workers.as_str()), ("rayon", "2"));
        assert!((e.speedup.lower - 1.02).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn the_fewest_workers_whose_interval_reaches_the_best_are_quoted() {
        let estimate = |workers: &str, point: f64, lower: f64, upper: f64| Estimate {
            technique: "rayon".into(),
            workers: workers.into(),
            time_ns: 1.0 / point,
            speedup: Ratio {
                point,
                lower,
                upper,
            },
            reach: Reach::At,
            points: Vec::new(),
            start: None,
            start_missing: false,
            floored: false,
        };
        let (choice, _) = choose(vec![
            estimate("4", 1.9, 1.8, 2.0),
            estimate("2", 1.85, 1.7, 1.95),
        ]);
        assert_eq!(choice.unwrap().workers, "2");
        let (choice, runner_up) = choose(vec![estimate("2", 1.3, 0.9, 1.6)]);
        assert_eq!((choice, runner_up.unwrap().workers.as_str()), (None, "2"));
    }

    #[test]
    fn outside_the_measured_costs_is_extrapolated_and_said() {
        let below = advise(&synthetic(), &ask("20ns", "100000", None)).unwrap();
        let best = below.choice.as_ref().or(below.runner_up.as_ref()).unwrap();
        let Reach::Below(edge) = best.reach else {
            panic!("{best:?}")
        };
        assert!((edge - 110.0).abs() < 1e-9, "{edge}");
        // rayon at 110 ns: 105 ns per task, 50 of them overhead; at 20 ns, 10 + 50 ns.
        let rayon = below.runner_up.as_ref().unwrap();
        assert_eq!(rayon.workers, "2", "equal estimates: the fewer workers");
        assert!(
            (rayon.speedup.point - 20.0 / 60.0).abs() < 1e-9,
            "{rayon:?}"
        );
        assert!(
            below.lines()[1].contains("extrapolated"),
            "{:?}",
            below.lines()
        );
        let above = advise(&synthetic(), &ask("1ms", "10000", None)).unwrap();
        let e = above.choice.as_ref().unwrap();
        let Reach::Above(edge) = e.reach else {
            panic!("{e:?}")
        };
        assert!((edge - 110_000.0).abs() < 1e-6, "{edge}");
        // rayon at 110 us: 55 050 ns per task, 50 of them overhead, held at 1 ms.
        assert!((e.speedup.point - 1e6 / 500_050.0).abs() < 1e-9, "{e:?}");
        assert!(above.lines()[1].contains("above the largest"));
    }

    #[test]
    fn a_few_tasks_cannot_beat_the_cpu_count() {
        // One task cannot be split: sequential, however cheap the hand-off.
        let answer = advise(&synthetic(), &ask("11us", "1", None)).unwrap();
        assert_eq!(answer.choice, None);
        assert!(answer.runner_up.unwrap().floored);
    }

    #[test]
    fn starts_are_added_once() {
        let mut results = synthetic();
        results.benchmarks.push(plain(
            "process/startup/2",
            "process-pool",
            Kind::Process,
            5e6,
        ));
        results.benchmarks.push(plain(
            "overhead/handoff/1",
            "thread-spawn-join",
            Kind::Thread,
            40_000.0,
        ));
        let answer = advise(&results, &ask("110us", "200", None)).unwrap();
        let e = answer.choice.unwrap();
        assert_eq!(e.technique, "rayon");
        let start = e.start.unwrap();
        assert_eq!(start.ns, 80_000.0);
        assert!(start.source.contains("thread-spawn-join"));
        // rayon at 110 us: 200 tasks of 55 050 ns plus the start.
        assert!(
            (e.time_ns - (200.0 * 55_050.0 + 80_000.0)).abs() < 1e-3,
            "{}",
            e.time_ns
        );
    }

    #[test]
    fn implausible_rows_are_left_out_and_named() {
        let mut results = synthetic();
        let id = "map/grain-10us-n2000/rayon/2";
        row_mut(&mut results, id).marks.push(Mark {
            kind: MarkKind::Implausible,
            what: "speedup above the ideal".into(),
            cause: "test".into(),
        });
        let answer = advise(&results, &ask("11us", "2000", None)).unwrap();
        assert_eq!(answer.left_out, [id]);
        let e = answer.choice.as_ref().unwrap();
        assert!(e.points.iter().all(|p| p.id != id), "{e:?}");
        assert!(
            answer
                .lines()
                .join("\n")
                .contains(&format!("implausible: {id}"))
        );
    }

    #[test]
    fn payloads_are_read_at_the_nearest_measured_one() {
        let answer = advise(&synthetic(), &ask("110us", "200", Some("48KiB"))).unwrap();
        assert_eq!(answer.payload_kib, Some(64));
        let e = answer.choice.as_ref().unwrap();
        assert_eq!((e.technique.as_str(), e.workers.as_str()), ("rayon", "2"));
        assert!(e.points.iter().any(|p| p.id.ends_with("-p64kib/rayon/2")));
        assert!(answer.lines()[0].contains("nearest measured payload, 64 KiB"));
        let small = advise(&synthetic(), &ask("110us", "200", Some("1kB"))).unwrap();
        assert_eq!(small.payload_kib, Some(0));
        assert!(small.lines()[0].contains("nearest measured payload, none"));
    }

    #[test]
    fn every_error_says_what_is_missing() {
        let mut none = synthetic();
        none.benchmarks.retain(|r| !r.workload.starts_with("grain"));
        let squares = "map/squares-10k/1";
        (none.benchmarks).push(plain(squares, "sequential", Kind::Sequential, 1e5));
        let q = ask("1us", "10", None);
        assert!(advise(&none, &q).unwrap_err().contains("no grain sweep"));
        let zero = Question {
            tasks: 0,
            ..q.clone()
        };
        assert!(
            advise(&synthetic(), &zero)
                .unwrap_err()
                .contains("above zero")
        );
        // A payload point no candidate of the sweep was measured at.
        let mut lone = synthetic();
        for r in lone.benchmarks.iter_mut() {
            if r.workload.ends_with("p64kib") && r.technique == "rayon" {
                r.technique = "other".into();
                r.id = r.id.replace("rayon", "other");
            }
        }
        let err = advise(&lone, &ask("110us", "200", Some("64KiB"))).unwrap_err();
        assert!(err.contains("64 KiB payload"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        assert!(read_file(&missing).unwrap_err().contains("missing.json"));
        let junk = dir.path().join("junk.json");
        std::fs::write(&junk, "not json").unwrap();
        assert!(read_file(&junk).unwrap_err().contains("junk.json"));
        let plain_run = dir.path().join("no-grain.json");
        none.write(&plain_run).unwrap();
        let err = read_file(&plain_run).unwrap_err();
        assert!(
            err.contains("no-grain.json") && err.contains("no grain sweep"),
            "{err}"
        );
        let err = newest_run(&dir.path().join("runs"), "f").unwrap_err();
        assert!(err.contains("runs"), "{err}");
    }

    #[test]
    fn the_newest_full_run_of_this_machine_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, time: &str, edit: &dyn Fn(&mut Results)| {
            let mut r = synthetic();
            r.run.time_utc = time.into();
            edit(&mut r);
            r.write(&dir.path().join(name)).unwrap();
        };
        write("a.json", "2026-01-01T00:00:00Z", &|_| {});
        write("b.json", "2026-01-02T00:00:00Z", &|_| {});
        write("c.json", "2026-01-03T00:00:00Z", &|r| {
            r.run.profile = "quick".into()
        });
        write("d.json", "2026-01-04T00:00:00Z", &|r| {
            r.machine.fingerprint = "g".into()
        });
        write("e.json", "2026-01-05T00:00:00Z", &|r| {
            r.run.partial = Some("cut".into())
        });
        write("f.json", "2026-01-06T00:00:00Z", &|r| {
            r.benchmarks.retain(|b| !b.workload.starts_with("grain"))
        });
        std::fs::write(dir.path().join("g.json"), "{").unwrap();
        let (path, results) = newest_run(dir.path(), "f").unwrap();
        assert_eq!(path.file_name().unwrap(), "b.json");
        assert_eq!(results.run.time_utc, "2026-01-02T00:00:00Z");
        let err = newest_run(dir.path(), "other").unwrap_err();
        assert!(err.contains("fingerprint other"), "{err}");
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
    }
}
