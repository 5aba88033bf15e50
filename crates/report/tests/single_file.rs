//! `render --single-file` and `compare --single-file`: one self-contained page, every chart
//! inside it, no other file written and no link to a file the page does not carry.

use std::path::{Path, PathBuf};

use report::Results;
use report::output::compare::{Comparison, read_inputs, write_single_file};
use report::output::html::NOT_INCLUDED;
use report::output::page::render_index;
use report::publish::render_single_file;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results.json")
}

/// Every file under `dir`, folders included, as paths relative to it.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        out.push(path.strip_prefix(dir).unwrap().to_path_buf());
        if path.is_dir() {
            out.extend(
                entries(&path)
                    .into_iter()
                    .map(|p| path.strip_prefix(dir).unwrap().join(p)),
            );
        }
    }
    out
}

/// The values of every `attr="..."` in `html`.
fn values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.split(needle.as_str())
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

/// The page carries `charts` charts inline and reaches no file outside itself.
fn assert_self_contained(html: &str, charts: usize) {
    assert!(charts > 0, "the page under test has no charts");
    assert_eq!(
        html.matches("src=\"data:image/svg+xml;base64,").count(),
        charts,
        "every chart inline, once"
    );
    assert_eq!(html.matches("<img ").count(), charts);
    for src in values(html, "src") {
        assert!(src.starts_with("data:image/svg+xml;base64,"), "src={src:?}");
    }
    for href in values(html, "href") {
        assert!(
            href.starts_with('#'),
            "a link out of the page: href={href:?}"
        );
    }
    assert!(
        !html.contains("target/criterion"),
        "a path into criterion's folder"
    );
    assert!(!html.contains("-charts-"), "a chart folder named");
}

#[test]
fn render_writes_one_file_with_its_charts_inside() {
    let results = Results::read(&data()).unwrap();
    let (reports, out_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let out = out_dir.path().join("page.html");
    render_single_file(&results, reports.path(), &out, &[]).unwrap();

    assert_eq!(entries(out_dir.path()), vec![PathBuf::from("page.html")]);
    assert!(
        entries(reports.path()).is_empty(),
        "{:?}",
        entries(reports.path())
    );
    let html = std::fs::read_to_string(&out).unwrap();
    // The same charts the page with a chart folder links to.
    let folder = render_index(&results, None, "charts").unwrap();
    assert_self_contained(&html, folder.charts.len());
    assert!(
        folder.html.contains("../target/criterion/"),
        "the fixture links to criterion"
    );
    assert!(html.contains(&maud::html! { (NOT_INCLUDED) }.into_string()));
    // Each chart keeps its caption as its alt text.
    for chart in &folder.charts {
        let alt = format!("alt=\"{}\"", maud::html! { (chart.title) }.into_string());
        assert!(html.contains(&alt), "{alt}");
    }
}

#[test]
fn rendering_again_replaces_the_file_and_nothing_else() {
    let results = Results::read(&data()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.html");
    std::fs::write(&out, "old").unwrap();
    render_single_file(&results, dir.path(), &out, &[]).unwrap();
    render_single_file(&results, dir.path(), &out, &[]).unwrap();
    assert_eq!(entries(dir.path()), vec![PathBuf::from("page.html")]);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}

#[test]
fn compare_writes_one_file_with_its_charts_inside() {
    let inputs = read_inputs(&[data(), data()]).unwrap();
    let comparison = Comparison::new(&inputs, 0);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare.html");
    write_single_file(&comparison, &out).unwrap();

    assert_eq!(entries(dir.path()), vec![PathBuf::from("compare.html")]);
    let html = std::fs::read_to_string(&out).unwrap();
    let folder = comparison.html("charts").unwrap();
    assert_self_contained(&html, folder.charts.len());
}
