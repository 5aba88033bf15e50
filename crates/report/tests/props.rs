//! Property tests of the readers and of compare (proptest):
//!
//! - the results reader: any bytes, and any valid file with one value replaced by another,
//!   give a one-line error naming the file, or results that pass validation; a written file
//!   reads back equal (`read(write(x)) == x`, for numbers at the six digits a file keeps);
//! - the criterion-file reader: any content in any of criterion's files (and the suite's
//!   sidecars) gives an error naming one of them, or records that publish as a results file
//!   that reads back;
//! - compare: swapping the reference turns every ratio, and every family's geometric mean,
//!   into its reciprocal, and the same benchmarks have ratios.
//!
//! - rendering: every valid results file renders both pages (a quarter of the cases: charts
//!   are slow to draw).
//!
//! Each property runs `PROPTEST_CASES` cases (default 256; CI runs the default); a failure
//! is shrunk to a smallest failing input, printed with the failure.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use report::inputs::criterion::load_criterion;
use report::inputs::side::{CpuFile, KindsFile, SideFile};
use report::model::{
    CpuTime, Estimate, Kind, Latency, Machine, Record, Results, Run, SCHEMA, Throughput,
};
use report::output::compare::{Comparison, Input};
use serde_json::{Value, json};
use tempfile::TempDir;

fn config() -> ProptestConfig {
    // Reads PROPTEST_CASES, 256 when unset.
    ProptestConfig::default()
}

/// Short text of any characters, control characters and newlines included.
fn text() -> impl Strategy<Value = String> {
    "(?s).{0,12}"
}

/// A number a results file keeps exactly: six significant digits (the file rounds measured
/// times to six), from far below a nanosecond to days.
fn six_digits() -> impl Strategy<Value = f64> {
    (1u32..=999_999, -9i32..=9).prop_map(|(m, e)| format!("{m}e{e}").parse().unwrap())
}

/// Any finite number at or above zero, kept to the last bit by the file.
fn any_non_negative() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        (0.0..1e6f64),
        proptest::num::f64::POSITIVE | proptest::num::f64::NORMAL,
    ]
}

fn estimate(positive: bool) -> impl Strategy<Value = Estimate> {
    let point = if positive {
        six_digits().boxed()
    } else {
        prop_oneof![Just(0.0), six_digits()].boxed()
    };
    let bound = prop_oneof![Just(0.0), six_digits()];
    (point, bound.clone(), bound).prop_map(|(point_ns, lower_ns, upper_ns)| Estimate {
        point_ns,
        lower_ns,
        upper_ns,
    })
}

fn record() -> impl Strategy<Value = Record> {
    let names = (
        text(),
        text(),
        text(),
        text(),
        text(),
        proptest::sample::select(Kind::ALL.to_vec()),
    );
    let times = (
        estimate(true),
        estimate(true),
        estimate(false),
        any::<u64>(),
    );
    let throughput = proptest::option::of((text(), any_non_negative(), six_digits()).prop_map(
        |(unit, per_iteration, per_second)| Throughput {
            unit,
            per_iteration,
            per_second,
        },
    ));
    let latency = proptest::option::of(
        (
            any::<u64>(),
            any::<u64>(),
            six_digits(),
            (any_non_negative(), any_non_negative(), any_non_negative()),
            six_digits(),
        )
            .prop_map(|(requests, errors, rps, (p50, p99, max), d)| Latency {
                requests,
                errors,
                requests_per_sec: rps,
                p50_us: p50,
                p99_us: p99,
                max_us: max,
                duration_s: d,
            }),
    );
    let cpu = proptest::option::of(
        (any::<u64>(), six_digits(), six_digits(), six_digits()).prop_map(
            |(iterations, wall_ns, cpu_ns, cores_busy)| CpuTime {
                iterations,
                wall_ns,
                cpu_ns,
                cores_busy,
            },
        ),
    );
    (
        names,
        times,
        throughput,
        latency,
        cpu,
        proptest::option::of(text()),
    )
        .prop_map(
            |(
                (group, family, workload, technique, parameter, kind),
                (median, mean, std_dev, samples),
                throughput,
                latency,
                cpu,
                criterion_page,
            )| Record {
                id: String::new(),
                group,
                family,
                workload,
                technique,
                parameter,
                kind,
                median,
                mean,
                std_dev,
                samples,
                throughput,
                latency,
                cpu,
                criterion_page,
                // trust's fields: not generated yet.
                contention: None,
                sample: None,
                stability: None,
                tier: None,
                paired: None,
                floor_ns: None,
                chain: None,
                threads: None,
                workers: None,
                marks: Vec::new(),
            },
        )
}

