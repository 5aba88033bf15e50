//! The report end to end on synthetic criterion output: publishing, lenient reading, the
//! compare CLI, and every bad input (each a one-line error naming the file, leaving the old
//! report as it was).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use report::model::{Estimate, Kind, PythonRun, Record};
use report::{PublishOptions, Results, publish};
use serde_json::json;
use tempfile::TempDir;

/// Writes one benchmark as criterion 0.8 does, under a folder name that is deliberately not
/// the id (criterion's names are lossy; ids must come from benchmark.json).
fn bench(
    root: &Path,
    dir: &str,
    group: &str,
    function: &str,
    param: &str,
    median_ns: f64,
    throughput: serde_json::Value,
) -> PathBuf {
    let new = root.join(dir).join("new");
    fs::create_dir_all(&new).unwrap();
    let id = format!("{group}/{function}/{param}");
    let b = json!({"group_id": group, "function_id": function, "value_str": param, "throughput": throughput,
        "full_id": id, "directory_name": dir, "title": id});
    let e = |p: f64| json!({"confidence_interval": {"confidence_level": 0.95, "lower_bound": p * 0.95, "upper_bound": p * 1.05}, "point_estimate": p, "standard_error": p * 0.01});
    let est = json!({"mean": e(median_ns * 1.01), "median": e(median_ns), "median_abs_dev": e(median_ns * 0.02), "slope": null, "std_dev": e(median_ns * 0.03)});
    fs::write(new.join("benchmark.json"), b.to_string()).unwrap();
    fs::write(new.join("estimates.json"), est.to_string()).unwrap();
    let sample =
        json!({"sampling_mode": "Flat", "iters": vec![1.0; 10], "times": vec![median_ns; 10]});
    fs::write(new.join("sample.json"), sample.to_string()).unwrap();
    new
}

/// A criterion folder with two families: map (with a sequential baseline, swept workers,
/// odd throughput kinds) and io (a server with latency beside it).
fn fixture() -> (TempDir, PathBuf, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let crit = tmp.path().join("target").join("criterion");
    let el = json!({"Elements": 1000});
    bench(
        &crit,
        "map_a/sequential/1",
        "map/a",
        "sequential",
        "1",
        4e6,
        el.clone(),
    );
    for (w, t) in [("1", 4.1e6), ("2", 2.2e6), ("4", 2.1e6)] {
        bench(
            &crit,
            &format!("map_a/rayon/{w}"),
            "map/a",
            "rayon",
            w,
            t,
            el.clone(),
        );
    }
    bench(
        &crit,
        "map_a/process-pool/2",
        "map/a",
        "process-pool",
        "2",
        9e6,
        json!({"Bits": 8000}),
    );
    bench(
        &crit,
        "map_a/tokio-tasks/2",
        "map/a",
        "tokio-tasks",
        "2",
        3e6,
        json!({"ElementsAndBytes": {"elements": 1000, "bytes": 8000}}),
    );
    bench(
        &crit,
        "map_a/new-kind/2",
        "map/a",
        "new-kind",
        "2",
        5e6,
        json!({"SomethingNew": 7}),
    );
    let io = bench(
        &crit,
        "io_web-server/hyper/64",
        "io/web-server",
        "hyper",
        "64",
        1e8,
        json!({"Elements": 5000}),
    );
    let latency = json!({"schema": "cb-latency-v1", "group": "io/web-server", "function": "hyper", "parameter": "64",
        "requests": 5000, "errors": 0, "requests_per_sec": 50000.0, "p50_us": 900.0, "p99_us": 4000.0, "max_us": 9000.0, "duration_s": 0.1});
    fs::write(io.with_file_name("latency.json"), latency.to_string()).unwrap();
    // criterion's own copies (`base/`, a `--save-baseline rep`) are never read, and a function
    // that happens to be called "new" is still found.
    for copy in ["base", "rep"] {
        let dir = crit.join("map_a/rayon/2").join(copy);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("benchmark.json"), "{not json").unwrap();
    }
    bench(&crit, "map_a/new/2", "map/a", "new", "2", 6e6, el.clone());
    let cpu = json!({"schema": "cb-cpu-v1", "benchmarks": {"map/a/rayon/2": {"iterations": 10, "wall_ns": 2.0e7, "cpu_ns": 3.8e7}}});
    fs::write(crit.join("cb-cpu.json"), cpu.to_string()).unwrap();
    let kinds = json!({"schema": "cb-kinds-v1", "kinds": {
        "map/a/sequential": "sequential", "map/a/rayon": "thread", "map/a/process-pool": "process",
        "map/a/tokio-tasks": "async", "map/a/new-kind": "thread", "map/a/new": "thread",
        "map/a/tiny": "thread",
        "io/web-server/hyper": "async"}});
    fs::write(crit.join("cb-kinds.json"), kinds.to_string()).unwrap();
    let reports = tmp.path().join("reports");
    (tmp, crit, reports)
}

