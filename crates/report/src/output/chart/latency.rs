//! Server latency percentiles: for each server benchmark, p50 (circle), p99 (triangle) and
//! the worst request (cross) on one line in the technique's colour.

use plotters::prelude::*;

use super::{Chart, Palette, ValueAxis, err, render, row_chart};
use crate::model::Record;

/// The latency chart of a group's records that carry latency; `None` when none do.
pub fn latency(
    file: &str,
    group: &str,
    records: &[&Record],
    palette: &Palette,
) -> Option<Result<Chart, String>> {
    let rows: Vec<&Record> = records
        .iter()
        .copied()
        .filter(|r| r.latency.is_some())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let n = rows.len();
    let lat = |r: &Record| {
        r.latency
            .clone()
            .unwrap_or_else(|| unreachable!("filtered above"))
    };
    let axis = ValueAxis::fit(rows.iter().flat_map(|r| {
        let l = lat(r);
        [l.p50_us, l.p99_us, l.max_us]
    }));
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} ({})", r.technique, r.parameter))
        .collect();
    let title = format!("{group}: request latency, p50 (circle), p99 (triangle), max (cross)");
    Some(render(
        file.to_string(),
        title,
        (760, 100 + 30 * n as u32),
        |root| {
            let caption = format!("{group}: latency p50 ● p99 ▲ max ✕");
            let mut chart = row_chart(root, (&caption, 18), &labels, 210, axis, "latency (µs)")?;
            for (i, r) in rows.iter().enumerate() {
                let l = lat(r);
                let color = palette.color(&r.technique);
                let y = SegmentValue::CenterOf(i);
                let at = |v: f64| (axis.at(v), y.clone());
                chart
                    .draw_series([PathElement::new(
                        vec![at(l.p50_us), at(l.max_us)],
                        color.stroke_width(2),
                    )])
                    .map_err(err)?;
                chart
                    .draw_series([Circle::new(at(l.p50_us), 5, color.filled())])
                    .map_err(err)?;
                chart
                    .draw_series([TriangleMarker::new(at(l.p99_us), 6, color.filled())])
                    .map_err(err)?;
                chart
                    .draw_series([Cross::new(at(l.max_us), 5, color.stroke_width(2))])
                    .map_err(err)?;
            }
            Ok(())
        },
    ))
}
