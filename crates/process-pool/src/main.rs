//! `process-pool-worker`: a program that is nothing but a pool worker.
//!
//! For callers whose `main` cannot call `process_pool::init()` (libtest test binaries):
//! `WorkerProgram::Path(env!("CARGO_BIN_EXE_process-pool-worker").into())`.

fn main() {
    process_pool::init();
    eprintln!("process-pool-worker: run by a process pool, not by hand");
    std::process::exit(2);
}
