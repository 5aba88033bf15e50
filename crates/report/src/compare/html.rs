//! The comparison page: machines, geometric means per family with a chart, each machine's
//! own speedups with a chart, and the table of every benchmark.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use super::Comparison;
use crate::analysis::{best_per_technique, by_group, format_ratio, speedup};
use crate::chart::{self, Palette};
use crate::error::Error;
use crate::html::{esc, figure, page, table};
use crate::model::Record;
use crate::page::{Page, machine_rows};

impl Comparison<'_> {
    /// The comparison page and its charts (linked as `<charts_dir>/<file>`).
    pub fn html(&self, charts_dir: &str) -> Result<Page, String> {
        let names: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
        let palette = Palette::new(names.iter().copied());
        let mut body = String::from("<h1>concurrency-bench: comparison</h1>\n<h2>Machines</h2>\n");
        let mut header = vec![""];
        header.extend(names.iter().copied());
        let mut rows: Vec<Vec<String>> = machine_rows()
            .iter()
            .map(|(name, field)| {
                std::iter::once(esc(name))
                    .chain(self.inputs.iter().map(|i| esc(&field(&i.results.machine))))
                    .collect()
            })
            .collect();
        rows.push(
            std::iter::once("run".into())
                .chain(
                    self.inputs
                        .iter()
                        .map(|i| esc(&format!("{} ({})", i.results.run.id, i.results.run.profile))),
                )
                .collect(),
        );
        body.push_str(&table("meta", &header, &rows));
        let _ = writeln!(
            body,
            "<p class=\"note\">Reference: <b>{}</b>. Ratios are a machine's median time over the reference's: below 1× is faster.</p>",
            esc(names[self.reference])
        );
        for note in self.fingerprint_notes() {
            let _ = writeln!(body, "<p class=\"bad\">{}</p>", esc(&note));
        }
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
                    esc(family),
                    esc(names[k]),
                    g.map_or("–".into(), format_ratio),
                    n.to_string(),
                ]);
            }
        }
        body.push_str("<h2>Per family</h2>\n");
        body.push_str(&table(
            "families",
            &[
                "family",
                "machine",
                "time / reference (geometric mean)",
                "benchmarks in both",
            ],
            &family_rows,
        ));
        let mut charts = Vec::new();
        if !ratio_bars.is_empty() {
            charts.push(chart::family_ratios(
                "family-ratios.svg",
                &ratio_bars,
                &palette,
            )?);
        }
        let speed_bars = self.best_speedups();
        if !speed_bars.is_empty() {
            charts.push(chart::machine_speedups(
                "own-speedups.svg",
                &speed_bars,
                &palette,
            )?);
        }
        for c in &charts {
            body.push_str(&figure(&format!("{charts_dir}/{}", c.file), &c.title));
        }
        body.push_str(&self.html_tables(&families));
        Ok(Page {
            html: page("concurrency-bench comparison", &body),
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

    fn html_tables(&self, families: &BTreeMap<&str, Vec<&str>>) -> String {
        let mut out = String::new();
        let header = self.header(false);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        for (family, ids) in families {
            let _ = writeln!(out, "<h2>Family {}</h2>", esc(family));
            let rows: Vec<Vec<String>> = ids
                .iter()
                .map(|id| self.row(id).iter().map(|c| esc(c)).collect())
                .collect();
            out.push_str(&table("records", &header, &rows));
        }
        let partial = self.partial();
        if !partial.is_empty() {
            let _ = writeln!(out, "<h2>Not in every file ({})</h2>", partial.len());
            let rows: Vec<Vec<String>> = partial
                .iter()
                .map(|(id, holders)| vec![esc(id), esc(&holders.join(", "))])
                .collect();
            out.push_str(&table("partial", &["benchmark", "only in"], &rows));
        }
        out
    }
}

/// Writes the comparison page to `out` with its charts beside it (never a partial page).
pub fn write_page(comparison: &Comparison<'_>, out: &Path) -> Result<(), Error> {
    let (_, tag) = crate::machine::utc_stamps(std::time::SystemTime::now());
    let charts_dir = crate::fsio::charts_dir_name(out, &tag);
    let page = comparison
        .html(&charts_dir)
        .map_err(|p| Error::new(out, p))?;
    let charts: Vec<(String, String)> = page.charts.into_iter().map(|c| (c.file, c.svg)).collect();
    crate::fsio::publish_page(out, &tag, &page.html, &charts)
}
