//! `reports/index.html`: a pure function of a results file (and, optionally, the committed
//! baseline shown beside it), so a file from another machine renders the same way.

use std::fmt::Write;

use crate::analysis::{
    self, best_of_kind, best_per_technique, by_family, by_group, format_ratio, format_time, speedup,
};
use crate::chart::{self, Chart, Palette};
use crate::html::{esc, figure, page, slug, table};
use crate::model::{Machine, Record, Results};

/// A rendered page: its HTML and the charts it links to (by file name inside `charts_dir`).
pub struct Page {
    /// The HTML document.
    pub html: String,
    /// The charts, to be written into the folder the page names.
    pub charts: Vec<Chart>,
}

/// A results file shown beside the run: its name (file or label) and content.
pub struct Beside<'a> {
    /// How the page names it.
    pub name: &'a str,
    /// Its results.
    pub results: &'a Results,
}

/// Renders the report of `results`; charts are linked as `<charts_dir>/<file>`.
pub fn render_index(
    results: &Results,
    baseline: Option<Beside<'_>>,
    charts_dir: &str,
) -> Result<Page, String> {
    let families = by_family(&results.benchmarks);
    let palette = Palette::for_sets(families.values().map(|groups| {
        groups
            .values()
            .flatten()
            .map(|r| r.technique.as_str())
            .collect::<Vec<_>>()
    }));
    let mut charts = Vec::new();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>concurrency-bench: {}</h1>\n<nav>",
        esc(&results.machine.label)
    );
    for family in families.keys() {
        let _ = write!(
            body,
            "<a href=\"#family-{}\">{}</a>",
            slug(family),
            esc(family)
        );
    }
    body.push_str("</nav>\n");
    body.push_str(&summary(results, baseline.as_ref()));
    body.push_str(&headline(results, baseline.as_ref()));
    for (family, groups) in &families {
        let _ = writeln!(
            body,
            "<h2 id=\"family-{}\">Family {}</h2>",
            slug(family),
            esc(family)
        );
        if let Some(heat) =
            chart::speedup_heatmap(&format!("{}-speedup.svg", slug(family)), family, groups)
        {
            let heat = heat?;
            body.push_str(&figure(&format!("{charts_dir}/{}", heat.file), &heat.title));
            charts.push(heat);
        }
        for (group, records) in groups {
            body.push_str(&group_section(
                results,
                group,
                records,
                baseline.as_ref(),
                &palette,
                charts_dir,
                &mut charts,
            )?);
        }
    }
    if let Some(b) = &baseline {
        body.push_str(&baseline_section(results, b));
    }
    let title = format!("concurrency-bench report: {}", results.machine.label);
    Ok(Page {
        html: page(&title, &body),
        charts,
    })
}

