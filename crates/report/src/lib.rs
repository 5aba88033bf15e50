//! The report of concurrency-bench: criterion's files -> a results JSON -> charts -> one
//! offline HTML page; and a comparison of results files across machines.
//!
//! `cargo bench` ends by calling [`publish()`] (from `benches/support.rs`): it reads every
//! benchmark this run wrote under `target/criterion` (ids from criterion's `benchmark.json`,
//! times from `estimates.json`, and the suite's side files beside them: each technique's
//! declared kind, CPU time, server latency and the rest, [`inputs::side`]), writes `reports/runs/<UTC time>-<machine>.json`
//! (schema [`SCHEMA`], documented in `reports/README.md`), and renders
//! `reports/index.html` with its SVG charts beside it, the baseline of the same machine
//! (fingerprint, effective CPUs, idle polling) from `reports/baselines/<label>/` shown next
//! to the run. Nothing is published in criterion's test
//! mode ([`should_publish`]).
//!
//! The page is a pure function of the results file ([`output::page::render_index`]), so a file from
//! another machine renders the same way (`render` binary). The `compare` binary puts two or
//! more files side by side ([`output::compare::Comparison`]): ratios against a reference, geometric
//! means per family, each machine's own speedup over its sequential run, fingerprints, and
//! `--fail-above PCT` for CI. Bad input (no criterion output, truncated or hand-edited JSON,
//! a wrong schema, NaN or negative times, no benchmarks) is one line naming the file and the
//! problem ([`Error`]); files are written to a temporary name and renamed, charts go to a
//! fresh folder named by the new page, so an existing good report is never replaced by a
//! partial one. With `--single-file`, `render` and `compare` write one self-contained page
//! instead, its charts inside it ([`output::html::Layout`]).
//!
//! Modules, by layer:
//! - [`inputs`], what is read: `criterion` (criterion's own files -> records), `side` (the
//!   suite's side files: per file its name, schema, types, writer and reader; the benches
//!   write through it), `pyperf` (the Python side's pyperf files -> records, for
//!   `import-pyperf`), `machine` (the machine's record from what `host` read, and the
//!   fingerprint);
//! - [`analysis`], what is computed: speedups and best per technique (the module itself),
//!   `stats` (medians and means with intervals, compare's verdicts, stability), `noise`
//!   (A/A noise floors), `laws` (scaling fits), `breakeven` and `grain` (the grain sweep's
//!   break-even), `versus` (Rust against the article's Python, a column per interpreter),
//!   `interpreters` (whether free-threading changes the answer), `paired` (speedups from the
//!   paired baseline), `bounds` (physical bounds), `calibration` (the CPUs' speeds, their
//!   spread and drift), `contention` (the busy mark over others' and steal's share);
//! - [`output`], what is written: `chart` (a file per chart kind), `html` (maud building
//!   blocks), `page` (the run page), `compare` (the comparison: its page and its text);
//! - at the top: [`model`] (the results schema), [`Error`], [`fsio`] (atomic writes),
//!   [`publish()`](publish::publish).
//!
//! This crate never links a technique crate: it knows techniques by their ids and the
//! [`Kind`](model::Kind) each declared (`workloads::Kind`, from the side files or the
//! Python side's metadata).
//!
//! Pages are [maud](https://maud.lambda.xyz) templates ([`output::html`]): markup is a typed value
//! and every spliced value is escaped, so a machine label or technique id from a foreign
//! results file cannot inject markup. maud over askama because the pages are built from many
//! small computed pieces (a row here, a note there, shared by the run and compare pages):
//! maud's templates are Rust functions taking typed arguments and returning `Markup`, checked
//! by the compiler with no template files or context structs to keep in step. The RFC 3339
//! time is [jiff](https://docs.rs/jiff)'s (`std` only, no time-zone database: every stamp is
//! UTC), and the target folder comes from `cargo metadata` through
//! [cargo_metadata](https://docs.rs/cargo_metadata).
//!
//! ```
//! use report::model::{Results, SCHEMA};
//!
//! let text = format!(r#"{{"schema": "{SCHEMA}",
//!   "run": {{"id": "r", "time_utc": "t", "git_revision": "g", "profile": "quick",
//!            "preset": "quick", "command_line": "cargo bench"}},
//!   "machine": {{"label": "m", "cpu_model": "c", "logical_cores": 2, "physical_cores": 2,
//!                "memory_bytes": null, "os": "o", "kernel": "k", "arch": "a", "rustc": "r",
//!                "fingerprint": "f"}},
//!   "benchmarks": [{{"id": "map/w/sequential/1", "group": "map/w", "family": "map",
//!     "workload": "w", "technique": "sequential", "parameter": "1", "kind": "sequential",
//!     "median": {{"point_ns": 2e6, "lower_ns": 1.9e6, "upper_ns": 2.1e6}},
//!     "mean": {{"point_ns": 2e6, "lower_ns": 1.9e6, "upper_ns": 2.1e6}},
//!     "std_dev": {{"point_ns": 1e4, "lower_ns": 1e4, "upper_ns": 1e4}}, "samples": 10}}]}}"#);
//! let results = Results::parse(&text).expect("a valid results file");
//! assert_eq!(results.benchmarks[0].technique, "sequential");
//!
//! let page = report::output::page::render_index(&results, None, "charts").expect("renders");
//! assert!(page.html.contains("map/w") && !page.charts.is_empty());
//!
//! let wrong = text.replace(SCHEMA, "cb-results-v0");
//! assert!(Results::parse(&wrong).unwrap_err().contains("not supported"));
//! ```

#![warn(missing_docs)]

pub mod analysis;
mod error;
pub mod fsio;
pub mod inputs;
pub mod model;
pub mod output;
pub mod publish;

pub use error::Error;
pub use model::{Results, SCHEMA};
pub use publish::{PublishOptions, Published, publish, should_publish};
