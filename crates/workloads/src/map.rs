//! Map-style workloads: a job is a list of independent tasks, described as data.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::grain::{self, grain_kernel};
use crate::primes::{count_primes, known_prime_count, sieve_prime_counts};
use crate::{Mismatch, short_size};

/// One unit of map-style work. Serializable, so it can be sent to a worker process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Task {
    /// Count the primes in `start..=end` by trial division (the article's `find_primes`).
    CountPrimes {
        /// First number of the range.
        start: u32,
        /// Last number of the range, included.
        end: u32,
    },
    /// Square one number (the article's `Pool.map(square, ...)`): a deliberately tiny task.
    Square {
        /// The number to square.
        x: u64,
    },
    /// Sum a chunk of rows, so its mean can be formed (the article's `chunk.mean()`).
    ChunkMean {
        /// The rows of this chunk.
        rows: Vec<u64>,
    },
    /// Sleep, standing for waiting on I/O (the article's `time.sleep` in a worker).
    Sleep {
        /// How long to sleep, in milliseconds.
        ms: u64,
    },
    /// A fixed amount of CPU work: `iterations` xorshift64 steps from `seed` xor the byte
    /// sum of `payload` (see [`crate::grain`]). The payload is what a process pool moves.
    Grain {
        /// The start value.
        seed: u64,
        /// Kernel steps: fixed per id, so the same work on every machine.
        iterations: u64,
        /// Bytes carried with the task (empty, 4 KiB or 64 KiB).
        payload: Vec<u8>,
    },
}

/// What [`run_task`] returns for a [`Task`]. Serializable, to come back from a worker process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskOutput {
    /// The number of primes found.
    Count(u64),
    /// The square.
    Square(u64),
    /// A chunk's sum and row count; its mean is `sum / count`, kept exact as two integers.
    Mean {
        /// Sum of the rows.
        sum: u64,
        /// Number of rows.
        count: u64,
    },
    /// The task slept this many milliseconds.
    Slept(u64),
    /// The grain kernel's final value.
    Checksum(u64),
}

/// The one kernel: does the work a task describes. Pure but for [`Task::Sleep`].
pub fn run_task(task: &Task) -> TaskOutput {
    match task {
        Task::CountPrimes { start, end } => TaskOutput::Count(count_primes(*start, *end)),
        Task::Square { x } => TaskOutput::Square(x * x),
        Task::ChunkMean { rows } => TaskOutput::Mean {
            sum: rows.iter().sum(),
            count: rows.len() as u64,
        },
        Task::Sleep { ms } => {
            std::thread::sleep(Duration::from_millis(*ms));
            TaskOutput::Slept(*ms)
        }
        Task::Grain {
            seed,
            iterations,
            payload,
        } => TaskOutput::Checksum(grain_kernel(*seed, *iterations, payload)),
    }
}

/// Which map workload a job is, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapWorkload {
    /// Primes `<= limit`, split into `ranges` equal-width ranges (unequal work).
    Primes {
        /// Upper bound, included.
        limit: u32,
        /// How many ranges (tasks).
        ranges: u32,
    },
    /// Squares of `0..n`, one task each.
    Squares {
        /// Number of tasks.
        n: u64,
    },
    /// Means of `chunks` chunks of the rows `0..rows` (the article's DataFrame `range(1000000)`).
    ChunkMean {
        /// Number of rows.
        rows: u64,
        /// Number of chunks (tasks).
        chunks: u64,
    },
    /// `tasks` tasks that each sleep `ms` milliseconds.
    Sleep {
        /// Number of tasks.
        tasks: u64,
        /// Sleep per task, in milliseconds.
        ms: u64,
    },
    /// `tasks` grain tasks of about `nominal_ns` each, carrying `payload` bytes each.
    Grain {
        /// The nominal cost of one task on the reference machine, in nanoseconds.
        nominal_ns: u64,
        /// Number of tasks.
        tasks: u64,
        /// Bytes carried per task (a multiple of 256).
        payload: u32,
    },
}

impl MapWorkload {
    /// The stable benchmark id of this workload, e.g. `primes-1m-r64`, `sleep-5x20ms`.
    pub fn id(&self) -> String {
        match *self {
            MapWorkload::Primes { limit, ranges } => {
                format!("primes-{}-r{ranges}", short_size(limit.into()))
            }
            MapWorkload::Squares { n } => format!("squares-{}", short_size(n)),
            MapWorkload::ChunkMean { rows, chunks } => {
                format!("chunk-mean-{}-c{chunks}", short_size(rows))
            }
            MapWorkload::Sleep { tasks, ms } => format!("sleep-{tasks}x{ms}ms"),
            MapWorkload::Grain {
                nominal_ns,
                tasks,
                payload,
            } => {
                let cost = grain::cost_name(nominal_ns);
                let n = short_size(tasks);
                match payload {
                    0 => format!("grain-{cost}-n{n}"),
                    bytes => format!("grain-{cost}-n{n}-p{}kib", bytes / 1024),
                }
            }
        }
    }
}

