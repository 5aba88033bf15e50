//! The run and machine summary, and how the run relates to the baseline.

use maud::{Markup, html};

use super::Beside;
use crate::analysis::{self, by_family, format_ratio};
use crate::model::{Limits, Machine, Record, Results};
use crate::output::html::{NOT_INCLUDED, cell, none, table};
/// Machine and run summary, with the baseline's machine in a second column; with `links`
/// false (a single-file page), criterion's report is named as not included instead of linked.
pub(super) fn summary(results: &Results, baseline: Option<&Beside<'_>>, links: bool) -> Markup {
    let run = &results.run;
    let rows = [
        ("run", run.id.clone()),
        ("time (UTC)", run.time_utc.clone()),
        ("git revision", run.git_revision.clone()),
        (
            "profile",
            format!("{} (preset {})", run.profile, run.preset),
        ),
        ("command line", run.command_line.clone()),
        ("benchmarks", results.benchmarks.len().to_string()),
    ];
    let mut run_rows: Vec<Vec<Markup>> = rows.iter().map(|(k, v)| vec![cell(k), cell(v)]).collect();
    if let Some(why) = &run.partial {
        run_rows.push(vec![cell("partial"), cell(format!("yes: {why}"))]);
    }
    if let Some(dir) = &run.criterion_dir {
        let report = match links {
            true => html! { a href={ (dir) "/report/index.html" } { "criterion's own report" } },
            false => cell(NOT_INCLUDED),
        };
        run_rows.push(vec![cell("criterion"), report]);
    }
    let mut header = vec!["", "this run"];
    if let Some(b) = baseline {
        header.push(b.name);
    }
    let machines: Vec<&Machine> = std::iter::once(&results.machine)
        .chain(baseline.map(|b| &b.results.machine))
        .collect();
    let machine_table: Vec<Vec<Markup>> = machine_rows()
        .iter()
        .map(|(name, field)| {
            std::iter::once(cell(name))
                .chain(machines.iter().map(|m| cell(field(m))))
                .collect()
        })
        .collect();
    let other_machine =
        baseline.filter(|b| b.results.machine.fingerprint != results.machine.fingerprint);
    html! {
        h2 { "Run" } "\n"
        (table("meta", &["", "value"], &run_rows))
        h2 { "Machine" } "\n"
        (table("meta", &header, &machine_table))
        @if let Some(c) = results.machine.limits.as_ref().and_then(|l| l.contention).filter(|c| c.busy()) {
            p class="bad" {
                "Busy: this run shared the machine (" (c.describe()) "). Contended benchmarks \
                 change character beside a neighbour; rows measured while busy are marked."
            } "\n"
        }
        @if let Some(b) = other_machine {
            p class="note" {
                "The baseline " b { (b.name) }
                " ran on another kind of machine (fingerprints differ): its times show scale, not a regression."
            } "\n"
        }
    }
}

/// The rows of the machine table: a label and how to read it from a machine.
#[allow(clippy::type_complexity)]
pub fn machine_rows() -> Vec<(&'static str, Box<dyn Fn(&Machine) -> String>)> {
    let opt = |v: Option<u64>| v.map_or_else(|| "unknown".to_string(), |v| v.to_string());
    let hardware: Vec<(&'static str, Box<dyn Fn(&Machine) -> String>)> = vec![
        ("label", Box::new(|m: &Machine| m.label.clone())),
        ("CPU", Box::new(|m: &Machine| m.cpu_model.clone())),
        (
            "logical cores",
            Box::new(move |m: &Machine| opt(m.logical_cores)),
        ),
        (
            "physical cores",
            Box::new(move |m: &Machine| opt(m.physical_cores)),
        ),
        (
            "memory",
            Box::new(|m: &Machine| {
                m.memory_bytes.map_or_else(
                    || "unknown".into(),
                    |b| format!("{:.1} GiB", b as f64 / 1073741824.0),
                )
            }),
        ),
        ("OS", Box::new(|m: &Machine| m.os.clone())),
        ("kernel", Box::new(|m: &Machine| m.kernel.clone())),
        ("arch", Box::new(|m: &Machine| m.arch.clone())),
        ("rustc", Box::new(|m: &Machine| m.rustc.clone())),
        ("fingerprint", Box::new(|m: &Machine| m.fingerprint.clone())),
        ("CPU speed", Box::new(cpu_speed)),
    ];
    hardware.into_iter().chain(limit_rows()).collect()
}

