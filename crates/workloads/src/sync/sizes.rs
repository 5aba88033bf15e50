//! The sizes of the shared-state workloads under each preset, kept here (not in a bench
//! file) so the suite and the exported workloads of the Python side read one table.

use crate::Preset;

/// The shared-state workload sizes of one preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncSizes {
    /// Increments per worker of the counter.
    pub increments: u64,
    /// Operations per worker of the read-mostly table.
    pub reads: u64,
    /// Task counts of the task queue: the first sweeps consumers, the others run 3 workers.
    pub tasks: &'static [u64],
    /// Tasks of the priority queue.
    pub ordered: u64,
    /// Nodes of the task DAG.
    pub nodes: usize,
    /// The semaphore's permits swept by `sync/limited-resource`.
    pub permits: &'static [usize],
    /// Increments per process swept by `process/shared-counter` (the article's 100, and more).
    pub shared_increments: &'static [u64],
}

impl SyncSizes {
    /// The sizes of `preset`.
    pub fn of(preset: Preset) -> SyncSizes {
        let (permits, shared_increments) = (&[1, 2, 4][..], &[100, 10_000][..]);
        match preset {
            Preset::Quick => SyncSizes {
                increments: 10_000,
                reads: 1_000,
                tasks: &[1_000],
                ordered: 1_000,
                nodes: 1_000,
                permits,
                shared_increments,
            },
            Preset::Default => SyncSizes {
                increments: 100_000,
                reads: 5_000,
                tasks: &[10_000, 100_000],
                ordered: 10_000,
                nodes: 10_000,
                permits,
                shared_increments,
            },
            Preset::Large => SyncSizes {
                increments: 1_000_000,
                reads: 50_000,
                tasks: &[100_000, 1_000_000],
                ordered: 100_000,
                nodes: 100_000,
                permits,
                shared_increments,
            },
        }
    }
}
