//! The answer first: "What to use on this machine" (a few sentences with numbers, each
//! linked to its chart), then the break-even section (the grain chart, the advice table,
//! break-even per technique, the payload sweep) and the overhead ladder.

use maud::{Markup, html};

use super::fits;
use crate::analysis::breakeven::{SCALES_AT, Threshold};
use crate::analysis::grain::{Sweep, format_threshold};
use crate::analysis::{best_per_technique, by_group, format_ratio, format_time, speedup};
use crate::model::{Kind, Results};
use crate::output::chart::{self, Chart, Palette};
use crate::output::html::{Layout, cell, none, slug, table};

/// Anchor of the break-even section.
pub(super) const BREAKEVEN: &str = "break-even";
/// Anchor of the overhead ladder.
pub(super) const LADDER: &str = "overhead-ladder";

/// What the answer sections found: the sweep and the ladder, drawn.
pub(super) struct Answer {
    sweep: Option<Sweep>,
    rungs: Vec<chart::Rung>,
    grain_figure: Option<Markup>,
    ladder_figure: Option<Markup>,
}

impl Answer {
    /// Reads the grain sweep and the ladder from `results` and draws their charts.
    pub(super) fn new(
        results: &Results,
        palette: &Palette,
        layout: &Layout,
        charts: &mut Vec<Chart>,
    ) -> Result<Answer, String> {
        let sweep = Sweep::from_results(results);
        let mut add = |c: Chart| {
            let f = layout.figure(&c);
            charts.push(c);
            f
        };
        let grain_figure = match &sweep {
            Some(s) => Some(add(chart::grain_speedup("grain-speedup.svg", s, palette)?)),
            None => None,
        };
        let rungs = chart::ladder_rungs(&results.benchmarks);
        let ladder_figure = chart::ladder("overhead-ladder.svg", &rungs)
            .transpose()?
            .map(&mut add);
        Ok(Answer {
            sweep,
            rungs,
            grain_figure,
            ladder_figure,
        })
    }

    /// "What to use on this machine": the opening section, built from the break-even
    /// points, the ladder and the headline `fastest` sentences passed in.
    pub(super) fn summary(&self, results: &Results, more: &[Markup]) -> Markup {
        let cores = results.machine.run_cpus();
        let rung = |name: &str| {
            self.rungs
                .iter()
                .find(|(l, _)| l == name)
                .map(|(_, ns)| format_time(*ns))
        };
        // A figure quoted here from a row measured beside a busy neighbour says so.
        let caveat = |group: &str, techniques: &[&str]| {
            let busy: Vec<String> = results
                .benchmarks
                .iter()
                .filter(|r| r.group == group && techniques.contains(&r.technique.as_str()))
                .filter_map(|r| r.contention.filter(|c| c.busy()).map(|c| (r, c)))
                .map(|(r, c)| format!("{} beside a busy neighbour ({})", r.id, c.describe()))
                .collect();
            (!busy.is_empty()).then(|| {
                format!(
                    " Measured {}: rerun on a quiet machine before trusting it.",
                    busy.join("; ")
                )
            })
        };
        html! {
            h2 id="answer" { "What to use on this machine" } "\n"
            p {
                "Measured on " (results.machine.label) " (" (results.machine.cpu_model) ", "
                (cores) " CPUs for this run), preset " (results.run.preset) ". Every answer was verified before timing."
            } "\n"
            ul {
                @if let Some(sweep) = &self.sweep {
                    @for row in sweep.advice() {
                        li {
                            "For tasks of " (format_time(row.from_ns)) " and more: "
                            @match &row.technique {
                                Some(t) => { "use " b { (t) } " (" (row.workers) " workers, "
                                    (format_ratio(row.speedup)) " faster than sequential there)."
                                    @if row.workers.parse::<f64>().is_ok_and(|w| w > sweep.cpus) {
                                        " More workers than this run's " (sweep.cpus) " CPUs beat every smaller count beyond its interval here: "
                                        "smaller shares of the tasks even out what one worker waits for."
                                    }
                                }
                                None => { "stay " b { "sequential" } ": no technique beats it at this task cost." }
                            }
                            " " a href={ "#" (BREAKEVEN) } { "(break-even chart)" }
                        }
                    }
                    @if !sweep.left_out.is_empty() {
                        li {
                            "Left out of these answers: " (sweep.left_out.len()) " row(s) of the sweep marked implausible ("
                            (sweep.left_out.join(", ")) "); see their marks in the tables below."
                        }
                    }
                    @if let Some((t, c)) = sweep.curves.iter().find(|(_, c)| c.kind == Kind::Process) {
                        li {
                            @if c.beats == Threshold::Never {
                                // On one CPU the ideal is 1x: "80% of it" would read as a gain.
                                "A process pool (" (t) ") does not beat sequential at any task cost of the sweep on this run's CPUs."
                            } @else {
                                "A process pool (" (t) ") beats sequential from tasks of " (format_threshold(c.beats))
                                " and reaches " (format!("{:.0}%", SCALES_AT * 100.0)) " of the ideal speedup from "
                                (format_threshold(c.scales)) "."
                            }
                            @if let Some(pipe) = rung("pipe-roundtrip raw-pipe") {
                                " One pipe round trip to a child costs " (pipe) " here, which is why."
                                @if let Some(c) = caveat("process/pipe-roundtrip", &["raw-pipe"]) { (c) }
                            }
                            " " a href={ "#" (LADDER) } { "(overhead ladder)" }
                        }
                    }
                } @else {
                    li { "This run has no grain sweep (the map/grain-* groups), so no break-even: run the map family to get one." }
                }
                @if let (Some(spawn), Some(atomic)) = (rung("thread-spawn-join"), rung("atomic-add")) {
                    li {
                        "One thread spawn + join costs " (spawn) ", one atomic add " (atomic)
                        ": hand-offs span orders of magnitude."
                        @if let Some(c) = caveat("overhead/handoff", &["thread-spawn-join", "atomic-add"]) { (c) }
                        " " a href={ "#" (LADDER) } { "(overhead ladder)" }
                    }
                }
                @for m in more { li { (m) } }
            }
        }
    }

