//! `reports/index.html`: a pure function of a results file (and, optionally, the committed
//! baseline shown beside it), so a file from another machine renders the same way.
//! `meta`: run, machine and baseline summaries; `headline`: the table per workload;
//! `group`: a workload's charts and table.

mod group;
mod headline;
mod meta;

pub use meta::machine_rows;

use group::group_section;
use headline::headline;
use meta::{baseline_section, summary};

use std::fmt::Write;

use crate::analysis::by_family;
use crate::chart::{self, Chart, Palette};
use crate::html::{esc, figure, page, slug};
use crate::model::Results;

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
