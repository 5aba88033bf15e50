//! Comparing results files from several machines (or runs): ratios of median times against
//! a reference file, the geometric mean per family, each machine's own speedup over its
//! sequential baseline, machine fingerprints, and benchmarks that only some files hold.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::analysis::{best_per_technique, by_group, format_ratio, format_time, geomean, speedup};
use crate::chart::{self, Palette};
use crate::error::Error;
use crate::html::{esc, figure, page, table};
use crate::model::{Record, Results};
use crate::page::{Page, machine_rows};

/// One results file taking part in a comparison.
#[derive(Clone, Debug)]
pub struct Input {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its column name: the machine label, with the file name added when labels repeat.
    pub name: String,
    /// Its content.
    pub results: Results,
}

/// Reads results files, naming each by its machine label (made unique with the file name).
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    let mut inputs = Vec::new();
    for path in paths {
        let results = Results::read(path)?;
        inputs.push(Input {
            path: path.clone(),
            name: results.machine.label.clone(),
            results,
        });
    }
    let labels: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    for input in &mut inputs {
        if labels.iter().filter(|l| **l == input.name).count() > 1 {
            let file = input
                .path
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            input.name = format!("{} [{file}]", input.name);
        }
    }
    Ok(inputs)
}

/// The index of the reference: the input whose name, label, file name or path is `wanted`,
/// else the first.
pub fn reference_index(inputs: &[Input], wanted: Option<&str>) -> Result<usize, String> {
    let Some(wanted) = wanted else { return Ok(0) };
    let matches = |i: &Input| {
        let file = i.path.file_name().map(|f| f.to_string_lossy().into_owned());
        let stem = i.path.file_stem().map(|f| f.to_string_lossy().into_owned());
        i.name == wanted
            || i.results.machine.label == wanted
            || i.path == Path::new(wanted)
            || file.as_deref() == Some(wanted)
            || stem.as_deref() == Some(wanted)
    };
    let found: Vec<usize> = (0..inputs.len()).filter(|&k| matches(&inputs[k])).collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "--reference {wanted:?} names none of the files (use a machine label or a file name)"
        )),
        _ => Err(format!(
            "--reference {wanted:?} names several files; use a file name"
        )),
    }
}

/// A comparison of inputs against one of them.
pub struct Comparison<'a> {
    inputs: &'a [Input],
    reference: usize,
    /// Each input's records by id.
    maps: Vec<BTreeMap<&'a str, &'a Record>>,
    /// Every id in any input, sorted.
    ids: BTreeSet<&'a str>,
}

impl<'a> Comparison<'a> {
    /// Compares `inputs` against `inputs[reference]`.
    pub fn new(inputs: &'a [Input], reference: usize) -> Comparison<'a> {
        let maps: Vec<BTreeMap<&str, &Record>> = inputs
            .iter()
            .map(|i| {
                i.results
                    .benchmarks
                    .iter()
                    .map(|r| (r.id.as_str(), r))
                    .collect()
            })
            .collect();
        let ids = maps.iter().flat_map(|m| m.keys().copied()).collect();
        Comparison {
            inputs,
            reference,
            maps,
            ids,
        }
    }

    fn others(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.inputs.len()).filter(move |&k| k != self.reference)
    }

    /// `input`'s median over the reference's, for a benchmark both hold.
    pub fn ratio(&self, input: usize, id: &str) -> Option<f64> {
        let (r, x) = (
            self.maps[self.reference].get(id)?,
            self.maps[input].get(id)?,
        );
        Some(x.median.point_ns / r.median.point_ns)
    }

    /// `input`'s own speedup over its sequential run, for a benchmark.
    pub fn own_speedup(&self, input: usize, id: &str) -> Option<f64> {
        let record = self.maps[input].get(id)?;
        let group: Vec<&Record> = self.maps[input]
            .values()
            .copied()
            .filter(|r| r.group == record.group)
            .collect();
        speedup(&group, record)
    }

    /// Families in id order, each with its ids.
    fn families(&self) -> BTreeMap<&'a str, Vec<&'a str>> {
        let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for id in &self.ids {
            let record = self.maps.iter().find_map(|m| m.get(id)).copied();
            out.entry(record.map_or("", |r| r.family.as_str()))
                .or_default()
                .push(id);
        }
        out
    }

    /// Geometric mean of `input`'s ratios over a family's common benchmarks, with their count.
    pub fn family_geomean(&self, input: usize, ids: &[&str]) -> (Option<f64>, usize) {
        let ratios: Vec<f64> = ids.iter().filter_map(|id| self.ratio(input, id)).collect();
        (geomean(&ratios), ratios.len())
    }