fn options(crit: &Path, reports: &Path) -> PublishOptions {
    PublishOptions {
        criterion_dir: crit.to_path_buf(),
        reports_dir: reports.to_path_buf(),
        since: None,
        profile: "quick".into(),
        preset: "quick".into(),
        command_line: "cargo bench -- --bench".into(),
        partial: None,
        machine: report::inputs::machine::from_host(
            host::machine::facts(),
            Some(host::machine::limits()),
        ),
        git_revision: "g".into(),
    }
}

/// Every `src="..."` of a page exists on disk.
fn assert_images_exist(page: &Path) {
    let html = fs::read_to_string(page).unwrap();
    let srcs: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(!srcs.is_empty(), "the page shows charts");
    for src in srcs {
        let file = page.parent().unwrap().join(src);
        assert!(file.is_file(), "{} is missing", file.display());
        assert!(
            fs::read_to_string(&file).unwrap().starts_with("<svg"),
            "{src} is an SVG"
        );
    }
}

#[test]
fn publish_writes_results_page_and_charts() {
    let (_tmp, crit, reports) = fixture();
    let done = publish(&options(&crit, &reports)).expect("publishes");
    assert_eq!(done.benchmarks, 9);
    let results = Results::read(&done.results).expect("the results file reads back");
    let rayon2 = results
        .benchmarks
        .iter()
        .find(|r| r.id == "map/a/rayon/2")
        .unwrap();
    assert_eq!(
        (
            rayon2.family.as_str(),
            rayon2.workload.as_str(),
            rayon2.kind.as_str()
        ),
        ("map", "a", "thread")
    );
    assert_eq!(rayon2.samples, 10);
    assert_eq!(
        rayon2.cpu.as_ref().unwrap().cores_busy,
        1.9,
        "CPU time from cb-cpu.json"
    );
    let bits = results
        .benchmarks
        .iter()
        .find(|r| r.technique == "process-pool")
        .unwrap();
    assert_eq!(bits.throughput.as_ref().unwrap().unit, "bits");
    let both = results
        .benchmarks
        .iter()
        .find(|r| r.technique == "tokio-tasks")
        .unwrap();
    assert_eq!(both.throughput.as_ref().unwrap().unit, "elements");
    let odd = results
        .benchmarks
        .iter()
        .find(|r| r.technique == "new-kind")
        .unwrap();
    assert_eq!(odd.throughput.as_ref().unwrap().unit, "somethingnew");
    let server = results
        .benchmarks
        .iter()
        .find(|r| r.family == "io")
        .unwrap();
    assert_eq!(server.latency.as_ref().unwrap().p99_us, 4000.0);
    let html = fs::read_to_string(&done.index).unwrap();
    for expected in [
        "io-web-server-latency.svg",
        "map-a-scaling.svg",
        "map-speedup.svg",
        "Family map",
        "Family io",
        "process boundary cost",
        "map/a",
        "io/web-server",
        "rayon (4)",
    ] {
        assert!(html.contains(expected), "index.html mentions {expected}");
    }
    assert_images_exist(&done.index);
    let runs: Vec<_> = fs::read_dir(reports.join("runs")).unwrap().collect();
    assert_eq!(runs.len(), 1);
}

#[test]
fn the_baseline_is_shown_beside_the_run_and_old_charts_are_removed() {
    let (_tmp, crit, reports) = fixture();
    let first = publish(&options(&crit, &reports)).unwrap();
    let baseline = reports.join("baselines").join("ref");
    fs::create_dir_all(&baseline).unwrap();
    fs::copy(&first.results, baseline.join("results.json")).unwrap();
    // Another machine's baseline (another fingerprint) is not the one shown.
    let mut other = Results::read(&first.results).unwrap();
    other.machine.fingerprint = "0000000000000000".into();
    let elsewhere = reports.join("baselines").join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    other.write(&elsewhere.join("results.json")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a new run id (whole seconds)
    let second = publish(&options(&crit, &reports)).unwrap();
    let html = fs::read_to_string(&second.index).unwrap();
    assert!(
        html.contains("baseline ref"),
        "the baseline of this machine"
    );
    assert!(!html.contains("baseline elsewhere"));
    assert!(html.contains("this / baseline"));
    let chart_dirs = fs::read_dir(&reports)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("index-charts-"))
        .count();
    assert_eq!(chart_dirs, 1, "only the current page's charts are kept");
    assert_images_exist(&second.index);
}

