//! Starting one worker process, talking to it, and reaping it.
//!
//! Each worker is spawned from the pool thread that serves it and lives no longer than that
//! thread: `PR_SET_PDEATHSIG` fires when the *thread* that created the child ends, so tying
//! the two makes "the parent died" and "the pool ended" the same event for the child, and no
//! worker is orphaned even if the parent is killed with SIGKILL.
//!
//! The worker sets `PR_SET_PDEATHSIG` itself, first thing in [`init`](crate::init), and
//! then checks that its parent is still the pid in `PROCESS_POOL_PARENT` (a parent that died
//! in between would never signal it). Doing it there rather than in a `pre_exec` hook lets
//! std start the child with `posix_spawn` (a vfork: no copy of the parent's page tables)
//! instead of `fork`: a fork copies the page tables of the multi-hundred-megabyte bench
//! process, several milliseconds per worker. Only a pool with a shared value still forks, to clear
//! close-on-exec on the memory's descriptor in the child alone.

use std::borrow::Cow;
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use workloads::TaskOutput;

use crate::error::{PoolError, WorkerId};
use crate::frame::{FrameError, encode_frame, read_frame};
use crate::protocol::{Reply, Request};
use crate::worker::{EXIT_PROTOCOL, EXIT_SETUP, PARENT_ENV, SHARED_FD_ENV, WORKER_ENV};

/// The running executable's image, as the kernel names it.
const SELF_EXE: &str = "/proc/self/exe";

/// Which program runs as a worker. Its `main` must call [`init`](crate::init) first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WorkerProgram {
    /// Re-execute the current executable with the worker marker set (like `procspawn` and
    /// Python's `spawn` start method). Right for binaries, examples and criterion benches.
    #[default]
    CurrentExe,
    /// A separate binary, e.g. this crate's `process-pool-worker` (what libtest test binaries
    /// use, since their `main` is libtest's and cannot call `init`).
    Path(PathBuf),
}

impl WorkerProgram {
    fn resolve(&self) -> Result<PathBuf, PoolError> {
        match self {
            // `/proc/self/exe`, not `current_exe()`: the kernel resolves it to the running
            // image even after the file was replaced (cargo rebuilding a bench binary while
            // it runs), where the path `current_exe()` returns names a deleted file.
            WorkerProgram::CurrentExe if Path::new(SELF_EXE).exists() => Ok(SELF_EXE.into()),
            WorkerProgram::CurrentExe => std::env::current_exe().map_err(|e| PoolError::Spawn {
                program: "the current executable".into(),
                cause: e.to_string(),
            }),
            WorkerProgram::Path(path) => Ok(path.clone()),
        }
    }
}

/// What every worker of a pool is started with; replacements included.
#[derive(Debug)]
pub(crate) struct SpawnConfig {
    pub program: PathBuf,
    /// A descriptor to hand down (the shared value's memory), with its number.
    pub shared_fd: Option<i32>,
}

impl SpawnConfig {
    pub fn new(program: &WorkerProgram, shared_fd: Option<i32>) -> Result<SpawnConfig, PoolError> {
        Ok(SpawnConfig {
            program: program.resolve()?,
            shared_fd,
        })
    }

    fn spawn_error(&self, cause: impl ToString) -> PoolError {
        PoolError::Spawn {
            program: self.program.display().to_string(),
            cause: cause.to_string(),
        }
    }
}

/// A running worker: the child (shared with the pool, which may kill it) and its pipes.
pub(crate) struct WorkerProcess {
    pub id: WorkerId,
    pub child: Arc<Mutex<Child>>,
    input: BufWriter<ChildStdin>,
    output: BufReader<ChildStdout>,
    buf: Vec<u8>,
}

/// Why a worker's reply stream cannot be read on: it must be replaced.
pub(crate) enum Failure {
    /// The pipe failed (the worker is most likely dying).
    Io(String),
    /// The stream is untrustworthy: a corrupt, truncated or unexpected frame.
    Protocol(String),
}

