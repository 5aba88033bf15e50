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
        // (increments, reads, tasks, ordered, nodes)
        let (increments, reads, tasks, ordered, nodes): (_, _, &'static [u64], _, _) = match preset
        {
            Preset::Quick => (10_000, 1_000, &[1_000], 1_000, 1_000),
            Preset::Default => (100_000, 5_000, &[10_000, 100_000], 10_000, 10_000),
            Preset::Large => (1_000_000, 50_000, &[100_000, 1_000_000], 100_000, 100_000),
        };
        SyncSizes {
            increments,
            reads,
            tasks,
            ordered,
            nodes,
            permits: &[1, 2, 4],
            shared_increments: &[100, 10_000],
        }
    }
}