    /// Benchmarks some inputs lack: (id, names of the inputs that hold it).
    pub fn partial(&self) -> Vec<(&'a str, Vec<&'a str>)> {
        self.ids
            .iter()
            .filter_map(|id| {
                let holders: Vec<&str> = (0..self.inputs.len())
                    .filter(|&k| self.maps[k].contains_key(id))
                    .map(|k| self.inputs[k].name.as_str())
                    .collect();
                (holders.len() < self.inputs.len()).then_some((*id, holders))
            })
            .collect()
    }

    /// Benchmarks slower than the reference by more than `pct` percent: (id, input, ratio).
    pub fn regressions(&self, pct: f64) -> Vec<(&'a str, &'a str, f64)> {
        let limit = 1.0 + pct / 100.0;
        let mut out = Vec::new();
        for k in self.others() {
            for id in &self.ids {
                if let Some(r) = self.ratio(k, id).filter(|r| *r > limit) {
                    out.push((*id, self.inputs[k].name.as_str(), r));
                }
            }
        }
        out
    }

    /// Lines warning that an input ran on another kind of machine than the reference.
    pub fn fingerprint_notes(&self) -> Vec<String> {
        let r = &self.inputs[self.reference].results.machine;
        self.others()
            .filter_map(|k| {
                let m = &self.inputs[k].results.machine;
                (m.fingerprint != r.fingerprint).then(|| {
                    let mut diffs = Vec::new();
                    for (name, field) in machine_rows() {
                        if !matches!(name, "label" | "fingerprint" | "kernel" | "rustc") && field(m) != field(r) {
                            diffs.push(name);
                        }
                    }
                    format!(
                        "{} is another kind of machine than the reference {} (differs in: {}): ratios show the machines, not a regression",
                        self.inputs[k].name,
                        self.inputs[self.reference].name,
                        if diffs.is_empty() { "fingerprint".to_string() } else { diffs.join(", ") }
                    )
                })
            })
            .collect()
    }

    /// The terminal report: machines, a table of every benchmark, geometric means, partial ones.
    pub fn text(&self) -> String {
        let mut out = String::from("machines (* = reference):\n");
        for (k, input) in self.inputs.iter().enumerate() {
            let m = &input.results.machine;
            let mark = if k == self.reference { "*" } else { " " };
            let _ = writeln!(
                out,
                " {mark} {} = {}: {} ({} logical cores), fingerprint {}, run {}, {}",
                letter(k),
                input.name,
                m.cpu_model,
                m.logical_cores.map_or("unknown".into(), |c| c.to_string()),
                m.fingerprint,
                input.results.run.id,
                input.path.display()
            );
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
                    "  {family:<12} {:<24} {:>8}  over {n} benchmarks",
                    self.inputs[k].name,
                    g.map_or("–".into(), format_ratio)
                );
            }
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

    /// The comparison page and its charts (linked as `<charts_dir>/<file>`).
    pub fn html(&self, charts_dir: &str) -> Result<Page, String> {
        let names: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
        let palette = Palette::new(names.iter().copied());
        let mut body = String::from("<h1>concurrency-bench: comparison</h1>\n<h2>Machines</h2>\n");
        let mut header = vec![""];
        header.extend(names.iter().copied());
        let mut rows: Vec<Vec<String>> = machine_rows()
            .iter()
            .map(|(name, field)| {
                std::iter::once(esc(name))
                    .chain(self.inputs.iter().map(|i| esc(&field(&i.results.machine))))
                    .collect()
            })
            .collect();
        rows.push(
            std::iter::once("run".into())
                .chain(
                    self.inputs
                        .iter()
                        .map(|i| esc(&format!("{} ({})", i.results.run.id, i.results.run.profile))),
                )
                .collect(),
        );
        body.push_str(&table("meta", &header, &rows));
        let _ = writeln!(
            body,
            "<p class=\"note\">Reference: <b>{}</b>. Ratios are a machine's median time over the reference's: below 1× is faster.</p>",
            esc(names[self.reference])
        );
        for note in self.fingerprint_notes() {
            let _ = writeln!(body, "<p class=\"bad\">{}</p>", esc(&note));
        }
        let families = self.families();
        let mut ratio_bars = Vec::new();
        let mut family_rows = Vec::new();
        for (family, ids) in &families {
            for k in self.others() {
                let (g, n) = self.family_geomean(k, ids);
                if let Some(g) = g {
                    ratio_bars.push((family.to_string(), names[k].to_string(), g));
                }
                family_rows.push(vec![
                    esc(family),
                    esc(names[k]),
                    g.map_or("–".into(), format_ratio),
                    n.to_string(),
                ]);
            }
        }
        body.push_str("<h2>Per family</h2>\n");
        body.push_str(&table(
            "families",
            &[
                "family",
                "machine",
                "time / reference (geometric mean)",
                "benchmarks in both",
            ],
            &family_rows,
        ));
        let mut charts = Vec::new();
        if !ratio_bars.is_empty() {
            charts.push(chart::family_ratios(
                "family-ratios.svg",
                &ratio_bars,
                &palette,
            )?);
        }
        let speed_bars = self.best_speedups();
        if !speed_bars.is_empty() {
            charts.push(chart::machine_speedups(
                "own-speedups.svg",
                &speed_bars,
                &palette,
            )?);
        }
        for c in &charts {
            body.push_str(&figure(&format!("{charts_dir}/{}", c.file), &c.title));
        }
        body.push_str(&self.html_tables(&families));
        Ok(Page {
            html: page("concurrency-bench comparison", &body),
            charts,
        })
    }

