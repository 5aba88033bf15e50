//! Every figure a committed baseline's README quotes is in that baseline's results file:
//! `` `ID` median TIME `` must be the row's median as the report writes times, and
//! `` `ID` speedup RATIO `` its speedup over its group's sequential run (paired where the row
//! was paired), as the report writes ratios; `` `3.13t: ID` `` is a row of the Python run
//! beside it, `python-3.13t.json`. A README (or docs/python.md, against the reference
//! machine's baseline) whose figures drift from its file, or quote a row the file does not
//! hold, fails here.

use std::path::{Path, PathBuf};

use report::Results;
use report::analysis::{by_group, format_ratio, format_time, speedup_interval};

fn baselines() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/baselines")
}

/// The figures a README quotes: (benchmark id, what, the figure as written).
fn quoted(readme: &str) -> Vec<(String, String, String)> {
    let mut figures = Vec::new();
    let mut parts = readme.split('`');
    // Odd parts are inside backticks; what follows each is the text after it.
    let _ = parts.next();
    while let (Some(id), Some(after)) = (parts.next(), parts.next()) {
        if !id.contains('/') {
            continue;
        }
        let mut words = after.split_whitespace();
        let trim = |w: &str| w.trim_end_matches([',', ';', '.', ')', ':']).to_string();
        match words.next() {
            Some("median") => {
                let (Some(value), Some(unit)) = (words.next(), words.next()) else {
                    continue;
                };
                figures.push((
                    id.into(),
                    "median".into(),
                    format!("{value} {}", trim(unit)),
                ));
            }
            Some("speedup") => {
                if let Some(value) = words.next() {
                    figures.push((id.into(), "speedup".into(), trim(value)));
                }
            }
            _ => {}
        }
    }
    figures
}

/// Checks every figure `text` (from `source`) quotes against the baseline in `dir`: a plain
/// id against `results.json`, an id after an interpreter (`` `3.13t: map/…/2` ``) against
/// the Python run beside it, `python-3.13t.json`. Returns how many it checked.
fn check_figures(text: &str, source: &Path, dir: &Path) -> usize {
    let mut checked = 0;
    for (quoted_id, what, written) in quoted(text) {
        let (file, id) = match quoted_id.split_once(": ") {
            Some((interpreter, id)) => (dir.join(format!("python-{interpreter}.json")), id),
            None => (dir.join("results.json"), quoted_id.as_str()),
        };
        let results = Results::read(&file).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        let groups = by_group(&results.benchmarks);
        let record = (results.benchmarks.iter().find(|r| r.id == id))
            .unwrap_or_else(|| panic!("{}: `{id}` is not in {}", source.display(), file.display()));
        let actual = match what.as_str() {
            "median" => format_time(record.median.point_ns),
            _ => {
                let group = &groups[record.group.as_str()];
                let ratio = speedup_interval(group, record)
                    .unwrap_or_else(|| panic!("{id}: no speedup in {}", file.display()));
                format_ratio(ratio.point)
            }
        };
        assert_eq!(
            written,
            actual,
            "{}: `{quoted_id}` {what}",
            source.display()
        );
        checked += 1;
    }
    checked
}

#[test]
fn every_figure_in_a_baseline_readme_is_in_its_results_file() {
    let mut checked = 0;
    for entry in std::fs::read_dir(baselines()).expect("reports/baselines") {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let readme = dir.join("README.md");
        let text = std::fs::read_to_string(&readme)
            .unwrap_or_else(|e| panic!("{}: every baseline has a README: {e}", readme.display()));
        checked += check_figures(&text, &readme, &dir);
    }
    assert!(checked > 0, "the baselines' READMEs quote figures");
}

#[test]
fn every_figure_docs_python_quotes_is_in_the_reference_baseline() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/python.md");
    let text = std::fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
    let checked = check_figures(&text, &doc, &baselines().join("epyc-2cpu"));
    assert!(
        checked > 0,
        "docs/python.md quotes the reference machine's figures"
    );
}

#[test]
fn figures_are_read_from_backticked_ids() {
    let text = "On 2 CPUs `map/a/rayon/2` median 1.27 ms, `map/a/rayon/2` speedup 1.82×; `notes` median x y.";
    assert_eq!(
        quoted(text),
        [
            ("map/a/rayon/2".into(), "median".into(), "1.27 ms".into()),
            ("map/a/rayon/2".into(), "speedup".into(), "1.82×".into())
        ]
    );
    assert_eq!(
        quoted("`3.13t: map/a/thread-pool-executor/2` speedup 1.98×"),
        [(
            "3.13t: map/a/thread-pool-executor/2".into(),
            "speedup".into(),
            "1.98×".into()
        )]
    );
}