impl WorkerProcess {
    /// Starts a worker process. [`WorkerProcess::handshake`] must follow.
    pub fn spawn(slot: usize, config: &SpawnConfig) -> Result<WorkerProcess, PoolError> {
        let mut command = Command::new(&config.program);
        command
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        match config.shared_fd {
            Some(fd) => command.env(SHARED_FD_ENV, fd.to_string()),
            None => command.env_remove(SHARED_FD_ENV),
        };
        // The worker ties its life to this thread itself, first thing in `init`
        // (`PR_SET_PDEATHSIG`, then a check that this process is still its parent).
        command.env(PARENT_ENV, std::process::id().to_string());
        if let Some(fd) = config.shared_fd {
            // SAFETY: the closure runs in the forked child before exec and calls only fcntl,
            // which is async-signal-safe; it allocates nothing.
            unsafe {
                command.pre_exec(move || {
                    // Clear close-on-exec in this child only, so exec keeps the memory's fd.
                    if libc::fcntl(fd, libc::F_SETFD, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().map_err(|e| config.spawn_error(e))?;
        let pid = child.id();
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(config.spawn_error("the child has no pipes"));
        };
        Ok(WorkerProcess {
            id: WorkerId { slot, pid },
            child: Arc::new(Mutex::new(child)),
            input: BufWriter::new(stdin),
            output: BufReader::new(stdout),
            buf: Vec::new(),
        })
    }

    /// Waits for the worker's `Ready` frame, which proves it runs [`init`](crate::init) and
    /// speaks the protocol. On failure the worker is reaped and the error says why.
    pub fn handshake(mut self, config: &SpawnConfig) -> Result<WorkerProcess, PoolError> {
        match read_frame::<_, Reply>(&mut self.output, &mut self.buf) {
            Ok(Some(Reply::Ready { .. })) => Ok(self),
            other => {
                let what = match other {
                    Ok(Some(reply)) => format!("its first frame was {reply:?}, not Ready"),
                    Ok(None) => "it closed its output without a word".into(),
                    Err(e) => e.to_string(),
                };
                let status = self.reap(Duration::ZERO);
                Err(config.spawn_error(format!(
                    "it did not start as a pool worker ({what}; {}); does its main call \
                     process_pool::init() first?",
                    describe(status)
                )))
            }
        }
    }

    /// Splits a started worker into the half the slot thread writes requests to and the
    /// half its reader thread reads replies from.
    pub fn split(self) -> (WorkerInput, WorkerOutput) {
        let WorkerProcess {
            id,
            child,
            input,
            output,
            buf,
        } = self;
        let writer = WorkerInput {
            id,
            child: Arc::clone(&child),
            input,
            buf,
        };
        let reader = WorkerOutput {
            id,
            child,
            output,
            buf: Vec::new(),
        };
        (writer, reader)
    }

    fn reap(self, grace: Duration) -> Option<ExitStatus> {
        drop(self.input);
        reap(&self.child, grace)
    }
}

/// The request side of a worker: frames are encoded, buffered, and flushed before the slot
/// thread waits, so several requests leave in one `write` when they are ready together.
pub(crate) struct WorkerInput {
    pub id: WorkerId,
    pub child: Arc<Mutex<Child>>,
    input: BufWriter<ChildStdin>,
    buf: Vec<u8>,
}

impl WorkerInput {
    /// Encodes `request` as one frame into this worker's scratch buffer; [`WorkerInput::send`]
    /// writes it. Encoding first lets the caller record the batch as in flight before its
    /// bytes can reach the worker (and its reply come back).
    pub fn encode(&mut self, request: &Request<'_>) -> Result<(), FrameError> {
        encode_frame(request, &mut self.buf)
    }

    /// Buffers the encoded frame (large frames go straight to the pipe).
    pub fn send(&mut self) -> Result<(), String> {
        self.input
            .write_all(&self.buf)
            .map_err(|e| format!("sending the task failed: {e}"))
    }

    /// Writes whatever is buffered.
    pub fn flush(&mut self) -> Result<(), String> {
        self.input
            .flush()
            .map_err(|e| format!("sending the task failed: {e}"))
    }

    /// Ends the worker politely: flushes and closes its input (it answers what it has, then
    /// exits on end of stream). The reader thread reaps it.
    pub fn close(mut self) {
        let _ = self.input.flush();
    }
}

/// The reply side of a worker, read by its reader thread.
pub(crate) struct WorkerOutput {
    pub id: WorkerId,
    pub child: Arc<Mutex<Child>>,
    output: BufReader<ChildStdout>,
    buf: Vec<u8>,
}

impl WorkerOutput {
    /// Reads the next reply: `Ok(None)` when the worker closed its output between frames.
    pub fn receive(&mut self) -> Result<Option<Result<Vec<TaskOutput>, PoolError>>, Failure> {
        match read_frame::<_, Reply>(&mut self.output, &mut self.buf) {
            Ok(Some(Reply::Done(outputs))) => Ok(Some(Ok(outputs))),
            Ok(Some(Reply::Panicked { task, message })) => Ok(Some(Err(PoolError::Panicked {
                worker: self.id,
                task,
                message,
            }))),
            Ok(Some(Reply::Refused(reason))) => Ok(Some(Err(PoolError::Refused {
                worker: self.id,
                reason,
            }))),
            Ok(Some(reply @ Reply::Ready { .. })) => Err(Failure::Protocol(format!(
                "protocol error: unexpected {reply:?}"
            ))),
            Ok(None) => Ok(None),
            Err(FrameError::Io(e)) => Err(Failure::Io(format!("reading its reply failed: {e}"))),
            Err(e) => Err(Failure::Protocol(format!("protocol error: {e}"))),
        }
    }

    /// The error for every task a dead or broken worker had in flight: reaps it (after
    /// `grace`, killing it if it is still running) and names the worker, what went wrong and
    /// how the process ended.
    pub fn lost(&self, what: &str, grace: Duration) -> PoolError {
        let status = reap(&self.child, grace);
        PoolError::WorkerLost {
            worker: self.id,
            cause: format!("{}; {what}", describe(status)),
        }
    }
}

/// Waits up to `grace` for the child to exit, then kills it and waits. `None` only if the
/// OS refuses to tell (which a child of ours never does).
pub(crate) fn reap(child: &Mutex<Child>, grace: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + grace;
    let mut nap = Duration::from_micros(20);
    loop {
        let mut child = child.lock().unwrap_or_else(|p| p.into_inner());
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {}
            Ok(None) | Err(_) => {
                // std never signals a child it has already reaped, so the pid is still ours.
                let _ = child.kill();
                return child.wait().ok();
            }
        }
        drop(child);
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(1));
    }
}

/// Kills a worker at once (terminate, or a drop whose grace ran out).
pub(crate) fn kill(child: &Mutex<Child>) {
    let mut child = child.lock().unwrap_or_else(|p| p.into_inner());
    let _ = child.kill();
}

/// How a worker process ended, in words.
pub(crate) fn describe(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "its exit status is unknown".into();
    };
    if let Some(signal) = status.signal() {
        return format!("killed by signal {signal} ({})", signal_name(signal));
    }
    match status.code() {
        Some(0) => "exited normally".into(),
        Some(EXIT_PROTOCOL) => format!("exited with status {EXIT_PROTOCOL} (bad request stream)"),
        Some(EXIT_SETUP) => format!("exited with status {EXIT_SETUP} (worker setup failed)"),
        Some(code) => format!("exited with status {code}"),
        None => format!("ended: {status}"),
    }
}

fn signal_name(signal: i32) -> Cow<'static, str> {
    match signal {
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGPIPE => "SIGPIPE".into(),
        other => format!("signal {other}").into(),
    }
}
