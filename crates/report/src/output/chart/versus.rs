//! The "Rust against the article's Python" chart: per workload and interpreter, how many
//! times longer the interpreter's best Python technique takes than the best Rust technique.

use super::compare::labelled_bars;
use super::{Chart, Palette};
use crate::analysis::versus::Versus;

/// One bar per workload and interpreter, coloured by interpreter: Python's best median over
/// Rust's (log axis when they spread).
pub fn python_ratios(file: &str, versus: &Versus) -> Result<Chart, String> {
    let headings = versus.columns.iter().map(|c| c.heading.as_str());
    let bars: Vec<super::Bar> = (versus.rows.iter())
        .flat_map(|row| {
            (row.python.iter().zip(&versus.columns)).filter_map(|(cell, column)| {
                let ratio = cell.as_ref()?.ratio;
                Some((row.group.clone(), column.heading.clone(), ratio))
            })
        })
        .collect();
    labelled_bars(
        file,
        "the article's Python against Rust: best median time per workload and interpreter, Python over Rust (above 1: Python takes longer)",
        "time ratio, best Python over best Rust",
        &bars,
        &Palette::new(headings),
    )
}
