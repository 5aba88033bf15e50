//! The comparison page: machines, geometric means per family with a chart, each machine's
//! own speedups with a chart, and the table of every benchmark.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use maud::{Markup, html};

use super::Comparison;
use crate::analysis::{best_per_technique, by_group, format_ratio, speedup};
use crate::error::Error;
use crate::model::Record;
use crate::output::chart::{self, Palette};
use crate::output::html::{Layout, cell, none, page, table};
use crate::output::page::versus::python_section;
use crate::output::page::{Beside, Page, machine_rows};

impl Comparison<'_> {
    /// The comparison page and its charts (linked as `<charts_dir>/<file>`).
    pub fn html(&self, charts_dir: &str) -> Result<Page, String> {
        self.page(&Layout::Folder(charts_dir.to_string()))
    }

    /// The comparison page, its charts laid out as `layout` says: in a folder, or all in one
    /// file ([`Layout::SingleFile`]). The page links to no file but its charts.
    pub fn page(&self, layout: &Layout) -> Result<Page, String> {
        let names: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
        let palette = Palette::new(names.iter().copied());
        let mut header = vec![""];
        header.extend(names.iter().copied());
        let mut machines: Vec<Vec<Markup>> = machine_rows()
            .iter()
            .map(|(name, field)| {
                std::iter::once(cell(name))
                    .chain(self.inputs.iter().map(|i| cell(field(&i.results.machine))))
                    .collect()
            })
            .collect();
        machines.push(
            std::iter::once(cell("run"))
                .chain(
                    self.inputs
                        .iter()
                        .map(|i| cell(format!("{} ({})", i.results.run.id, i.results.run.profile))),
                )
                .collect(),
        );
        let families = self.families();
        let mut ratio_bars = Vec::new();
        let mut family_rows = Vec::new();
        for (family, ids) in &families {
            for k in self.others() {
                let (g, n) = self.family_geomean(k, ids);
                if let Some(g) = g {
                    ratio_bars.push((family.to_string(), names[k].to_string(), g));
                }
                family_rows.push(vec![
                    cell(family),
                    cell(names[k]),
                    g.map_or_else(none, |g| cell(format_ratio(g))),
                    cell(n),
                    cell(self.verdict_summary(k, ids)),
                ]);
            }
        }
        let speed_bars = self.best_speedups();
        type Draw = fn(&str, &[chart::Bar], &Palette) -> Result<chart::Chart, String>;
        let figures: [(&str, &[chart::Bar], Draw); 2] = [
            ("family-ratios.svg", &ratio_bars, chart::family_ratios),
            ("own-speedups.svg", &speed_bars, chart::machine_speedups),
        ];
        let mut charts = Vec::new();
        for (file, bars, draw) in figures {
            if !bars.is_empty() {
                charts.push(draw(file, bars, &palette)?);
            }
        }
        // The Python section shows its own chart: it joins the page's charts after the
        // figure loop below, so it is not drawn twice.
        let mut python_charts = Vec::new();
        let python_html = match self.python.is_empty() {
            true => None,
            false => {
                let besides: Vec<Beside<'_>> = (self.python.iter())
                    .map(|py| Beside {
                        name: &py.name,
                        results: &py.results,
                    })
                    .collect();
                Some(python_section(
                    &self.inputs[self.reference].results,
                    &besides,
                    (layout, "python-vs-rust.svg"),
                    &mut python_charts,
                )?)
            }
        };
        let body = html! {
            h1 { "concurrency-bench: comparison" } "\n"
            h2 { "Machines" } "\n"
            (table("meta", &header, &machines))
            p class="note" {
                "Reference: " b { (names[self.reference]) }
                ". Ratios are a machine's median time over the reference's: below 1× is faster."
            } "\n"
            @for note in self.fingerprint_notes() { p class="bad" { (note) } "\n" }
            @if let Some(section) = python_html { (section) }
            @if !family_rows.is_empty() {
                h2 { "Per family" } "\n"
                (table(
                    "families",
                    &[
                        "family",
                        "machine",
                        "time / reference (geometric mean)",
                        "benchmarks in both",
                        "verdicts",
                    ],
                    &family_rows,
                ))
            }
            @for c in &charts { (layout.figure(c)) }
            @if let Some((header, rows)) = self.breakeven_table() {
                h2 id="break-even" { "Break-even per machine" } "\n"
                p class="note" { "From each machine's own grain sweep (map/grain-*): the measured task cost above which a technique beats sequential, and above which it reaches 80% of the ideal speedup at that machine's CPU count." }
                (table("breakeven", &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows.iter().map(|r| r.iter().map(cell).collect()).collect::<Vec<_>>()))
            }
            @if let Some((header, rows)) = self.floors_table() {
                h2 id="floors" { "Waiting rows against their floors" } "\n"
                p class="note" { "How far each waiting row is above its nominal floor (the sleeps of its chain) and above its machine's floor (the same plus the chain's wake-ups at what that run measured a timer's lateness and a cross-CPU wake-up to cost): close to the machine's floor is the machine's limit, far above it is the harness's or the technique's slack." }
                (table("floors", &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows.iter().map(|r| r.iter().map(cell).collect()).collect::<Vec<_>>()))
            }
            (self.html_tables(&families))
        };
        charts.extend(python_charts);
        Ok(Page {
            html: page("concurrency-bench comparison", body).into_string(),
            charts,
        })
    }

    /// Per workload with a sequential run, each machine's best speedup over its own.
    fn best_speedups(&self) -> Vec<chart::Bar> {
        let mut bars = Vec::new();
        let grouped: Vec<BTreeMap<&str, Vec<&Record>>> = self
            .inputs
            .iter()
            .map(|i| by_group(&i.results.benchmarks))
            .collect();
        let groups: BTreeSet<&str> = grouped.iter().flat_map(|g| g.keys().copied()).collect();
        for group in groups {
            for (k, g) in grouped.iter().enumerate() {
                let Some(records) = g.get(group) else {
                    continue;
                };
                if let Some(best) = best_per_technique(records).first() {
                    if let Some(s) = speedup(records, best) {
                        bars.push((group.to_string(), self.inputs[k].name.clone(), s));
                    }
                }
            }
        }
        bars
    }

    fn html_tables(&self, families: &BTreeMap<&str, Vec<&str>>) -> Markup {
        let header = self.header(false);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let partial = self.partial();
        let partial_rows: Vec<Vec<Markup>> = partial
            .iter()
            .map(|(id, holders)| vec![cell(id), cell(holders.join(", "))])
            .collect();
        html! {
            @for (family, ids) in families {
                h2 { "Family " (family) } "\n"
                @let rows: Vec<Vec<Markup>> =
                    ids.iter().map(|id| self.row(id).iter().map(cell).collect()).collect();
                (table("records", &header, &rows))
            }
            @if !partial.is_empty() {
                h2 { "Not in every file (" (partial.len()) ")" } "\n"
                (table("partial", &["benchmark", "only in"], &partial_rows))
            }
        }
    }
}

/// Writes the comparison page to `out` with its charts beside it (never a partial page).
pub fn write_page(comparison: &Comparison<'_>, out: &Path) -> Result<(), Error> {
    let (_, tag) = crate::inputs::machine::utc_stamps(std::time::SystemTime::now());
    let charts_dir = crate::fsio::charts_dir_name(out, &tag);
    let page = comparison
        .html(&charts_dir)
        .map_err(|p| Error::new(out, p))?;
    let charts: Vec<(String, String)> = page.charts.into_iter().map(|c| (c.file, c.svg)).collect();
    crate::fsio::publish_page(out, &tag, &page.html, &charts)
}

/// Writes the comparison page to `out` as one self-contained file, its charts inside it
/// (temporary file + rename: never a partial page); no other file is written.
pub fn write_single_file(comparison: &Comparison<'_>, out: &Path) -> Result<(), Error> {
    let page = comparison
        .page(&Layout::SingleFile)
        .map_err(|p| Error::new(out, p))?;
    crate::fsio::write_atomic(out, page.html.as_bytes())
}
