//! The article's `ThreadPoolExecutor(3)` of sleeping workers: each task sleeps, standing for
//! waiting on I/O (the article's `time.sleep` in a worker). It costs no CPU, so the time is
//! set by how many tasks wait at once.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Workload;
use crate::Preset;

/// `tasks` tasks that each sleep `ms` milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sleep {
    /// Number of tasks.
    pub tasks: u64,
    /// Sleep per task, in milliseconds.
    pub ms: u64,
}

/// Sleep `ms` milliseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// How long to sleep, in milliseconds.
    pub ms: u64,
}

impl Workload for Sleep {
    type Task = Task;
    /// The milliseconds the task slept.
    type Output = u64;

    const KIND: &'static str = "sleep";
    const PYTHON: bool = true;

    fn jobs(preset: Preset) -> Vec<Sleep> {
        let (tasks, ms) = match preset {
            Preset::Quick => (5, 2),
            Preset::Default => (5, 20),
            Preset::Large => (50, 20),
        };
        vec![Sleep { tasks, ms }]
    }

    fn id(&self) -> String {
        format!("sleep-{}x{}ms", self.tasks, self.ms)
    }

    /// The sleeping tasks.
    fn elements(&self) -> u64 {
        self.tasks
    }

    fn tasks(&self) -> Vec<Task> {
        (0..self.tasks).map(|_| Task { ms: self.ms }).collect()
    }

    fn expected(&self) -> Vec<u64> {
        (0..self.tasks).map(|_| self.ms).collect()
    }

    /// Every task's milliseconds: `tasks * ms`.
    fn known_answer(&self) -> Option<u128> {
        Some(u128::from(self.tasks) * u128::from(self.ms))
    }

    /// The article's executor has 3 workers.
    fn article_workers(&self) -> &'static [usize] {
        &[3]
    }

    fn run(task: &Task) -> u64 {
        std::thread::sleep(Duration::from_millis(task.ms));
        task.ms
    }

    fn describe(task: &Task) -> String {
        format!("sleep {} ms", task.ms)
    }

    fn export_task(task: &Task) -> Value {
        json!(task.ms)
    }
}
