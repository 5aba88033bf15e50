//! The traits techniques implement: one generic [`Technique`] for the job families (a job
//! states its report and how a report is checked), and the start/run pair of the map family.
//! Every technique trait requires [`Named`], which a technique type declares once with
//! [`technique!`](crate::technique).

use std::num::NonZeroUsize;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{MapJob, Mismatch, RunError, TaskOutput};

/// What a technique pays for: the report files each row under one of these (and colours the
/// best of each kind). Every technique declares its own; nothing is guessed from its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// One thread does everything: the baseline.
    Sequential,
    /// OS threads in this process.
    Thread,
    /// Worker OS processes.
    Process,
    /// Tasks on an async runtime.
    Async,
}

impl Kind {
    /// Every kind, in the report's order.
    pub const ALL: [Kind; 4] = [Kind::Sequential, Kind::Thread, Kind::Process, Kind::Async];

    /// The kebab-case name, as serde writes it: `sequential`, `thread`, `process`, `async`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sequential => "sequential",
            Kind::Thread => "thread",
            Kind::Process => "process",
            Kind::Async => "async",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What every technique declares once, whatever its family: its id and its [`Kind`].
///
/// The technique traits ([`Technique`], [`MapTechnique`], [`DownloadTechnique`],
/// [`WebServerTechnique`]) require it, so a type that is a technique of several families
/// still has one id and one kind. Declare it with [`technique!`](crate::technique).
///
/// [`DownloadTechnique`]: crate::DownloadTechnique
/// [`WebServerTechnique`]: crate::WebServerTechnique
pub trait Named {
    /// The stable kebab-case id: criterion's function id, the JSON key, the chart legend.
    fn id(&self) -> &'static str;

    /// What the technique pays for.
    fn kind(&self) -> Kind;
}

/// Declares a technique type's id and [`Kind`]: the [`Named`] impl, and for a fixed id the
/// constants `ID` and `KIND` beside the type.
///
/// Three forms:
/// - `technique!(Type, "id", Kind::Thread);` a type with one id: `Type::ID`, `Type::KIND`.
/// - `technique!(impl<L: Bound> Type<L>, L::ID, Kind::Thread);` a generic type whose id comes
///   from its parameters: the constants are on each `Type<L>`.
/// - `technique!(Type, |self| match self.0 { .. }, Kind::Thread);` a type whose id depends on
///   its value (one type measured as several rows): only `Type::KIND`, the id is `Named::id`.
///
/// ```
/// use workloads::{Kind, Named, technique};
///
/// struct Spawn;
/// technique!(Spawn, "spawn", Kind::Thread);
///
/// struct Chunks(bool);
/// technique!(Chunks, |self| if self.0 { "chunks-strided" } else { "chunks" }, Kind::Thread);
///
/// trait Lock {
///     const ID: &'static str;
/// }
/// struct Std;
/// impl Lock for Std {
///     const ID: &'static str = "std-mutex";
/// }
/// struct Locked<L>(std::marker::PhantomData<L>);
/// technique!(impl<L: Lock> Locked<L>, L::ID, Kind::Thread);
///
/// assert_eq!((Spawn::ID, Spawn.id(), Spawn.kind()), ("spawn", "spawn", Kind::Thread));
/// assert_eq!(Chunks(true).id(), "chunks-strided");
/// assert_eq!(Chunks::KIND, Kind::Thread);
/// assert_eq!(Locked::<Std>(std::marker::PhantomData).id(), Locked::<Std>::ID);
/// ```
#[macro_export]
macro_rules! technique {
    // The `self` of the id expression is the caller's token, passed in, so the expression can
    // name the method's receiver (a macro's own `self` would not be visible to it).
    ($ty:ident, |$this:ident| $id:expr, $kind:expr $(,)?) => {
        impl $ty {
            /// What the technique pays for.
            pub const KIND: $crate::Kind = $kind;
        }

        impl $crate::Named for $ty {
            fn id(&$this) -> &'static str {
                $id
            }

            fn kind(&self) -> $crate::Kind {
                Self::KIND
            }
        }
    };
    (impl<$($param:ident: $bound:path),*> $ty:ty, $id:expr, $kind:expr $(,)?) => {
        impl<$($param: $bound),*> $ty {
            /// The technique id: criterion's function id, the JSON key, the chart legend.
            pub const ID: &'static str = $id;
            /// What the technique pays for.
            pub const KIND: $crate::Kind = $kind;
        }

        impl<$($param: $bound),*> $crate::Named for $ty {
            fn id(&self) -> &'static str {
                Self::ID
            }

            fn kind(&self) -> $crate::Kind {
                Self::KIND
            }
        }
    };
    // A plain type is the generic form without parameters.
    ($ty:ident, $id:expr, $kind:expr $(,)?) => {
        $crate::technique!(impl<> $ty, $id, $kind);
    };
}

/// The wake-ups one round of a waiting job's chain pays beyond its nominal time: a timer
/// that ends a sleep late, and a hand-off that wakes a thread blocked on another CPU (a
/// released permit, an answer on a socket). What each costs is the machine's (measured per
/// run: `host::wake`); how many a round has is the technique's to declare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeUps {
    /// Sleeps that end by a timer, per round.
    pub timers: u32,
    /// Threads woken on another CPU, per round.
    pub handoffs: u32,
}

