//! The headline table: per workload the fastest, the slowest and what boundaries cost.

use super::Beside;
use crate::analysis::{
    best_of_kind, best_per_technique, by_group, format_ratio, format_time, speedup,
};
use crate::model::{Kind, Record, Results};
use crate::output::html::{cell, none, slug, table};
use maud::{Markup, html};
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
pub(super) fn headline(results: &Results, baseline: Option<&Beside<'_>>) -> Markup {
    let base_groups = baseline.map(|b| by_group(&b.results.benchmarks));
    let mut rows = Vec::new();
    for (group, records) in by_group(&results.benchmarks) {
        // Hand-offs are not alternatives to each other: the overhead ladder shows them.
        if group.starts_with("overhead/") {
            continue;
        }
        let best = best_per_technique(&records);
        let (Some(fastest), Some(slowest)) = (best.first(), best.last()) else {
            continue;
        };
        let cost = |kind: Kind| match (
            best_of_kind(&records, kind),
            best_of_kind(&records, Kind::Thread),
        ) {
            (Some(k), Some(t)) => cell(format!(
                "{} ({} vs {})",
                format_ratio(k.median.point_ns / t.median.point_ns),
                k.technique,
                t.technique
            )),
            _ => none(),
        };
        let mut row = vec![
            html! { a href={ "#g-" (slug(group)) } { (group) } },
            cell(named(fastest)),
            speedup(&records, fastest).map_or_else(none, |s| cell(format_ratio(s))),
            cell(named(slowest)),
            cost(Kind::Process),
            cost(Kind::Async),
        ];
        if baseline.is_some() {
            let on_baseline = base_groups
                .as_ref()
                .and_then(|g| g.get(group))
                .and_then(|g| best_per_technique(g).first().map(|r| named(r)));
            row.push(on_baseline.map_or_else(none, cell));
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
    html! {
        h2 { "Headline" } "\n"
        p class="note" {
            "Every answer was verified before timing: the suite checks each benchmark's output against the workload's expected answer and ends the run on a mismatch, before anything is published. Each technique at its best parameter (worker count). Costs are the best process-pool (or async) technique's time over the best thread technique's: above 1× the boundary or runtime costs time."
        } "\n"
        (table("headline", &header, &rows))
    }
}
