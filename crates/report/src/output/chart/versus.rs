//! The "Rust against the article's Python" chart: per workload, how many times longer the
//! best Python technique takes than the best Rust technique.

use super::compare::labelled_bars;
use super::{Chart, Palette};
use crate::analysis::versus::Versus;

/// One bar per workload: Python's best median over Rust's (log axis when they spread).
pub fn python_ratios(file: &str, versus: &Versus) -> Result<Chart, String> {
    let series = "best Python ÷ best Rust";
    let bars: Vec<super::Bar> = (versus.rows.iter())
        .map(|row| (row.group.clone(), series.to_string(), row.ratio))
        .collect();
    labelled_bars(
        file,
        "the article's Python against Rust: best median time per workload, Python over Rust (above 1: Python takes longer)",
        "time ratio, best Python over best Rust",
        &bars,
        &Palette::new([series]),
    )
}