    /// The headline and fit sentences of the summary: the largest speedup of the map family's
    /// CPU work (outside the grain sweep and the sleeping tasks) and what the scaling laws say about it.
    pub(super) fn headline_sentences(results: &Results) -> Vec<Markup> {
        let cpus = results.machine.run_cpus() as f64;
        // A row that breaks a physical bound is never the headline.
        let plausible: Vec<crate::model::Record> = results
            .benchmarks
            .iter()
            .filter(|r| !r.implausible())
            .cloned()
            .collect();
        let left_out: Vec<&str> = results
            .benchmarks
            .iter()
            .filter(|r| r.implausible() && r.family == "map" && !r.group.starts_with("map/grain-"))
            .map(|r| r.id.as_str())
            .collect();
        let groups = by_group(&plausible);
        let best = groups
            .iter()
            // CPU work only: the grain sweep has its own sentences, and sleeping tasks are not CPU.
            .filter(|(g, _)| {
                g.starts_with("map/")
                    && !g.starts_with("map/grain-")
                    && !g.starts_with("map/sleep-")
            })
            .filter_map(|(g, records)| {
                let top = best_per_technique(records)
                    .into_iter()
                    .find(|r| r.technique != crate::analysis::BASELINE_TECHNIQUE)?;
                Some((*g, records, top, speedup(records, top)?))
            })
            .max_by(|a, b| a.3.total_cmp(&b.3));
        let Some((group, records, top, s)) = best else {
            return Vec::new();
        };
        let fit = fits::fits(records, cpus)
            .into_iter()
            .find(|f| f.technique() == top.technique);
        let link = format!("#g-{}", slug(group));
        let mut out = vec![html! {
            "The largest speedup on the map family's CPU work: " b { (top.technique) } " on " (group) ", "
            (format_ratio(s)) " (parameter " (top.parameter) ", " (format_time(top.median.point_ns)) ")."
            " " a href=(link) { "(its charts)" }
        }];
        if !left_out.is_empty() {
            out.push(html! {
                "Left out of that answer: " (left_out.len()) " row(s) marked implausible ("
                (left_out.join(", ")) ")."
            });
        }
        if let Some(fit) = fit {
            out.push(html! {
            "Scaling laws on " (group) ": " (fit.sentence()) "." " " a href=(link) { "(scaling chart)" }
        });
        }
        out
    }

