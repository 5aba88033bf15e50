//! The latency figures of a load-test benchmark: what the generator measured, over every
//! load run of that benchmark, with the percentiles of an open-loop run when there was one.
//! The bench writes them beside criterion's output (the report's `latency.json`); this crate
//! writes no file.

use crate::LoadReport;

/// An open-loop run beside a benchmark's closed-loop runs: its percentiles, corrected for
/// coordinated omission, are the ones the figures give.
#[derive(Clone, Debug)]
pub struct OpenLoop {
    /// The fixed request rate, requests per second.
    pub rate: f64,
    /// What the open-loop run measured.
    pub report: LoadReport,
}

/// A load-test benchmark's latency figures ([`latency_figures`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyFigures {
    /// Requests answered, over every closed-loop run.
    pub requests: u64,
    /// Failed requests, the open loop's included.
    pub errors: u64,
    /// `requests / duration_s` of the closed loop.
    pub requests_per_sec: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile, microseconds.
    pub p99_us: f64,
    /// Worst latency, microseconds.
    pub max_us: f64,
    /// How long the closed loop ran, seconds.
    pub duration_s: f64,
    /// Set when the percentiles are an open loop's.
    pub open_loop: Option<OpenLoopFigures>,
}

/// What the figures say about the open loop their percentiles come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpenLoopFigures {
    /// The open loop's fixed rate, requests per second.
    pub rate: f64,
    /// The closed loop's own p99, microseconds.
    pub closed_loop_p99_us: f64,
}

/// The figures of `report` (every closed-loop run of a benchmark). With `open`, the
/// percentiles are the open loop's, its errors count too, and
/// [`LatencyFigures::open_loop`] says so.
pub fn latency_figures(report: &LoadReport, open: Option<&OpenLoop>) -> LatencyFigures {
    let closed = LatencyFigures {
        requests: report.requests,
        errors: report.errors,
        requests_per_sec: report.requests_per_sec(),
        p50_us: report.latency_at(0.50),
        p99_us: report.latency_at(0.99),
        max_us: report.latency_us.max() as f64,
        duration_s: report.duration.as_secs_f64(),
        open_loop: None,
    };
    match open {
        None => closed,
        Some(open) => LatencyFigures {
            errors: report.errors + open.report.errors,
            p50_us: open.report.latency_at(0.50),
            p99_us: open.report.latency_at(0.99),
            max_us: open.report.latency_us.max() as f64,
            open_loop: Some(OpenLoopFigures {
                rate: open.rate,
                closed_loop_p99_us: closed.p99_us,
            }),
            ..closed
        },
    }
}
