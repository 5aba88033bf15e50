//! Scaling laws on the page: per map technique, the Karp-Flatt metric at each worker count,
//! and Amdahl and USL fits over the worker counts up to the CPU count, or the reason there is
//! no fit ("not enough points", "fit unstable"). The fitted curve is drawn over the measured
//! points of the group's scaling chart.

use maud::{Markup, html};

use crate::analysis::laws::{Amdahl, MIN_POINTS, Usl, Verdict, fit_amdahl, fit_usl, karp_flatt};
use crate::analysis::{baseline, three_digits};
use crate::model::Record;

/// The laws fitted to one technique's speedups.
pub(super) struct TechniqueFit {
    technique: String,
    karp_flatt: Vec<(f64, f64)>,
    amdahl: Verdict<Amdahl>,
    usl: Verdict<Usl>,
}

impl TechniqueFit {
    /// The technique.
    pub(super) fn technique(&self) -> &str {
        &self.technique
    }

    /// The fitted speedup at `n` workers: USL when it fitted, else Amdahl, else none.
    fn speedup(&self, n: f64) -> Option<f64> {
        match (&self.usl, &self.amdahl) {
            (Verdict::Fitted(u), _) => Some(u.speedup(n)),
            (_, Verdict::Fitted(a)) => Some(a.speedup(n)),
            _ => None,
        }
    }
}

impl TechniqueFit {
    /// One sentence on what the laws say about this technique.
    pub(super) fn sentence(&self) -> String {
        let karp = self
            .karp_flatt
            .iter()
            .map(|(n, e)| format!("e({n}) = {}", three_digits(*e)))
            .collect::<Vec<_>>()
            .join(", ");
        let karp = match karp.is_empty() {
            true => String::new(),
            false => format!(" (Karp-Flatt serial fraction {karp})"),
        };
        match (&self.usl, &self.amdahl) {
            (Verdict::Fitted(u), _) => format!(
                "{}: USL σ = {}, κ = {}{}{karp}",
                self.technique,
                three_digits(u.sigma),
                three_digits(u.kappa),
                match (u.peak_workers, u.peak_speedup) {
                    (Some(n), Some(s)) =>
                        format!(", peak {}× at {} workers", three_digits(s), three_digits(n)),
                    _ => String::new(),
                }
            ),
            (_, Verdict::Fitted(a)) => format!(
                "{}: Amdahl serial fraction {}{karp}",
                self.technique,
                three_digits(a.serial_fraction)
            ),
            (Verdict::NotEnoughPoints { points }, _) => format!(
                "{}: not enough points for a fit ({points} worker counts up to the CPU count, {MIN_POINTS} needed){karp}",
                self.technique
            ),
            (Verdict::Unstable { reason }, _) => {
                format!("{}: fit unstable, {reason}{karp}", self.technique)
            }
        }
    }
}

/// The fits of a map group's techniques that were swept (two or more worker counts).
pub(super) fn fits(records: &[&Record], cpus: f64) -> Vec<TechniqueFit> {
    let Some(base) = baseline(records) else {
        return Vec::new();
    };
    let mut techniques: Vec<&str> = records.iter().map(|r| r.technique.as_str()).collect();
    techniques.sort_unstable();
    techniques.dedup();
    techniques
        .into_iter()
        .filter(|t| *t != base.technique)
        .filter_map(|t| {
            let mut points: Vec<(f64, f64)> = records
                .iter()
                .filter(|r| r.technique == t)
                .filter_map(|r| {
                    Some((
                        r.parameter_value()?,
                        base.median.point_ns / r.median.point_ns,
                    ))
                })
                .filter(|&(n, _)| n >= 1.0 && n <= cpus)
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (points.len() >= 2).then(|| TechniqueFit {
                technique: t.to_string(),
                karp_flatt: karp_flatt(&points),
                amdahl: fit_amdahl(&points),
                usl: fit_usl(&points),
            })
        })
        .collect()
}

/// The fitted speedup curves of the techniques with a fit, at 41 worker counts from 1 to
/// `top`.
pub(super) fn curves(fits: &[TechniqueFit], top: f64) -> Vec<(String, Vec<(f64, f64)>)> {
    let steps = 40;
    fits.iter()
        .filter_map(|f| {
            f.speedup(1.0)?;
            let pts = (0..=steps)
                .filter_map(|i| {
                    let n = 1.0 + (top - 1.0) * f64::from(i) / f64::from(steps);
                    Some((n, f.speedup(n)?))
                })
                .collect();
            Some((f.technique.clone(), pts))
        })
        .collect()
}

