//! The checks both hand-made semaphores must pass, written once: a stress run beyond loom's
//! reach, and the loom model of three threads on two permits.

use crate::{FairSemaphore, Semaphore};

/// A semaphore as the checks see it.
pub(crate) trait Admits: Send + Sync + 'static {
    /// Runs `inside` while holding a permit.
    fn with_permit(&self, inside: impl FnOnce());
    /// Permits free now.
    fn free(&self) -> usize;
}

impl Admits for Semaphore {
    fn with_permit(&self, inside: impl FnOnce()) {
        let _permit = self.acquire();
        inside();
    }
    fn free(&self) -> usize {
        self.available()
    }
}

impl Admits for FairSemaphore {
    fn with_permit(&self, inside: impl FnOnce()) {
        let _permit = self.acquire();
        inside();
    }
    fn free(&self) -> usize {
        self.available()
    }
}

/// 16 threads on 2 cores, 500 rounds each on 3 permits: never more than 3 inside, every
/// permit back at the end; bounded by a deadline so a lost wakeup fails instead of hanging.
#[cfg(not(loom))]
pub(crate) fn stress(sem: impl Admits) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    let outcome =
        workloads::sync::with_deadline("semaphore stress", Duration::from_secs(60), move || {
            let (inside, max) = (AtomicUsize::new(0), AtomicUsize::new(0));
            std::thread::scope(|s| {
                for _ in 0..16 {
                    s.spawn(|| {
                        for _ in 0..500 {
                            sem.with_permit(|| {
                                let now = inside.fetch_add(1, Ordering::Relaxed) + 1;
                                max.fetch_max(now, Ordering::Relaxed);
                                std::hint::spin_loop();
                                inside.fetch_sub(1, Ordering::Relaxed);
                            });
                        }
                    });
                }
            });
            (max.into_inner(), sem.free())
        });
    let (max, available) = outcome.unwrap();
    assert!(max <= 3, "{max} inside with 3 permits");
    assert_eq!(available, 3);
}

/// Three threads share two permits: inside the model, no interleaving lets a third in, none
/// loses a wakeup or a hand-off (loom reports a deadlock if one does), and all permits come
/// back.
#[cfg(loom)]
pub(crate) fn three_threads_two_permits<S: Admits>(new: fn(usize) -> S) {
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};

    testkit::model(move || {
        let sem = Arc::new(new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let use_once = {
            let (sem, inside) = (Arc::clone(&sem), Arc::clone(&inside));
            move || {
                sem.with_permit(|| {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    assert!(now <= 2, "{now} inside with 2 permits");
                    inside.fetch_sub(1, Ordering::SeqCst);
                });
            }
        };
        let threads: Vec<_> = (0..2)
            .map(|_| loom::thread::spawn(use_once.clone()))
            .collect();
        use_once();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(sem.free(), 2);
    });
}