/// A map-style job: its tasks, in order, and the expected output of each.
///
/// Tasks sit behind an `Arc` so a technique can hand them to `'static` threads without
/// copying; building a job (inputs and expected answers) is never part of a timed run.
#[derive(Clone, Debug)]
pub struct MapJob {
    workload: MapWorkload,
    tasks: Arc<[Task]>,
    expected: Arc<[TaskOutput]>,
}

impl MapJob {
    /// The article's primes: `1..=limit` in `ranges` equal-width ranges.
    ///
    /// # Panics
    /// If `ranges` is zero or larger than `limit`: presets are fixed, not user input.
    pub fn primes(limit: u32, ranges: u32) -> MapJob {
        assert!(
            ranges > 0 && ranges <= limit,
            "primes: bad split {ranges} of {limit}"
        );
        let width = limit.div_ceil(ranges);
        let bounds: Vec<(u32, u32)> = (0..ranges)
            .map(|i| (i * width + 1, ((i + 1) * width).min(limit)))
            .filter(|(start, end)| start <= end)
            .collect();
        let tasks = bounds
            .iter()
            .map(|&(start, end)| Task::CountPrimes { start, end })
            .collect();
        let expected = sieve_prime_counts(limit, &bounds)
            .into_iter()
            .map(TaskOutput::Count)
            .collect();
        MapJob::new(MapWorkload::Primes { limit, ranges }, tasks, expected)
    }

    /// The article's `Pool.map(square, range(n))`: `n` tiny tasks.
    pub fn squares(n: u64) -> MapJob {
        let tasks = (0..n).map(|x| Task::Square { x }).collect();
        let expected = (0..n).map(|x| TaskOutput::Square(x * x)).collect();
        MapJob::new(MapWorkload::Squares { n }, tasks, expected)
    }

    /// The article's DataFrame `range(rows)` split into `chunks` chunks, one mean each.
    ///
    /// # Panics
    /// If `chunks` is zero or does not divide `rows`.
    pub fn chunk_mean(rows: u64, chunks: u64) -> MapJob {
        assert!(
            chunks > 0 && rows % chunks == 0,
            "chunk-mean: {chunks} does not divide {rows}"
        );
        let len = rows / chunks;
        let tasks = (0..chunks)
            .map(|c| Task::ChunkMean {
                rows: (c * len..(c + 1) * len).collect(),
            })
            .collect();
        // Closed form of sum(c*len .. (c+1)*len): independent of the kernel.
        let expected = (0..chunks)
            .map(|c| TaskOutput::Mean {
                sum: len * (c * len) + len * (len - 1) / 2,
                count: len,
            })
            .collect();
        MapJob::new(MapWorkload::ChunkMean { rows, chunks }, tasks, expected)
    }

    /// The article's `ThreadPoolExecutor(3)` of `tasks` sleeping workers.
    pub fn sleep(tasks: u64, ms: u64) -> MapJob {
        let list = (0..tasks).map(|_| Task::Sleep { ms }).collect();
        let expected = (0..tasks).map(|_| TaskOutput::Slept(ms)).collect();
        MapJob::new(MapWorkload::Sleep { tasks, ms }, list, expected)
    }

    /// `tasks` grain tasks of about `nominal_ns` each (see [`crate::grain`]), each carrying
    /// `payload` bytes; expected checksums from the matrix jump, not from the kernel.
    ///
    /// # Panics
    /// If `payload` is not a multiple of 256.
    pub fn grain(nominal_ns: u64, tasks: u64, payload: u32) -> MapJob {
        let iterations = grain::iterations_for(nominal_ns);
        let sum = grain::payload_sum(payload as usize);
        let list = (0..tasks)
            .map(|i| Task::Grain {
                seed: grain::seed_of(i),
                iterations,
                payload: grain::payload_of(i, payload as usize),
            })
            .collect();
        let jump = grain::Jump::new(iterations);
        let expected = (0..tasks)
            .map(|i| TaskOutput::Checksum(jump.apply(grain::seed_of(i) ^ sum)))
            .collect();
        let workload = MapWorkload::Grain {
            nominal_ns,
            tasks,
            payload,
        };
        MapJob::new(workload, list, expected)
    }

