//! The article's `multiprocessing` examples with real worker processes:
//! `cargo run --release -p process-pool --example pool`.
//!
//! This binary is its own worker program: `process_pool::init()` runs first, and turns the
//! re-executed copies into workers.

use std::num::NonZeroUsize;
use std::time::Instant;

use process_pool::{Chunksize, CounterVariant, ProcessPool, SharedValue, Work};
use workloads::MapJob;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    process_pool::init();
    let workers = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);

    // with Pool() as pool: pool.map(square, range(10))
    let started = Instant::now();
    let pool = ProcessPool::new(workers)?;
    println!(
        "started {} workers {:?} in {:?}",
        pool.workers(),
        pool.worker_pids(),
        started.elapsed()
    );
    let job = MapJob::primes(1_000_000, 4);
    let started = Instant::now();
    let outputs = pool.map(job.tasks().clone(), Chunksize::Auto)?;
    job.verify(&outputs)?;
    println!(
        "primes <= 1_000_000: {} in {:?}",
        MapJob::answer(&outputs),
        started.elapsed()
    );

    // counter = Value('i', 0); 4 x Process(target=increment)
    let counter = SharedValue::new(0)?;
    let pool = ProcessPool::builder()
        .workers(NonZeroUsize::new(4).unwrap())
        .share(&counter)
        .start()?;
    let handles = (0..4)
        .map(|_| {
            pool.submit(Work::Increment {
                variant: CounterVariant::Locked,
                times: 100,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for handle in handles {
        handle.result()?;
    }
    println!("shared counter after 4 processes x 100: {}", counter.load());
    Ok(())
}
