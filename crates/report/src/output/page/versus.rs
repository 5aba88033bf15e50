//! The section "Rust against the article's Python": the side-by-side table of
//! [`crate::analysis::versus::Versus`] (a column per interpreter) and its chart, headed by
//! what ran each Python file; then the section "Does free-threading change the answer?"
//! ([`super::interpreters`]).

use maud::{Markup, html};

use super::Beside;
use super::interpreters::free_threading_section;
use crate::analysis::versus::{Column, Versus};
use crate::analysis::{format_ratio, format_time};
use crate::model::{Absent, Results};
use crate::output::chart::{self, Chart};
use crate::output::html::{Layout, cell, none, table};

/// Both sections, the chart (`chart_file` in `charts_dir`) pushed onto `charts`: one per
/// page, whatever the number of Python files.
pub(crate) fn python_section(
    rust: &Results,
    pythons: &[Beside<'_>],
    (layout, chart_file): (&Layout, &str),
    charts: &mut Vec<Chart>,
) -> Result<Markup, String> {
    let files: Vec<&Results> = pythons.iter().map(|b| b.results).collect();
    let versus = Versus::new(rust, &files);
    let rows: Vec<Vec<Markup>> = (versus.rows.iter())
        .map(|row| {
            let mut cells = vec![
                cell(&row.group),
                cell(row.rust.named()),
                cell(format_time(row.rust.median_ns)),
            ];
            cells.extend(row.python.iter().map(|against| match against {
                Some(a) => html! {
                    b { (format_ratio(a.ratio)) } " · " (a.python.named()) ", " (format_time(a.python.median_ns))
                },
                None => none(),
            }));
            cells
        })
        .collect();
    let chart = match versus.rows.is_empty() {
        true => None,
        false => Some(chart::python_ratios(chart_file, &versus)?),
    };
    let figure_html = chart.as_ref().map(|c| layout.figure(c));
    charts.extend(chart);
    let headings: Vec<String> = (versus.columns.iter())
        .map(|c| format!("{}: Python ÷ Rust · best, median", c.heading))
        .collect();
    let header: Vec<&str> = ["workload", "best Rust", "Rust median"]
        .into_iter()
        .chain(headings.iter().map(String::as_str))
        .collect();
    Ok(html! {
        h2 id="python" { "Rust against the article's Python" } "\n"
        p class="note" {
            "The article's own Python on the same workloads, sizes and worker sweep, every answer checked against the same expected answers, timed with pyperf. Each side at its best technique and parameter; a column per interpreter:"
        } "\n"
        ul class="note" {
            @for column in &versus.columns { li { (interpreter_item(column, &pythons[column.input])) } "\n" }
        } "\n"
        @for note in versus.notes() { p class="note warning" { (note) } "\n" }
        (table("python", &header, &rows))
        @if let Some(f) = figure_html { (f) }
        @if !versus.python_only.is_empty() {
            p class="note" { "Measured in Python only: " (versus.python_only.join(", ")) "." } "\n"
        }
        (free_threading_section(rust, &files))
    })
}

/// What ran one Python file: its label (which names the build and the GIL), start method,
/// pyperf, sampling, notes, and the rows it left out with why.
fn interpreter_item(column: &Column, file: &Beside<'_>) -> Markup {
    let Some(p) = file.results.run.python.as_ref() else {
        return html! { b { (column.heading) } " (" (file.name) "): an unknown interpreter" };
    };
    html! {
        b { (column.heading) } " (" (file.name) "): " (p.label())
        ", multiprocessing start method " (p.start_method)
        " (rows with spawn in their id use spawn), pyperf " (p.pyperf) "; sampling: " (p.tiers.join("; ")) "."
        @for note in &p.notes { " " (sentence(note)) }
        @for (why, rows) in absent_by_why(&p.absent) {
            " Left out, " (why.trim_end_matches('.')) ": " (rows) "."
        }
    }
}

/// The absent entries grouped by their reason, each reason's rows in one phrase: rows that
/// are every pairing of some techniques and some workloads are said as such (`thread-per-task,
/// process-pool-fresh on map/primes-1m-r4 and map/primes-1m-r64`), others listed.
fn absent_by_why(absent: &[Absent]) -> Vec<(&str, String)> {
    let mut by_why: Vec<(&str, Vec<&str>)> = Vec::new();
    for a in absent {
        match by_why.iter_mut().find(|(why, _)| *why == a.why) {
            Some((_, rows)) => rows.push(&a.rows),
            None => by_why.push((&a.why, vec![&a.rows])),
        }
    }
    (by_why.into_iter())
        .map(|(why, rows)| (why, rows_phrase(&rows)))
        .collect()
}

fn rows_phrase(rows: &[&str]) -> String {
    let pairs: Vec<(&str, &str)> = (rows.iter())
        .filter_map(|r| r.rsplit_once('/').filter(|(group, _)| group.contains('/')))
        .collect();
    let mut groups: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let mut techniques: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    groups.sort_unstable();
    groups.dedup();
    techniques.sort_unstable();
    techniques.dedup();
    let product = pairs.len() == rows.len()
        && groups.len() > 1
        && pairs.len() == groups.len() * techniques.len();
    match product {
        true => format!("{} on {}", techniques.join(", "), groups.join(" and ")),
        false => rows.join(", "),
    }
}

/// `text` ending with a full stop.
fn sentence(text: &str) -> String {
    match text.ends_with(['.', '!', '?']) {
        true => text.to_string(),
        false => format!("{text}."),
    }
}

#[cfg(test)]
mod tests {
    use super::absent_by_why;
    use crate::model::Absent;

    #[test]
    fn absent_rows_are_said_once_per_reason_and_as_a_product_where_they_are_one() {
        let entry = |rows: &str, why: &str| Absent {
            rows: rows.into(),
            why: why.into(),
        };
        let absent = [
            entry("map/p-1m-r4/a", "slow"),
            entry("map/p-1m-r64/a", "slow"),
            entry("interpreter-pool-executor", "needs 3.14"),
            entry("map/p-1m-r4/b", "slow"),
            entry("map/p-1m-r64/b", "slow"),
            entry("map/chunk-mean/x", "no pandas"),
        ];
        let got = absent_by_why(&absent);
        assert_eq!(
            got,
            vec![
                ("slow", "a, b on map/p-1m-r4 and map/p-1m-r64".to_string()),
                ("needs 3.14", "interpreter-pool-executor".to_string()),
                ("no pandas", "map/chunk-mean/x".to_string()),
            ]
        );
        let uneven = [entry("map/g1/a", "w"), entry("map/g2/b", "w")];
        assert_eq!(absent_by_why(&uneven)[0].1, "map/g1/a, map/g2/b");
    }

    use crate::analysis::interpreters::tests::three_interpreters;
    use crate::output::page::{Beside, render_index, render_index_with};

    #[test]
    fn the_page_has_the_section_its_table_and_chart_and_names_a_mismatch() {
        let (rust, mut pythons) = three_interpreters();
        pythons[1].run.preset = "quick".into();
        let names = ["py-3.13t.json", "py-3.11.json", "py-3.13.json"];
        let besides: Vec<Beside<'_>> = (pythons.iter().zip(names))
            .map(|(results, name)| Beside { name, results })
            .collect();
        let page = render_index_with(&rust, None, &besides, "charts").unwrap();
        let html = &page.html;
        assert!(
            html.contains("Rust against the article&#39;s Python")
                || html.contains("Rust against the article's Python")
        );
        assert!(html.contains("30.0×"), "the ratio is shown");
        assert!(
            html.contains("Python 3.11: Not comparable") && html.contains("quick preset"),
            "the preset mismatch is named on its column"
        );
        // Each interpreter is named with its label, build, GIL, start method, notes and
        // absent rows.
        for text in [
            "py-3.13t.json",
            "CPython 3.13.5 free-threaded (GIL disabled), multiprocessing start method fork",
            "aiohttp runs without its C extensions here.",
            "numpy is not installed for this interpreter",
            "multiprocessing start method fork",
        ] {
            assert!(html.contains(text), "{text} is not on the page");
        }
        let column = |h: &str| {
            html.find(&format!("<th>{h}: Python"))
                .unwrap_or_else(|| panic!("no column {h}"))
        };
        assert!(
            column("Python 3.11") < column("Python 3.13")
                && column("Python 3.13") < column("Python 3.13t")
        );
        assert_eq!(
            page.charts
                .iter()
                .filter(|c| c.file == "python-vs-rust.svg")
                .count(),
            1,
            "one chart for every interpreter"
        );
        // The free-threading section follows, with its verdict and flags.
        let versus = html.find("id=\"python\"").unwrap();
        let free = html
            .find("id=\"free-threading\"")
            .expect("the free-threading section");
        assert!(versus < free);
        assert!(html[free..].contains("free-threading changes the answer on 3.13: threads"));
        assert!(html[free..].contains(
            "<span class=\"bad\">impossible on this machine (2 CPUs), left out: thread-per-task (1)"
        ));
        assert!(html[free..].contains(
            "the GIL was enabled after the runs of map/primes-100k-r4/thread-pool-executor/2"
        ));
        let without = render_index(&rust, None, "charts").unwrap();
        assert!(
            !without.html.contains("python-vs-rust.svg")
                && !without.html.contains("free-threading")
        );
    }
}
