//! What every shared-state technique uses to run and time its workers the same way, and the
//! small deterministic random generator the task workloads draw from.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::RunError;

/// Runs `work(i)` for `i in 0..threads` on scoped threads released together by a barrier, and
/// returns the results in index order with the time from the first worker's start until the
/// last one finished.
///
/// Spawning a thread costs tens of microseconds (`overhead/handoff/thread-spawn-join`): the
/// barrier keeps that out of the measurement, so a short run is not dominated by
/// `thread::spawn`. Each worker reads the
/// clock itself, after the barrier and before its work, and again after it: the span from
/// the earliest start to the latest end covers all the work even when a thread (the caller
/// included) is descheduled around the barrier, so a makespan is never under-measured. A
/// thread that panics is reported as [`RunError::TaskPanicked`] naming its index.
pub fn run_timed<R: Send>(
    threads: usize,
    work: impl Fn(usize) -> R + Sync,
) -> Result<(Vec<R>, Duration), RunError> {
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        for i in 0..threads {
            let (barrier, work) = (&barrier, &work);
            let spawned = std::thread::Builder::new()
                .name(format!("sync-worker-{i}"))
                .spawn_scoped(scope, move || {
                    barrier.wait();
                    let started = Instant::now();
                    let result = work(i);
                    (result, started, Instant::now())
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    // The threads already started wait on the barrier for the missing ones;
                    // they cannot be released without running their work, so abort loudly.
                    eprintln!("error: spawning sync worker {i}: {e}");
                    std::process::abort();
                }
            }
        }
        barrier.wait();
        let mut results = Vec::with_capacity(threads);
        let (mut first_start, mut last_end) = (None::<Instant>, None::<Instant>);
        let mut panicked = None;
        for (i, handle) in handles.into_iter().enumerate() {
            match handle.join() {
                Ok((r, started, ended)) => {
                    results.push(r);
                    first_start = Some(first_start.map_or(started, |f| f.min(started)));
                    last_end = Some(last_end.map_or(ended, |l| l.max(ended)));
                }
                Err(payload) => {
                    panicked.get_or_insert(RunError::TaskPanicked {
                        task: i,
                        message: panic_message(payload.as_ref()),
                    });
                }
            }
        }
        let elapsed = match (first_start, last_end) {
            (Some(start), Some(end)) => end.duration_since(start),
            _ => Duration::ZERO,
        };
        match panicked {
            Some(e) => Err(e),
            None => Ok((results, elapsed)),
        }
    })
}

/// Runs `f` on a thread of its own and waits at most `limit` for its answer, so a check of a
/// broken technique (a lost wakeup, a missing sentinel) fails naming `what` instead of
/// hanging. A thread that never finishes is left behind; the failing process ends it.
pub fn with_deadline<R: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, RunError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let handle = std::thread::Builder::new()
        .name(format!("deadline-{what}"))
        .spawn(move || {
            // The receiver may be gone after a timeout; nothing is left to tell then.
            let _ = tx.send(f());
        })
        .map_err(|e| RunError::Start {
            technique: what.to_string(),
            cause: e.to_string(),
        })?;
    match rx.recv_timeout(limit) {
        Ok(answer) => Ok(answer),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(RunError::TaskPanicked {
            task: 0,
            message: handle
                .join()
                .err()
                .map_or_else(String::new, |p| panic_message(p.as_ref())),
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(RunError::Other(format!(
            "{what}: no answer within {limit:?}"
        ))),
    }
}

/// The text of a panic payload, when it was a string.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// SplitMix64: a tiny, fast, deterministic generator, so every run and every machine draws
/// the same random DAGs and priorities without a `rand` dependency.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..bound` (`bound > 0`); the tiny modulo bias does not matter here.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// The SplitMix64 finalizer: a cheap bijective hash, also the per-task "work" of the queues.
pub fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(SplitMix64::new(7), |g, _| Some(g.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(SplitMix64::new(7), |g, _| Some(g.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert!(SplitMix64::new(1).below(10) < 10);
    }

    #[test]
    fn deadlines_bound_a_hang_and_pass_answers() {
        assert_eq!(
            with_deadline("quick", Duration::from_secs(5), || 7).unwrap(),
            7
        );
        let hang = with_deadline("hang", Duration::from_millis(20), || {
            std::thread::sleep(Duration::from_secs(3600))
        });
        assert!(hang.unwrap_err().to_string().contains("hang: no answer"));
        let boom = with_deadline("boom", Duration::from_secs(5), || panic!("inside")).unwrap_err();
        assert!(matches!(boom, RunError::TaskPanicked { ref message, .. } if message == "inside"));
    }

    #[test]
    fn run_timed_covers_all_the_work() {
        // Sleeps last at least their duration, so the span must too: a lower bound, not a
        // timing assertion.
        let (_, elapsed) = run_timed(3, |i| {
            std::thread::sleep(Duration::from_millis(5 + i as u64))
        })
        .unwrap();
        assert!(elapsed >= Duration::from_millis(7), "{elapsed:?}");
    }

    #[test]
    fn run_timed_returns_in_order_and_names_a_panic() {
        let (out, _) = run_timed(3, |i| i * 10).unwrap();
        assert_eq!(out, vec![0, 10, 20]);
        let err = run_timed(2, |i| if i == 1 { panic!("boom") } else { i }).unwrap_err();
        assert!(
            matches!(err, RunError::TaskPanicked { task: 1, ref message } if message == "boom")
        );
    }
}