impl WakeUps {
    /// A sleep and a hand-off per round: a holder's sleep ends, then the next waiter wakes.
    pub const TIMER_AND_HANDOFF: WakeUps = WakeUps {
        timers: 1,
        handoffs: 1,
    };
    /// A sleep per round, and the same thread goes on.
    pub const TIMER: WakeUps = WakeUps {
        timers: 1,
        handoffs: 0,
    };
}

/// A workload of a job family (the counter, the semaphore's resource, the queues): its id,
/// what a run reports, and how a report is checked against the expected answer.
pub trait Job {
    /// What one run of a technique produces.
    type Report;

    /// The stable workload id, e.g. `counter-5x100k`.
    fn id(&self) -> String;

    /// How many elements one run processes: criterion's throughput.
    fn elements(&self) -> u64;

    /// Checks `report` against the expected answer, and returns the time it carries (from the
    /// workers' common start until the last one finished): what the bench reports.
    fn check(&self, report: &Self::Report) -> Result<Duration, Mismatch>;

    /// The least time the report can carry for a technique whose clock ticks every
    /// `timer_resolution`, from the job's structure (holds in a chain); `None` for a job
    /// that has no such floor. A row below it breaks a physical bound.
    fn floor(&self, timer_resolution: Duration) -> Option<Duration> {
        let _ = timer_resolution;
        None
    }

    /// How many rounds of waits in a row the floor is made of (`None` where there is no
    /// floor): the chain each round's wake-ups add to.
    fn chain(&self) -> Option<u32> {
        None
    }

    /// A line worth printing after the verifying run (how far a run is from its floor), for
    /// a technique whose clock ticks every `timer_resolution`; none by default.
    fn note(&self, report: &Self::Report, timer_resolution: Duration) -> Option<String> {
        let _ = (report, timer_resolution);
        None
    }
}

/// A way to run a [`Job`]: a `Mutex`-guarded counter, a semaphore, a queue, a scheduler.
///
/// Each technique crate exports its list per job family (`counter_techniques()`, ...); the
/// bench and the tests iterate over it, so adding a technique adds it everywhere.
pub trait Technique<J: Job>: Named + Send + Sync {
    /// Whether the worker count changes anything. A sequential baseline says `false` and is
    /// measured at one worker only.
    fn sweeps_workers(&self) -> bool {
        true
    }

    /// The resolution of the clock the technique's waits sleep on (tokio's timer: 1 ms);
    /// zero for `std::thread::sleep`.
    fn timer_resolution(&self) -> Duration {
        Duration::ZERO
    }

    /// The wake-ups each round of `job`'s chain pays (see [`Job::chain`]): a sleep and a
    /// hand-off unless the technique says otherwise.
    fn wake_ups(&self, job: &J) -> WakeUps {
        let _ = job;
        WakeUps::TIMER_AND_HANDOFF
    }

    /// Runs the job to completion and reports what happened (the timed part is measured
    /// inside, into the report).
    fn run(&self, job: &J) -> Result<J::Report, RunError>;
}

/// A way to spread a [`MapJob`] over workers: `Pool.map`, `executor.map`, `par_iter`, ...
///
/// Each technique crate exports its list of these (`map_techniques()`); the bench and the
/// tests iterate over it, so adding a technique adds it everywhere.
pub trait MapTechnique: Named + Send + Sync {
    /// The threads the tasks run on when started with `workers`, when the technique fixes
    /// that number (1 for a current-thread runtime; the suite counts every technique of kind
    /// `Sequential` as one thread without asking); `None`
    /// when it does not say (pools have helper threads, a thread per task has one a task).
    /// The report holds a one-thread row to at most one core busy.
    fn threads(&self, workers: NonZeroUsize) -> Option<usize> {
        let _ = workers;
        None
    }

    /// How many waiting tasks (the sleeping tasks) wait at once when started with
    /// `workers`: the workers by default for a technique that sweeps them, every task
    /// (`None`) for one that does not; a technique whose waits do not hold a worker (async
    /// sleeps on an event loop) says `None`, the sequential baseline `Some(1)`. A waiting
    /// job's floor follows from it.
    fn concurrent_waits(&self, workers: NonZeroUsize) -> Option<usize> {
        self.sweeps_workers().then_some(workers.get())
    }

    /// Whether the worker count changes anything. The sequential baseline says `false`
    /// and is measured at one worker only.
    fn sweeps_workers(&self) -> bool {
        true
    }

    /// The wake-ups each round of a waiting map job pays (see [`crate::MapJob::chain`]): a
    /// sleep, after which the same worker takes its next task, unless the technique says
    /// otherwise.
    fn wake_ups(&self) -> WakeUps {
        WakeUps::TIMER
    }

    /// Builds what the technique needs (threads, processes, a runtime). Never timed.
    fn start(&self, workers: NonZeroUsize) -> Result<Box<dyn MapRunner>, RunError>;
}

/// A started technique. `run` is the timed part.
pub trait MapRunner {
    /// Runs every task of the job and returns their outputs in input order.
    fn run(&mut self, job: &MapJob) -> Result<Vec<TaskOutput>, RunError>;
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn kinds_are_kebab_case_in_json_and_text() {
        for kind in Kind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<Kind>("\"fiber\"").is_err());
    }
}