/// Machine and run summary, with the baseline's machine in a second column.
fn summary(results: &Results, baseline: Option<&Beside<'_>>) -> String {
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

/// "rayon (4): 1.34 ms".
fn named(r: &Record) -> String {
    format!(
        "{} ({}): {}",
        r.technique,
        r.parameter,
        format_time(r.median.point_ns)
    )
}

/// The headline table: per workload the fastest, its speedup, the slowest, and what a
/// process boundary or an async runtime cost against the best thread technique.
fn headline(results: &Results, baseline: Option<&Beside<'_>>) -> String {
    let base_groups = baseline.map(|b| by_group(&b.results.benchmarks));
    let mut rows = Vec::new();
    for (group, records) in by_group(&results.benchmarks) {
        let best = best_per_technique(&records);
        let (Some(fastest), Some(slowest)) = (best.first(), best.last()) else {
            continue;
        };
        let cost = |kind: &str| match (
            best_of_kind(&records, kind),
            best_of_kind(&records, "thread"),
        ) {
            (Some(k), Some(t)) => format!(
                "{} ({} vs {})",
                format_ratio(k.median.point_ns / t.median.point_ns),
                esc(&k.technique),
                esc(&t.technique)
            ),
            _ => "–".to_string(),
        };
        let on_baseline = base_groups
            .as_ref()
            .and_then(|g| g.get(group))
            .and_then(|g| best_per_technique(g).first().map(|r| esc(&named(r))));
        let mut row = vec![
            format!("<a href=\"#g-{}\">{}</a>", slug(group), esc(group)),
            esc(&named(fastest)),
            speedup(&records, fastest).map_or("–".into(), format_ratio),
            esc(&named(slowest)),
            cost("process"),
            cost("async"),
        ];
        if baseline.is_some() {
            row.push(on_baseline.unwrap_or_else(|| "–".into()));
        }
        rows.push(row);
    }
    let mut header = vec![
        "workload",
        "fastest",
        "speedup over sequential",
        "slowest",
        "process boundary cost",
        "async runtime cost",
    ];
    let beside;
    if let Some(b) = baseline {
        beside = format!("fastest on {}", b.name);
        header.push(&beside);
    }
    let mut out = String::from(
        "<h2>Headline</h2>\n<p class=\"note\">Every answer was verified before timing: the suite checks each benchmark's output against the workload's expected answer and ends the run on a mismatch, before anything is published. Each technique at its best parameter (worker count). Costs are the best process-pool (or async) technique's time over the best thread technique's: above 1× the boundary or runtime costs time.</p>\n",
    );
    out.push_str(&table("headline", &header, &rows));
    out
}

/// One workload: its charts and the table of every benchmark.
fn group_section(
    results: &Results,
    group: &str,
    records: &[&Record],
    baseline: Option<&Beside<'_>>,
    palette: &Palette,
    charts_dir: &str,
    charts: &mut Vec<Chart>,
) -> Result<String, String> {
    let mut out = format!("<h3 id=\"g-{}\">{}</h3>\n", slug(group), esc(group));
    if let Some(link) = criterion_link(
        results,
        records.first().and_then(|r| r.criterion_page.as_deref()),
        true,
    ) {
        let _ = writeln!(
            out,
            "<p class=\"note\"><a href=\"{}\">criterion's pages for {}</a></p>",
            esc(&link),
            esc(group)
        );
    }
    let stem = slug(group);
    let best = best_per_technique(records);
    let mut drawn = vec![chart::techniques(
        &format!("{stem}-techniques.svg"),
        group,
        &best,
        palette,
    )?];
    if let Some(c) = chart::scaling(&format!("{stem}-scaling.svg"), group, records, palette) {
        drawn.push(c?);
    }
    if let Some(c) = chart::latency(&format!("{stem}-latency.svg"), group, records, palette) {
        drawn.push(c?);
    }
    for c in drawn {
        out.push_str(&figure(&format!("{charts_dir}/{}", c.file), &c.title));
        charts.push(c);
    }
    let base_groups = baseline.map(|b| by_group(&b.results.benchmarks));
    let base_records = base_groups.as_ref().and_then(|g| g.get(group));
    // With a baseline, every row gets its columns, empty where the baseline lacks the group.
    let base_records = baseline.map(|_| base_records.map_or(&[][..], Vec::as_slice));
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| record_row(results, records, r, base_records))
        .collect();
    let mut header = vec![
        "technique",
        "param",
        "median [95% CI]",
        "mean",
        "std dev",
        "samples",
        "throughput",
        "speedup",
        "cores busy (CPU / wall)",
        "latency p50 / p99",
    ];
    if baseline.is_some() {
        header.extend(["baseline median", "this / baseline"]);
    }
    header.push("criterion");
    out.push_str(&table("records", &header, &rows));
    Ok(out)
}

/// One row of a group's table.
fn record_row(
    results: &Results,
    group: &[&Record],
    r: &Record,
    baseline: Option<&[&Record]>,
) -> Vec<String> {
    let num = |s: String| format!("<span class=\"num\">{}</span>", esc(&s));
    let mut row = vec![
        esc(&r.technique),
        esc(&r.parameter),
        num(format!(
            "{} [{} – {}]",
            format_time(r.median.point_ns),
            format_time(r.median.lower_ns),
            format_time(r.median.upper_ns)
        )),
        num(format_time(r.mean.point_ns)),
        num(format_time(r.std_dev.point_ns)),
        r.samples.to_string(),
        r.throughput.as_ref().map_or("–".into(), |t| {
            num(format!(
                "{}{}/s",
                analysis::format_rate(t.per_second),
                t.unit
            ))
        }),
        speedup(group, r).map_or("–".into(), format_ratio),
        r.cpu
            .as_ref()
            .map_or("–".into(), |c| analysis::three_digits(c.cores_busy)),
        r.latency.as_ref().map_or("–".into(), |l| {
            let bad = if l.errors > 0 {
                format!(" <span class=\"bad\">{} errors</span>", l.errors)
            } else {
                String::new()
            };
            format!(
                "{} / {} µs{bad}",
                analysis::three_digits(l.p50_us),
                analysis::three_digits(l.p99_us)
            )
        }),
    ];
    if let Some(base) = baseline.map(|b| b.iter().find(|b| b.id == r.id)) {
        row.push(base.map_or("–".into(), |b| num(format_time(b.median.point_ns))));
        row.push(base.map_or("–".into(), |b| {
            format_ratio(r.median.point_ns / b.median.point_ns)
        }));
    }
    row.push(
        criterion_link(results, r.criterion_page.as_deref(), false).map_or("–".into(), |l| {
            format!("<a href=\"{}\">details</a>", esc(&l))
        }),
    );
    row
}

/// A link to criterion's page for a benchmark (or, with `group`, its group's page).
fn criterion_link(results: &Results, page: Option<&str>, group: bool) -> Option<String> {
    let dir = results.run.criterion_dir.as_deref()?;
    let page = page?;
    if group {
        let first = page.split('/').next()?;
        Some(format!("{dir}/{first}/report/index.html"))
    } else {
        Some(format!("{dir}/{page}"))
    }
}

/// How the run relates to the baseline: geometric mean of time ratios per family, and the
/// benchmarks only one of them has.
fn baseline_section(results: &Results, b: &Beside<'_>) -> String {
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