#[test]
fn stale_results_of_earlier_runs_are_left_out() {
    let (_tmp, crit, reports) = fixture();
    let mut opts = options(&crit, &reports);
    opts.since = Some(std::time::SystemTime::now() + std::time::Duration::from_secs(3600));
    let err = publish(&opts).unwrap_err();
    assert!(
        err.to_string()
            .contains("no benchmark results from this run"),
        "{err}"
    );
}

/// Publishes a good report, breaks the input with `break_it`, publishes again and checks
/// the error names `culprit` and says `problem`, and the good report is untouched.
fn bad_criterion_input(break_it: impl FnOnce(&Path), culprit: &str, problem: &str) {
    let (_tmp, crit, reports) = fixture();
    let good = publish(&options(&crit, &reports)).unwrap();
    let page_before = fs::read(&good.index).unwrap();
    break_it(&crit);
    let err = publish(&options(&crit, &reports)).unwrap_err();
    let line = err.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.contains(culprit), "names {culprit}: {line}");
    assert!(line.contains(problem), "says {problem}: {line}");
    assert_eq!(
        fs::read(&good.index).unwrap(),
        page_before,
        "the old page is intact"
    );
    assert_images_exist(&good.index);
    assert_eq!(
        fs::read_dir(reports.join("runs")).unwrap().count(),
        1,
        "no partial results file"
    );
}

#[test]
fn missing_criterion_folder() {
    bad_criterion_input(
        |crit| fs::remove_dir_all(crit).unwrap(),
        "criterion",
        "no criterion output",
    );
}

#[test]
fn truncated_criterion_file() {
    bad_criterion_input(
        |crit| {
            let f = crit.join("map_a/rayon/2/new/estimates.json");
            let text = fs::read_to_string(&f).unwrap();
            fs::write(&f, &text[..text.len() / 2]).unwrap();
        },
        "map_a/rayon/2/new/estimates.json",
        "not valid JSON",
    );
}

#[test]
fn negative_time_in_criterion_file() {
    bad_criterion_input(
        |crit| {
            let f = crit.join("map_a/rayon/2/new/estimates.json");
            let text = fs::read_to_string(&f)
                .unwrap()
                .replace("\"point_estimate\":2200000.0", "\"point_estimate\":-5.0");
            fs::write(&f, text).unwrap();
        },
        "estimates.json",
        "invalid median time",
    );
}

#[test]
fn tiny_median_with_a_throughput() {
    // Found by the property tests: 1e-300 ns is positive, but elements per second is then
    // infinite, which JSON cannot hold; it was written as null and the file did not read back.
    bad_criterion_input(
        |crit| {
            bench(
                crit,
                "map_a/tiny/1",
                "map/a",
                "tiny",
                "1",
                1e-300,
                json!({"Elements": 1000}),
            );
        },
        "map_a/tiny/1/new",
        "invalid throughput per_second: inf",
    );
}

#[test]
fn corrupt_cpu_sidecar() {
    bad_criterion_input(
        |crit| fs::write(crit.join("cb-cpu.json"), "{\"bench").unwrap(),
        "cb-cpu.json",
        "not valid JSON",
    );
}

#[test]
fn empty_criterion_folder() {
    bad_criterion_input(
        |crit| {
            fs::remove_dir_all(crit).unwrap();
            fs::create_dir_all(crit).unwrap();
        },
        "criterion",
        "no benchmark results",
    );
}

/// A good results file, as text, from a published fixture.
fn good_results() -> (TempDir, String) {
    let (tmp, crit, reports) = fixture();
    let done = publish(&options(&crit, &reports)).unwrap();
    let text = fs::read_to_string(done.results).unwrap();
    (tmp, text)
}

