//! `multiprocessing.Value('i', 0)`: one integer in shared memory, mapped by the parent and
//! every worker, with a lock that works across processes (`get_lock()`) and an atomic path.
//!
//! The memory is a `memfd` (an anonymous file), not an anonymous mapping: workers are started
//! with `exec`, which drops every mapping, so they must map the memory themselves from a file
//! descriptor they inherit. The lock is a POSIX mutex marked `PTHREAD_PROCESS_SHARED` (the
//! kernel's futex keyed on the physical page, so it works across address spaces) and
//! `PTHREAD_MUTEX_ROBUST`: if a worker dies holding it, the next locker is told and takes it
//! over instead of waiting forever. A hand-written futex lock would need its own model
//! checking; this one is the C library's, stress-tested here by 4 processes x 10_000.

use std::cell::UnsafeCell;
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, Ordering};

use memmap2::{MmapOptions, MmapRaw};

use crate::CounterVariant;

/// The layout of the shared page. `repr(C)` so every process agrees on it.
#[repr(C)]
struct Cell {
    lock: UnsafeCell<libc::pthread_mutex_t>,
    value: AtomicI64,
}

/// An integer shared between this process and the workers of every pool built with
/// [`PoolBuilder::share`](crate::PoolBuilder::share).
///
/// ```
/// use process_pool::SharedValue;
///
/// let counter = SharedValue::new(0).unwrap();
/// {
///     let mut guard = counter.get_lock();
///     let v = guard.get();
///     guard.set(v + 1);
/// }
/// counter.fetch_add(1);
/// assert_eq!(counter.load(), 2);
/// ```
pub struct SharedValue {
    file: File,
    // Keeps the mapping alive; `cell` points into it.
    _map: MmapRaw,
    cell: NonNull<Cell>,
}

// SAFETY: the cell is only touched through the process-shared mutex (a pthread mutex is
// thread-safe) and through atomics; the mapping lives as long as the value.
unsafe impl Send for SharedValue {}
// SAFETY: as above: every access through `&SharedValue` is synchronized.
unsafe impl Sync for SharedValue {}