    /// Per workload with a sequential run, each machine's best speedup over its own.
    fn best_speedups(&self) -> Vec<chart::Bar> {
        let mut bars = Vec::new();
        let grouped: Vec<BTreeMap<&str, Vec<&Record>>> = self
            .inputs
            .iter()
            .map(|i| by_group(&i.results.benchmarks))
            .collect();
        let groups: BTreeSet<&str> = grouped.iter().flat_map(|g| g.keys().copied()).collect();
        for group in groups {
            for (k, g) in grouped.iter().enumerate() {
                let Some(records) = g.get(group) else {
                    continue;
                };
                if let Some(best) = best_per_technique(records).first() {
                    if let Some(s) = speedup(records, best) {
                        bars.push((group.to_string(), self.inputs[k].name.clone(), s));
                    }
                }
            }
        }
        bars
    }

    /// The table header: benchmark, each input's median (and ratio), each input's speedup;
    /// `short` names inputs by letter (A, B, ...) to keep a terminal table narrow.
    fn header(&self, short: bool) -> Vec<String> {
        let name = |k: usize| {
            if short {
                letter(k)
            } else {
                self.inputs[k].name.clone()
            }
        };
        let mut header = vec!["benchmark".to_string()];
        for k in 0..self.inputs.len() {
            header.push(name(k));
            if k != self.reference {
                header.push(format!("{} / {}", name(k), name(self.reference)));
            }
        }
        header.extend((0..self.inputs.len()).map(|k| format!("speedup {}", name(k))));
        header
    }

    /// One benchmark's row, as text (the page escapes it).
    fn row(&self, id: &str) -> Vec<String> {
        let dash = || "–".to_string();
        let mut row = vec![id.to_string()];
        for k in 0..self.inputs.len() {
            row.push(
                self.maps[k]
                    .get(id)
                    .map_or_else(dash, |r| format_time(r.median.point_ns)),
            );
            if k != self.reference {
                row.push(self.ratio(k, id).map_or_else(dash, format_ratio));
            }
        }
        row.extend(
            (0..self.inputs.len()).map(|k| self.own_speedup(k, id).map_or_else(dash, format_ratio)),
        );
        row
    }

    fn html_tables(&self, families: &BTreeMap<&str, Vec<&str>>) -> String {
        let mut out = String::new();
        let header = self.header(false);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        for (family, ids) in families {
            let _ = writeln!(out, "<h2>Family {}</h2>", esc(family));
            let rows: Vec<Vec<String>> = ids
                .iter()
                .map(|id| self.row(id).iter().map(|c| esc(c)).collect())
                .collect();
            out.push_str(&table("records", &header, &rows));
        }
        let partial = self.partial();
        if !partial.is_empty() {
            let _ = writeln!(out, "<h2>Not in every file ({})</h2>", partial.len());
            let rows: Vec<Vec<String>> = partial
                .iter()
                .map(|(id, holders)| vec![esc(id), esc(&holders.join(", "))])
                .collect();
            out.push_str(&table("partial", &["benchmark", "only in"], &rows));
        }
        out
    }
}

/// A, B, ... Z, then A2, B2, ...: a column's short name.
fn letter(k: usize) -> String {
    let c = char::from(b'A' + (k % 26) as u8);
    if k < 26 {
        c.to_string()
    } else {
        format!("{c}{}", k / 26 + 1)
    }
}

/// Left-aligned first column, right-aligned others, padded to the widest cell.
fn text_table(rows: &[Vec<String>]) -> String {
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

/// Writes the comparison page to `out` with its charts beside it (never a partial page).
pub fn write_page(comparison: &Comparison<'_>, out: &Path) -> Result<(), Error> {
    let (_, tag) = crate::machine::utc_stamps(std::time::SystemTime::now());
    let charts_dir = crate::fsio::charts_dir_name(out, &tag);
    let page = comparison
        .html(&charts_dir)
        .map_err(|p| Error::new(out, p))?;
    let charts: Vec<(String, String)> = page.charts.into_iter().map(|c| (c.file, c.svg)).collect();
    crate::fsio::publish_page(out, &tag, &page.html, &charts)
}
