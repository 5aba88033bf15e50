//! The worker side: what a worker process runs once [`init`](crate::init) sees the marker.
//!
//! A worker reads request frames from its stdin and answers each with one reply frame on the
//! protocol pipe. Stray `println!`s of task code must not corrupt that stream, so the worker
//! first moves the protocol to a private descriptor and points its own stdout at stderr.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::fd::FromRawFd;
use std::panic::{self, AssertUnwindSafe};

use workloads::{TaskOutput, run_task};

use crate::frame::{FrameError, encode_frame, read_frame, write_frame};
use crate::protocol::{Fault, Reply, Request};
use crate::shared_value::SharedValue;

/// Set on a worker's environment: "you are a pool worker".
pub(crate) const WORKER_ENV: &str = "PROCESS_POOL_WORKER";
/// Set when the pool shares a value: the inherited descriptor number of its memory.
pub(crate) const SHARED_FD_ENV: &str = "PROCESS_POOL_SHARED_FD";
/// The pid of the process that started this worker: the worker exits when its parent is
/// no longer that one (it died before the worker asked to die with it).
pub(crate) const PARENT_ENV: &str = "PROCESS_POOL_PARENT";

/// Exit status of a worker whose request stream was corrupt.
pub(crate) const EXIT_PROTOCOL: i32 = 3;
/// Exit status of a worker that could not set itself up.
pub(crate) const EXIT_SETUP: i32 = 4;

/// Runs the worker loop if this process was started as a pool worker, and then exits;
/// otherwise returns at once. See the crate docs: call it first thing in `main`.
pub fn init() {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    die_with_parent();
    let code = match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("process-pool worker {}: {e}", std::process::id());
            e.exit_code()
        }
    };
    std::process::exit(code)
}

/// Asks the kernel to kill this worker when the thread that started it ends
/// (`PR_SET_PDEATHSIG`), then exits at once if the parent already went: the signal is only
/// sent for a death after the request, so a parent that died since the spawn must be caught
/// by comparing pids. Linux only; elsewhere the worker ends when its pipes close.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    {
        let expected = std::env::var(PARENT_ENV)
            .ok()
            .and_then(|pid| pid.parse::<libc::pid_t>().ok());
        // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and changes this process
        // only; getppid cannot fail.
        let parent = unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            libc::getppid()
        };
        if expected.is_some_and(|pid| pid != parent) {
            std::process::exit(EXIT_SETUP);
        }
    }
}

/// Why a worker stopped early.
#[derive(Debug)]
pub(crate) enum WorkerError {
    Setup(String),
    Frame(FrameError),
}

impl WorkerError {
    fn exit_code(&self) -> i32 {
        match self {
            WorkerError::Setup(_) => EXIT_SETUP,
            WorkerError::Frame(_) => EXIT_PROTOCOL,
        }
    }
}

impl std::fmt::Display for WorkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerError::Setup(e) => write!(f, "setup failed: {e}"),
            WorkerError::Frame(e) => write!(f, "bad request stream: {e}"),
        }
    }
}

fn run() -> Result<(), WorkerError> {
    let (input, output) = protocol_pipes().map_err(|e| WorkerError::Setup(e.to_string()))?;
    let shared = match std::env::var(SHARED_FD_ENV) {
        Ok(fd) => {
            let fd = fd
                .parse()
                .map_err(|_| WorkerError::Setup(format!("{SHARED_FD_ENV}={fd:?} is no fd")))?;
            let value = SharedValue::attach(fd).map_err(|e| WorkerError::Setup(e.to_string()))?;
            Some(value)
        }
        Err(_) => None,
    };
    install_panic_hook();
    serve(
        BufReader::new(input),
        BufWriter::new(output),
        shared.as_ref(),
    )
}

/// Takes the protocol pipes (fds 0 and 1 as the parent set them up) to private descriptors,
/// and points fd 1 at stderr and fd 0 at nothing, so task output cannot reach the protocol.
fn protocol_pipes() -> io::Result<(File, File)> {
    // SAFETY: plain descriptor calls on fds this process owns; each new fd gets one owner.
    unsafe {
        let input = libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 3);
        let output = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
        if input < 0 || output < 0 || libc::dup2(2, 1) < 0 {
            return Err(io::Error::last_os_error());
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::close(null);
        }
        Ok((File::from_raw_fd(input), File::from_raw_fd(output)))
    }
}