    /// The break-even section and the ladder, below the summary.
    pub(super) fn sections(&self) -> Markup {
        html! {
            h2 id=(BREAKEVEN) { "Break-even: from which task cost each technique pays" } "\n"
            @match &self.sweep {
                Some(sweep) => { (breakeven_body(sweep, self.grain_figure.as_ref())) }
                None => { p class="note" { "No grain sweep in this run." } }
            }
            h2 id=(LADDER) { "The overhead ladder" } "\n"
            @if let Some(f) = &self.ladder_figure {
                p class="note" {
                    "One hand-off each (overhead/handoff), with the process family's pipe round trip and startup at one worker (read from those rows, not measured twice). "
                    "Break-even follows from it: a technique beats sequential once a task costs a few of its hand-offs per worker, "
                    "so a pool whose hand-off is a pipe round trip needs tasks orders of magnitude longer than one whose hand-off is a work-stealing join."
                }
                (f)
            } @else {
                p class="note" { "No overhead rows in this run (the overhead family and process/pipe-roundtrip)." }
            }
        }
    }
}

fn breakeven_body(sweep: &Sweep, grain_figure: Option<&Markup>) -> Markup {
    let advice: Vec<Vec<Markup>> = sweep
        .advice()
        .iter()
        .map(|row| {
            vec![
                cell(format!("above {}", format_time(row.from_ns))),
                cell(row.technique.as_deref().unwrap_or("sequential")),
                cell(&row.workers),
                cell(format_ratio(row.speedup)),
            ]
        })
        .collect();
    let per_technique: Vec<Vec<Markup>> = sweep
        .curves
        .iter()
        .map(|(t, c)| {
            vec![
                cell(t),
                cell(format_threshold(c.beats)),
                cell(format_threshold(c.scales)),
            ]
        })
        .collect();
    let costs: Vec<Vec<Markup>> = sweep
        .points
        .iter()
        .map(|p| {
            vec![
                cell(&p.group),
                cell(&p.nominal),
                cell(format_time(p.cost_ns)),
            ]
        })
        .collect();
    let scales_header = format!(
        "reaches {:.0}% of ideal ({} × at {} workers) from",
        SCALES_AT * 100.0,
        sweep.cpus * SCALES_AT,
        sweep.cpus
    );
    let payload_techniques: Vec<&String> = sweep
        .payloads
        .first()
        .map(|p| p.best.keys().collect())
        .unwrap_or_default();
    let payload_header: Vec<String> = std::iter::once("technique".to_string())
        .chain(sweep.payloads.iter().map(|p| {
            format!(
                "{} KiB per task ({})",
                p.payload_kib,
                format_time(p.cost_ns)
            )
        }))
        .collect();
    let payload_rows: Vec<Vec<Markup>> = payload_techniques
        .iter()
        .map(|t| {
            std::iter::once(cell(t))
                .chain(sweep.payloads.iter().map(|p| {
                    p.best
                        .get(*t)
                        .map_or_else(none, |(s, w)| cell(format!("{} ({w})", format_ratio(*s))))
                }))
                .collect()
        })
        .collect();
    let payload_header: Vec<&str> = payload_header.iter().map(String::as_str).collect();
    html! {
        p class="note" {
            "The grain workload (map/grain-*) runs tasks of one fixed kernel cost through every map technique. "
            "The cost of a point is measured: the sequential median over its task count. "
            "Speedups are each technique's best worker count; crossings are interpolated on a log scale of the cost."
        }
        @if let Some(f) = grain_figure { (f) }
        h3 { "On this machine, for tasks above X use Y" }
        (table("advice", &["task cost", "use", "workers", "speedup there"], &advice))
        h3 { "Break-even per technique" }
        (table("breakeven", &["technique", "beats sequential from", &scales_header], &per_technique))
        h3 { "Measured cost per task" }
        (table("grain-costs", &["group", "nominal", "measured"], &costs))
        @if sweep.payloads.len() > 1 {
            h3 { "Bytes carried per task" }
            p class="note" { "Speedup over sequential (best worker count) at one task cost, by payload: what crossing a process boundary with data costs." }
            (table("payloads", &payload_header, &payload_rows))
        }
    }
}