fn machine() -> impl Strategy<Value = Machine> {
    let cores = proptest::option::of(any::<u64>());
    (
        (text(), text(), text(), text(), text(), text(), text()),
        (cores.clone(), cores.clone(), cores),
    )
        .prop_map(
            |((label, cpu_model, os, kernel, arch, rustc, fingerprint), (l, p, m))| Machine {
                label,
                cpu_model,
                logical_cores: l,
                physical_cores: p,
                memory_bytes: m,
                os,
                kernel,
                arch,
                rustc,
                fingerprint,
                limits: None,
                calibration: None,
            },
        )
}

/// A valid results file: unique ids (made unique by their index), positive times.
fn results() -> impl Strategy<Value = Results> {
    let run = (
        (text(), text(), text(), text(), text(), text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(
            |(
                (id, time_utc, git_revision, profile, preset, command_line),
                criterion_dir,
                partial,
            )| {
                Run {
                    id,
                    time_utc,
                    git_revision,
                    profile,
                    preset,
                    command_line,
                    criterion_dir,
                    partial,
                    language: None,
                    python: None,
                }
            },
        );
    (
        run,
        machine(),
        proptest::collection::vec((text(), record()), 1..5),
    )
        .prop_map(|(run, machine, records)| Results {
            schema: SCHEMA.to_string(),
            run,
            machine,
            benchmarks: records
                .into_iter()
                .enumerate()
                .map(|(i, (id, mut r))| {
                    r.id = format!("{id}#{i}");
                    r
                })
                .collect(),
        })
}

/// Any JSON value, small.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        json_number().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map(text(), inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Numbers that break code: zero, negatives, the tiniest and the largest, and any other.
fn json_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => 1.0..1e9f64,
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(-1.0),
        1 => Just(5e-324),
        1 => Just(1e-300),
        1 => Just(f64::MAX),
        1 => Just(-f64::MAX),
        1 => proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
    ]
}

