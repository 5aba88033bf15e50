//! The terminal report of a comparison.

use std::fmt::Write;

use super::{Comparison, letter};
use crate::analysis::{format_ratio, text_table};

impl Comparison<'_> {
    /// The terminal report: machines, a table of every benchmark, geometric means, partial ones.
    pub fn text(&self) -> String {
        let mut out = String::from("machines (* = reference):\n");
        for (k, input) in self.inputs.iter().enumerate() {
            let m = &input.results.machine;
            let mark = if k == self.reference { "*" } else { " " };
            let effective = m
                .limits
                .as_ref()
                .and_then(|l| l.effective_cpus)
                .map_or(String::new(), |e| format!(", {e} effective"));
            let _ = writeln!(
                out,
                " {mark} {} = {}: {} ({} logical cores{effective}), fingerprint {}, run {}, {}",
                letter(k),
                input.name,
                m.cpu_model,
                m.logical_cores.map_or("unknown".into(), |c| c.to_string()),
                m.fingerprint,
                input.results.run.id,
                input.path.display()
            );
        }
        match self.noise {
            Some(n) => {
                let _ = writeln!(
                    out,
                    "noise floors: {} benchmarks from an A/A check of {} runs on {} (a change is significant only beyond its floor)",
                    n.benchmarks.len(),
                    n.runs.len(),
                    n.machine
                );
            }
            None => out.push_str(
                "noise floors: none (run scripts/aa-check.sh first; without them run-to-run spread can read as change)\n",
            ),
        }
        for note in self.fingerprint_notes() {
            let _ = writeln!(out, "warning: {note}");
        }
        let mut rows = vec![self.header(true)];
        rows.extend(self.ids.iter().map(|id| self.row(id)));
        out.push('\n');
        out.push_str(&text_table(&rows));
        out.push_str("\ngeometric mean of time ratios against the reference, per family (below 1: faster):\n");
        for (family, ids) in self.families() {
            for k in self.others() {
                let (g, n) = self.family_geomean(k, &ids);
                let _ = writeln!(
                    out,
                    "  {family:<12} {:<24} {:>8}  over {n} benchmarks: {}",
                    self.inputs[k].name,
                    g.map_or("–".into(), format_ratio),
                    self.verdict_summary(k, &ids)
                );
            }
        }
        if let Some((header, rows)) = self.breakeven_table() {
            out.push_str("\nbreak-even per machine (from its own grain sweep):\n");
            let mut all = vec![header];
            all.extend(rows);
            out.push_str(&text_table(&all));
        }
        if let Some((header, rows)) = self.floors_table() {
            out.push_str(
                "\nwaiting rows above their nominal floor / above their machine's floor (the wake-ups of the chain, as each run measured them):\n",
            );
            let mut all = vec![header];
            all.extend(rows);
            out.push_str(&text_table(&all));
        }
        let partial = self.partial();
        if !partial.is_empty() {
            let _ = writeln!(out, "\n{} benchmarks are not in every file:", partial.len());
            for (id, holders) in partial {
                let _ = writeln!(out, "  {id}: only in {}", holders.join(", "));
            }
        }
        out
    }
}