/// Each CPU's calibration (compute and memory kernels, medians) at the start, whether the
/// CPUs differ and whether the host drifted by the end, each beyond the calibration's spread.
fn cpu_speed(m: &Machine) -> String {
    let Some(c) = &m.calibration else {
        return "not calibrated (a file from before the calibration, or a Python run)".into();
    };
    let per_cpu: Vec<String> = crate::analysis::calibration::speeds(&c.start)
        .iter()
        .map(|s| {
            format!(
                "CPU {} {} / {}",
                s.cpu,
                crate::analysis::format_time(s.compute_ns),
                crate::analysis::format_time(s.memory_ns)
            )
        })
        .collect();
    let spread = format!("spread {:.1}%", c.noise() * 100.0);
    let cpus = c
        .unequal()
        .unwrap_or_else(|| "CPUs alike within the spread".to_string());
    let drift = match (c.drifting(), c.drift()) {
        (Some(d), _) => format!("DRIFTING: {d}"),
        (None, Some((compute, _))) => format!(
            "end of run {:+.1}% (compute), within the spread",
            (compute - 1.0) * 100.0
        ),
        (None, None) => "no end calibration".to_string(),
    };
    format!(
        "compute / memory kernel at the start: {}; {spread}; {cpus}; {drift}",
        per_cpu.join(", ")
    )
}

/// The names of the rows about what limited a run rather than the hardware.
pub const LIMIT_ROWS: [&str; 8] = [
    "effective CPUs",
    "CPU quota",
    "frequency",
    "hypervisor",
    "wake-ups",
    "build",
    "load average",
    "neighbours",
];

/// How idle CPUs wait (the PM QoS latency in force), what a 5 ms sleep overshoots by and
/// what a cross-CPU wake-up takes.
fn wake_ups(l: &Limits) -> String {
    let idle = match l.cpu_dma_latency_us {
        Some(0) => "idle CPUs poll (PM QoS 0 us)".to_string(),
        Some(us) if us >= 2_000_000_000 => "idle CPUs may halt (no PM QoS limit)".to_string(),
        Some(us) => format!("idle CPUs wake within {us} us (PM QoS)"),
        None => "idle policy unknown".to_string(),
    };
    let late = l
        .sleep_overshoot_us
        .map(|late| format!("; a 5 ms sleep ends {late:.0} us late (median of 20)"));
    let woken = l.wake_up_us.map(|us| {
        format!(
            "; a thread on another CPU idle 10 ms runs {us:.0} us after it is woken (median of 20)"
        )
    });
    format!(
        "{idle}{}{}",
        late.unwrap_or_default(),
        woken.unwrap_or_default()
    )
}

