//! The article's `LimitedResource`: a `Semaphore(2)` in front of a resource that 5 workers use
//! 3 times each, and the gauge that proves no more than `permits` were ever inside.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::Mismatch;

/// `workers` workers each use a resource `uses` times, holding it `hold` each time, while at
/// most `permits` may hold it at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitedResourceJob {
    /// Concurrent workers.
    pub workers: usize,
    /// Uses per worker.
    pub uses: usize,
    /// How many may hold the resource at once (the semaphore's value).
    pub permits: usize,
    /// How long each use holds the resource.
    pub hold: Duration,
}

impl LimitedResourceJob {
    /// The article's `Semaphore(2)` with 5 workers x 3 uses, holding 5 ms (the article: 1 s).
    pub const ARTICLE: LimitedResourceJob = LimitedResourceJob {
        workers: 5,
        uses: 3,
        permits: 2,
        hold: Duration::from_millis(5),
    };

    /// The stable benchmark id, e.g. `limited-resource-p2-h5ms`.
    pub fn id(&self) -> String {
        format!(
            "limited-resource-{}x{}-p{}-h{}us",
            self.workers,
            self.uses,
            self.permits,
            self.hold.as_micros()
        )
    }

    /// Holds in a row on the busiest permit: `ceil(workers * uses / permits)`.
    pub fn rounds(&self) -> u32 {
        (self.workers * self.uses).div_ceil(self.permits.max(1)) as u32
    }

    /// The shortest possible makespan: [`rounds`](Self::rounds) holds in a row.
    pub fn floor(&self) -> Duration {
        self.hold * self.rounds()
    }

    /// The floor when each hold is a timer that fires on the next tick of a clock with
    /// `resolution` (tokio's timer: 1 ms, so a 5 ms sleep lasts up to 6 ms).
    pub fn floor_with_timer(&self, resolution: Duration) -> Duration {
        (self.hold + resolution) * self.rounds()
    }

    /// Every use happened, never more than `permits` were inside at once, and the run was
    /// not shorter than its floor (it cannot be, unless more than `permits` were inside).
    pub fn verify(&self, got: &LimitedResourceReport) -> Result<(), Mismatch> {
        let id = self.id();
        Mismatch::unless_equal(&id, "uses completed", self.workers * self.uses, got.uses)?;
        if got.max_inside > self.permits || got.max_inside == 0 {
            return Err(Mismatch::new(
                id,
                "most workers inside at once",
                self.permits,
                got.max_inside,
            ));
        }
        if got.makespan < self.floor() {
            return Err(Mismatch::new(
                id,
                "makespan at least the floor",
                self.floor(),
                got.makespan,
            ));
        }
        Ok(())
    }
}

/// What a limited-resource run observed; [`LimitedResourceJob::verify`] checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitedResourceReport {
    /// Uses completed, over all workers.
    pub uses: usize,
    /// The most workers seen inside at once.
    pub max_inside: usize,
    /// From the workers' common start until the last use ended.
    pub makespan: Duration,
}

/// Counts who is inside the resource. Every technique wraps each use in [`Gauge::enter`].
#[derive(Debug, Default)]
pub struct Gauge {
    inside: AtomicUsize,
    max_inside: AtomicUsize,
    uses: AtomicUsize,
}

impl Gauge {
    /// A gauge with nobody inside.
    pub fn new() -> Self {
        Gauge::default()
    }

    /// Records an entry; the returned guard records the exit when dropped.
    pub fn enter(&self) -> Inside<'_> {
        // Relaxed is enough: every update is a read-modify-write of one location, and those
        // are totally ordered, so if k holders overlap, some increment reads k - 1. The
        // semaphore under test orders one holder's exit before the next entry; the gauge must
        // not add ordering of its own that could hide a broken semaphore.
        let now = self.inside.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_inside.fetch_max(now, Ordering::Relaxed);
        Inside(self)
    }

    /// The report of a finished run.
    pub fn report(&self, makespan: Duration) -> LimitedResourceReport {
        LimitedResourceReport {
            uses: self.uses.load(Ordering::Relaxed),
            max_inside: self.max_inside.load(Ordering::Relaxed),
            makespan,
        }
    }
}

/// Being inside the resource; dropping it leaves.
#[derive(Debug)]
pub struct Inside<'a>(&'a Gauge);

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.uses.fetch_add(1, Ordering::Relaxed);
        self.0.inside.fetch_sub(1, Ordering::Relaxed);
    }
}

job!(
    LimitedResourceJob => LimitedResourceReport,
    elements: |self| (self.workers * self.uses) as u64,
    time: makespan;

    fn floor(&self, timer_resolution: Duration) -> Option<Duration> {
        Some(self.floor_with_timer(timer_resolution))
    }

    /// The first makespan against its floor with the technique's timer, and the most
    /// workers seen inside at once.
    fn chain(&self) -> Option<u32> {
        Some(self.rounds())
    }

    fn note(&self, report: &LimitedResourceReport, timer_resolution: Duration) -> Option<String> {
        let floor = self.floor_with_timer(timer_resolution);
        Some(format!(
            "first makespan {:.2} ms, floor {:.2} ms ({:+.1}%), at most {} inside",
            report.makespan.as_secs_f64() * 1e3,
            floor.as_secs_f64() * 1e3,
            (report.makespan.as_secs_f64() / floor.as_secs_f64() - 1.0) * 100.0,
            report.max_inside,
        ))
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_is_the_articles() {
        let job = LimitedResourceJob::ARTICLE;
        assert_eq!(job.rounds(), 8);
        assert_eq!(job.floor(), Duration::from_millis(40));
        assert_eq!(
            job.floor_with_timer(Duration::from_millis(1)),
            Duration::from_millis(48)
        );
        assert_eq!(job.id(), "limited-resource-5x3-p2-h5000us");
    }

    #[test]
    fn gauge_counts_overlap_and_verify_uses_it() {
        let job = LimitedResourceJob::ARTICLE;
        let gauge = Gauge::new();
        for _ in 0..14 {
            let _a = gauge.enter();
            let _b = gauge.enter();
        }
        let _last = gauge.enter();
        drop(_last);
        let report = gauge.report(Duration::from_millis(41));
        assert_eq!((report.uses, report.max_inside), (29, 2));
        let fifteen = LimitedResourceReport { uses: 15, ..report };
        assert!(job.verify(&fifteen).is_ok());
        assert!(
            job.verify(&LimitedResourceReport {
                max_inside: 3,
                ..fifteen
            })
            .is_err()
        );
        assert!(
            job.verify(&LimitedResourceReport {
                uses: 14,
                ..fifteen
            })
            .is_err()
        );
        let fast = LimitedResourceReport {
            makespan: Duration::from_millis(39),
            ..fifteen
        };
        assert!(job.verify(&fast).unwrap_err().what.contains("floor"));
    }
}
