//! The macro behind the registry in `map/mod.rs`: from one line per workload it declares the
//! workload's module and generates what has to name every workload at once.
//!
//! A line `module::Type => TaskVariant, OutputVariant;` gives
//! - `pub mod module;`,
//! - the variants `MapWorkload::Type(module::Type)`, `Task::TaskVariant(module's Task)` and
//!   `TaskOutput::OutputVariant(module's Output)`: the serde enums that cross a process
//!   boundary stay thin wrappers, and each workload's own types live in its module,
//! - the arms of [`run_task`](super::run_task) and of the dispatching methods below, and
//! - the workload's place in [`MapJob::for_preset`](super::MapJob::for_preset): registry
//!   order is suite order.

/// Generates the map module's shared enums and dispatch from the registry lines.
macro_rules! map_workloads {
    ($($module:ident :: $workload:ident => $task:ident, $output:ident;)+) => {
        $(pub mod $module;)+

        /// Which map workload a job is, with its parameters: one variant per registry line.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum MapWorkload {
            $(
                #[doc = concat!("A [`", stringify!($module), "::", stringify!($workload), "`] job.")]
                $workload($module::$workload),
            )+
        }

        /// One unit of map-style work, the serde form a worker process receives: a thin
        /// wrapper around the task type of the workload's module.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum Task {
            $(
                #[doc = concat!("A task of [`", stringify!($module), "::", stringify!($workload), "`].")]
                $task(<$module::$workload as Workload>::Task),
            )+
        }

        /// What [`run_task`] returns for a [`Task`], the serde form that comes back from a
        /// worker process: a thin wrapper around the output type of the workload's module.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum TaskOutput {
            $(
                #[doc = concat!("An output of [`", stringify!($module), "::", stringify!($workload), "`].")]
                $output(<$module::$workload as Workload>::Output),
            )+
        }

        $(
            impl From<$module::$workload> for MapWorkload {
                fn from(workload: $module::$workload) -> MapWorkload {
                    MapWorkload::$workload(workload)
                }
            }
        )+

        /// The one kernel: does the work a task describes, with its workload's
        /// [`Workload::run`]. Pure but for a sleep task, which waits.
        pub fn run_task(task: &Task) -> TaskOutput {
            match task {
                $(Task::$task(task) => TaskOutput::$output(<$module::$workload>::run(task)),)+
            }
        }

        impl MapWorkload {
            /// The stable benchmark id of this workload, e.g. `primes-1m-r64`, `sleep-5x20ms`.
            pub fn id(&self) -> String {
                match self {
                    $(MapWorkload::$workload(workload) => workload.id(),)+
                }
            }

            /// Every workload's jobs under `preset`, in registry order.
            fn for_preset(preset: Preset) -> Vec<MapWorkload> {
                let mut all = Vec::new();
                $(all.extend(<$module::$workload>::jobs(preset).into_iter().map(MapWorkload::from));)+
                all
            }

            /// The job: its tasks and their expected outputs, wrapped in the shared enums.
            fn job(self) -> MapJob {
                match self {
                    $(MapWorkload::$workload(workload) => MapJob::new(
                        self,
                        workload.tasks().into_iter().map(Task::$task).collect(),
                        workload.expected().into_iter().map(TaskOutput::$output).collect(),
                    ),)+
                }
            }

            fn elements(&self) -> u64 {
                match self {
                    $(MapWorkload::$workload(workload) => workload.elements(),)+
                }
            }

            fn known_answer(&self) -> Option<u128> {
                match self {
                    $(MapWorkload::$workload(workload) => workload.known_answer(),)+
                }
            }

            fn article_workers(&self) -> &'static [usize] {
                match self {
                    $(MapWorkload::$workload(workload) => workload.article_workers(),)+
                }
            }

            /// The `kind` the Python side knows it by, `None` where it does not run it.
            pub(crate) fn python_kind(&self) -> Option<&'static str> {
                match self {
                    $(MapWorkload::$workload(_) => {
                        type W = $module::$workload;
                        W::PYTHON.then_some(W::KIND)
                    })+
                }
            }
        }

        impl Task {
            fn describe(&self) -> String {
                match self {
                    $(Task::$task(task) => <$module::$workload>::describe(task),)+
                }
            }

            /// This task as the export writes it for the Python side.
            pub(crate) fn export(&self) -> Value {
                match self {
                    $(Task::$task(task) => <$module::$workload>::export_task(task),)+
                }
            }
        }

        impl TaskOutput {
            fn answer(&self) -> u128 {
                match self {
                    $(TaskOutput::$output(output) => output.answer(),)+
                }
            }

            /// This output as the export writes it for the Python side.
            pub(crate) fn export(&self) -> Value {
                match self {
                    $(TaskOutput::$output(output) => <$module::$workload>::export_output(output),)+
                }
            }
        }
    };
}
