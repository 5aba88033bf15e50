//! The section "Does free-threading change the answer?": the table of
//! [`crate::analysis::interpreters::FreeThreading`], a row per CPU-bound workload, a column
//! for Rust and each interpreter, and the verdict.

use maud::{Markup, html};

use crate::analysis::interpreters::{FreeThreading, Side};
use crate::model::Results;
use crate::output::html::table;

/// The section for a Rust run and Python runs; nothing when no CPU-bound workload is there.
pub(crate) fn free_threading_section(rust: &Results, pythons: &[&Results]) -> Markup {
    let section = FreeThreading::new(rust, pythons);
    if section.workloads.is_empty() {
        return html! {};
    }
    let header: Vec<&str> = ["workload", "Rust"]
        .into_iter()
        .chain(section.columns.iter().map(|c| c.heading.as_str()))
        .chain(["verdict"])
        .collect();
    let rows: Vec<Vec<Markup>> = (section.workloads.iter())
        .map(|w| {
            let mut cells = vec![html! { (w.group) }, side(&w.rust)];
            cells.extend(w.python.iter().map(side));
            cells.push(html! {
                (w.verdict)
                @for line in &w.gil_enabled { br; span class="bad" { (line) } }
            });
            cells
        })
        .collect();
    html! {
        h2 id="free-threading" { "Does free-threading change the answer?" } "\n"
        p class="note" {
            "For each CPU-bound map workload, the row with the largest speedup over the same interpreter's own sequential/1 row (its worker count in brackets, the 95% interval from both medians' intervals), and the best thread row: the one a free-threaded build changes. The verdict compares each free-threaded interpreter with its GIL twin. A speedup whose interval lies wholly above the CPUs its run could use is impossible on that machine and left out: a Python row and its sequential row are timed minutes apart, in pyperf processes of their own, and a shared host's speed drifts by tens of percent in that time, so such a speedup says the sequential row ran slow, not that the technique beat the CPUs."
        } "\n"
        (table("free-threading", &header, &rows))
    }
}

/// A file's answer: a line each, flagged lines marked.
fn side(side: &Side) -> Markup {
    html! {
        @for (i, (line, flagged)) in side.lines().into_iter().enumerate() {
            @if i > 0 { br; }
            @if flagged { span class="bad" { (line) } } @else { (line) }
        }
    }
}
