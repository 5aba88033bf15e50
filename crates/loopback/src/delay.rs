//! The file server's latency: a timer thread that fires each answer at its absolute
//! deadline, with sub-millisecond error.
//!
//! tokio's timer wheel has 1 ms ticks and rounds every sleep up to the next tick, so a 10 ms
//! latency lasted 10 to 11 ms (the 100 x 4 KiB downloads: ~0.5 ms a round, 7 rounds). Here
//! each request's deadline (`arrival + latency`) goes to one thread that sleeps until the
//! earliest deadline on a condition variable, with its timer slack lowered to 1 ns, and then
//! completes the request's oneshot; the server's event loop is woken like by any I/O.
//! Deadlines of one server come in arrival order (one latency for all), so a FIFO is the
//! whole schedule: a new request never fires before one already waiting. The file server
//! asks for [`crate::SPIN_EARLY`] before each answer's deadline and spins the
//! rest on its own thread, so neither thread's wake-up is paid after the deadline.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use tokio::sync::oneshot;

use crate::LoopbackError;

/// A timer thread completing oneshots at their deadlines. Dropping it stops the thread
/// (pending requests are dropped, which their waiters see as cancelled) and joins it.
#[derive(Debug)]
pub(crate) struct DelayLine {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    stop: bool,
    due: VecDeque<(Instant, oneshot::Sender<()>)>,
}

impl DelayLine {
    pub(crate) fn start(name: &str) -> Result<DelayLine, LoopbackError> {
        let shared = Arc::new(Shared::default());
        let timer = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("{name}-timer"))
            .spawn(move || timer.run())
            .map_err(|e| LoopbackError::io("spawning the latency timer thread", e))?;
        Ok(DelayLine {
            shared,
            thread: Some(thread),
        })
    }

    /// Completes when `deadline` has passed (at once if it already has).
    pub(crate) fn until(&self, deadline: Instant) -> oneshot::Receiver<()> {
        let (fire, fired) = oneshot::channel();
        let mut queue = self.shared.lock();
        // Arrival order is deadline order for one latency; a deadline earlier than the last
        // one queued (a clock read a moment late) fires with it, a few microseconds late.
        let woke_needed = queue.due.is_empty();
        queue.due.push_back((deadline, fire));
        drop(queue);
        if woke_needed {
            self.shared.changed.notify_one();
        }
        fired
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(&self) {
        lower_timer_slack();
        let mut queue = self.lock();
        loop {
            if queue.stop {
                return;
            }
            let now = Instant::now();
            match queue.due.front() {
                None => {
                    queue = self
                        .changed
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Some(&(deadline, _)) if deadline > now => {
                    queue = self
                        .changed
                        .wait_timeout(queue, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                Some(_) => {
                    // Fire everything due; a waiter that went away (its connection closed)
                    // just drops its end.
                    while let Some(&(deadline, _)) = queue.due.front() {
                        if deadline > now {
                            break;
                        }
                        if let Some((_, fire)) = queue.due.pop_front() {
                            let _ = fire.send(());
                        }
                    }
                }
            }
        }
    }
}

impl Drop for DelayLine {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread only waits on the condition variable, which the notify ends.
            let _ = thread.join();
        }
    }
}

/// Timer slack 1 ns for the calling thread (Linux; the default 50 us would be added to each
/// sleep). 0 would mean "back to the default", so 1.
fn lower_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes one integer and changes only this thread. A failure
    // leaves the default slack: answers a little later, nothing unsafe.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Each delay ends at or after its deadline. Prints the median and worst lateness of
    /// the delay line and of tokio's timer for the same 3 ms delays, the measurement behind
    /// the crate docs: `cargo test --release -p loopback --lib delay -- --nocapture`.
    #[test]
    fn delays_end_after_their_deadline() {
        let line = DelayLine::start("cb-delay-test").unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let latency = Duration::from_millis(3);
        let (mut ours, mut tokios) = runtime.block_on(async {
            let (mut ours, mut tokios) = (Vec::new(), Vec::new());
            for _ in 0..40 {
                let deadline = Instant::now() + latency;
                tokio::time::timeout(Duration::from_secs(10), line.until(deadline))
                    .await
                    .expect("fired within 10 s")
                    .expect("not cancelled");
                let now = Instant::now();
                assert!(now >= deadline, "fired {:?} early", deadline - now);
                ours.push(now - deadline);
                let deadline = Instant::now() + latency;
                tokio::time::sleep(latency).await;
                tokios.push(Instant::now().saturating_duration_since(deadline));
            }
            (ours, tokios)
        });
        ours.sort();
        tokios.sort();
        eprintln!(
            "lateness of a 3 ms delay, median / max of 40: delay line {:?} / {:?}, tokio's timer {:?} / {:?}",
            ours[20], ours[39], tokios[20], tokios[39]
        );
        drop(line);
    }
}
