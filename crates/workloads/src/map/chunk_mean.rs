//! The article's DataFrame `range(rows)` split into chunks, one `chunk.mean()` each: tasks that
//! carry data (every row travels with its chunk), checked against a closed form of the sums.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Answer, Workload};
use crate::{Preset, short_size};

/// Means of `chunks` chunks of the rows `0..rows`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkMean {
    /// Number of rows.
    pub rows: u64,
    /// Number of chunks (tasks).
    pub chunks: u64,
}

/// Sum a chunk of rows, so its mean can be formed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The rows of this chunk.
    pub rows: Vec<u64>,
}

/// A chunk's sum and row count; its mean is `sum / count`, kept exact as two integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mean {
    /// Sum of the rows.
    pub sum: u64,
    /// Number of rows.
    pub count: u64,
}

/// A chunk's share of the aggregate is its sum: all sums add up to the sum of all rows.
impl Answer for Mean {
    fn answer(&self) -> u128 {
        u128::from(self.sum)
    }
}

impl ChunkMean {
    /// Rows per chunk.
    ///
    /// # Panics
    /// If `chunks` is zero or does not divide `rows`: presets are fixed, not user input.
    fn chunk_len(&self) -> u64 {
        let ChunkMean { rows, chunks } = *self;
        assert!(
            chunks > 0 && rows % chunks == 0,
            "chunk-mean: {chunks} does not divide {rows}"
        );
        rows / chunks
    }
}

impl Workload for ChunkMean {
    type Task = Task;
    type Output = Mean;

    const KIND: &'static str = "chunk-mean";
    const PYTHON: bool = true;

    fn jobs(preset: Preset) -> Vec<ChunkMean> {
        let (rows, chunks) = match preset {
            Preset::Quick => (100_000, 10),
            Preset::Default => (1_000_000, 10),
            Preset::Large => (10_000_000, 100),
        };
        vec![ChunkMean { rows, chunks }]
    }

    fn id(&self) -> String {
        format!("chunk-mean-{}-c{}", short_size(self.rows), self.chunks)
    }

    /// The rows.
    fn elements(&self) -> u64 {
        self.rows
    }

    fn tasks(&self) -> Vec<Task> {
        let len = self.chunk_len();
        (0..self.chunks)
            .map(|c| Task {
                rows: (c * len..(c + 1) * len).collect(),
            })
            .collect()
    }

    /// The closed form of `sum(c * len .. (c + 1) * len)`: independent of the kernel.
    fn expected(&self) -> Vec<Mean> {
        let len = self.chunk_len();
        (0..self.chunks)
            .map(|c| Mean {
                sum: len * (c * len) + len * (len - 1) / 2,
                count: len,
            })
            .collect()
    }

    /// The sum of all rows, `rows (rows - 1) / 2`.
    fn known_answer(&self) -> Option<u128> {
        let rows = u128::from(self.rows);
        Some(rows * rows.saturating_sub(1) / 2)
    }

    fn run(task: &Task) -> Mean {
        Mean {
            sum: task.rows.iter().sum(),
            count: task.rows.len() as u64,
        }
    }

    fn describe(task: &Task) -> String {
        format!("mean of {} rows", task.rows.len())
    }

    /// `[first row, rows]`: the rows follow from them.
    fn export_task(task: &Task) -> Value {
        json!([task.rows.first().copied().unwrap_or(0), task.rows.len()])
    }

    fn export_output(output: &Mean) -> Value {
        json!([output.sum, output.count])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MapJob, TaskOutput, run_task};

    #[test]
    fn chunk_means_are_exact() {
        let job = MapJob::chunk_mean(1_000_000, 10);
        let first = Mean {
            sum: 4_999_950_000,
            count: 100_000,
        };
        assert_eq!(job.expected()[0], TaskOutput::Mean(first));
        let outputs: Vec<TaskOutput> = job.tasks().iter().map(run_task).collect();
        job.verify(&outputs).unwrap();
    }
}
