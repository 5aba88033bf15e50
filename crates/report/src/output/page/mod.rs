//! `reports/index.html`: a pure function of a results file (and, optionally, the committed
//! baseline shown beside it), so a file from another machine renders the same way.
//! `meta`: run, machine and baseline summaries; `headline`: the table per workload;
//! `group`: a workload's charts and table; `versus` and `interpreters`: the Python runs
//! against the Rust run, a column per interpreter, and whether free-threading changes the
//! answer.

mod answer;
mod fits;
mod group;
mod headline;
mod interpreters;
mod meta;
pub(crate) mod versus;

pub use meta::{LIMIT_ROWS, machine_rows};

use answer::{Answer, LADDER};
use group::group_section;
use headline::headline;
use meta::{baseline_section, summary};

use maud::html;

use crate::analysis::by_family;
use crate::model::Results;
use crate::output::chart::{self, Chart, Palette};
use crate::output::html::{Layout, page, slug};

/// A rendered page: its HTML and its charts (for a page with a chart folder, the files it
/// links to inside that folder; a single-file page carries them already).
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
    render_index_with(results, baseline, &[], charts_dir)
}

/// [`render_index`], with Python results files (one per interpreter) shown against the run
/// in the sections "Rust against the article's Python" and "Does free-threading change the
/// answer?".
pub fn render_index_with(
    results: &Results,
    baseline: Option<Beside<'_>>,
    python: &[Beside<'_>],
    charts_dir: &str,
) -> Result<Page, String> {
    render_page(
        results,
        baseline,
        python,
        &Layout::Folder(charts_dir.to_string()),
    )
}

/// [`render_index_with`], its charts and links laid out as `layout` says: in a folder, or
/// all in one file ([`Layout::SingleFile`]).
pub fn render_page(
    results: &Results,
    baseline: Option<Beside<'_>>,
    python: &[Beside<'_>],
    layout: &Layout,
) -> Result<Page, String> {
    // Every file is judged against its machine's bounds as it is rendered, whatever wrote it.
    let mut marked = results.clone();
    crate::analysis::bounds::mark(&mut marked);
    let results = &marked;
    let families = by_family(&results.benchmarks);
    let palette = Palette::for_sets(families.values().map(|groups| {
        groups
            .values()
            .flatten()
            .map(|r| r.technique.as_str())
            .collect::<Vec<_>>()
    }));
    let mut charts = Vec::new();
    let answer = Answer::new(results, &palette, layout, &mut charts)?;
    let mut sections = Vec::new();
    for (family, groups) in &families {
        let heat = chart::speedup_heatmap(&format!("{}-speedup.svg", slug(family)), family, groups)
            .transpose()?;
        let heat_figure = heat.as_ref().map(|h| layout.figure(h));
        charts.extend(heat);
        let mut group_sections = Vec::new();
        for (group, records) in groups {
            group_sections.push(group_section(
                results,
                group,
                records,
                baseline.as_ref(),
                &palette,
                layout,
                &mut charts,
            )?);
        }
        sections.push(html! {
            h2 id={ "family-" (slug(family)) } { "Family " (family) } "\n"
            p class="note" { "What one hand-off costs behind these numbers: " a href={ "#" (LADDER) } { "the overhead ladder" } "." }
            @if let Some(f) = heat_figure { (f) }
            @for g in group_sections { (g) }
        });
    }
    let python_html = match python.is_empty() {
        false => Some(versus::python_section(
            results,
            python,
            (layout, "python-vs-rust.svg"),
            &mut charts,
        )?),
        true => None,
    };
    let body = html! {
        h1 { "concurrency-bench: " (results.machine.label) } "\n"
        @if let Some(why) = &results.run.partial {
            p class="bad" {
                "Partial run: it stopped early (" (why) "), so only the " (results.benchmarks.len())
                " benchmarks measured before are here, and the answer below rests on them alone."
            } "\n"
        }
        (answer.summary(results, &Answer::headline_sentences(results)))
        nav { @for family in families.keys() { a href={ "#family-" (slug(family)) } { (family) } } } "\n"
        (summary(results, baseline.as_ref(), layout.links_outside()))
        (headline(results, baseline.as_ref()))
        (answer.sections())
        @if let Some(p) = python_html { (p) }
        @for s in sections { (s) }
        @if let Some(b) = &baseline { (baseline_section(results, b)) }
    };
    let title = format!("concurrency-bench report: {}", results.machine.label);
    Ok(Page {
        html: page(&title, body).into_string(),
        charts,
    })
}
