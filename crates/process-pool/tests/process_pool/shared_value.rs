//! The article's `Value` shared between worker processes.

use process_pool::{CounterVariant, Fault, PoolError, ProcessPool, SharedValue, Work};
use workloads::TaskOutput;
use workloads::sync::CounterJob;

use crate::support::*;

fn count_in_processes(variant: CounterVariant, job: CounterJob) -> i64 {
    with_deadline("shared counter", BOUND, move || {
        let value = SharedValue::new(0).unwrap();
        let pool = ProcessPool::builder()
            .workers(nz(job.workers))
            .program(program())
            .share(&value)
            .start()
            .unwrap();
        let handles: Vec<_> = (0..job.workers)
            .map(|_| {
                let work = Work::Increment {
                    variant,
                    times: job.increments,
                };
                pool.submit(work).unwrap()
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.result().unwrap(), TaskOutput::Count(job.increments));
        }
        value.load()
    })
    .unwrap()
}

#[test]
fn the_articles_shared_counter_is_exact_in_four_processes() {
    let big = CounterJob {
        workers: 4,
        increments: 10_000,
    };
    for job in [CounterJob::ARTICLE_PROCESSES, big] {
        for variant in [CounterVariant::Locked, CounterVariant::Atomic] {
            let got = count_in_processes(variant, job);
            job.verify(got as u64)
                .unwrap_or_else(|e| panic!("{}: {e}", variant.id()));
        }
    }
    // Without the lock, `value += 1` races: never more than expected, often less.
    let racy = count_in_processes(CounterVariant::Unlocked, big);
    assert!(racy > 0 && racy as u64 <= big.expected(), "{racy}");
}

#[test]
fn a_replacement_worker_maps_the_shared_value_too() {
    with_deadline("replacement sees the value", BOUND, || {
        let value = SharedValue::new(0).unwrap();
        let pool = ProcessPool::builder()
            .workers(nz(1))
            .program(program())
            .share(&value)
            .start()
            .unwrap();
        let err = pool.submit(Fault::Exit(1)).unwrap().result().unwrap_err();
        assert!(matches!(err, PoolError::WorkerLost { .. }), "{err}");
        let work = Work::Increment {
            variant: CounterVariant::Locked,
            times: 100,
        };
        pool.submit(work).unwrap().result().unwrap();
        assert_eq!(value.load(), 100);
    })
    .unwrap();
}

#[test]
fn a_counter_task_needs_a_shared_value() {
    with_deadline("refused", BOUND, || {
        let pool = pool(1);
        let work = Work::Increment {
            variant: CounterVariant::Atomic,
            times: 1,
        };
        let err = pool.submit(work).unwrap().result().unwrap_err();
        assert!(err.to_string().contains("shares no value"), "{err}");
    })
    .unwrap();
}
