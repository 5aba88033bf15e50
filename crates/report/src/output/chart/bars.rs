//! Techniques side by side: one bar per technique (at its fastest parameter), the median
//! time with its 95% confidence interval as whiskers.

use plotters::prelude::*;

use super::{Chart, Palette, ValueAxis, draw_bars, err, render, row_chart};
use crate::analysis::time_unit;
use crate::model::Record;

/// The technique chart of one group; `best` is each technique at its best parameter.
pub fn techniques(
    file: &str,
    group: &str,
    best: &[&Record],
    palette: &Palette,
) -> Result<Chart, String> {
    // Rows count from the bottom: reversed, the fastest technique is on top.
    let best: Vec<&Record> = best.iter().rev().copied().collect();
    // The point as well as its interval: a median may lie outside its bootstrap interval.
    let spans = || {
        best.iter()
            .flat_map(|r| [r.median.lower_ns, r.median.point_ns, r.median.upper_ns])
    };
    let (unit_ns, unit) = time_unit(spans().fold(0.0, f64::max));
    let axis = ValueAxis::fit(spans().map(|v| v / unit_ns));
    let labels: Vec<String> = best.iter().map(|r| label(r)).collect();
    let title = format!("{group}: median time per iteration, each technique at its best parameter");
    let x_desc = format!("median time per iteration ({unit}); whiskers: 95% CI");
    let height = 90 + 34 * best.len() as u32;
    render(file.to_string(), title, (760, height), |root| {
        let mut chart = row_chart(root, (group, 18), &labels, 210, axis, &x_desc)?;
        let medians = best
            .iter()
            .map(|r| (r.median.point_ns / unit_ns, palette.color(&r.technique)));
        draw_bars(&mut chart, axis, medians)?;
        for (i, r) in best.iter().enumerate() {
            let lo = axis.at(r.median.lower_ns / unit_ns);
            let hi = axis.at(r.median.upper_ns / unit_ns);
            let y = SegmentValue::CenterOf(i);
            let line = PathElement::new(
                vec![(lo, y.clone()), (hi, y.clone())],
                BLACK.stroke_width(1),
            );
            let caps = [lo, hi].map(|x| {
                EmptyElement::at((x, y.clone()))
                    + PathElement::new(vec![(0, -6), (0, 6)], BLACK.stroke_width(1))
            });
            chart.draw_series([line]).map_err(err)?;
            chart.draw_series(caps).map_err(err)?;
        }
        Ok(())
    })
}

/// "rayon (4)": the technique and the parameter it was fastest at.
fn label(r: &Record) -> String {
    if r.parameter.is_empty() {
        r.technique.clone()
    } else {
        format!("{} ({})", r.technique, r.parameter)
    }
}
