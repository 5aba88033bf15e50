//! One workload's section: its charts and the table of every benchmark.

use std::fmt::Write;

use super::Beside;
use crate::analysis::{self, best_per_technique, by_group, format_ratio, format_time, speedup};
use crate::chart::{self, Chart, Palette};
use crate::html::{esc, figure, slug, table};
use crate::model::{Record, Results};
/// One workload: its charts and the table of every benchmark.
pub(super) fn group_section(
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
