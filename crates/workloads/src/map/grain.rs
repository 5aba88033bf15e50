//! The grain sweep: tasks of one fixed CPU cost at a time, from about 100 ns to 10 ms, with and
//! without a payload, so the report can say from which task cost each technique pays. The
//! kernel and its independent check (a GF(2) matrix power) are in [`kernel`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub mod kernel;

use super::Workload;
use crate::{Preset, short_size};
use kernel::{Jump, cost_name, grain_kernel, iterations_for, payload_of, payload_sum};
use kernel::{seed_of, task_count};

/// `tasks` grain tasks of about `nominal_ns` each, carrying `payload` bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grain {
    /// The nominal cost of one task on the reference machine, in nanoseconds.
    pub nominal_ns: u64,
    /// Number of tasks.
    pub tasks: u64,
    /// Bytes carried per task (a multiple of 256).
    pub payload: u32,
}

/// A fixed amount of CPU work: `iterations` xorshift64 steps from `seed` xor the byte sum of
/// `payload` (see [`kernel`]). The payload is what a process pool moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The start value.
    pub seed: u64,
    /// Kernel steps: fixed per id, so the same work on every machine.
    pub iterations: u64,
    /// Bytes carried with the task (empty, 4 KiB or 64 KiB).
    pub payload: Vec<u8>,
}

/// The grain sweep of one preset.
#[derive(Clone, Copy, Debug)]
pub struct GrainSizes {
    /// Nominal task costs in nanoseconds, one workload each, with no payload.
    pub costs: &'static [u64],
    /// The sequential time each point aims at: tasks = this / cost, 64 to 100_000.
    pub sequential_ns: u64,
    /// The cost of the payload sweep.
    pub payload_cost_ns: u64,
    /// Bytes carried per task in the payload sweep (the 0 B point is in `costs`).
    pub payloads: &'static [u32],
}

impl GrainSizes {
    /// The grain sweep of `preset`: 100 ns to 1 ms (10 ms in `large`), each point about
    /// 20 ms of sequential work, and 4 KiB and 64 KiB payloads at 100 us. `quick` keeps two
    /// small points.
    pub fn of(preset: Preset) -> GrainSizes {
        match preset {
            Preset::Quick => GrainSizes {
                costs: &[1_000, 100_000],
                sequential_ns: 2_000_000,
                payload_cost_ns: 100_000,
                payloads: &[],
            },
            Preset::Default => GrainSizes {
                costs: &[100, 1_000, 10_000, 100_000, 1_000_000],
                sequential_ns: 20_000_000,
                payload_cost_ns: 100_000,
                payloads: &[4_096, 65_536],
            },
            Preset::Large => GrainSizes {
                costs: &[100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
                sequential_ns: 20_000_000,
                payload_cost_ns: 100_000,
                payloads: &[4_096, 65_536],
            },
        }
    }
}

impl Workload for Grain {
    type Task = Task;
    /// The kernel's final value.
    type Output = u64;

    /// Not `PYTHON`: the Python side does not run it, its rows are this suite's break-even
    /// sweep, not one of the article's.
    const KIND: &'static str = "grain";

    /// Every cost with no payload, then the payload sweep at its one cost. Task counts fill
    /// the preset's sequential time (see [`task_count`]).
    fn jobs(preset: Preset) -> Vec<Grain> {
        let sizes = GrainSizes::of(preset);
        let point = |nominal_ns, payload| Grain {
            nominal_ns,
            tasks: task_count(nominal_ns, sizes.sequential_ns),
            payload,
        };
        let costs = sizes.costs.iter().map(|&ns| point(ns, 0));
        let payloads = (sizes.payloads.iter()).map(|&bytes| point(sizes.payload_cost_ns, bytes));
        costs.chain(payloads).collect()
    }

    fn id(&self) -> String {
        let cost = cost_name(self.nominal_ns);
        let n = short_size(self.tasks);
        match self.payload {
            0 => format!("grain-{cost}-n{n}"),
            bytes => format!("grain-{cost}-n{n}-p{}kib", bytes / 1024),
        }
    }

    /// The tasks, so the report's cost per task is the sequential time over this.
    fn elements(&self) -> u64 {
        self.tasks
    }

    fn tasks(&self) -> Vec<Task> {
        let iterations = iterations_for(self.nominal_ns);
        (0..self.tasks)
            .map(|i| Task {
                seed: seed_of(i),
                iterations,
                payload: payload_of(i, self.payload as usize),
            })
            .collect()
    }

    /// From the matrix jump, not from the kernel.
    ///
    /// # Panics
    /// If `payload` is not a multiple of 256.
    fn expected(&self) -> Vec<u64> {
        let sum = payload_sum(self.payload as usize);
        let jump = Jump::new(iterations_for(self.nominal_ns));
        (0..self.tasks)
            .map(|i| jump.apply(seed_of(i) ^ sum))
            .collect()
    }

    /// None: each task's checksum already comes from the matrix jump, not the kernel.
    fn known_answer(&self) -> Option<u128> {
        None
    }

    fn run(task: &Task) -> u64 {
        grain_kernel(task.seed, task.iterations, &task.payload)
    }

    fn describe(task: &Task) -> String {
        format!(
            "grain of {} steps from {:#x}, {} payload bytes",
            task.iterations,
            task.seed,
            task.payload.len()
        )
    }

    fn export_task(task: &Task) -> Value {
        json!([task.seed, task.iterations, task.payload.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MapJob, TaskOutput, run_task};

    #[test]
    fn every_grain_job_of_every_preset_verifies_and_a_wrong_checksum_fails() {
        // Large adds a 10 ms point of the same kernel: 0.6 s of tasks, too slow for a test.
        for preset in [Preset::Quick, Preset::Default] {
            for job in MapJob::grain_sweep(preset) {
                let got: Vec<TaskOutput> = job.tasks().iter().map(run_task).collect();
                job.verify(&got).unwrap();
                let n = got.len() as u64;
                assert!((64..=100_000).contains(&n), "{}: {n} tasks", job.id());
                assert_eq!(job.elements(), n);
                let mut wrong = got;
                let TaskOutput::Checksum(last) = wrong[wrong.len() - 1] else {
                    panic!("{}: not a checksum", job.id());
                };
                wrong[n as usize - 1] = TaskOutput::Checksum(last ^ 1);
                let err = job.verify(&wrong).unwrap_err();
                assert!(err.what.contains("grain of"), "{err}");
            }
        }
    }

    #[test]
    fn grain_tasks_carry_their_payload_across_serde() {
        let job = MapJob::grain(1_000, 64, 4_096);
        assert_eq!(job.id(), "grain-1us-n64-p4kib");
        let text = serde_json::to_string(&job.tasks()[5]).unwrap();
        let back: crate::Task = serde_json::from_str(&text).unwrap();
        let crate::Task::Grain(Task { payload, .. }) = &back else {
            panic!("not a grain task: {back:?}");
        };
        assert_eq!(payload.len(), 4_096);
        assert_eq!(run_task(&back), job.expected()[5]);
    }
}
