//! The run and machine summary, and how the run relates to the baseline.

use maud::{Markup, html};

use super::Beside;
use crate::analysis::{self, by_family, format_ratio};
use crate::html::{cell, none, table};
use crate::model::{Machine, Record, Results};
/// Machine and run summary, with the baseline's machine in a second column.
pub(super) fn summary(results: &Results, baseline: Option<&Beside<'_>>) -> Markup {
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
    if let Some(dir) = &run.criterion_dir {
        run_rows.push(vec![
            cell("criterion"),
            html! { a href={ (dir) "/report/index.html" } { "criterion's own report" } },
        ]);
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
    vec![
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
    ]
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
