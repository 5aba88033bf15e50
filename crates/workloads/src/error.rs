//! The two error types every technique shares.

use std::fmt;

/// A technique's answer differs from the workload's expected answer.
///
/// It names the workload, what was compared, and both values, so a failing test or bench
/// says what went wrong without a debugger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The workload id, e.g. `primes-1m-r4`.
    pub workload: String,
    /// What was compared, e.g. `task 3 (primes in 250001..=500000)` or `number of outputs`.
    pub what: String,
    /// The expected value, printed.
    pub expected: String,
    /// The value the technique produced, printed.
    pub got: String,
}

impl Mismatch {
    /// Builds a mismatch from anything printable.
    pub fn new(
        workload: impl Into<String>,
        what: impl Into<String>,
        expected: impl fmt::Debug,
        got: impl fmt::Debug,
    ) -> Self {
        Mismatch {
            workload: workload.into(),
            what: what.into(),
            expected: format!("{expected:?}"),
            got: format!("{got:?}"),
        }
    }

    /// `Ok` when `got` equals `expected`, else the mismatch of `what` in `workload`: the one
    /// comparison most checks are made of.
    pub fn unless_equal<T: PartialEq + fmt::Debug>(
        workload: impl Into<String>,
        what: impl Into<String>,
        expected: T,
        got: T,
    ) -> Result<(), Mismatch> {
        if got == expected {
            Ok(())
        } else {
            Err(Mismatch::new(workload, what, expected, got))
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: wrong {}: expected {}, got {}",
            self.workload, self.what, self.expected, self.got
        )
    }
}

impl std::error::Error for Mismatch {}

/// Why a technique could not produce an answer.
#[derive(Debug)]
pub enum RunError {
    /// A task panicked; the technique caught it and reports it on that task.
    TaskPanicked {
        /// Index of the task in the job.
        task: usize,
        /// The panic payload, when it was a string.
        message: String,
    },
    /// A worker (thread or process) went away with work in hand.
    WorkerLost {
        /// Which worker, e.g. `process 1234 (worker 2)`.
        worker: String,
        /// Why, e.g. `killed by signal 9`.
        cause: String,
    },
    /// The technique could not be started (pool, runtime, child process).
    Start {
        /// The technique id.
        technique: String,
        /// What failed.
        cause: String,
    },
    /// The technique was shut down while the task was pending.
    Cancelled,
    /// An I/O error, with what was being done.
    Io {
        /// What was being done, e.g. `writing a frame to worker 2`.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Data that crossed a boundary (a pipe, a socket) was malformed.
    Protocol(String),
    /// Anything else a technique has to report, said in words.
    Other(String),
}

impl RunError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        RunError::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::TaskPanicked { task, message } => {
                write!(f, "task {task} panicked: {message}")
            }
            RunError::WorkerLost { worker, cause } => write!(f, "worker {worker} lost: {cause}"),
            RunError::Start { technique, cause } => {
                write!(f, "could not start {technique}: {cause}")
            }
            RunError::Cancelled => f.write_str("task cancelled by shutdown"),
            RunError::Io { context, source } => write!(f, "{context}: {source}"),
            RunError::Protocol(message) => write!(f, "protocol error: {message}"),
            RunError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
