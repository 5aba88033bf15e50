//! Progress lines for a long run, and publishing what a failed or interrupted run measured.
//!
//! Before the suite measures anything, a dry pass walks every family with the same settings
//! and filter and lists the benchmarks it would run (nothing is run, no criterion output;
//! setup shared by a whole group, such as a server, is started and stopped). Then, before
//! each benchmark, one plain line on stderr (no escape codes, so a log file reads the same):
//!
//! ```text
//! map: 120 benchmarks
//! [37/349] map/primes-1m-r64/rayon/2  4m10s elapsed, about 5m left
//! ```
//!
//! The estimate is, for each benchmark still to come, the mean time the finished ones of its
//! family took (verifying run, criterion's warm-up, the measuring time the sampling plan gave
//! them, criterion's analysis), or the mean over the whole run for a family not started yet.
//! At the end: the total time and the five slowest benchmarks.
//!
//! Ctrl-C sets a flag ([`interrupted`]): the current benchmark finishes first, then the run
//! ends the way a failed one does, publishing what it measured (`finish`); a second Ctrl-C
//! ends the run at once. This module publishes nothing itself.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The benchmarks of the run, what has been measured, and when the run began.
struct State {
    /// Benchmark ids in the order the dry pass met them.
    planned: Vec<String>,
    /// Benchmarks per family, from the dry pass.
    per_family: BTreeMap<String, usize>,
    /// Whether the measuring pass has begun (before it, ids go into the plan).
    began: Option<Instant>,
    /// Benchmarks measured so far and how long each took.
    done: Vec<(String, Duration)>,
    /// The preset's name, for publishing a partial run.
    preset: &'static str,
}

static STATE: Mutex<State> = Mutex::new(State {
    planned: Vec::new(),
    per_family: BTreeMap::new(),
    began: None,
    done: Vec::new(),
    preset: "",
});

/// Set by the first Ctrl-C; checked before each benchmark.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn family(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}

/// Lists `id` in the plan (the dry pass).
pub fn plan(id: &str) {
    let mut state = state();
    *state.per_family.entry(family(id).to_string()).or_default() += 1;
    state.planned.push(id.to_string());
}

/// Starts the measuring pass: from here on the lines count against the plan, and Ctrl-C
/// stops the run after the current benchmark.
pub fn begin(preset: &'static str) {
    let mut state = state();
    state.began = Some(Instant::now());
    state.preset = preset;
    eprintln!("progress: {} benchmarks to measure", state.planned.len());
    drop(state);
    catch_ctrl_c();
}

/// Whether Ctrl-C asked the run to stop after the current benchmark.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// The preset's name, as [`begin`] was given it.
pub fn preset() -> &'static str {
    state().preset
}

/// Announces benchmark `id` (and its family, at the family's first), and returns its start.
pub fn start(id: &str) -> Instant {
    let state = state();
    if let Some(began) = state.began {
        let index = state.done.len() + 1;
        let fam = family(id);
        if !state.done.iter().any(|(d, _)| family(d) == fam) {
            let count = state.per_family.get(fam).copied().unwrap_or(0);
            eprintln!("{fam}: {count} benchmarks");
        }
        let total = state.planned.len().max(index);
        eprintln!(
            "[{index}/{total}] {id}  {} elapsed, about {} left",
            clock(began.elapsed()),
            clock(estimate_left(&state, index - 1))
        );
    }
    Instant::now()
}

/// Records that benchmark `id`, started at `started`, is measured.
pub fn done(id: &str, started: Instant) {
    let mut state = state();
    if state.began.is_some() {
        state.done.push((id.to_string(), started.elapsed()));
    }
}

/// Prints the total time and the five slowest benchmarks, and returns how many were
/// measured; `None` before the measuring pass began (nothing to say).
pub fn summary() -> Option<usize> {
    let state = state();
    let began = state.began?;
    eprintln!(
        "progress: {} benchmarks in {}; the slowest:",
        state.done.len(),
        clock(began.elapsed())
    );
    let mut slowest: Vec<&(String, Duration)> = state.done.iter().collect();
    slowest.sort_by_key(|d| std::cmp::Reverse(d.1));
    for (id, took) in slowest.into_iter().take(5) {
        eprintln!("  {:>8.1}s  {id}", took.as_secs_f64());
    }
    Some(state.done.len())
}

/// The estimate for the benchmarks after the first `measured` of the plan.
fn estimate_left(state: &State, measured: usize) -> Duration {
    let mean = |items: Vec<Duration>| -> Option<Duration> {
        let n = u32::try_from(items.len()).ok().filter(|&n| n > 0)?;
        Some(items.into_iter().sum::<Duration>() / n)
    };
    let overall = mean(state.done.iter().map(|d| d.1).collect());
    let mut per_family: BTreeMap<&str, Option<Duration>> = BTreeMap::new();
    let mut left = Duration::ZERO;
    for id in state.planned.iter().skip(measured) {
        let fam = family(id);
        let guess = *per_family.entry(fam).or_insert_with(|| {
            let finished = state.done.iter().filter(|(d, _)| family(d) == fam);
            mean(finished.map(|d| d.1).collect())
        });
        left += guess.or(overall).unwrap_or(DEFAULT_COST);
    }
    left
}

/// What a benchmark costs before any has finished: criterion's warm-up plus about a second
/// of measuring (see `size_for`) plus its analysis.
const DEFAULT_COST: Duration = Duration::from_millis(1_500);

/// `4m10s`, `12s`, `1h02m`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

extern "C" fn on_ctrl_c(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
    const MSG: &[u8] = b"\nCtrl-C: stopping after this benchmark (again to stop now)\n";
    // SAFETY: write(2) and signal(2) are async-signal-safe; MSG outlives the call.
    unsafe {
        libc::write(2, MSG.as_ptr().cast(), MSG.len());
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// The first Ctrl-C sets [`INTERRUPTED`]; the handler then restores the default, so a second
/// one ends the run at once.
fn catch_ctrl_c() {
    let handler: extern "C" fn(libc::c_int) = on_ctrl_c;
    // SAFETY: the handler only stores an atomic and calls async-signal-safe functions.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}