fn verdict<T>(v: &Verdict<T>, show: impl Fn(&T) -> String) -> Markup {
    match v {
        Verdict::Fitted(t) => html! { (show(t)) },
        Verdict::NotEnoughPoints { points } => html! {
            span class="note" { "not enough points (" (points) " worker counts up to the CPU count; a fit needs " (MIN_POINTS) ")" }
        },
        Verdict::Unstable { reason } => html! { span class="note" { "fit unstable: " (reason) } },
    }
}

/// The table of a group's fits.
pub(super) fn table(fits: &[TechniqueFit]) -> Markup {
    html! {
        table class="fits" {
            thead { tr {
                th { "technique" }
                th { "Karp-Flatt serial fraction e(n)" }
                th { "Amdahl: serial fraction (ceiling, R²)" }
                th { "USL: σ, κ (peak, R²)" }
            } }
            tbody {
                @for f in fits {
                    tr {
                        td { (f.technique) }
                        td {
                            @for (i, (n, e)) in f.karp_flatt.iter().enumerate() {
                                @if i > 0 { ", " }
                                "e(" (n) ") = " (three_digits(*e))
                            }
                        }
                        td { (verdict(&f.amdahl, |a| format!(
                            "s = {} (ceiling {}, R² {:.3})",
                            three_digits(a.serial_fraction),
                            a.ceiling.map_or("none".into(), |c| format!("{}×", three_digits(c))),
                            a.r2
                        ))) }
                        td { (verdict(&f.usl, |u| format!(
                            "σ = {}, κ = {} (peak {}, R² {:.3})",
                            three_digits(u.sigma),
                            three_digits(u.kappa),
                            match (u.peak_workers, u.peak_speedup) {
                                (Some(n), Some(s)) => format!("{}× at {} workers", three_digits(s), three_digits(n)),
                                _ => "none: it only flattens".into(),
                            },
                            u.r2
                        ))) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::grain::tests::{record, synthetic};

    fn usl_group(cpus: u32) -> Vec<Record> {
        let mut records = vec![record("primes-1m-r64", "sequential", 1, 1e9, 64.0)];
        for n in [1, 2, 4, 8, 16].into_iter().filter(|&n| n <= cpus) {
            let x = f64::from(n);
            let s = x / (1.0 + 0.05 * (x - 1.0) + 0.002 * x * (x - 1.0));
            records.push(record("primes-1m-r64", "rayon", n, 1e9 / s, 64.0));
        }
        records
    }

    #[test]
    fn a_big_machine_gets_the_fits_and_the_page_shows_them() {
        let records = usl_group(16);
        let refs: Vec<&Record> = records.iter().collect();
        let fits = fits(&refs, 16.0);
        let Verdict::Fitted(u) = &fits[0].usl else {
            panic!("{:?}", fits[0].usl)
        };
        assert!((u.sigma - 0.05).abs() < 0.0025 && (u.kappa - 0.002).abs() < 0.0001);
        let html = table(&fits).into_string();
        assert!(html.contains("σ = 0.0500"), "{html}");
        let curve = &curves(&fits, 16.0)[0].1;
        assert!((curve[0].1 - 1.0).abs() < 0.01);
    }

    #[test]
    fn two_cpus_say_not_enough_points_and_still_show_karp_flatt() {
        let records = usl_group(2);
        let refs: Vec<&Record> = records.iter().collect();
        let fits = fits(&refs, 2.0);
        let html = table(&fits).into_string();
        assert!(html.contains("not enough points"), "{html}");
        assert!(html.contains("e(2) = "), "{html}");
        assert!(curves(&fits, 4.0).is_empty());
    }

    #[test]
    fn the_page_of_a_grain_run_opens_with_the_answer() {
        let results = synthetic();
        let page = crate::output::page::render_index(&results, None, "charts").unwrap();
        let answer = page.html.find("What to use on this machine").unwrap();
        let details = page.html.find("<h2>Run</h2>").unwrap();
        assert!(answer < details);
        assert!(page.html.contains("use <b>rayon</b>"), "{}", page.html);
        assert!(page.charts.iter().any(|c| c.file == "grain-speedup.svg"));
    }
}
