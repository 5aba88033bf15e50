//! Both faces of the API on healthy workers: map, imap_unordered, every technique.

use process_pool::{Chunksize, ProcessPool, WorkerProgram};
use workloads::map::sleep;
use workloads::{MapJob, Preset, Task, TaskOutput};

use crate::support::*;

#[test]
fn every_technique_verifies_every_quick_workload() {
    with_deadline("techniques x workloads", BOUND, || {
        for technique in process_pool::map_techniques(&program()) {
            for workers in [1, 2, 3] {
                let mut runner = technique.start(nz(workers)).unwrap();
                for job in MapJob::for_preset(Preset::Quick) {
                    let outputs = runner.run(&job).unwrap();
                    job.verify(&outputs)
                        .unwrap_or_else(|e| panic!("{} x{workers}: {e}", technique.id()));
                }
            }
        }
    })
    .unwrap();
}

#[test]
fn chunksize_defaults_like_python() {
    // Python: chunksize, extra = divmod(len, 4 * workers); chunksize += bool(extra).
    assert_eq!(Chunksize::Auto.resolve(10_000, 2), 1_250);
    assert_eq!(Chunksize::Auto.resolve(10_001, 2), 1_251);
    assert_eq!(Chunksize::Auto.resolve(10, 4), 1);
    assert_eq!(Chunksize::Auto.resolve(0, 4), 1);
    assert_eq!(Chunksize::new(0), Chunksize::Auto);
    assert_eq!(Chunksize::new(7).resolve(100, 2), 7);
}

#[test]
fn map_keeps_input_order_with_any_chunksize() {
    with_deadline("map", BOUND, || {
        let pool = pool(3);
        let job = MapJob::squares(1_000);
        for chunksize in [1, 7, 0, 5_000] {
            let outputs = pool
                .map(job.tasks().clone(), Chunksize::new(chunksize))
                .unwrap();
            job.verify(&outputs).unwrap();
        }
        assert_eq!(pool.map(Vec::new(), Chunksize::Auto).unwrap(), []);
    })
    .unwrap();
}

#[test]
fn imap_unordered_yields_every_task_once() {
    with_deadline("imap_unordered", BOUND, || {
        let pool = pool(2);
        let job = MapJob::primes(10_000, 64);
        let mut got = vec![None; job.tasks().len()];
        for (i, output) in pool
            .imap_unordered(job.tasks().clone(), Chunksize::new(3))
            .unwrap()
        {
            assert!(got[i].is_none(), "task {i} twice");
            got[i] = Some(output.unwrap());
        }
        let got: Vec<TaskOutput> = got.into_iter().map(Option::unwrap).collect();
        job.verify(&got).unwrap();
    })
    .unwrap();
}

#[test]
fn a_program_that_is_not_a_worker_is_a_clear_start_error() {
    with_deadline("bad programs", BOUND, || {
        let start = |path: &str| {
            ProcessPool::builder()
                .workers(nz(1))
                .program(WorkerProgram::Path(path.into()))
                .start()
                .unwrap_err()
                .to_string()
        };
        let err = start("/bin/echo");
        assert!(err.contains("process_pool::init()"), "{err}");
        let err = start("/nonexistent/worker");
        assert!(err.contains("/nonexistent/worker"), "{err}");
    })
    .unwrap();
}

#[test]
fn megabyte_chunks_cross_the_pipes_in_every_technique() {
    // chunk-mean at the default size: 800 KB per task, several MB per frame with 1 worker,
    // far beyond a pipe's 64 KB buffer; procspawn deadlocked here before its runner bounded
    // the calls in flight.
    with_deadline("large arguments", BOUND, || {
        let job = MapJob::chunk_mean(1_000_000, 10);
        for technique in process_pool::map_techniques(&program()) {
            let mut runner = technique.start(nz(1)).unwrap();
            job.verify(&runner.run(&job).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", technique.id()));
        }
    })
    .unwrap();
}

#[test]
fn a_window_does_not_let_one_worker_take_a_short_queue() {
    // Eight 100 ms tasks, two workers, a window of 8: one worker could take all eight
    // ahead and leave the other idle; it takes ahead only its share of the queue.
    with_deadline("fair share", BOUND, || {
        let pool = pool_with_window(2, 8);
        let handles: Vec<_> = (0..8)
            .map(|_| pool.submit(Task::Sleep(sleep::Task { ms: 100 })).unwrap())
            .collect();
        wait_until("every task is taken", || {
            handles.iter().all(|h| h.worker_pid().is_some())
        });
        let pids: Vec<u32> = handles.iter().filter_map(|h| h.worker_pid()).collect();
        for pid in pool.worker_pids() {
            let took = pids.iter().filter(|&&p| p == pid).count();
            assert!(took >= 2, "worker {pid} took {took} of 8: {pids:?}");
        }
        for handle in handles {
            assert_eq!(handle.result().unwrap(), TaskOutput::Slept(100));
        }
    })
    .unwrap();
}

/// Every map technique here crosses a process boundary, whatever its id says.
#[test]
fn every_technique_declares_process() {
    for technique in process_pool::map_techniques(&program()) {
        assert_eq!(
            technique.kind(),
            workloads::Kind::Process,
            "{}",
            technique.id()
        );
    }
}
