//! The comparison's charts: how each machine's times relate to the reference's, per family
//! (geometric mean of ratios), and each machine's own best speedup over its sequential run.
//! Colours here are keyed by machine, not technique.

use plotters::prelude::*;

use super::{Chart, Palette, ValueAxis, draw_bars, err, render, row_chart};

/// One bar: what it is (`family` or workload), which machine, and the value.
pub type Bar = (String, String, f64);

/// Geometric mean of time ratios against the reference, per family and machine
/// (below 1: faster than the reference).
pub fn family_ratios(file: &str, bars: &[Bar], palette: &Palette) -> Result<Chart, String> {
    let title =
        "time relative to the reference machine, geometric mean per family (below 1 is faster)";
    labelled_bars(
        file,
        title,
        "time ratio to the reference (geometric mean)",
        bars,
        palette,
    )
}

/// Each machine's best speedup over its own sequential baseline, per workload.
pub fn machine_speedups(file: &str, bars: &[Bar], palette: &Palette) -> Result<Chart, String> {
    let title = "each machine's best speedup over its own sequential run, per workload";
    labelled_bars(
        file,
        title,
        "speedup over sequential (same machine)",
        bars,
        palette,
    )
}

/// Horizontal bars labelled `<what> · <machine>`, with a line at 1.
pub(super) fn labelled_bars(
    file: &str,
    title: &str,
    x_desc: &str,
    bars: &[Bar],
    palette: &Palette,
) -> Result<Chart, String> {
    let n = bars.len().max(1);
    let axis = ValueAxis::fit(bars.iter().map(|b| b.2).chain([1.0]));
    let labels: Vec<String> = bars
        .iter()
        .map(|(what, machine, _)| format!("{what} · {machine}"))
        .collect();
    render(
        file.to_string(),
        title.to_string(),
        (760, 100 + 26 * n as u32),
        |root| {
            let mut chart = row_chart(root, (title, 15), &labels, 260, axis, x_desc)?;
            let values = bars
                .iter()
                .map(|(_, machine, v)| (*v, palette.color(machine)));
            draw_bars(&mut chart, axis, values)?;
            let one = axis.at(1.0);
            let line = [(one, SegmentValue::Exact(0)), (one, SegmentValue::Exact(n))];
            chart
                .draw_series([PathElement::new(line, BLACK.stroke_width(1))])
                .map_err(err)?;
            Ok(())
        },
    )
}
