//! The run and machine summary, and how the run relates to the baseline.

use std::fmt::Write;

use super::Beside;
use crate::analysis::{self, by_family, format_ratio};
use crate::html::{esc, table};
use crate::model::{Machine, Record, Results};
/// Machine and run summary, with the baseline's machine in a second column.
pub(super) fn summary(results: &Results, baseline: Option<&Beside<'_>>) -> String {
    let run = &results.run;
    let mut out = String::from("<h2>Run</h2>\n");
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
    let mut rows: Vec<Vec<String>> = rows.iter().map(|(k, v)| vec![esc(k), esc(v)]).collect();
    if let Some(dir) = &run.criterion_dir {
        let link = format!("{dir}/report/index.html");
        rows.push(vec![
            "criterion".into(),
            format!("<a href=\"{}\">criterion's own report</a>", esc(&link)),
        ]);
    }
    out.push_str(&table("meta", &["", "value"], &rows));
    out.push_str("<h2>Machine</h2>\n");
    let mut header = vec!["", "this run"];
    if let Some(b) = baseline {
        header.push(b.name);
    }
    let machines: Vec<&Machine> = std::iter::once(&results.machine)
        .chain(baseline.map(|b| &b.results.machine))
        .collect();
    let rows: Vec<Vec<String>> = machine_rows()
        .iter()
        .map(|(name, field)| {
            std::iter::once(esc(name))
                .chain(machines.iter().map(|m| esc(&field(m))))
                .collect()
        })
        .collect();
    out.push_str(&table("meta", &header, &rows));
    if let Some(b) =
        baseline.filter(|b| b.results.machine.fingerprint != results.machine.fingerprint)
    {
        let _ = writeln!(
            out,
            "<p class=\"note\">The baseline <b>{}</b> ran on another kind of machine (fingerprints differ): its times show scale, not a regression.</p>",
            esc(b.name)
        );
    }
    out
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
pub(super) fn baseline_section(results: &Results, b: &Beside<'_>) -> String {
    let mut out = format!("<h2 id=\"baseline\">Against {}</h2>\n", esc(b.name));
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
        let g = analysis::geomean(&ratios).map_or("–".into(), format_ratio);
        rows.push(vec![esc(family), g, ratios.len().to_string()]);
    }
    out.push_str(&table(
        "baseline",
        &[
            "family",
            "time this / baseline (geometric mean)",
            "benchmarks in both",
        ],
        &rows,
    ));
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
    for (what, ids) in [
        ("only in this run", only_here),
        ("only in the baseline", only_there),
    ] {
        if !ids.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>{} benchmarks {what}</summary><p class=\"note\">{}</p></details>",
                ids.len(),
                esc(&ids.join(", "))
            );
        }
    }
    out
}
