//! The section "Rust against the article's Python": the side-by-side table of
//! [`crate::analysis::versus::Versus`] and its chart.

use maud::{Markup, html};

use super::Beside;
use crate::analysis::versus::{Best, Versus};
use crate::analysis::{format_ratio, format_time};
use crate::model::Results;
use crate::output::chart::{self, Chart};
use crate::output::html::{Layout, cell, table};

fn named(best: &Best) -> String {
    format!("{} ({})", best.technique, best.parameter)
}

/// The section, its chart (`chart_file` in `charts_dir`) pushed onto `charts`. The report
/// page has one; the comparison page one per Python file given.
pub(crate) fn python_section(
    rust: &Results,
    python: &Beside<'_>,
    (layout, chart_file): (&Layout, &str),
    charts: &mut Vec<Chart>,
) -> Result<Markup, String> {
    let versus = Versus::new(rust, python.results);
    let rows: Vec<Vec<Markup>> = (versus.rows.iter())
        .map(|row| {
            vec![
                cell(&row.group),
                cell(named(&row.rust)),
                cell(format_time(row.rust.median_ns)),
                cell(named(&row.python)),
                cell(format_time(row.python.median_ns)),
                cell(format_ratio(row.ratio)),
            ]
        })
        .collect();
    let chart = match versus.rows.is_empty() {
        true => None,
        false => Some(chart::python_ratios(chart_file, &versus)?),
    };
    let figure_html = chart.as_ref().map(|c| layout.figure(c));
    charts.extend(chart);
    let py = python.results.run.python.as_ref();
    let interpreter = py.map_or_else(
        || "an unknown interpreter".to_string(),
        |p| {
            format!(
                "{} {}, GIL {}, multiprocessing start method {} (rows with spawn in their id use spawn), pyperf {}; sampling: {}",
                p.implementation,
                p.version,
                p.gil,
                p.start_method,
                p.pyperf,
                p.tiers.join("; ")
            )
        },
    );
    let header = [
        "workload",
        "best Rust",
        "Rust median",
        "best Python",
        "Python median",
        "Python ÷ Rust",
    ];
    Ok(html! {
        h2 id="python" { "Rust against the article's Python" } "\n"
        p class="note" {
            "The article's own Python (" b { (python.name) } ") on the same workloads, sizes and worker sweep, every answer checked against the same expected answers, timed with pyperf: " (interpreter) ". Each side at its best technique and parameter."
        } "\n"
        @if let Some(note) = &versus.note { p class="note warning" { (note) } "\n" }
        (table("python", &header, &rows))
        @if let Some(f) = figure_html { (f) }
        @if !versus.python_only.is_empty() {
            p class="note" { "Measured in Python only: " (versus.python_only.join(", ")) "." } "\n"
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::model::Results;
    use crate::output::page::{Beside, render_index_with};

    #[test]
    fn the_page_has_the_section_its_table_and_chart_and_names_a_mismatch() {
        let rust = Results::parse(include_str!("../../../tests/data/results.json")).unwrap();
        let mut python = rust.clone();
        python.run.language = Some("python".into());
        python.run.preset = "quick".into();
        python
            .benchmarks
            .iter_mut()
            .for_each(|r| r.median.point_ns *= 50.0);
        let beside = Beside {
            name: "py.json",
            results: &python,
        };
        let page = render_index_with(&rust, None, Some(beside), "charts").unwrap();
        assert!(
            page.html.contains("Rust against the article&#39;s Python")
                || page.html.contains("Rust against the article's Python")
        );
        assert!(
            page.html.contains("50.0×") || page.html.contains("50×"),
            "the ratio is shown"
        );
        assert!(
            page.html.contains("quick preset"),
            "the preset mismatch is named"
        );
        assert!(page.charts.iter().any(|c| c.file == "python-vs-rust.svg"));
        let without = crate::output::page::render_index(&rust, None, "charts").unwrap();
        assert!(!without.html.contains("python-vs-rust.svg"));
    }
}
