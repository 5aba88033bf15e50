//! The messages that cross the pipes, and the work a caller can hand to a worker.
//!
//! Several requests may be in flight to one worker (the pool's window), but a worker answers
//! each request with exactly one reply, in order, so replies need no ids: the oldest
//! unanswered request is the one a reply answers.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use workloads::{Task, TaskOutput};

/// How a worker adds to the pool's [`SharedValue`](crate::SharedValue): the article's
/// `with counter.get_lock(): counter.value += 1`, and what else one could write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CounterVariant {
    /// Read and write the value under the cross-process lock (`get_lock()`).
    Locked,
    /// One atomic `fetch_add` on the shared word: no lock at all.
    Atomic,
    /// Read, then write, with no lock: `counter.value += 1` without `get_lock()`. Loses
    /// updates when processes race; shown in tests, never benchmarked (its answer is wrong).
    Unlocked,
}

impl CounterVariant {
    /// The stable id: criterion's function id in `process/shared-counter`.
    pub fn id(self) -> &'static str {
        match self {
            CounterVariant::Locked => "value-get-lock",
            CounterVariant::Atomic => "value-atomic",
            CounterVariant::Unlocked => "value-unlocked",
        }
    }
}

/// A way to make the worker that takes it misbehave, so the tests can break real workers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Panic inside the task with this message.
    Panic(String),
    /// End the worker process with this exit status mid-task.
    Exit(i32),
    /// Raise this signal in the worker (9 = SIGKILL, 6 = SIGABRT, 11 = SIGSEGV).
    Signal(i32),
    /// Answer with a frame whose bytes do not decode, and keep running.
    CorruptReply,
    /// Answer with a frame cut short, then exit.
    TruncatedReply,
}

/// One unit of work for [`ProcessPool::submit`](crate::ProcessPool::submit).
#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    /// A map task of the shared workloads.
    Task(Task),
    /// Add 1 to the pool's shared value `times` times; the output is `Count(times)`.
    Increment {
        /// Locked, atomic or racy.
        variant: CounterVariant,
        /// How many increments.
        times: u64,
    },
    /// Break the worker on purpose (fault tests).
    Fault(Fault),
}

impl From<Task> for Work {
    fn from(task: Task) -> Work {
        Work::Task(task)
    }
}

impl From<Fault> for Work {
    fn from(fault: Fault) -> Work {
        Work::Fault(fault)
    }
}

/// Parent to worker. Borrowed on the way out (no copy of the job's tasks), owned on the way in.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Request<'a> {
    /// Run these tasks in order and answer with their outputs.
    Run(Cow<'a, [Task]>),
    /// Increment the shared value.
    Increment { variant: CounterVariant, times: u64 },
    /// Misbehave.
    Fault(Fault),
}

/// Worker to parent.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Reply {
    /// The first frame of every worker: it runs and speaks the protocol.
    Ready { pid: u32 },
    /// The outputs of a request, in order.
    Done(Vec<TaskOutput>),
    /// Task `task` of the request panicked; the worker caught it and keeps serving.
    Panicked { task: usize, message: String },
    /// The worker could not do what was asked (no shared value attached, say).
    Refused(String),
}