    /// The grain sweep of a preset: every cost with no payload, then the payload sweep at
    /// its one cost. Task counts fill the preset's sequential time (see
    /// [`grain::task_count`]).
    pub fn grain_sweep(preset: crate::Preset) -> Vec<MapJob> {
        let sizes = preset.grain_sizes();
        let count = |ns| grain::task_count(ns, sizes.sequential_ns);
        let mut jobs: Vec<MapJob> = sizes
            .costs
            .iter()
            .map(|&ns| MapJob::grain(ns, count(ns), 0))
            .collect();
        for &bytes in sizes.payloads {
            let ns = sizes.payload_cost_ns;
            jobs.push(MapJob::grain(ns, count(ns), bytes));
        }
        jobs
    }

    fn new(workload: MapWorkload, tasks: Vec<Task>, expected: Vec<TaskOutput>) -> MapJob {
        MapJob {
            workload,
            tasks: tasks.into(),
            expected: expected.into(),
        }
    }

    /// The jobs of a preset, in the order the suite runs them.
    pub fn for_preset(preset: crate::Preset) -> Vec<MapJob> {
        let sizes = preset.sizes();
        let mut jobs = Vec::new();
        for &limit in sizes.prime_limits {
            for &ranges in sizes.prime_ranges {
                jobs.push(MapJob::primes(limit, ranges));
            }
        }
        jobs.push(MapJob::squares(sizes.squares));
        jobs.push(MapJob::chunk_mean(sizes.chunk_rows, sizes.chunks));
        jobs.push(MapJob::sleep(sizes.sleep_tasks, sizes.sleep_ms));
        jobs.extend(MapJob::grain_sweep(preset));
        jobs
    }

    /// Which workload this is.
    pub fn workload(&self) -> MapWorkload {
        self.workload
    }

    /// The stable benchmark id, e.g. `primes-1m-r4`.
    pub fn id(&self) -> String {
        self.workload.id()
    }

    /// The tasks, in input order.
    pub fn tasks(&self) -> &Arc<[Task]> {
        &self.tasks
    }

    /// The expected output of each task, in input order.
    pub fn expected(&self) -> &[TaskOutput] {
        &self.expected
    }

    /// Elements processed by one run, for criterion's `Throughput::Elements`: numbers tested,
    /// squares, rows, sleeping tasks, or grain tasks (so the report's cost per task is the
    /// sequential time over this).
    pub fn elements(&self) -> u64 {
        match self.workload {
            MapWorkload::Grain { tasks, .. } => tasks,
            MapWorkload::Primes { limit, .. } => limit.into(),
            MapWorkload::Squares { n } => n,
            MapWorkload::ChunkMean { rows, .. } => rows,
            MapWorkload::Sleep { tasks, .. } => tasks,
        }
    }

    /// The aggregate answer of this job, e.g. pi(limit) for primes or the mean of all rows.
    pub fn answer(outputs: &[TaskOutput]) -> u128 {
        outputs
            .iter()
            .map(|o| match *o {
                TaskOutput::Count(v)
                | TaskOutput::Square(v)
                | TaskOutput::Slept(v)
                | TaskOutput::Checksum(v) => v as u128,
                TaskOutput::Mean { sum, .. } => sum as u128,
            })
            .sum()
    }

    /// Checks a technique's outputs: one per task, in input order, each equal to the
    /// expected output, and the aggregate equal to the known answer (pi(limit) from the
    /// table, the closed form of the sum of squares).
    pub fn verify(&self, got: &[TaskOutput]) -> Result<(), Mismatch> {
        let id = self.id();
        if got.len() != self.expected.len() {
            return Err(Mismatch::new(
                id,
                "number of outputs",
                self.expected.len(),
                got.len(),
            ));
        }
        if let Some(i) = (0..got.len()).find(|&i| got[i] != self.expected[i]) {
            let what = format!("output of task {i} ({:?})", self.describe_task(i));
            return Err(Mismatch::new(id, what, self.expected[i], got[i]));
        }
        if let Some(known) = self.known_answer() {
            let answer = MapJob::answer(got);
            if answer != known {
                return Err(Mismatch::new(id, "aggregate answer", known, answer));
            }
        }
        Ok(())
    }

    /// The aggregate answer from a table or a closed form, where one exists.
    fn known_answer(&self) -> Option<u128> {
        match self.workload {
            MapWorkload::Primes { limit, .. } => known_prime_count(limit).map(u128::from),
            MapWorkload::Squares { n } => {
                let n = n as u128;
                Some(n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6)
            }
            MapWorkload::ChunkMean { rows, .. } => {
                let rows = rows as u128;
                Some(rows * rows.saturating_sub(1) / 2)
            }
            MapWorkload::Sleep { tasks, ms } => Some(u128::from(tasks) * u128::from(ms)),
            // Each task's checksum already comes from the matrix jump, not the kernel.
            MapWorkload::Grain { .. } => None,
        }
    }

