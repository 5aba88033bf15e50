//! The root package of concurrency-bench.
//!
//! It owns the criterion suite in `benches/` (one `suite` target with a module per family)
//! and nothing else of substance: techniques live in `crates/`, one crate each, and all of
//! them run the workloads of the `workloads` crate. See `README.md` and `docs/architecture.md`.