/// Runs the compare binary in `dir`.
fn compare(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_compare"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn bad_results_files_are_named_with_their_problem() {
    let (tmp, good) = good_results();
    let dir = tmp.path();
    fs::write(dir.join("good.json"), &good).unwrap();
    let (code, _, _) = compare(dir, &["good.json", "good.json", "--out", "cmp.html"]);
    assert_eq!(code, 0);
    let page_before = fs::read(dir.join("cmp.html")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&good).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        f(&mut v);
        serde_json::to_string(&v).unwrap()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated.json",
            good[..good.len() / 3].to_string(),
            "not valid JSON",
        ),
        (
            "edited.json",
            edit(&|v| v["benchmarks"][0]["median"] = json!("fast")),
            "does not match cb-results-v1",
        ),
        (
            "schema.json",
            edit(&|v| v["schema"] = json!("cb-results-v0")),
            "schema \"cb-results-v0\" is not supported",
        ),
        (
            "nan.json",
            good.replacen("\"point_ns\":", "\"point_ns\":NaN,\"x\":", 1),
            "not valid JSON",
        ),
        (
            "negative.json",
            edit(&|v| v["benchmarks"][1]["mean"]["point_ns"] = json!(-3.0)),
            "invalid mean time",
        ),
        (
            "empty.json",
            edit(&|v| v["benchmarks"] = json!([])),
            "has no benchmarks",
        ),
        ("missing.json", String::new(), "not found"),
    ];
    for (name, text, problem) in cases {
        if name != "missing.json" {
            fs::write(dir.join(name), text).unwrap();
        }
        assert!(
            Results::read(&dir.join(name))
                .unwrap_err()
                .to_string()
                .contains(problem),
            "{name}"
        );
        let (code, _, stderr) = compare(dir, &["good.json", name, "--out", "cmp.html"]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(problem),
            "{name}: {stderr}"
        );
        assert_eq!(
            fs::read(dir.join("cmp.html")).unwrap(),
            page_before,
            "{name}: the old page is intact"
        );
    }
}

