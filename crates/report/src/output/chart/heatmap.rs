//! Speedup over the sequential baseline as a heatmap: workloads across, techniques down,
//! each cell the technique's best speedup in that workload, written in the cell so the chart
//! reads in grey print too (blue: faster than sequential, red: slower).

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, FONT, err, render};
use crate::analysis::{format_ratio, speedup};
use crate::model::Record;

/// The heatmap of one family's groups; `None` when no group has a sequential baseline.
pub fn speedup_heatmap(
    file: &str,
    family: &str,
    groups: &BTreeMap<&str, Vec<&Record>>,
) -> Option<Result<Chart, String>> {
    let mut cells: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut workloads: Vec<&str> = Vec::new();
    for records in groups.values() {
        let speeds: Vec<(&str, f64)> = records
            .iter()
            .filter_map(|r| speedup(records, r).map(|s| (r.technique.as_str(), s)))
            .collect();
        if speeds.is_empty() {
            continue;
        }
        let workload = records[0].workload.as_str();
        workloads.push(workload);
        for (technique, s) in speeds {
            let best = cells.entry((technique, workload)).or_insert(s);
            *best = best.max(s);
        }
    }
    if workloads.is_empty() {
        return None;
    }
    let mut techniques: Vec<&str> = cells.keys().map(|(t, _)| *t).collect();
    techniques.dedup();
    let (cols, rows) = (workloads.len(), techniques.len());
    let title = format!("{family}: best speedup over sequential, per workload and technique");
    let size = (230 + 120 * cols as u32, 110 + 30 * rows as u32);
    Some(render(file.to_string(), title, size, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{family}: speedup over sequential (best worker count)"),
                (FONT, 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(200)
            .build_cartesian_2d((0..cols).into_segmented(), (0..rows).into_segmented())
            .map_err(err)?;
        let name = |names: &[&str], v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => names.get(*i).map(|s| s.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(cols)
            .y_labels(rows)
            .x_label_formatter(&|v| name(&workloads, v))
            .y_label_formatter(&|v| name(&techniques, v))
            .x_desc("workload")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(err)?;
        let center =
            TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        for (row, technique) in techniques.iter().enumerate() {
            for (col, workload) in workloads.iter().enumerate() {
                let cell = cells.get(&(*technique, *workload)).copied();
                let corners = [
                    (SegmentValue::Exact(col), SegmentValue::Exact(row)),
                    (SegmentValue::Exact(col + 1), SegmentValue::Exact(row + 1)),
                ];
                let mut rect = Rectangle::new(
                    corners,
                    cell.map_or(RGBColor(0xee, 0xee, 0xee), shade).filled(),
                );
                rect.set_margin(1, 1, 1, 1);
                let text = cell.map_or_else(|| "–".to_string(), format_ratio);
                let at = (SegmentValue::CenterOf(col), SegmentValue::CenterOf(row));
                chart.draw_series([rect]).map_err(err)?;
                chart
                    .draw_series([Text::new(text, at, center.clone())])
                    .map_err(err)?;
            }
        }
        Ok(())
    }))
}

/// White at 1×, deepening blue up to 8× faster, deepening red down to 8× slower; light
/// enough at the ends that black text stays readable.
fn shade(speedup: f64) -> RGBColor {
    let t = (speedup.log2() / 3.0).clamp(-1.0, 1.0);
    let mix = |from: u8, to: u8, t: f64| {
        (f64::from(from) + (f64::from(to) - f64::from(from)) * t).round() as u8
    };
    if t >= 0.0 {
        RGBColor(mix(255, 0x66, t), mix(255, 0x99, t), mix(255, 0xDD, t))
    } else {
        RGBColor(mix(255, 0xEE, -t), mix(255, 0x77, -t), mix(255, 0x77, -t))
    }
}
