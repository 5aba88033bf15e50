//! The charts, one function per kind, all drawn by plotters into SVG strings: no system
//! font (a generic `sans-serif` family), one palette keyed by technique id so a technique
//! keeps its colour in every chart, and drawing errors returned with the chart's name.

mod bars;
mod compare;
mod grain;
mod heatmap;
mod latency;
mod scaling;
mod versus;

pub use bars::techniques;
pub use compare::{Bar, family_ratios, machine_speedups};
pub use grain::{Rung, grain_speedup, ladder, ladder_rungs};
pub use heatmap::speedup_heatmap;
pub use latency::latency;
pub use scaling::scaling;
pub use versus::python_ratios;

use std::collections::BTreeMap;

use plotters::prelude::*;

/// A drawn chart: its file name (`.svg`), a caption, and the SVG text.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File name inside the page's chart folder.
    pub file: String,
    /// What the chart shows, for the caption and `alt` text.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// The font every chart uses: generic, so no system font is needed or named.
pub const FONT: &str = "sans-serif";

/// Colours that stay apart on screen and in print (Paul Tol's bright, muted and vibrant
/// schemes); the baseline is always near-black.
const COLORS: [(u8, u8, u8); 20] = [
    (0x44, 0x77, 0xAA),
    (0xEE, 0x66, 0x77),
    (0x22, 0x88, 0x33),
    (0xCC, 0xBB, 0x44),
    (0x66, 0xCC, 0xEE),
    (0xAA, 0x33, 0x77),
    (0x33, 0x22, 0x88),
    (0x44, 0xAA, 0x99),
    (0x99, 0x99, 0x33),
    (0x88, 0x22, 0x55),
    (0xEE, 0x77, 0x33),
    (0x00, 0x77, 0xBB),
    (0xCC, 0x33, 0x11),
    (0xDD, 0xCC, 0x77),
    (0x00, 0x99, 0x88),
    (0xEE, 0x33, 0x77),
    (0x11, 0x77, 0x33),
    (0xAA, 0x44, 0x99),
    (0x88, 0xCC, 0xEE),
    (0xBB, 0xBB, 0xBB),
];
const BASELINE_COLOR: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// One colour per key (technique id or machine label), fixed for a whole page, so a
/// technique has the same colour in every chart. Keys that are drawn together (a family's
/// techniques) get different colours; the assignment depends only on the sorted keys, so
/// the same techniques get the same colours on every machine.
#[derive(Clone, Debug, Default)]
pub struct Palette(BTreeMap<String, usize>);

impl Palette {
    /// A palette over keys that are all drawn together.
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Palette {
        Palette::for_sets([keys.into_iter().collect::<Vec<_>>()])
    }

    /// A palette over sets of keys (one per family): each key keeps one colour everywhere,
    /// and within a set colours differ while there are colours enough.
    pub fn for_sets<'a>(sets: impl IntoIterator<Item = Vec<&'a str>>) -> Palette {
        let mut map: BTreeMap<String, usize> = BTreeMap::new();
        for mut set in sets {
            set.sort_unstable();
            set.dedup();
            set.retain(|k| *k != crate::analysis::BASELINE_TECHNIQUE);
            let mut used: Vec<usize> = set.iter().filter_map(|k| map.get(*k).copied()).collect();
            for key in set {
                if map.contains_key(key) {
                    continue;
                }
                let free = (0..COLORS.len()).find(|c| !used.contains(c));
                let color = free.unwrap_or(map.len() % COLORS.len());
                used.push(color);
                map.insert(key.to_string(), color);
            }
        }
        Palette(map)
    }

    /// The colour of a key; an unknown key gets grey.
    pub fn color(&self, key: &str) -> RGBColor {
        if key == crate::analysis::BASELINE_TECHNIQUE {
            return BASELINE_COLOR;
        }
        self.0.get(key).map_or(RGBColor(0x99, 0x99, 0x99), |&i| {
            let (r, g, b) = COLORS[i % COLORS.len()];
            RGBColor(r, g, b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_are_labelled_at_powers_of_ten_only() {
        let axis = ValueAxis::fit([10.0, 2e6]);
        assert!(axis.log);
        assert_eq!(
            [1.0, 3.0, 6.0, -2.0].map(|a| axis.label(a)),
            ["10", "1k", "1M", "0.01"]
        );
        assert_eq!(axis.label(2.5), "");
    }

    #[test]
    fn axis_ends_are_finite_for_any_finite_values() {
        for values in [[5e-324, f64::MAX], [f64::MAX, f64::MAX]] {
            let axis = ValueAxis::fit(values);
            assert!(axis.lo.is_finite() && axis.hi.is_finite(), "{axis:?}");
        }
    }

    #[test]
    fn a_technique_keeps_its_colour_and_a_family_gets_distinct_ones() {
        let p = Palette::for_sets([
            vec!["rayon", "thread-pool"],
            vec!["std-mutex", "thread-pool", "atomic"],
        ]);
        assert_ne!(p.color("rayon"), p.color("thread-pool"));
        let second = ["std-mutex", "thread-pool", "atomic"].map(|k| p.color(k));
        assert!(second[0] != second[1] && second[1] != second[2] && second[0] != second[2]);
        assert_eq!(p.color("sequential"), BASELINE_COLOR);
    }
}

/// Draws into a fresh SVG of `size`, turning plotters' errors into one line naming the chart.
pub(crate) fn render(
    file: String,
    title: String,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<Chart, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| format!("chart {file}: {e}"))?;
        draw(&root).map_err(|e| format!("chart {file}: {e}"))?;
        root.present().map_err(|e| format!("chart {file}: {e}"))?;
    }
    Ok(Chart { file, title, svg })
}

/// One technique's measured points: a line with a dot at each point, in its palette colour,
/// with a legend entry.
pub(crate) fn technique_line<DB, CT>(
    chart: &mut ChartContext<'_, DB, CT>,
    pts: Vec<(f64, f64)>,
    color: RGBColor,
    label: &str,
) -> Result<(), String>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    chart
        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    chart
        .draw_series(pts.into_iter().map(|pt| Circle::new(pt, 3, color.filled())))
        .map_err(err)?;
    Ok(())
}

