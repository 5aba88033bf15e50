//! The article's `Pool.map(square, range(n))`: `n` deliberately tiny tasks, so what is measured
//! is the cost of handing out a task, not the task.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Workload;
use crate::{Preset, short_size};

/// Squares of `0..n`, one task each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Squares {
    /// Number of tasks.
    pub n: u64,
}

/// Square one number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The number to square.
    pub x: u64,
}

impl Squares {
    /// The one squares job of a preset (the process family's chunksize and window sweeps
    /// use it too).
    pub fn of(preset: Preset) -> Squares {
        let n = match preset {
            Preset::Quick => 1_000,
            Preset::Default => 10_000,
            Preset::Large => 100_000,
        };
        Squares { n }
    }
}

impl Workload for Squares {
    type Task = Task;
    /// The square.
    type Output = u64;

    const KIND: &'static str = "squares";
    const PYTHON: bool = true;

    fn jobs(preset: Preset) -> Vec<Squares> {
        vec![Squares::of(preset)]
    }

    fn id(&self) -> String {
        format!("squares-{}", short_size(self.n))
    }

    /// The squares.
    fn elements(&self) -> u64 {
        self.n
    }

    fn tasks(&self) -> Vec<Task> {
        (0..self.n).map(|x| Task { x }).collect()
    }

    fn expected(&self) -> Vec<u64> {
        (0..self.n).map(|x| x * x).collect()
    }

    /// The closed form of the sum of squares of `0..n`: `(n - 1) n (2n - 1) / 6`.
    fn known_answer(&self) -> Option<u128> {
        let n = u128::from(self.n);
        Some(n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6)
    }

    fn run(task: &Task) -> u64 {
        task.x * task.x
    }

    fn describe(task: &Task) -> String {
        format!("square of {}", task.x)
    }

    fn export_task(task: &Task) -> Value {
        json!(task.x)
    }
}