#[test]
fn an_aa_check_writes_noise_floors_and_quick_runs_get_no_verdict() {
    let (tmp, good) = good_results();
    let dir = tmp.path();
    let mut again: serde_json::Value = serde_json::from_str(&good).unwrap();
    for r in again["benchmarks"].as_array_mut().unwrap() {
        let m = r["median"]["point_ns"].as_f64().unwrap();
        r["median"]["point_ns"] = json!(m * 1.25);
        r["sample"] = json!({"iters": [1.0, 2.0], "times_ns": [m, 2.0 * m]});
    }
    fs::write(dir.join("a.json"), &good).unwrap();
    fs::write(dir.join("b.json"), again.to_string()).unwrap();
    let (code, out, err) = compare(dir, &["a.json", "b.json", "--write-noise", "n.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("with a floor of 10% or more"), "{out}");
    let noise = report::analysis::noise::Noise::read(&dir.join("n.json")).unwrap();
    let f = &noise.benchmarks["map/a/rayon/2"];
    assert!((f.spread - 0.25).abs() < 1e-3, "{f:?}");
    let widened = 1.25_f64.powf(report::analysis::noise::widening(2)) - 1.0;
    assert!(
        (f.floor - widened).abs() < 1e-3,
        "two runs see little of the spread: {f:?}"
    );
    let (code, out, err) = compare(
        dir,
        &["a.json", "b.json", "--fail-above", "10", "--out", "c.html"],
    );
    assert_eq!(code, 0, "two samples never fail a check: {err}");
    assert!(out.contains("too few samples"), "{out}");
    let (code, _, err) = compare(dir, &["a.json", "b.json", "--noise", "missing.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("missing.json"), "{err}");
}

#[test]
fn compare_shows_ratios_geomeans_partial_benchmarks_and_regressions() {
    let (tmp, good) = good_results();
    let dir = tmp.path();
    let mut other: serde_json::Value = serde_json::from_str(&good).unwrap();
    other["machine"]["label"] = json!("laptop");
    other["machine"]["fingerprint"] = json!("0000000000000000");
    other["machine"]["cpu_model"] = json!("Some Other CPU");
    let list = other["benchmarks"].as_array_mut().unwrap();
    list.retain(|r| r["technique"] != "new-kind");
    for r in list.iter_mut() {
        for key in ["median", "mean"] {
            for f in ["point_ns", "lower_ns", "upper_ns"] {
                r[key][f] = json!(r[key][f].as_f64().unwrap() * 2.0);
            }
        }
        for t in r["sample"]["times_ns"].as_array_mut().unwrap() {
            *t = json!(t.as_f64().unwrap() * 2.0);
        }
    }
    other["machine"]["limits"]["effective_cpus"] = json!(64);
    other["machine"]["limits"]["cpu_dma_latency_us"] = json!(0);
    let mut reference: serde_json::Value = serde_json::from_str(&good).unwrap();
    reference["machine"]["limits"]["cpu_dma_latency_us"] = json!(2_000_000_000);
    let good = reference.to_string();
    fs::write(dir.join("ref.json"), &good).unwrap();
    fs::write(dir.join("laptop.json"), other.to_string()).unwrap();
    let (code, out, err) = compare(
        dir,
        &["ref.json", "laptop.json", "--out", "reports/compare.html"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2.00×"), "ratios: {out}");
    assert!(out.contains("geometric mean"), "{out}");
    assert!(
        out.contains("map/a/new-kind/2: only in"),
        "partial benchmarks are listed: {out}"
    );
    assert!(
        out.contains("another kind of machine"),
        "fingerprints are flagged: {out}"
    );
    assert!(
        out.contains("effective_cpus differ: laptop could use 64 CPUs"),
        "{out}"
    );
    assert!(
        out.contains("idle CPUs differ: laptop ran with them polling, the reference"),
        "{out}"
    );
    assert!(
        out.contains("slower [2.00–2.00]"),
        "a verdict per row: {out}"
    );
    assert!(
        out.contains("over 7 benchmarks: 7 slower"),
        "verdicts counted per family: {out}"
    );
    assert_images_exist(&dir.join("reports/compare.html"));
    let fail_at_50 = [
        "ref.json",
        "laptop.json",
        "--out",
        "c.html",
        "--fail-above",
        "50",
    ];
    let (code, _, err) = compare(dir, &fail_at_50);
    assert_eq!(code, 3, "a 2× slowdown is a regression above 50%: {err}");
    // A noise floor of 150% (an A/A check that saw such spread) absorbs the 2x.
    let mut noise = json!({"schema": "cb-noise-v1", "machine": "m", "effective_cpus": 2,
        "runs": ["a", "b"], "benchmarks": {}});
    noise["fingerprint"] =
        serde_json::from_str::<serde_json::Value>(&good).unwrap()["machine"]["fingerprint"].clone();
    for r in serde_json::from_str::<serde_json::Value>(&good).unwrap()["benchmarks"]
        .as_array()
        .unwrap()
    {
        noise["benchmarks"][r["id"].as_str().unwrap()] =
            json!({"floor": 1.5, "medians_ns": [1.0, 2.5]});
    }
    fs::write(dir.join("noise.json"), noise.to_string()).unwrap();
    let (code, out, err) = compare(dir, &[&fail_at_50[..], &["--noise", "noise.json"]].concat());
    assert_eq!(code, 0, "within the noise floor: {out} {err}");
    assert!(out.contains("no significant change"), "{out}");
    let (code, _, _) = compare(
        dir,
        &[
            "ref.json",
            "laptop.json",
            "--out",
            "c.html",
            "--fail-above",
            "150",
        ],
    );
    assert_eq!(code, 0);
    let (code, out, _) = compare(
        dir,
        &[
            "ref.json",
            "laptop.json",
            "--out",
            "c.html",
            "--reference",
            "laptop",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("0.500×"),
        "against the laptop, the reference is twice as fast: {out}"
    );
    let (code, _, err) = compare(dir, &["ref.json", "laptop.json", "--reference", "nobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("nobody"));
}

#[test]
fn another_machines_file_renders_on_its_own() {
    let (tmp, good) = good_results();
    let dir = tmp.path();
    fs::write(
        dir.join("theirs.json"),
        good.replace("\"criterion_dir\": \"", "\"criterion_dir\": \"/elsewhere/"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_render"))
        .current_dir(dir)
        .args(["theirs.json", "--out", "view/theirs.html"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_images_exist(&dir.join("view/theirs.html"));
    // The same run rendered again replaces the charts the current page shows, safely.
    let again = Command::new(env!("CARGO_BIN_EXE_render"))
        .current_dir(dir)
        .args(["theirs.json", "--out", "view/theirs.html"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_images_exist(&dir.join("view/theirs.html"));
    let entries = fs::read_dir(dir.join("view")).unwrap().count();
    assert_eq!(entries, 2, "the page and one chart folder");
    let out = Command::new(env!("CARGO_BIN_EXE_render"))
        .current_dir(dir)
        .args(["nothing.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing.json: not found"));
}

#[test]
fn busy_and_unstable_benchmarks_are_marked_on_the_page() {
    let (_tmp, good) = good_results();
    let quiet = Results::parse(&good).unwrap();
    let page = report::output::page::render_index(&quiet, None, "charts").unwrap();
    assert!(!page.html.contains(">busy<") && !page.html.contains("Busy:"));
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    let busy = json!({"others_share": 0.48, "steal_share": 0.0, "seconds": 12.0});
    doc["machine"]["limits"]["contention"] = busy.clone();
    doc["benchmarks"][0]["contention"] = busy;
    doc["benchmarks"][0]["stability"] = json!({"cv": 0.3,
        "outliers": {"low_severe": 0, "low_mild": 0, "high_mild": 3, "high_severe": 0},
        "unstable": "bimodal: samples fall in two clusters"});
    let busy = Results::parse(&doc.to_string()).unwrap();
    let html = report::output::page::render_index(&busy, None, "charts")
        .unwrap()
        .html;
    assert!(
        html.contains("Busy: this run shared the machine (other processes 48%"),
        "run mark"
    );
    assert!(
        html.contains(">busy<") && html.contains("title=\"bimodal"),
        "row marks"
    );
}

/// Each technique's declared kind (`cb-kinds.json`) files its records, whatever the id says;
/// a benchmark without one is an error naming the file and the benchmark.
#[test]
fn kinds_come_from_the_side_file_and_nothing_is_guessed() {
    let tmp = TempDir::new().unwrap();
    let crit = tmp.path().join("criterion");
    let el = json!({"Elements": 10});
    let rows = [
        ("map/w", "sequential", "1"),
        ("map/w", "rayon", "2"),
        // An id that reads like a thread technique: it is a process.
        ("process/shared-counter", "atomic", "100"),
        ("io/file-server", "loopback-file-server", "64"),
        ("map/w", "tokio-spawn-blocking", "2"),
    ];
    for (i, (group, function, param)) in rows.iter().enumerate() {
        bench(
            &crit,
            &format!("b{i}"),
            group,
            function,
            param,
            1e6,
            el.clone(),
        );
    }
    let mut kinds = json!({"schema": "cb-kinds-v1", "kinds": {
        "map/w/sequential": "sequential", "map/w/rayon": "thread",
        "process/shared-counter/atomic": "process", "io/file-server/loopback-file-server": "async",
        "map/w/tokio-spawn-blocking": "async"}});
    fs::write(crit.join("cb-kinds.json"), kinds.to_string()).unwrap();
    let kind_of = |records: &[report::model::Record], technique: &str| {
        records
            .iter()
            .find(|r| r.technique == technique)
            .unwrap()
            .kind
    };
    let records = report::inputs::criterion::load_criterion(&crit, None).unwrap();
    for (technique, kind) in [
        ("sequential", Kind::Sequential),
        ("rayon", Kind::Thread),
        ("atomic", Kind::Process),
        ("loopback-file-server", Kind::Async),
        ("tokio-spawn-blocking", Kind::Async),
    ] {
        assert_eq!(kind_of(&records, technique), kind, "{technique}");
    }

    // A benchmark the file does not name: an error naming the file and the benchmark.
    kinds["kinds"]
        .as_object_mut()
        .unwrap()
        .remove("map/w/tokio-spawn-blocking");
    fs::write(crit.join("cb-kinds.json"), kinds.to_string()).unwrap();
    let err = report::inputs::criterion::load_criterion(&crit, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cb-kinds.json") && err.contains("map/w/tokio-spawn-blocking"),
        "{err}"
    );

    // Without the file, the same.
    fs::remove_file(crit.join("cb-kinds.json")).unwrap();
    let err = report::inputs::criterion::load_criterion(&crit, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cb-kinds.json") && err.contains("map/w"),
        "{err}"
    );

    // A kind the report does not know is an error naming the file, the entry and the value.
    let bad = json!({"schema": "cb-kinds-v1", "kinds": {"map/w/rayon": "fiber"}});
    fs::write(crit.join("cb-kinds.json"), bad.to_string()).unwrap();
    let err = report::inputs::criterion::load_criterion(&crit, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cb-kinds.json") && err.contains("map/w/rayon") && err.contains("fiber"),
        "{err}"
    );

    // So is a kinds file of another schema: the field and the value are named.
    let old = json!({"schema": "cb-kinds-v0", "kinds": {}});
    fs::write(crit.join("cb-kinds.json"), old.to_string()).unwrap();
    let err = report::inputs::criterion::load_criterion(&crit, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cb-kinds.json") && err.contains("\"schema\"") && err.contains("cb-kinds-v0"),
        "{err}"
    );
}

#[test]
fn compare_shows_a_python_file_against_the_reference_on_its_page() {
    let (tmp, good) = good_results();
    let dir = tmp.path();
    let mut python: serde_json::Value = serde_json::from_str(&good).unwrap();
    python["run"]["language"] = json!("python");
    for r in python["benchmarks"].as_array_mut().unwrap() {
        r["median"]["point_ns"] = json!(r["median"]["point_ns"].as_f64().unwrap() * 40.0);
    }
    fs::write(dir.join("rust.json"), &good).unwrap();
    fs::write(dir.join("python.json"), python.to_string()).unwrap();
    let (code, out, err) = compare(dir, &["rust.json", "python.json", "--out", "cmp.html"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("python.json against rust.json"), "{out}");
    let page = fs::read_to_string(dir.join("cmp.html")).unwrap();
    assert!(page.contains("id=\"python\""), "the section is on the page");
    assert!(
        page.contains("40.0×") || page.contains("40×"),
        "the ratio is shown"
    );
    assert_eq!(
        page.matches("python-vs-rust.svg").count(),
        1,
        "its chart is shown once"
    );
    assert!(
        !page.contains("Per family"),
        "one Rust file: no machine columns to compare"
    );
    assert_images_exist(&dir.join("cmp.html"));
    let (code, _, err) = compare(dir, &["python.json", "python.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("only Python files"), "{err}");
}

/// A pyperf file of one interpreter, as `bench.py` writes it: one benchmark.
fn pyperf_file(interpreter: &str, build: &str) -> String {
    json!({"version": "1.0", "metadata": {"cb_interpreter": interpreter, "cb_build": build,
        "cb_start_method": "fork", "cb_preset": "quick", "cb_tier": "fast", "cb_gil": "disabled",
        "python_version": "3.13.5 (64-bit)", "python_implementation": "cpython",
        "perf_version": "2.11.0", "cb_absent": "[]", "cb_notes": "[]"},
      "benchmarks": [{"metadata": {"name": "map/squares-1k/sequential/1", "cb_kind": "sequential"},
        "runs": [{"metadata": {}, "values": [0.003, 0.004]}]}]})
    .to_string()
}

#[test]
fn import_pyperf_names_each_interpreters_file_apart() {
    let tmp = TempDir::new().unwrap();
    let mut written = Vec::new();
    for (interpreter, build) in [("3.13t", "free-threaded"), ("3.13", "gil")] {
        let input = tmp.path().join(format!("pyperf-{interpreter}.json"));
        fs::write(&input, pyperf_file(interpreter, build)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_import-pyperf"))
            .arg(&input)
            .arg("--reports-dir")
            .arg(tmp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with(&format!("-python-{interpreter}.json")),
            "{name}"
        );
        let results = Results::read(&path).unwrap();
        assert_eq!(results.run.language(), "python");
        let python = results.run.python.unwrap();
        assert_eq!(
            (python.interpreter.as_str(), python.build.as_str()),
            (interpreter, build)
        );
        written.push(path);
    }
    assert_ne!(written[0], written[1]);
    assert!(written.iter().all(|p| p.is_file()));
}

/// One row of a workload, its median's interval 3% either side.
fn record(group: &str, technique: &str, workers: &str, kind: Kind, median_ms: f64) -> Record {
    let e = |f: f64| Estimate {
        point_ns: median_ms * 1e6 * f,
        lower_ns: median_ms * 1e6 * f * 0.97,
        upper_ns: median_ms * 1e6 * f * 1.03,
    };
    Record::new(
        (group, technique, workers),
        kind,
        (e(1.0), e(1.0), e(0.02)),
        10,
    )
}

/// `rust.json` (tests/data/results.json with a sequential row in its CPU-bound workload)
/// and three Python files of its machine and preset, `py-3.13t.json`, `py-3.11.json` and
/// `py-3.13.json`, in `dir`: on the free-threaded build threads win, on the GIL builds
/// processes do.
fn interpreter_files(dir: &Path) -> [&'static str; 3] {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results.json");
    let mut rust = Results::read(&data).unwrap();
    let group = "map/primes-100k-r4";
    rust.benchmarks
        .push(record(group, "sequential", "1", Kind::Sequential, 16.0));
    rust.benchmarks.sort_by(|a, b| a.id.cmp(&b.id));
    rust.write(&dir.join("rust.json")).unwrap();
    let files = ["py-3.13t.json", "py-3.11.json", "py-3.13.json"];
    for (file, interpreter, (threads, processes)) in [
        (files[0], "3.13t", (100.0 / 1.9, 100.0 / 1.6)),
        (files[1], "3.11", (105.0, 100.0 / 1.65)),
        (files[2], "3.13", (104.0, 100.0 / 1.6)),
    ] {
        let free = interpreter.ends_with('t');
        let mut python = rust.clone();
        python.run.language = Some("python".into());
        python.run.python = Some(PythonRun {
            version: format!("{}.5 (64-bit)", interpreter.trim_end_matches('t')),
            implementation: "cpython".into(),
            gil: if free { "disabled" } else { "enabled" }.into(),
            start_method: "fork".into(),
            pyperf: "2.11.0".into(),
            tiers: Vec::new(),
            interpreter: interpreter.into(),
            build: if free { "free-threaded" } else { "gil" }.into(),
            absent: Vec::new(),
            notes: Vec::new(),
            gil_enabled_rows: Vec::new(),
        });
        python.benchmarks = vec![
            record(group, "sequential", "1", Kind::Sequential, 100.0),
            record(group, "thread-pool-executor", "2", Kind::Thread, threads),
            record(group, "process-pool-map", "2", Kind::Process, processes),
        ];
        python.write(&dir.join(file)).unwrap();
    }
    files
}

/// The page's text between `id="<from>"` and the next section.
fn section<'a>(page: &'a str, from: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{from}\""))
        .unwrap_or_else(|| panic!("no section {from}"));
    let rest = &page[start..];
    &rest[..rest[4..].find("<h2").map_or(rest.len(), |e| e + 4)]
}

#[test]
fn compare_shows_every_interpreter_in_one_table_and_the_free_threading_section() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let [free, old, new] = interpreter_files(dir);
    let (code, out, err) = compare(dir, &["rust.json", free, old, new, "--out", "cmp.html"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.matches("Rust against the article's Python").count(),
        1,
        "{out}"
    );
    let header = out.lines().find(|l| l.starts_with("workload")).unwrap();
    let at = |h: &str| {
        header
            .find(h)
            .unwrap_or_else(|| panic!("{h} not in {header}"))
    };
    assert!(at("Python 3.11 ") < at("Python 3.13 ") && at("Python 3.13 ") < at("Python 3.13t"));
    assert!(
        out.contains("free-threading changes the answer on 3.13: threads"),
        "{out}"
    );
    let page = fs::read_to_string(dir.join("cmp.html")).unwrap();
    assert_eq!(
        page.matches("id=\"python\"").count(),
        1,
        "one table for every file"
    );
    assert_eq!(page.matches("python-vs-rust.svg").count(), 1);
    for heading in ["Python 3.11", "Python 3.13", "Python 3.13t"] {
        assert!(
            section(&page, "python").contains(&format!("<th>{heading}: ")),
            "{heading}"
        );
    }
    let free_threading = section(&page, "free-threading");
    assert!(free_threading.contains("free-threading changes the answer on 3.13: threads (thread-pool-executor (2), 1.90×) instead of processes (process-pool-map (2), 1.60×)"), "{free_threading}");
    assert_images_exist(&dir.join("cmp.html"));
}

#[test]
fn render_takes_python_files_given_or_the_newest_of_each_interpreter() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let files = interpreter_files(dir);
    let render = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_render"))
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut args = vec![
        "rust.json",
        "--out",
        "given.html",
        "--reports-dir",
        "reports",
    ];
    for file in &files {
        args.extend(["--python", file]);
    }
    let out = render(&args);
    assert!(
        out.contains("Python 3.13t (÷ Rust)")
            && out.contains("Does free-threading change the answer?"),
        "{out}"
    );
    let given = fs::read_to_string(dir.join("given.html")).unwrap();
    // Found in reports/runs/ without being named: the newest file of each interpreter.
    fs::create_dir_all(dir.join("reports/runs")).unwrap();
    for (k, file) in files.iter().enumerate() {
        let name = format!(
            "20260101T00000{k}Z-vm-python-{}",
            file.trim_start_matches("py-")
        );
        fs::copy(dir.join(file), dir.join("reports/runs").join(name)).unwrap();
    }
    render(&[
        "rust.json",
        "--out",
        "found.html",
        "--reports-dir",
        "reports",
        "--single-file",
    ]);
    let found = fs::read_to_string(dir.join("found.html")).unwrap();
    for page in [&given, &found] {
        let table = section(page, "python");
        assert!(
            table.contains("<th>Python 3.11: ") && table.contains("<th>Python 3.13t: "),
            "{table}"
        );
        assert!(
            section(page, "free-threading").contains("free-threading changes the answer on 3.13")
        );
    }
}
