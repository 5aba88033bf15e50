//! Scaling with worker count: throughput of every technique that was swept, against the
//! ideal line (the sequential baseline's throughput times the worker count).

use plotters::prelude::*;

use super::{Chart, FONT, Palette, ValueAxis, err, legend, render, technique_line};
use crate::analysis::baseline;
use crate::model::Record;

/// Throughput per second of a record in its declared unit, else iterations per second.
pub(crate) fn rate(r: &Record) -> f64 {
    r.throughput
        .as_ref()
        .map_or(1e9 / r.median.point_ns, |t| t.per_second)
}

/// Worker counts are whole numbers: other grid positions get no label.
fn whole(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{}", v.round())
    } else {
        String::new()
    }
}

/// The scaling chart of one group, or `None` when no technique has two numeric parameters.
/// `fitted` holds a fitted law's speedup curve `(workers, speedup)` per technique, drawn
/// dashed in the technique's colour over its measured points (in throughput: the
/// baseline's times the speedup).
pub fn scaling(
    file: &str,
    group: &str,
    records: &[&Record],
    palette: &Palette,
    fitted: &[(String, Vec<(f64, f64)>)],
) -> Option<Result<Chart, String>> {
    let mut lines: Vec<(&str, Vec<(f64, f64)>)> = Vec::new();
    for r in records {
        let Some(p) = r.parameter_value().filter(|p| *p > 0.0) else {
            continue;
        };
        match lines.iter_mut().find(|(t, _)| *t == r.technique) {
            Some((_, points)) => points.push((p, rate(r))),
            None => lines.push((&r.technique, vec![(p, rate(r))])),
        }
    }
    lines.retain(|(_, points)| points.len() >= 2);
    if lines.is_empty() {
        return None;
    }
    for (_, points) in &mut lines {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let unit = records[0]
        .throughput
        .as_ref()
        .map_or("iterations", |t| t.unit.as_str())
        .to_string();
    let all = || lines.iter().flat_map(|(_, pts)| pts.iter().copied());
    let x_axis = ValueAxis::fit(all().map(|(p, _)| p));
    let x_axis = if x_axis.log {
        x_axis
    } else {
        ValueAxis {
            log: false,
            lo: 0.0,
            hi: x_axis.hi,
        }
    };
    let y_axis = ValueAxis::fit(all().map(|(_, y)| y));
    let (pmin, pmax) = all().fold((f64::INFINITY, 0.0_f64), |(lo, hi), (p, _)| {
        (lo.min(p), hi.max(p))
    });
    let base = baseline(records).map(rate);
    let title = format!("{group}: throughput by worker count, against ideal linear scaling");
    Some(render(file.to_string(), title, (760, 420), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{group}: scaling"), (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_axis.lo..x_axis.hi, y_axis.lo..y_axis.hi)
            .map_err(err)?;
        let log = |a: &ValueAxis| if a.log { " (log scale)" } else { "" };
        chart
            .configure_mesh()
            .x_desc(format!(
                "parameter: workers, connections or size{}",
                log(&x_axis)
            ))
            .y_desc(format!("{unit}/s{}", log(&y_axis)))
            .x_label_formatter(&|a| whole(x_axis.value(*a)))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .y_label_formatter(&|a| {
                let on_grid = !y_axis.log || (a - a.round()).abs() < 1e-6;
                if on_grid {
                    crate::analysis::format_rate(y_axis.value(*a))
                } else {
                    String::new()
                }
            })
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(err)?;
        if let Some(base) = base {
            // The ideal line stops where it leaves the plot, so the measured lines keep the height.
            let top = y_axis.value(y_axis.hi);
            let end = pmax.min(top / base);
            let steps = 40;
            let ideal = (0..=steps).map(|i| {
                let p = pmin + (end - pmin) * f64::from(i) / f64::from(steps);
                (x_axis.at(p), y_axis.at(base * p))
            });
            chart
                .draw_series(DashedLineSeries::new(ideal, 6, 4, BLACK.stroke_width(1)))
                .map_err(err)?
                .label("ideal: sequential × workers")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK));
        }
        for (technique, curve) in fitted.iter().filter(|_| base.is_some()) {
            let color = palette.color(technique);
            let base = base.unwrap_or(1.0);
            let pts = curve
                .iter()
                .map(|&(n, s)| (x_axis.at(n), y_axis.at(base * s)))
                .filter(|&(_, y)| y <= y_axis.hi);
            chart
                .draw_series(DashedLineSeries::new(pts, 3, 3, color.stroke_width(1)))
                .map_err(err)?;
        }
        for (technique, points) in &lines {
            let color = palette.color(technique);
            let pts: Vec<(f64, f64)> = points
                .iter()
                .map(|&(p, y)| (x_axis.at(p), y_axis.at(y)))
                .collect();
            technique_line(&mut chart, pts, color, technique)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)
    }))
}
