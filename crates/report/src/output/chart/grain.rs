//! The answer charts: speedup against the measured task cost (the grain sweep), and the
//! overhead ladder (what one hand-off costs).

use plotters::prelude::*;

use super::{
    Chart, FONT, Palette, ValueAxis, draw_bars, err, legend, render, row_chart, technique_line,
};
use crate::analysis::format_time;
use crate::analysis::grain::Sweep;
use crate::model::Record;

/// Speedup over sequential (each technique at its best worker count) against the measured
/// cost per task, both on log scales, one line per technique, the ideal (the CPU count) and
/// break-even (1) as dashed lines.
pub fn grain_speedup(file: &str, sweep: &Sweep, palette: &Palette) -> Result<Chart, String> {
    let costs = || sweep.points.iter().map(|p| p.cost_ns);
    let x_axis = ValueAxis {
        log: true,
        ..ValueAxis::fit(costs().chain([costs().fold(0.0, f64::max) * 40.0]))
    };
    let speedups = || {
        sweep
            .curves
            .values()
            .flat_map(|c| c.best.iter().map(|p| p.1))
    };
    let y_axis = ValueAxis {
        log: true,
        ..ValueAxis::fit(speedups().chain([sweep.cpus * 1.5, 0.05]))
    };
    let title = "Speedup over sequential against the measured cost of one task (each technique at its best worker count)".to_string();
    render(file.to_string(), title, (760, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Where each technique pays: speedup by task cost",
                (FONT, 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_axis.lo..x_axis.hi, y_axis.lo..y_axis.hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("measured time per task: sequential time / tasks (log scale)")
            .y_desc("speedup over sequential (log scale)")
            .x_label_formatter(&|a| match (a - a.round()).abs() < 1e-6 {
                true => format_time(x_axis.value(a.round())),
                false => String::new(),
            })
            .y_label_formatter(&|a| y_axis.label(*a))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(err)?;
        let flat = |y: f64| vec![(x_axis.lo, y_axis.at(y)), (x_axis.hi, y_axis.at(y))];
        chart
            .draw_series(DashedLineSeries::new(
                flat(sweep.cpus),
                6,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(err)?
            .label(format!("ideal: {} CPUs", sweep.cpus))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK));
        let grey = RGBColor(0x99, 0x99, 0x99);
        chart
            .draw_series(DashedLineSeries::new(flat(1.0), 3, 3, grey.stroke_width(1)))
            .map_err(err)?
            .label("break-even: as fast as sequential")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], grey));
        for (technique, curve) in &sweep.curves {
            let color = palette.color(technique);
            let pts: Vec<(f64, f64)> = curve
                .best
                .iter()
                .map(|&(c, s)| (x_axis.at(c), y_axis.at(s)))
                .collect();
            technique_line(&mut chart, pts, color, technique.as_str())?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 11)
    })
}

/// One rung of the ladder: its label and the median time of one hand-off.
pub type Rung = (String, f64);

/// The rungs of a results file: every `overhead/*` record, plus the process family's
/// `pipe-roundtrip` rows and its startup at one worker, which are hand-offs too (read from
/// the results, not measured twice). Cheapest first.
pub fn ladder_rungs(records: &[Record]) -> Vec<Rung> {
    let mut rungs: Vec<Rung> = records
        .iter()
        .filter(|r| {
            r.family == "overhead"
                || r.group == "process/pipe-roundtrip"
                || (r.group == "process/startup" && r.parameter == "1")
        })
        .map(|r| {
            let label = match r.family.as_str() {
                "overhead" => r.technique.clone(),
                _ => format!("{} {}", r.workload, r.technique),
            };
            (label, r.median.point_ns)
        })
        .collect();
    rungs.sort_by(|a, b| a.1.total_cmp(&b.1));
    rungs
}

/// The overhead ladder: one bar per hand-off, on a log time axis. `None` without rungs.
pub fn ladder(file: &str, rungs: &[Rung]) -> Option<Result<Chart, String>> {
    if rungs.is_empty() {
        return None;
    }
    let axis = ValueAxis {
        log: true,
        ..ValueAxis::fit(rungs.iter().map(|r| r.1).chain([1.0]))
    };
    let labels: Vec<String> = rungs
        .iter()
        .map(|(label, ns)| format!("{label}: {}", format_time(*ns)))
        .collect();
    let height = 80 + 26 * rungs.len() as u32;
    let title = "The overhead ladder: what one hand-off costs on this machine".to_string();
    Some(render(file.to_string(), title, (760, height), |root| {
        let mut chart = row_chart(
            root,
            ("The overhead ladder: one hand-off", 18),
            &labels,
            300,
            axis,
            "median time of one hand-off, ns",
        )?;
        let palette = Palette::new(["overhead", "process"]);
        draw_bars(
            &mut chart,
            axis,
            rungs.iter().map(|(label, ns)| {
                let key = match label.contains(' ') {
                    true => "process",
                    false => "overhead",
                };
                (*ns, palette.color(key))
            }),
        )
    }))
}