    fn describe_task(&self, i: usize) -> String {
        match &self.tasks[i] {
            Task::CountPrimes { start, end } => format!("primes in {start}..={end}"),
            Task::Square { x } => format!("square of {x}"),
            Task::ChunkMean { rows } => format!("mean of {} rows", rows.len()),
            Task::Sleep { ms } => format!("sleep {ms} ms"),
            Task::Grain {
                seed,
                iterations,
                payload,
            } => format!(
                "grain of {iterations} steps from {seed:#x}, {} payload bytes",
                payload.len()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    fn sequential(job: &MapJob) -> Vec<TaskOutput> {
        job.tasks().iter().map(run_task).collect()
    }

    #[test]
    fn every_preset_job_verifies_with_the_sequential_kernel() {
        for job in MapJob::for_preset(Preset::Quick) {
            job.verify(&sequential(&job)).unwrap();
        }
    }

    #[test]
    fn default_primes_answers_are_the_articles() {
        let job = MapJob::primes(100_000, 4);
        assert_eq!(MapJob::answer(job.expected()), 9_592);
        assert_eq!(
            job.tasks()[0],
            Task::CountPrimes {
                start: 1,
                end: 25_000
            }
        );
        assert_eq!(
            job.tasks()[3],
            Task::CountPrimes {
                start: 75_001,
                end: 100_000
            }
        );
        let job = MapJob::primes(1_000_000, 64);
        assert_eq!(job.tasks().len(), 64);
        assert_eq!(MapJob::answer(job.expected()), 78_498);
    }

    #[test]
    fn chunk_means_are_exact() {
        let job = MapJob::chunk_mean(1_000_000, 10);
        assert_eq!(
            job.expected()[0],
            TaskOutput::Mean {
                sum: 4_999_950_000,
                count: 100_000
            }
        );
        job.verify(&sequential(&job)).unwrap();
    }

    #[test]
    fn a_wrong_output_names_the_task_and_both_values() {
        let job = MapJob::primes(100_000, 4);
        let mut got = job.expected().to_vec();
        got[2] = TaskOutput::Count(1);
        let err = job.verify(&got).unwrap_err();
        assert_eq!(err.workload, "primes-100k-r4");
        assert!(err.what.contains("task 2"), "{err}");
        assert!(err.expected.contains("Count(2260)"), "{err}");
        assert_eq!(err.got, "Count(1)");
    }

    #[test]
    fn missing_and_reordered_outputs_are_mismatches() {
        let job = MapJob::squares(100);
        let mut got = job.expected().to_vec();
        got.pop();
        let err = job.verify(&got).unwrap_err();
        assert_eq!((err.expected.as_str(), err.got.as_str()), ("100", "99"));
        let mut got = job.expected().to_vec();
        got.swap(3, 4);
        let err = job.verify(&got).unwrap_err();
        assert!(err.to_string().contains("task 3"), "{err}");
    }

    #[test]
    fn tasks_and_outputs_round_trip_through_serde() {
        let job = MapJob::chunk_mean(100, 2);
        let text = serde_json::to_string(&job.tasks()[1]).unwrap();
        let back: Task = serde_json::from_str(&text).unwrap();
        assert_eq!(back, job.tasks()[1]);
        let text = serde_json::to_string(&run_task(&back)).unwrap();
        assert_eq!(
            serde_json::from_str::<TaskOutput>(&text).unwrap(),
            job.expected()[1]
        );
    }

    #[test]
    fn ids_are_stable() {
        let ids: Vec<String> = MapJob::for_preset(Preset::Default)
            .iter()
            .map(MapJob::id)
            .collect();
        assert_eq!(
            ids,
            [
                "primes-100k-r4",
                "primes-100k-r64",
                "primes-1m-r4",
                "primes-1m-r64",
                "squares-10k",
                "chunk-mean-1m-c10",
                "sleep-5x20ms",
                "grain-100ns-n100k",
                "grain-1us-n20k",
                "grain-10us-n2k",
                "grain-100us-n200",
                "grain-1ms-n64",
                "grain-100us-n200-p4kib",
                "grain-100us-n200-p64kib"
            ]
        );
    }

    #[test]
    fn every_grain_job_of_every_preset_verifies_and_a_wrong_checksum_fails() {
        // Large adds a 10 ms point of the same kernel: 0.6 s of tasks, too slow for a test.
        for preset in [Preset::Quick, Preset::Default] {
            for job in MapJob::grain_sweep(preset) {
                let got = sequential(&job);
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
        let back: Task = serde_json::from_str(&text).unwrap();
        let Task::Grain { payload, .. } = &back else {
            panic!("not a grain task: {back:?}");
        };
        assert_eq!(payload.len(), 4_096);
        assert_eq!(run_task(&back), job.expected()[5]);
    }
}
