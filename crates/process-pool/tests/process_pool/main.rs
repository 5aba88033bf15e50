//! The process pool's contract, checked against real worker processes: every technique on
//! every workload, both faces of the API, every fault, the shared value, and that no child
//! process outlives a pool. Every wait is bounded: a bug fails the test, never hangs it.
//!
//! One integration-test binary (a module per concern): [`support`] holds the bounded waits and
//! the worker program every module uses.

mod chaos;
mod faults;
mod lifecycle;
mod map;
mod shared_value;
mod support;

// procspawn's comparison row re-executes this test binary through a helper test.
procspawn::enable_test_support!();
