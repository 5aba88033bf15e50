//! One workload's section: its charts and the table of every benchmark.

use maud::{Markup, html};

use super::{Beside, fits};
use crate::analysis::{self, best_per_technique, by_group, format_ratio, format_time};
use crate::model::{Limits, Record, Results};
use crate::output::chart::{self, Chart, Palette};
use crate::output::html::{Layout, cell, none, slug, table};
/// One workload: its charts and the table of every benchmark.
pub(super) fn group_section(
    results: &Results,
    group: &str,
    records: &[&Record],
    baseline: Option<&Beside<'_>>,
    palette: &Palette,
    layout: &Layout,
    charts: &mut Vec<Chart>,
) -> Result<Markup, String> {
    let links = layout.links_outside();
    let link = criterion_link(
        results,
        records.first().and_then(|r| r.criterion_page.as_deref()),
        true,
    );
    let stem = slug(group);
    let best = best_per_technique(records);
    let mut drawn = vec![chart::techniques(
        &format!("{stem}-techniques.svg"),
        group,
        &best,
        palette,
    )?];
    // Worker counts are the map family's parameter: fit the scaling laws there.
    let cpus = results.machine.run_cpus() as f64;
    let fits = match records.first().is_some_and(|r| r.family == "map") {
        true => fits::fits(records, cpus),
        false => Vec::new(),
    };
    let top = records
        .iter()
        .filter_map(|r| r.parameter_value())
        .fold(1.0, f64::max);
    let curves = fits::curves(&fits, top);
    let scaling = chart::scaling(
        &format!("{stem}-scaling.svg"),
        group,
        records,
        palette,
        &curves,
    );
    if let Some(c) = scaling {
        drawn.push(c?);
    }
    if let Some(c) = chart::latency(&format!("{stem}-latency.svg"), group, records, palette) {
        drawn.push(c?);
    }
    let figures: Vec<Markup> = drawn.iter().map(|c| layout.figure(c)).collect();
    charts.extend(drawn);
    let base_groups = baseline.map(|b| by_group(&b.results.benchmarks));
    let base_records = base_groups.as_ref().and_then(|g| g.get(group));
    // With a baseline, every row gets its columns, empty where the baseline lacks the group.
    let base_records = baseline.map(|_| base_records.map_or(&[][..], Vec::as_slice));
    let rows: Vec<Vec<Markup>> = records
        .iter()
        .map(|r| record_row(results, records, r, base_records, links))
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
        "stability",
    ];
    if baseline.is_some() {
        header.extend(["baseline median", "this / baseline"]);
    }
    if links {
        header.push("criterion");
    }
    Ok(html! {
        h3 id={ "g-" (slug(group)) } { (group) } "\n"
        @if let Some(link) = link.filter(|_| links) {
            p class="note" { a href=(link) { "criterion's pages for " (group) } } "\n"
        }
        @for f in figures { (f) }
        @if !fits.is_empty() {
            p class="note" {
                "Scaling laws over the worker counts up to the CPU count (" (cpus) "); the dashed curves in the scaling chart are the fits (USL where it fits, else Amdahl)."
            }
            (fits::table(&fits))
        }
        (table("records", &header, &rows))
    })
}

/// One row of a group's table.
fn record_row(
    results: &Results,
    group: &[&Record],
    r: &Record,
    baseline: Option<&[&Record]>,
    links: bool,
) -> Vec<Markup> {
    let num = |s: String| html! { span class="num" { (s) } };
    let mut row = vec![
        cell(&r.technique),
        cell(&r.parameter),
        num(format!(
            "{} [{} – {}]",
            format_time(r.median.point_ns),
            format_time(r.median.lower_ns),
            format_time(r.median.upper_ns)
        )),
        num(format_time(r.mean.point_ns)),
        num(format_time(r.std_dev.point_ns)),
        cell(r.samples),
        r.throughput.as_ref().map_or_else(none, |t| {
            num(format!(
                "{}{}/s",
                analysis::format_rate(t.per_second),
                t.unit
            ))
        }),
        analysis::speedup_interval(group, r).map_or_else(none, |s| {
            html! {
                (format_ratio(s.point))
                @if r.paired.is_some() {
                    " " span class="note" title="paired: the baseline ran beside each sample" {
                        "[" (analysis::three_digits(s.lower)) ", " (analysis::three_digits(s.upper)) "]"
                    }
                }
            }
        }),
        r.cpu
            .as_ref()
            .map_or_else(none, |c| cell(analysis::three_digits(c.cores_busy))),
        r.latency.as_ref().map_or_else(none, |l| {
            html! {
                (analysis::three_digits(l.p50_us)) " / " (analysis::three_digits(l.p99_us)) " µs"
                @if l.errors > 0 { " " span class="bad" { (l.errors) " errors" } }
            }
        }),
        stability(r, results.machine.limits.as_ref()),
    ];
    if let Some(base) = baseline.map(|b| b.iter().find(|b| b.id == r.id)) {
        row.push(base.map_or_else(none, |b| num(format_time(b.median.point_ns))));
        row.push(base.map_or_else(none, |b| {
            cell(format_ratio(r.median.point_ns / b.median.point_ns))
        }));
    }
    // A single-file page drops the column: the Run table says once why it has no links.
    if links {
        row.push(
            criterion_link(results, r.criterion_page.as_deref(), false)
                .map_or_else(none, |l| html! { a href=(l) { "details" } }),
        );
    }
    row
}

/// A waiting row's distance to its floors: `+3.1% over floor, +0.4% over the machine's`
/// (the second where the run measured its wake-ups and the row declared its chain).
fn floors(r: &Record, limits: Option<&Limits>) -> Option<String> {
    let (nominal, machine) = r.above_floors(limits)?;
    let pct = |x: f64| format!("{:+.1}%", x * 100.0);
    Some(match machine {
        Some(m) => format!("{} over floor, {} over the machine's", pct(nominal), pct(m)),
        None => format!("{} over floor", pct(nominal)),
    })
}

/// The CV of the samples, with a mark when unstable (the likely cause as its title), then
/// the row's marks (busy, implausible, warning), each with its figures and cause as its
/// title, then a waiting row's distance to its floors.
fn stability(r: &Record, limits: Option<&Limits>) -> Markup {
    html! {
        @if let Some(s) = &r.stability {
            span class="num" { "CV " (analysis::three_digits(s.cv * 100.0)) "%" }
            @if let Some(cause) = &s.unstable { " " span class="bad" title=(cause) { "unstable" } }
        } @else { "–" }
        @for m in &r.marks {
            " " span class="bad" title={ (m.what) ": " (m.cause) } { (m.kind.label()) }
        }
        @if let Some(floors) = floors(r, limits) {
            " " span class="num" title="above the job's nominal floor (its sleeps in a row), and above the machine's floor (the same plus the wake-ups of its chain, as this run measured them)" { (floors) }
        }
    }
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
