//! Test support the crates share, used as a dev-dependency only (so a technique crate still
//! depends on no crate of ours but `workloads` and `loopback`).
//!
//! - `model` (under `--cfg loom`): runs a loom model the way every hand-made primitive of
//!   the workspace is checked (the spin lock, the semaphore, the queues). Each crate keeps a
//!   `sync` module that takes its atomics, locks and condition variables from loom under
//!   `cfg(loom)` and from std otherwise (tokio's `src/loom/mod.rs` pattern); its loom tests
//!   call `testkit::model`.
//! - [`wait_until`] and [`wait_for_eq`]: a check of something that settles a moment after
//!   the code under test returns (a thread names itself once it runs; a joined thread leaves
//!   `/proc` a moment after its join; a server counts an error after its client saw the
//!   close) waits for it, bounded, instead of looking once. On a busy machine the one look
//!   comes too early; a real leak or a lost count is still wrong after the bound, and fails.
//! - [`threads_named`], [`open_fds`], [`thread_count`] (Linux): what those checks count.
//! - The deadline helper of tests and docs is `workloads::sync::with_deadline`: it lives
//!   beside the workloads because their doc examples use it too.
//!
//! Run the models with `RUSTFLAGS="--cfg loom" cargo test -p locks -p semaphore -p queue
//! --release --lib`.

use std::fmt::Debug;
use std::time::{Duration, Instant};

/// Runs a loom model with at most 3 preemptions unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise: unbounded, the three-thread models take minutes instead of a second, and
/// bugs of this size show within 2 or 3 preemptions.
#[cfg(loom)]
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(3);
    builder.check(f);
}

/// Polls `done` until it returns true; panics naming `what` if it has not within `bound`.
/// The last look comes after the bound has passed, so nothing is given up early.
#[track_caller]
pub fn wait_until(what: &str, bound: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + bound;
    let mut nap = Duration::from_micros(100);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {bound:?} for {what}: it never happened"
        );
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
}

/// Polls `get` until it returns `want`; panics naming `what`, the value wanted and the last
/// value seen if it has not within `bound`.
#[track_caller]
pub fn wait_for_eq<T: PartialEq + Debug>(
    what: &str,
    bound: Duration,
    want: T,
    mut get: impl FnMut() -> T,
) {
    let deadline = Instant::now() + bound;
    let mut nap = Duration::from_micros(100);
    loop {
        let got = get();
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited {bound:?} for {what}: still {got:?}, wanted {want:?}"
        );
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
}

/// How many of this process's threads have a name starting with `prefix`
/// (`/proc/self/task/*/comm`: names are cut to 15 bytes, and a new thread shows its
/// creator's name until it has named itself).
#[cfg(target_os = "linux")]
pub fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task lists this process's threads")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// This process's threads (`/proc/self/task`).
#[cfg(target_os = "linux")]
pub fn thread_count() -> usize {
    count_entries("/proc/self/task")
}

/// This process's open file descriptors (`/proc/self/fd`; the listing's own descriptor
/// counts too, the same in every call).
#[cfg(target_os = "linux")]
pub fn open_fds() -> usize {
    count_entries("/proc/self/fd")
}

#[cfg(target_os = "linux")]
fn count_entries(dir: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {dir}: {e}"))
        .count()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::{wait_for_eq, wait_until};

    #[test]
    fn a_condition_that_comes_true_later_is_waited_for() {
        let calls = AtomicUsize::new(0);
        wait_until("the third look", Duration::from_secs(60), || {
            calls.fetch_add(1, Ordering::Relaxed) == 2
        });
        wait_for_eq("a count of 5", Duration::from_secs(60), 5, || {
            calls.fetch_add(1, Ordering::Relaxed)
        });
    }

    #[test]
    fn a_condition_that_never_comes_true_fails_after_the_bound() {
        let bound = Duration::from_millis(30);
        let started = Instant::now();
        let failed = std::panic::catch_unwind(|| wait_for_eq("never", bound, 1, || 0));
        let message = *failed.unwrap_err().downcast::<String>().unwrap();
        assert!(started.elapsed() >= bound, "gave up early");
        assert!(message.contains("still 0, wanted 1"), "{message}");
        let failed = std::panic::catch_unwind(|| wait_until("nothing", bound, || false));
        let message = *failed.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("for nothing"), "{message}");
    }

    /// Only what parallel tests cannot change: a thread of a name no other test uses.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_named_thread_is_seen_until_it_is_joined() {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let probe = std::thread::Builder::new()
            .name("testkit-probe".into())
            .spawn(move || stopped.recv())
            .unwrap();
        wait_for_eq("the probe thread named", Duration::from_secs(60), 1, || {
            super::threads_named("testkit-probe")
        });
        assert!(super::thread_count() >= 2 && super::open_fds() > 0);
        drop(stop);
        probe.join().unwrap().unwrap_err();
        wait_for_eq("the probe thread gone", Duration::from_secs(60), 0, || {
            super::threads_named("testkit-probe")
        });
    }
}