/// Every place in a JSON document, as a path of object keys and array indices.
fn places(value: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(here.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                here.push(Value::from(k.as_str()));
                places(v, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                here.push(Value::from(i));
                places(v, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

/// Replaces the value at `path` (the whole document for an empty path) with `new`, or
/// removes it when `new` is None.
fn replace(doc: &mut Value, path: &[Value], new: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        *doc = new.unwrap_or(Value::Null);
        return;
    };
    let mut at = doc;
    for step in parents {
        at = match step {
            Value::String(k) => &mut at[k.as_str()],
            _ => &mut at[step.as_u64().unwrap() as usize],
        };
    }
    match (at, last, new) {
        (Value::Object(map), Value::String(k), Some(v)) => {
            map.insert(k.clone(), v);
        }
        (Value::Object(map), Value::String(k), None) => {
            map.remove(k);
        }
        (Value::Array(items), i, Some(v)) => items[i.as_u64().unwrap() as usize] = v,
        (Value::Array(items), i, None) => {
            items.remove(i.as_u64().unwrap() as usize);
        }
        _ => unreachable!("paths come from the document"),
    }
}

/// An error that names `path` and says what is wrong on one line.
fn assert_clear(error: &report::Error, allowed: &[PathBuf]) {
    assert!(
        allowed.contains(&error.path),
        "the error names {} instead of one of {allowed:?}: {error}",
        error.path.display()
    );
    assert!(
        !error.problem.trim().is_empty() && !error.problem.contains('\n'),
        "not one clear line: {error:?}"
    );
}

/// Reads `bytes` as a results file: a clear error, or results that validate.
fn read_bytes(dir: &Path, bytes: &[u8]) -> Result<Results, report::Error> {
    let path = dir.join("results.json");
    std::fs::write(&path, bytes).unwrap();
    let got = Results::read(&path);
    match &got {
        Ok(r) => assert_eq!(
            r.validate(),
            Ok(()),
            "read gave results that do not validate"
        ),
        Err(e) => assert_clear(e, &[path]),
    }
    got
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_read_as_results_give_a_clear_error_or_valid_results(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let dir = TempDir::new().unwrap();
        let _ = read_bytes(dir.path(), &bytes);
    }

    #[test]
    fn a_results_file_with_one_value_changed_gives_a_clear_error_or_valid_results(
        results in results(),
        at in any::<Index>(),
        new in proptest::option::of(json_value()),
        cut in proptest::option::of(any::<Index>()),
    ) {
        let mut doc = serde_json::to_value(&results).unwrap();
        let mut all = Vec::new();
        places(&doc, &mut Vec::new(), &mut all);
        let path = at.get(&all).clone();
        replace(&mut doc, &path, new);
        let mut text = doc.to_string().into_bytes();
        if let Some(cut) = cut {
            text.truncate(cut.index(text.len() + 1));
        }
        let dir = TempDir::new().unwrap();
        let _ = read_bytes(dir.path(), &text);
    }

    #[test]
    fn a_written_results_file_reads_back_equal(results in results()) {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("runs").join("r.json");
        results.write(&path).unwrap();
        let back = Results::read(&path).unwrap();
        prop_assert_eq!(back, results);
    }

    #[test]
    fn any_criterion_files_give_a_clear_error_or_records_that_publish(
        files in criterion_files(),
    ) {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("criterion");
        let new = root.join("group").join("fn").join("new");
        std::fs::create_dir_all(&new).unwrap();
        let mut named = vec![root.clone(), new.clone()];
        for (name, content) in &files {
            let path = if name == CpuFile::NAME { root.join(name) } else { new.join(name) };
            if let Some(Content(bytes)) = content {
                std::fs::write(&path, bytes).unwrap();
            }
            named.push(path);
        }
        // The kind the benchmark's technique declared, keyed as the reader looks it up, when
        // benchmark.json names it in text.
        let bench: Value = files
            .iter()
            .find(|(name, _)| name == "benchmark.json")
            .and_then(|(_, c)| c.as_ref())
            .and_then(|Content(bytes)| serde_json::from_slice(bytes).ok())
            .unwrap_or_default();
        if let Some(group) = bench.get("group_id").and_then(Value::as_str) {
            let function = bench.get("function_id").and_then(Value::as_str).unwrap_or("(none)");
            let kinds = json!({"schema": "cb-kinds-v1", "kinds": {format!("{group}/{function}"): "thread"}});
            std::fs::write(KindsFile::path(&root), kinds.to_string()).unwrap();
        }
        named.push(KindsFile::path(&root));
        match load_criterion(&root, None) {
            Err(e) => assert_clear(&e, &named),
            Ok(records) => {
                prop_assert_eq!(records.len(), 1);
                let results = Results {
                    schema: SCHEMA.to_string(),
                    run: Run {
                        id: "r".into(),
                        time_utc: "t".into(),
                        git_revision: "g".into(),
                        profile: "quick".into(),
                        preset: "quick".into(),
                        command_line: "c".into(),
                        criterion_dir: None,
                        partial: None,
                        language: None,
                        python: None,
                    },
                    machine: Machine {
                        label: "m".into(),
                        cpu_model: "c".into(),
                        logical_cores: Some(2),
                        physical_cores: Some(2),
                        memory_bytes: None,
                        os: "o".into(),
                        kernel: "k".into(),
                        arch: "a".into(),
                        rustc: "r".into(),
                        fingerprint: "f".into(),
                        limits: None,
                        calibration: None,
                    },
                    benchmarks: records,
                };
                prop_assert_eq!(results.validate(), Ok(()));
                let path = dir.path().join("r.json");
                results.write(&path).unwrap();
                let back = Results::read(&path);
                prop_assert!(back.is_ok(), "published records do not read back: {:?}", back.err());
            }
        }
    }

    #[test]
    fn swapping_the_reference_turns_every_ratio_into_its_reciprocal(
        (a, b) in two_runs(),
    ) {
        let inputs = [input("a", a), input("b", b)];
        let (ab, ba) = (Comparison::new(&inputs, 0), Comparison::new(&inputs, 1));
        let ids: std::collections::BTreeSet<&str> = inputs
            .iter()
            .flat_map(|i| i.results.benchmarks.iter().map(|r| r.id.as_str()))
            .collect();
        for id in &ids {
            match (ab.ratio(1, id), ba.ratio(0, id)) {
                (Some(x), Some(y)) => prop_assert!(
                    (x * y - 1.0).abs() < 1e-12,
                    "{id}: b/a = {x} but a/b = {y}"
                ),
                (None, None) => {}
                other => prop_assert!(false, "{id}: ratio only one way: {other:?}"),
            }
        }
        let all: Vec<&str> = ids.iter().copied().collect();
        match (ab.family_geomean(1, &all), ba.family_geomean(0, &all)) {
            ((Some(x), n), (Some(y), m)) => {
                prop_assert_eq!(n, m);
                prop_assert!((x * y - 1.0).abs() < 1e-9, "geometric means {x} and {y}");
            }
            ((None, 0), (None, 0)) => {}
            other => prop_assert!(false, "geometric mean only one way: {other:?}"),
        }
        // Neither view panics on any pair.
        let _ = (ab.text(), ba.text());
    }
}

fn input(name: &str, results: Results) -> Input {
    Input {
        path: PathBuf::from(format!("{name}.json")),
        name: name.to_string(),
        results,
    }
}

/// Two valid runs over overlapping benchmarks: each id in a, in b, or in both.
fn two_runs() -> impl Strategy<Value = (Results, Results)> {
    let median = (1e-3..1e13f64).prop_map(|p| Estimate {
        point_ns: p,
        lower_ns: p,
        upper_ns: p,
    });
    let entry = (
        0u8..3,
        "[ab]/[xy]",
        prop_oneof![Just("sequential"), Just("rayon"), Just("tokio")],
        "[1-4]",
        median.clone(),
        median,
    );
    (
        results(),
        results(),
        proptest::collection::btree_map(0u32..20, entry, 1..12),
    )
        .prop_map(|(mut a, mut b, entries)| {
            a.benchmarks.clear();
            b.benchmarks.clear();
            let template = |group: &str, technique: &str, param: &str, id: &str, t: Estimate| {
                let (family, workload) = group.split_once('/').unwrap();
                Record {
                    id: id.to_string(),
                    group: group.to_string(),
                    family: family.to_string(),
                    workload: workload.to_string(),
                    technique: technique.to_string(),
                    parameter: param.to_string(),
                    kind: Kind::Thread,
                    median: t,
                    mean: t,
                    std_dev: Estimate {
                        point_ns: 0.0,
                        lower_ns: 0.0,
                        upper_ns: 0.0,
                    },
                    samples: 10,
                    throughput: None,
                    latency: None,
                    cpu: None,
                    criterion_page: None,
                    contention: None,
                    sample: None,
                    stability: None,
                    tier: None,
                    paired: None,
                    floor_ns: None,
                    chain: None,
                    threads: None,
                    workers: None,
                    marks: Vec::new(),
                }
            };
            for (n, (side, group, technique, param, ta, tb)) in entries {
                let id = format!("{group}/{technique}/{param}/{n}");
                if side != 1 {
                    a.benchmarks
                        .push(template(&group, technique, &param, &id, ta));
                }
                if side != 0 {
                    b.benchmarks
                        .push(template(&group, technique, &param, &id, tb));
                }
            }
            (a, b)
        })
        .prop_filter("both runs hold a benchmark", |(a, b)| {
            !a.benchmarks.is_empty() && !b.benchmarks.is_empty()
        })
}

/// A file's bytes, shown as text (lossy) when a case fails.
#[derive(Clone)]
struct Content(Vec<u8>);

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// criterion's files for one benchmark and the suite's sidecars, each absent, arbitrary
/// bytes, or JSON shaped like the real file with values that may be anything.
fn criterion_files() -> impl Strategy<Value = Vec<(String, Option<Content>)>> {
    // Mostly plausible numbers, so that many cases get past the first check.
    let num = || {
        prop_oneof![
            24 => (1.0..1e9f64).prop_map(Value::from),
            6 => json_number().prop_map(Value::from),
            1 => json_value(),
        ]
    };
    let maybe = |v: BoxedStrategy<Value>| {
        prop_oneof![
            10 => v.prop_map(|v| Some(v.to_string().into_bytes())),
            1 => Just(None),
            1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Some),
        ]
    };
    let name = || prop_oneof![9 => text().prop_map(Value::from), 1 => json_value()];
    let throughput = prop_oneof![
        (
            prop_oneof![
                Just("Elements"),
                Just("Bytes"),
                Just("BytesDecimal"),
                Just("Bits"),
                Just("Odd")
            ],
            num()
        )
            .prop_map(|(k, n)| json!({ k: n })),
        (num(), num()).prop_map(|(e, b)| json!({"ElementsAndBytes": {"elements": e, "bytes": b}})),
        json_value(),
    ];
    let benchmark = (name(), name(), name(), proptest::option::of(throughput))
        .prop_map(|(g, f, v, t)| {
            let mut b = json!({"group_id": g, "function_id": f, "value_str": v});
            if let Some(t) = t {
                b["throughput"] = t;
            }
            b
        })
        .boxed();
    let est = || {
        (num(), num(), num()).prop_map(|(p, l, u)| {
            json!({"point_estimate": p, "confidence_interval": {"lower_bound": l, "upper_bound": u}})
        })
    };
    let estimates = (est(), est(), est(), any::<u8>())
        .prop_map(|(median, mean, std_dev, drop)| {
            let mut e = json!({"median": median, "mean": mean, "std_dev": std_dev});
            let keys = ["median", "mean", "std_dev"];
            if let Some(k) = keys.get(usize::from(drop % 6)) {
                e.as_object_mut().unwrap().remove(*k);
            }
            e
        })
        .boxed();
    let sample = prop_oneof![
        proptest::collection::vec(num(), 0..4).prop_map(|i| json!({"iters": i})),
        json_value(),
    ]
    .boxed();
    let count = || prop_oneof![9 => (0u64..1_000_000).prop_map(Value::from), 1 => num()];
    let latency = (count(), count(), num(), num(), num(), num(), num())
        .prop_map(|(r, e, rps, p50, p99, max, d)| {
            json!({"schema": "cb-latency-v1", "group": "g", "function": "f", "parameter": "1",
                   "requests": r, "errors": e, "requests_per_sec": rps, "p50_us": p50,
                   "p99_us": p99, "max_us": max, "duration_s": d})
        })
        .boxed();
    // The sidecar names the benchmark as the reader will, when the names are text.
    let cpu = (text(), count(), num(), num())
        .prop_map(|(id, i, w, c)| json!({"schema": "cb-cpu-v1", "benchmarks": {id: {"iterations": i, "wall_ns": w, "cpu_ns": c}}}))
        .boxed();
    (
        maybe(benchmark),
        maybe(estimates),
        maybe(sample),
        maybe(latency),
        maybe(cpu),
    )
        .prop_map(|(b, e, s, l, c)| {
            let cpu = c.map(|bytes| match serde_json::from_slice::<Value>(&bytes) {
                Ok(mut doc) => match (&b, doc.get("benchmarks").cloned()) {
                    (Some(b), Some(Value::Object(map))) => {
                        let b: Value = serde_json::from_slice(b).unwrap_or_default();
                        let text = |k: &str| b.get(k).and_then(Value::as_str);
                        let id = [
                            text("group_id").unwrap_or_default(),
                            text("function_id").unwrap_or("(none)"),
                            text("value_str").unwrap_or_default(),
                        ];
                        let id = id
                            .iter()
                            .filter(|s| !s.is_empty())
                            .copied()
                            .collect::<Vec<_>>()
                            .join("/");
                        let entry = map.into_iter().next().map(|(_, v)| v).unwrap_or_default();
                        doc["benchmarks"] = json!({ id: entry });
                        doc.to_string().into_bytes()
                    }
                    _ => bytes,
                },
                Err(_) => bytes,
            });
            [
                ("benchmark.json", b),
                ("estimates.json", e),
                ("sample.json", s),
                ("latency.json", l),
                (CpuFile::NAME, cpu),
            ]
            .into_iter()
            .map(|(name, bytes)| (name.to_string(), bytes.map(Content)))
            .collect()
        })
}

proptest! {
    // Drawing charts is slow: a quarter of the cases.
    #![proptest_config(ProptestConfig { cases: config().cases / 4, ..config() })]

    // Found two bugs, both fixed in `chart`: a median far outside its interval overflowed
    // plotters' pixel math, and a latency near f64::MAX made an infinite axis end that took
    // minutes to render.
    #[test]
    fn every_valid_results_file_renders(results in results(), other in results()) {
        let page = report::output::page::render_index(
            &results,
            Some(report::output::page::Beside { name: "other", results: &other }),
            "charts",
        );
        prop_assert!(page.is_ok(), "{:?}", page.err());
        let inputs = [input("a", results), input("b", other)];
        let page = Comparison::new(&inputs, 0).html("charts");
        prop_assert!(page.is_ok(), "{:?}", page.err());
    }
}