impl SharedValue {
    /// Creates the shared memory and initializes the value and its process-shared lock.
    pub fn new(initial: i64) -> io::Result<SharedValue> {
        // SAFETY: the name is a NUL-terminated literal; the flag asks for close-on-exec, so
        // only the workers we hand the descriptor to (explicitly) inherit it.
        let fd = unsafe { libc::memfd_create(c"process-pool-value".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(size_of::<Cell>() as u64)?;
        let value = SharedValue::map(file)?;
        value.init_lock(initial)?;
        Ok(value)
    }

    /// Maps a value created by another process from its inherited descriptor (in a worker).
    pub(crate) fn attach(fd: RawFd) -> io::Result<SharedValue> {
        // SAFETY: the parent passed this descriptor number for exactly this purpose and no
        // other code of the worker owns it.
        let file = unsafe { File::from_raw_fd(fd) };
        if file.metadata()?.len() < size_of::<Cell>() as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("shared value descriptor {fd} is smaller than the value"),
            ));
        }
        SharedValue::map(file)
    }

    fn map(file: File) -> io::Result<SharedValue> {
        let map = MmapOptions::new().len(size_of::<Cell>()).map_raw(&file)?;
        let cell = NonNull::new(map.as_mut_ptr().cast::<Cell>())
            .ok_or_else(|| io::Error::other("mmap returned a null pointer"))?;
        Ok(SharedValue {
            file,
            _map: map,
            cell,
        })
    }

    fn init_lock(&self, initial: i64) -> io::Result<()> {
        // SAFETY: the page is fresh, ours alone (no worker has it yet), page-aligned and
        // large enough for the `Cell`; the attribute object lives on this stack frame and
        // is destroyed after the mutex is initialized, as POSIX allows.
        unsafe {
            let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
            check(libc::pthread_mutexattr_init(&mut attr))?;
            let set = check(libc::pthread_mutexattr_setpshared(
                &mut attr,
                libc::PTHREAD_PROCESS_SHARED,
            ))
            .and_then(|()| {
                check(libc::pthread_mutexattr_setrobust(
                    &mut attr,
                    libc::PTHREAD_MUTEX_ROBUST,
                ))
            })
            .and_then(|()| check(libc::pthread_mutex_init(self.cell().lock.get(), &attr)));
            libc::pthread_mutexattr_destroy(&mut attr);
            set?;
        }
        self.cell().value.store(initial, Ordering::SeqCst);
        Ok(())
    }

    fn cell(&self) -> &Cell {
        // SAFETY: `cell` points at the start of a live mapping of at least `size_of::<Cell>()`
        // bytes; `Cell` is made of `UnsafeCell` and an atomic, so shared references are fine.
        unsafe { self.cell.as_ref() }
    }

    /// The memory's file, which a pool duplicates for its workers.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The descriptor workers inherit.
    pub(crate) fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// Takes the cross-process lock (Python's `with counter.get_lock():`). If a process died
    /// holding it, the lock is taken over: the value is one word, so it is never half-written.
    pub fn get_lock(&self) -> ValueGuard<'_> {
        let lock = self.cell().lock.get();
        // SAFETY: the mutex was initialized by `new` before any process could see it.
        let rc = unsafe { libc::pthread_mutex_lock(lock) };
        if rc == libc::EOWNERDEAD {
            // SAFETY: we own the mutex now (EOWNERDEAD means it was acquired).
            unsafe { libc::pthread_mutex_consistent(lock) };
        } else {
            // The only other failures are a corrupted mutex or a self-deadlock: bugs, not input.
            assert_eq!(rc, 0, "pthread_mutex_lock on the shared value failed: {rc}");
        }
        ValueGuard { value: self }
    }

    /// Reads the value (an atomic load; it needs no lock).
    pub fn load(&self) -> i64 {
        self.cell().value.load(Ordering::SeqCst)
    }

    /// Sets the value under the lock.
    pub fn store(&self, v: i64) {
        self.get_lock().set(v);
    }

    /// Adds `n` atomically, without the lock; returns the previous value. Do not mix it with
    /// a concurrent read-then-write under [`SharedValue::get_lock`]: that write would
    /// overwrite the addition (the lock only excludes other lock holders).
    pub fn fetch_add(&self, n: i64) -> i64 {
        // Relaxed suffices: read-modify-writes of one word are totally ordered, so no update
        // is lost; the final count is read after every worker's reply crossed a pipe.
        self.cell().value.fetch_add(n, Ordering::Relaxed)
    }

    /// Adds 1 `times` times the way `variant` says: what a worker runs for
    /// [`Work::Increment`](crate::Work::Increment).
    pub fn increment(&self, variant: CounterVariant, times: u64) {
        for _ in 0..times {
            match variant {
                CounterVariant::Locked => {
                    let mut guard = self.get_lock();
                    let v = guard.get();
                    guard.set(v + 1);
                }
                CounterVariant::Atomic => {
                    self.fetch_add(1);
                }
                CounterVariant::Unlocked => {
                    let value = &self.cell().value;
                    value.store(value.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                }
            }
        }
    }
}

impl fmt::Debug for SharedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedValue")
            .field("fd", &self.fd())
            .field("value", &self.load())
            .finish()
    }
}

/// The value, locked. Unlocks on drop.
pub struct ValueGuard<'a> {
    value: &'a SharedValue,
}

impl ValueGuard<'_> {
    /// The value (Python's `counter.value`).
    pub fn get(&self) -> i64 {
        // Relaxed: the mutex orders this read after the previous holder's write.
        self.value.cell().value.load(Ordering::Relaxed)
    }

    /// Sets the value (`counter.value = v`).
    pub fn set(&mut self, v: i64) {
        self.value.cell().value.store(v, Ordering::Relaxed);
    }
}

impl Drop for ValueGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard exists only while this thread holds the mutex.
        let rc = unsafe { libc::pthread_mutex_unlock(self.value.cell().lock.get()) };
        debug_assert_eq!(rc, 0, "pthread_mutex_unlock failed: {rc}");
    }
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_of_one_process_count_exactly_with_the_lock() {
        let value = SharedValue::new(0).unwrap();
        for variant in [CounterVariant::Locked, CounterVariant::Atomic] {
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| value.increment(variant, 10_000));
                }
            });
        }
        assert_eq!(value.load(), 80_000);
    }

    #[test]
    fn a_second_mapping_sees_the_same_memory() {
        let value = SharedValue::new(5).unwrap();
        // SAFETY (test): dup gives a second descriptor of the same memfd, as a worker gets.
        let fd = unsafe { libc::dup(value.fd()) };
        let other = SharedValue::attach(fd).unwrap();
        other.increment(CounterVariant::Locked, 3);
        value.fetch_add(1);
        assert_eq!((value.load(), other.load()), (9, 9));
    }
}
