//! Golden files: the run page and the comparison page rendered from the committed baseline
//! (`tests/data/2core.json`, an older run kept as it was written: the pages still read it), compared byte for byte with `tests/golden/*.html.golden`
//! (a data suffix: they are expected output, not source).
//!
//! A change to the pages shows here as a diff. When the change is meant, accept it with
//! `CB_BLESS=1 cargo test -p report --test golden` and review the new golden files in the
//! commit. Charts are left out of the golden files (plotters' SVG text changes with its
//! version): the pages name them by file and caption, which is compared, and each chart is
//! checked to be an SVG document.

use std::path::{Path, PathBuf};

use report::Results;
use report::output::compare::{Comparison, read_inputs};
use report::output::page::{Beside, Page, render_index};

/// Set to accept the pages as they render now.
const BLESS_ENV: &str = "CB_BLESS";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares `page` with the golden file `name` (or rewrites it under `CB_BLESS`); on a
/// difference, fails with a unified diff.
fn check(name: &str, page: &Page) {
    for chart in &page.charts {
        assert!(
            chart.svg.starts_with("<svg") && chart.svg.trim_end().ends_with("</svg>"),
            "{name}: chart {} is not an SVG document",
            chart.file
        );
        assert!(
            page.html
                .contains(&format!("src=\"charts/{}\"", chart.file)),
            "{name}: chart {} is drawn but not on the page",
            chart.file
        );
    }
    let path = golden(name);
    if std::env::var_os(BLESS_ENV).is_some_and(|v| !v.is_empty()) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &page.html).unwrap();
        eprintln!("blessed {}", path.display());
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (create it with {BLESS_ENV}=1 cargo test -p report --test golden)",
            path.display()
        )
    });
    if want != page.html {
        let diff = similar::TextDiff::from_lines(&want, &page.html);
        let text = diff
            .unified_diff()
            .context_radius(2)
            .header(&format!("{} (golden)", path.display()), "rendered now")
            .to_string();
        let lines: Vec<&str> = text.lines().collect();
        let shown = lines.len().min(200);
        panic!(
            "{name} differs from its golden file ({} diff lines, first {shown} below); if the \
             change is meant, accept it with {BLESS_ENV}=1 cargo test -p report --test golden\n{}",
            lines.len(),
            lines[..shown].join("\n")
        );
    }
}

#[test]
fn run_page_of_the_committed_baseline() {
    let results = Results::read(&repo("crates/report/tests/data/2core.json")).unwrap();
    // As `render` shows it: the newest baseline beside the run, here the file itself.
    let beside = Beside {
        name: "baseline 2core.json",
        results: &results,
    };
    let page = render_index(&results, Some(beside), "charts").unwrap();
    assert!(page.charts.len() > 10, "{} charts", page.charts.len());
    check("index.html.golden", &page);
}

/// A hand-off figure the opening answer quotes from a row measured beside a busy neighbour
/// carries the warning with it (two hand-off rows added to the baseline, one marked busy).
#[test]
fn the_answer_warns_when_it_quotes_a_busy_row() {
    let mut results = Results::read(&repo("crates/report/tests/data/2core.json")).unwrap();
    let pipe = (results.benchmarks.iter())
        .find(|r| r.id == "process/pipe-roundtrip/raw-pipe/1")
        .unwrap()
        .clone();
    for technique in ["thread-spawn-join", "atomic-add"] {
        let mut rung = pipe.clone();
        rung.family = "overhead".into();
        rung.workload = "handoff".into();
        rung.group = "overhead/handoff".into();
        rung.technique = technique.into();
        rung.id = format!("overhead/handoff/{technique}/1");
        results.benchmarks.push(rung);
    }
    let html = render_index(&results, None, "charts").unwrap().html;
    assert!(
        html.contains("One thread spawn + join costs"),
        "the sentence is shown"
    );
    assert!(!html.contains("beside a busy neighbour ("));
    let spawn = (results.benchmarks.iter_mut())
        .find(|r| r.id == "overhead/handoff/thread-spawn-join/1")
        .unwrap();
    spawn.contention = Some(report::model::Contention {
        others_share: 0.13,
        steal_share: 0.30,
        seconds: 0.6,
    });
    let html = render_index(&results, None, "charts").unwrap().html;
    assert!(
        html.contains(
            "Measured overhead/handoff/thread-spawn-join/1 beside a busy neighbour (other processes 13%, steal 30%"
        ),
        "the answer quotes a busy row without saying so"
    );
}

#[test]
fn comparison_page_of_the_committed_baseline() {
    let inputs = read_inputs(&[
        repo("crates/report/tests/data/2core.json"),
        repo("crates/report/tests/data/results.json"),
    ])
    .unwrap();
    let page = Comparison::new(&inputs, 0).html("charts").unwrap();
    check("compare.html.golden", &page);
}

#[test]
fn text_from_a_results_file_never_becomes_markup() {
    let evil = "<img src=x onerror=alert(1)>\"'&";
    let mut results = Results::read(&repo("crates/report/tests/data/2core.json")).unwrap();
    results.machine.label = evil.to_string();
    results.run.command_line = evil.to_string();
    for r in &mut results.benchmarks[..3] {
        r.technique = format!("{evil}{}", r.technique);
        r.group = format!("{evil}{}", r.group);
        r.family = evil.to_string();
    }
    let beside = Beside {
        name: evil,
        results: &results,
    };
    let page = render_index(&results, Some(beside), "charts").unwrap();
    let inputs = read_inputs(&[
        repo("crates/report/tests/data/2core.json"),
        repo("crates/report/tests/data/results.json"),
    ])
    .unwrap();
    let mut inputs = inputs;
    inputs[0].name = evil.to_string();
    inputs[1].results = results.clone();
    let compare = Comparison::new(&inputs, 0).html("charts").unwrap();
    for html in [&page.html, &compare.html] {
        assert!(
            !html.contains("<img src=x"),
            "markup from the file got through"
        );
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;'&amp;"));
    }
}