/// The legend of the technique lines, in a white box at `position`.
pub(crate) fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_px: u32,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, font_px))
        .draw()
        .map_err(err)
}

/// Turns any drawing error into text (plotters' error types are generic over the backend).
pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A value axis that is linear, or logarithmic when the values span orders of magnitude
/// (then values are drawn as log10 on a linear axis, and labelled back in real units).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ValueAxis {
    /// Whether the axis is logarithmic.
    pub log: bool,
    /// The axis range, in axis units.
    pub lo: f64,
    /// The axis range, in axis units.
    pub hi: f64,
}

impl ValueAxis {
    /// An axis covering `values` (all positive), log when max/min exceeds 30.
    pub fn fit(values: impl IntoIterator<Item = f64>) -> ValueAxis {
        let (mut min, mut max) = (f64::INFINITY, 0.0_f64);
        for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
            min = min.min(v);
            max = max.max(v);
        }
        if !min.is_finite() {
            (min, max) = (1.0, 10.0);
        }
        // Ends stay finite for any finite values (near f64::MAX, `max * 1.5` is infinite,
        // and plotters then spends minutes on the axis's key points).
        if max / min > 30.0 {
            ValueAxis {
                log: true,
                lo: (min / 2.0).max(1e-300).log10(),
                hi: (max * 1.5).min(f64::MAX).log10(),
            }
        } else {
            ValueAxis {
                log: false,
                lo: 0.0,
                hi: (max * 1.15).min(f64::MAX),
            }
        }
    }

    /// A value in axis units, kept within a hundred axis lengths of the axis: plotters turns
    /// positions into `i32` pixels and overflows on a value far off the chart (a valid results
    /// file may hold a median outside its own confidence interval).
    pub fn at(&self, v: f64) -> f64 {
        let a = if self.log {
            v.max(1e-300).log10().max(self.lo)
        } else {
            v
        };
        let reach = 100.0 * (self.hi - self.lo).abs().max(1e-9);
        a.clamp(self.lo - reach, self.hi + reach)
    }

    /// The label at an axis position: the value, or on a log axis only at powers of ten
    /// (the positions between, 31.6 and 316, read badly), with k/M for large ones.
    pub fn label(&self, a: f64) -> String {
        if !self.log {
            return crate::analysis::three_digits(a);
        }
        if (a - a.round()).abs() > 1e-6 {
            return String::new();
        }
        // Powers of ten need no padding zeros: 1k, 10k, 0.01.
        let short = |v: f64| {
            let text = crate::analysis::three_digits(v);
            if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        };
        match self.value(a.round()) {
            v if v >= 1e6 => format!("{}M", short(v / 1e6)),
            v if v >= 1e3 => format!("{}k", short(v / 1e3)),
            v => short(v),
        }
    }

    /// An axis position back in real units, for labels.
    pub fn value(&self, a: f64) -> f64 {
        if self.log { 10f64.powf(a) } else { a }
    }
}

/// A chart with one row per label down the side and a value axis across: the shape of the
/// technique, latency and comparison charts.
pub(crate) type RowChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordusize>,
    >,
>;

/// Builds a [`RowChart`] with its mesh drawn: `labels` down the side (`label_width` pixels),
/// `axis` across, described by `x_desc` (with "(log scale)" added when it is).
pub(crate) fn row_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    caption: (&str, u32),
    labels: &[String],
    label_width: u32,
    axis: ValueAxis,
    x_desc: &str,
) -> Result<RowChart<'a, 'b>, String> {
    let n = labels.len();
    let mut chart = ChartBuilder::on(root)
        .caption(caption.0, (FONT, caption.1))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(label_width)
        .build_cartesian_2d(axis.lo..axis.hi, (0..n).into_segmented())
        .map_err(err)?;
    let scale = if axis.log { " (log scale)" } else { "" };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|a| axis.label(*a))
        .x_desc(format!("{x_desc}{scale}"))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// One horizontal bar per row, from the axis start to each value, in the given colours.
pub(crate) fn draw_bars(
    chart: &mut RowChart<'_, '_>,
    axis: ValueAxis,
    bars: impl IntoIterator<Item = (f64, RGBColor)>,
) -> Result<(), String> {
    let rects = bars.into_iter().enumerate().map(|(i, (v, color))| {
        let corners = [
            (axis.lo, SegmentValue::Exact(i)),
            (axis.at(v), SegmentValue::Exact(i + 1)),
        ];
        let mut bar = Rectangle::new(corners, color.filled());
        bar.set_margin(5, 5, 0, 0);
        bar
    });
    chart.draw_series(rects).map_err(err)?;
    Ok(())
}
