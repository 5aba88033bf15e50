//! What the report computes from records. This module: groups, the sequential baseline,
//! speedups, each technique's best worker count, geometric means, readable times; its
//! submodules: [`stats`] (medians and means with their intervals, compare's verdicts,
//! stability), [`noise`] (A/A noise floors), [`laws`] (scaling fits), [`breakeven`] and
//! [`grain`] (the grain sweep's break-even), [`versus`] (Rust against the article's
//! Python, a column per interpreter), [`interpreters`] (whether free-threading changes the
//! best technique), [`paired`] (speedups from the paired baseline) and [`bounds`] (each row held
//! to its machine's physical bounds).

pub mod advice;
pub mod bounds;
pub mod breakeven;
pub mod calibration;
pub mod contention;
pub mod grain;
pub mod interpreters;
pub mod laws;
pub mod noise;
pub mod paired;
pub mod stats;
pub mod versus;

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::model::{Kind, Ratio, Record};

/// The technique every speedup is measured against.
pub const BASELINE_TECHNIQUE: &str = "sequential";

/// Records grouped by criterion group (`<family>/<workload>`), in id order.
pub fn by_group(records: &[Record]) -> BTreeMap<&str, Vec<&Record>> {
    let mut groups: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        groups.entry(r.group.as_str()).or_default().push(r);
    }
    groups
}

/// Groups by family, each holding its groups.
pub fn by_family(records: &[Record]) -> BTreeMap<&str, BTreeMap<&str, Vec<&Record>>> {
    let mut families: BTreeMap<&str, BTreeMap<&str, Vec<&Record>>> = BTreeMap::new();
    for (group, rs) in by_group(records) {
        families
            .entry(rs[0].family.as_str())
            .or_default()
            .insert(group, rs);
    }
    families
}

/// The group's sequential baseline: technique `sequential`, parameter 1 when there are several.
pub fn baseline<'a>(group: &[&'a Record]) -> Option<&'a Record> {
    let seq = || {
        group
            .iter()
            .copied()
            .filter(|r| r.technique == BASELINE_TECHNIQUE)
    };
    seq()
        .find(|r| r.parameter == "1" || r.parameter.is_empty())
        .or_else(|| seq().next())
}

/// Speedup of `record` over its group's baseline: from the pairs when the baseline was
/// measured beside the row's samples (`record.paired`), else baseline median / record median.
pub fn speedup(group: &[&Record], record: &Record) -> Option<f64> {
    speedup_interval(group, record).map(|r| r.point)
}

/// [`speedup`] with its 95% interval: the paired one, or for rows without pairs the ratio of
/// the two medians' interval bounds (wider: it carries both rows' spread and the drift
/// between them).
pub fn speedup_interval(group: &[&Record], record: &Record) -> Option<Ratio> {
    if let Some(p) = &record.paired {
        return Some(p.speedup);
    }
    let b = baseline(group)?;
    if b.id == record.id {
        // The sequential row over itself is 1 exactly, whatever its own spread.
        return Some(Ratio {
            point: 1.0,
            lower: 1.0,
            upper: 1.0,
        });
    }
    Some(Ratio {
        point: b.median.point_ns / record.median.point_ns,
        lower: b.median.lower_ns.min(b.median.point_ns)
            / record.median.upper_ns.max(record.median.point_ns),
        upper: b.median.upper_ns.max(b.median.point_ns)
            / record.median.lower_ns.min(record.median.point_ns).max(1e-9),
    })
}

/// Each technique at its fastest parameter, fastest first.
pub fn best_per_technique<'a>(group: &[&'a Record]) -> Vec<&'a Record> {
    let mut best: BTreeMap<&str, &Record> = BTreeMap::new();
    for r in group {
        let slot = best.entry(r.technique.as_str()).or_insert(r);
        if r.median.point_ns < slot.median.point_ns {
            *slot = r;
        }
    }
    let mut list: Vec<&Record> = best.into_values().collect();
    list.sort_by(|a, b| a.median.point_ns.total_cmp(&b.median.point_ns));
    list
}

/// The fastest record of a kind in a group.
pub fn best_of_kind<'a>(group: &[&'a Record], kind: Kind) -> Option<&'a Record> {
    group
        .iter()
        .copied()
        .filter(|r| r.kind == kind)
        .min_by(|a, b| a.median.point_ns.total_cmp(&b.median.point_ns))
}

/// Geometric mean; `None` for an empty list.
pub fn geomean(values: &[f64]) -> Option<f64> {
    (!values.is_empty())
        .then(|| (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// A time in nanoseconds as people read it: `812 ns`, `1.23 ms`, `4.50 s`.
pub fn format_time(ns: f64) -> String {
    let (value, unit) = time_unit(ns);
    format!("{} {unit}", three_digits(ns / value))
}

/// The unit a time is best shown in, as (nanoseconds per unit, name).
pub fn time_unit(ns: f64) -> (f64, &'static str) {
    match ns.abs() {
        t if t >= 1e9 => (1e9, "s"),
        t if t >= 1e6 => (1e6, "ms"),
        t if t >= 1e3 => (1e3, "µs"),
        _ => (1.0, "ns"),
    }
}

/// A ratio such as a speedup: `3.2×`, `0.41×`.
pub fn format_ratio(r: f64) -> String {
    format!("{}×", three_digits(r))
}

/// A rate with an SI prefix: `74.6 M`.
pub fn format_rate(per_second: f64) -> String {
    let (div, prefix) = match per_second {
        v if v >= 1e9 => (1e9, " G"),
        v if v >= 1e6 => (1e6, " M"),
        v if v >= 1e3 => (1e3, " k"),
        _ => (1.0, " "),
    };
    format!("{}{prefix}", three_digits(per_second / div))
}

/// Three significant digits, no exponent: 1.23, 12.3, 123.
pub fn three_digits(v: f64) -> String {
    match v.abs() {
        // Thresholds sit where rounding carries (0.9996 prints as 1.00, not 1.000).
        a if a >= 99.95 => format!("{v:.0}"),
        a if a >= 9.995 => format!("{v:.1}"),
        a if a >= 0.9995 => format!("{v:.2}"),
        0.0 => "0".to_string(),
        // Below 1, keep three significant digits however small: 0.000412, not 0.000.
        a => format!(
            "{v:.*}",
            (2 - a.log10().floor() as i64).clamp(3, 12) as usize
        ),
    }
}

/// A terminal table: left-aligned first column, right-aligned others, padded to the widest
/// cell.
pub fn text_table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            if c == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_like_criterion() {
        assert_eq!(format_time(1_340_700.0), "1.34 ms");
        assert_eq!(format_time(812.0), "812 ns");
        assert_eq!(format_ratio(3.214), "3.21×");
        assert_eq!(format_rate(74_589_000.0), "74.6 M");
        assert_eq!(format_ratio(0.000412), "0.000412×");
        assert_eq!(three_digits(0.5), "0.500");
        assert_eq!(three_digits(0.99996), "1.00");
        assert_eq!(three_digits(9.999), "10.0");
        assert!((geomean(&[2.0, 8.0]).unwrap() - 4.0).abs() < 1e-12);
    }
}