/// The worker loop: announce, then answer every request until the parent closes the pipe.
///
/// Replies are sent when no further request is already waiting in `input`'s buffer: a burst
/// of small requests (the pool writes several ahead) is answered with one `write`, and the
/// parent's reader wakes once for it. A reply can thus wait behind the requests that arrived
/// in the same burst, at most the pool's window.
pub(crate) fn serve<R: Read, W: Write>(
    mut input: BufReader<R>,
    mut output: W,
    shared: Option<&SharedValue>,
) -> Result<(), WorkerError> {
    let mut buf = Vec::new();
    let ready = Reply::Ready {
        pid: std::process::id(),
    };
    write_frame(&mut output, &ready, &mut buf).map_err(WorkerError::Frame)?;
    while let Some(request) =
        read_frame::<_, Request<'static>>(&mut input, &mut buf).map_err(WorkerError::Frame)?
    {
        let reply = match request {
            Request::Run(tasks) => run_tasks(&tasks),
            Request::Increment { variant, times } => match shared {
                Some(value) => {
                    value.increment(variant, times);
                    Reply::Done(vec![TaskOutput::Count(times)])
                }
                None => Reply::Refused("this pool shares no value".into()),
            },
            // Earlier replies leave first: the fault is about this request only.
            Request::Fault(fault) => match output.flush().map(|()| misbehave(fault, &mut output)) {
                Err(e) => return Err(WorkerError::Frame(FrameError::Io(e))),
                Ok(Some(reply)) => reply,
                Ok(None) => continue,
            },
        };
        // A parent that went away closes the pipe: the write fails and the worker ends.
        encode_frame(&reply, &mut buf).map_err(WorkerError::Frame)?;
        let sent = output.write_all(&buf);
        let sent = match input.buffer().is_empty() {
            true => sent.and_then(|()| output.flush()),
            false => sent,
        };
        sent.map_err(|e| WorkerError::Frame(FrameError::Io(e)))?;
    }
    output
        .flush()
        .map_err(|e| WorkerError::Frame(FrameError::Io(e)))
}

fn run_tasks(tasks: &[workloads::Task]) -> Reply {
    let mut outputs = Vec::with_capacity(tasks.len());
    for (i, task) in tasks.iter().enumerate() {
        match panic::catch_unwind(|| run_task(task)) {
            Ok(output) => outputs.push(output),
            Err(payload) => return panicked(i, payload.as_ref()),
        }
    }
    Reply::Done(outputs)
}

/// Does what a fault asks. Returns the reply to send, or `None` when the fault already wrote
/// its own (broken) reply.
fn misbehave<W: Write>(fault: Fault, output: &mut W) -> Option<Reply> {
    match fault {
        Fault::Panic(message) => {
            let payload = panic::catch_unwind(AssertUnwindSafe(|| panic!("{message}")));
            payload.err().map(|p| panicked(0, p.as_ref()))
        }
        Fault::Exit(code) => std::process::exit(code),
        Fault::Signal(signal) => {
            // SAFETY: restoring the default action (std handles SIGSEGV itself, for stack
            // overflows) and raising the signal on this very process: a fatal signal ends
            // it here, which is the point.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
            Some(Reply::Refused(format!(
                "signal {signal} did not end the worker"
            )))
        }
        Fault::CorruptReply => {
            let mut frame = 8u32.to_le_bytes().to_vec();
            frame.extend([0xFF; 8]);
            let _ = output.write_all(&frame).and_then(|()| output.flush());
            None
        }
        Fault::TruncatedReply => {
            let mut frame = 1000u32.to_le_bytes().to_vec();
            frame.extend([1; 10]);
            let _ = output.write_all(&frame).and_then(|()| output.flush());
            std::process::exit(0)
        }
    }
}

thread_local! {
    // Where the panic hook leaves the location of the last panic, for the reply.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The default hook prints to stderr; a worker instead keeps the message and location and
/// sends them to the parent, which reports them on the task's handle.
fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(location));
    }));
}

fn panicked(task: usize, payload: &(dyn std::any::Any + Send)) -> Reply {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into());
    let location = LAST_PANIC.with(|last| last.borrow_mut().take().unwrap_or_default());
    Reply::Panicked {
        task,
        message: format!("{message}{location}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use workloads::Task;
    use workloads::map::squares;

    fn frames(requests: &[Request<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in requests {
            write_frame(&mut out, r, &mut Vec::new()).unwrap();
        }
        out
    }

    fn replies(bytes: &[u8]) -> Vec<Reply> {
        let mut r = bytes;
        let mut buf = Vec::new();
        std::iter::from_fn(|| read_frame(&mut r, &mut buf).unwrap()).collect()
    }

    #[test]
    fn serves_requests_in_order_until_the_pipe_closes() {
        let tasks = [
            Task::Square(squares::Task { x: 3 }),
            Task::Square(squares::Task { x: 4 }),
        ];
        let input = frames(&[Request::Run(Cow::Borrowed(&tasks))]);
        let mut output = Vec::new();
        serve(BufReader::new(&input[..]), &mut output, None).unwrap();
        let replies = replies(&output);
        assert!(matches!(replies[0], Reply::Ready { .. }));
        assert!(
            matches!(&replies[1], Reply::Done(o) if o == &[TaskOutput::Square(9), TaskOutput::Square(16)])
        );
    }

    #[test]
    fn a_corrupt_request_stream_is_an_error_not_a_panic() {
        let mut input = frames(&[Request::Run(Cow::Borrowed(&[]))]);
        input.extend([9, 0, 0, 0, 0xEE, 0xEE]);
        let err = serve(BufReader::new(&input[..]), &mut Vec::new(), None).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        assert_eq!(err.exit_code(), EXIT_PROTOCOL);
    }

    #[test]
    fn a_counter_task_without_a_shared_value_is_refused() {
        let input = frames(&[Request::Increment {
            variant: crate::CounterVariant::Atomic,
            times: 1,
        }]);
        let mut output = Vec::new();
        serve(BufReader::new(&input[..]), &mut output, None).unwrap();
        assert!(matches!(&replies(&output)[1], Reply::Refused(r) if r.contains("no value")));
    }
}