/// The rows of [`LIMIT_ROWS`]: "unknown" where unreadable, "–" for files older than them.
#[allow(clippy::type_complexity)]
fn limit_rows() -> Vec<(&'static str, Box<dyn Fn(&Machine) -> String>)> {
    fn show(m: &Machine, f: impl Fn(&Limits) -> String) -> String {
        m.limits.as_ref().map_or_else(|| "–".to_string(), f)
    }
    fn unknown() -> String {
        "unknown".to_string()
    }
    let rows: [Box<dyn Fn(&Limits) -> String>; 8] = [
        Box::new(|l| {
            let affinity = l
                .affinity_list
                .as_ref()
                .map_or_else(unknown, |a| format!("CPUs {a}"));
            format!(
                "{} ({affinity})",
                l.effective_cpus.map_or_else(unknown, |e| e.to_string())
            )
        }),
        Box::new(|l| match (&l.cpu_quota, &l.cpu_quota_source) {
            (Some(q), _) => format!("{q} CPUs"),
            (None, Some(_)) => "none".to_string(),
            (None, None) => unknown(),
        }),
        Box::new(|l| {
            let f = |v: &Option<String>| v.clone().unwrap_or_else(unknown);
            let boost = l
                .cpu_boost
                .map_or_else(unknown, |b| if b { "on" } else { "off" }.into());
            format!(
                "driver {}, governor {}, boost {boost}",
                f(&l.cpufreq_driver),
                f(&l.cpufreq_governor)
            )
        }),
        Box::new(|l| l.hypervisor.clone().unwrap_or_else(unknown)),
        Box::new(wake_ups),
        Box::new(|l| {
            l.build.as_ref().map_or_else(unknown, |b| {
                format!(
                    "{}, target CPU {}, RUSTFLAGS \"{}\"",
                    b.profile, b.target_cpu, b.rustflags
                )
            })
        }),
        Box::new(|l| {
            l.load_average.as_ref().map_or_else(unknown, |v| {
                v.iter()
                    .map(|x| format!("{x:.2}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        }),
        Box::new(|l| {
            l.contention.map_or_else(unknown, |c| {
                format!("{}{}", if c.busy() { "BUSY: " } else { "" }, c.describe())
            })
        }),
    ];
    LIMIT_ROWS
        .into_iter()
        .zip(rows)
        .map(|(name, f)| {
            let row: Box<dyn Fn(&Machine) -> String> = Box::new(move |m| show(m, &f));
            (name, row)
        })
        .collect()
}

/// How the run relates to the baseline: geometric mean of time ratios per family, and the
/// benchmarks only one of them has.
pub(super) fn baseline_section(results: &Results, b: &Beside<'_>) -> Markup {
    let base: std::collections::BTreeMap<&str, &Record> = b
        .results
        .benchmarks
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let mut rows = Vec::new();
    for (family, groups) in by_family(&results.benchmarks) {
        let ratios: Vec<f64> = groups
            .values()
            .flatten()
            .filter_map(|r| {
                base.get(r.id.as_str())
                    .map(|b| r.median.point_ns / b.median.point_ns)
            })
            .collect();
        let g = analysis::geomean(&ratios).map_or_else(none, |g| cell(format_ratio(g)));
        rows.push(vec![cell(family), g, cell(ratios.len())]);
    }
    let ours: std::collections::BTreeSet<&str> =
        results.benchmarks.iter().map(|r| r.id.as_str()).collect();
    let only_here: Vec<&str> = ours
        .iter()
        .copied()
        .filter(|id| !base.contains_key(id))
        .collect();
    let only_there: Vec<&str> = base
        .keys()
        .copied()
        .filter(|id| !ours.contains(id))
        .collect();
    html! {
        h2 id="baseline" { "Against " (b.name) } "\n"
        (table(
            "baseline",
            &[
                "family",
                "time this / baseline (geometric mean)",
                "benchmarks in both",
            ],
            &rows,
        ))
        @for (what, ids) in [("only in this run", only_here), ("only in the baseline", only_there)] {
            @if !ids.is_empty() {
                details {
                    summary { (ids.len()) " benchmarks " (what) }
                    p class="note" { (ids.join(", ")) }
                }
                "\n"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Results;
    use crate::output::page::render_index;

    #[test]
    fn wake_ups_say_how_idle_cpus_wait_and_what_a_sleep_overshoots() {
        let mut l = crate::model::Limits {
            cpu_dma_latency_us: Some(0),
            sleep_overshoot_us: Some(43.2),
            ..Default::default()
        };
        assert_eq!(
            super::wake_ups(&l),
            "idle CPUs poll (PM QoS 0 us); a 5 ms sleep ends 43 us late (median of 20)"
        );
        l.cpu_dma_latency_us = Some(2_000_000_000);
        assert!(super::wake_ups(&l).starts_with("idle CPUs may halt (no PM QoS limit)"));
        l.cpu_dma_latency_us = Some(20);
        assert!(super::wake_ups(&l).starts_with("idle CPUs wake within 20 us"));
        l = crate::model::Limits::default();
        assert_eq!(super::wake_ups(&l), "idle policy unknown");
    }

    #[test]
    fn a_partial_run_says_so_at_the_top_and_in_the_run_table() {
        let mut results = Results::parse(include_str!("../../../tests/data/results.json")).unwrap();
        let whole = render_index(&results, None, "charts").unwrap().html;
        assert!(!whole.contains("Partial run"));
        results.run.partial = Some("failed at map/a/rayon/2: wrong answer".into());
        let html = render_index(&results, None, "charts").unwrap().html;
        let warning = html.find("Partial run").expect("the warning is shown");
        let answer = html.find("What to use on this machine").unwrap();
        assert!(warning < answer, "the warning comes before the answer");
        assert!(html.contains("yes: failed at map/a/rayon/2: wrong answer"));
    }
}
