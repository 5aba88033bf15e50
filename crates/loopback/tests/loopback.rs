//! The fixture end to end over real sockets: files and checks, the load generator's error
//! counting and bounds, bad input on the hyper skeleton, and shutdown leaving nothing.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use loopback::{
    CANNED_BODY, CannedServer, FileServer, HttpServer, LoadGenerator, LoadPlan, ServeConfig,
    TimedPlan, plain, probe,
};
use workloads::DownloadJob;

const BOUND: Duration = Duration::from_secs(5);
/// How long a check waits for what settles a moment after the call it follows (a thread
/// naming itself or leaving `/proc`, a server counting an error): far beyond any delay a
/// busy machine causes, and a leak or a lost count still fails once it has passed.
const SETTLE: Duration = Duration::from_secs(10);

fn plan(connections: usize, requests: u64, targets: Vec<(String, Bytes)>) -> LoadPlan {
    LoadPlan {
        connections,
        requests,
        deadline: Duration::from_secs(20),
        targets,
    }
}

fn file_targets(job: &DownloadJob) -> Vec<(String, Bytes)> {
    job.file_set()
        .into_iter()
        .map(|(path, body)| (path, Bytes::from(body)))
        .collect()
}

fn hello_server(config: ServeConfig) -> HttpServer {
    HttpServer::start(config, |request| async move {
        match workloads::hello_route(request.uri().path()) {
            Some(body) => Response::new(Full::new(Bytes::from(body))),
            None => plain(hyper::StatusCode::NOT_FOUND, "no route\n"),
        }
    })
    .unwrap()
}

#[test]
fn the_file_server_serves_every_file_with_its_latency() {
    let job = DownloadJob::for_preset(workloads::Preset::Quick)[0];
    let server = FileServer::start(job.file_set(), job.latency).unwrap();
    let generator = LoadGenerator::new(1).unwrap();
    let report = generator
        .run(server.addr(), &plan(3, 30, file_targets(&job)))
        .unwrap();
    report.check().unwrap();
    assert_eq!((report.requests, report.errors), (30, 0));
    // The injected latency is a lower bound on every answer.
    assert!(report.latency_us.min() >= job.latency.as_micros() as u64);
    let addr = server.addr();
    server.shutdown(BOUND).unwrap();
    probe::port_closed(addr).unwrap();
}

#[test]
fn wrong_bodies_and_non_2xx_answers_are_errors() {
    let job = DownloadJob::for_preset(workloads::Preset::Quick)[0];
    let server = FileServer::start(job.file_set(), Duration::ZERO).unwrap();
    let generator = LoadGenerator::new(1).unwrap();
    let mut targets = file_targets(&job);
    targets[1].1 = Bytes::from_static(b"not this");
    targets.push(("/files/missing.bin".into(), Bytes::new()));
    let report = generator.run(server.addr(), &plan(2, 40, targets)).unwrap();
    assert_eq!(report.requests, 40);
    assert_eq!(report.errors, 20, "{report:?}");
    let err = report.check().unwrap_err().to_string();
    assert!(err.contains("/files/"), "{err}");
    let wrong_status = generator
        .run(
            server.addr(),
            &plan(1, 1, vec![("/nope".into(), Bytes::new())]),
        )
        .unwrap();
    let first = wrong_status.first_error.unwrap();
    assert!(first.contains("404"), "{first}");
}

/// A run that ignored its deadline could not end before the server's first answer, 30 s
/// in: ending sooner is the proof, with a bound no busy machine comes near (the run itself
/// lasts its 200 ms deadline).
#[test]
fn the_deadline_bounds_a_run_against_a_slow_server() {
    let job = DownloadJob::for_preset(workloads::Preset::Quick)[0];
    let latency = Duration::from_secs(30);
    let server = FileServer::start(job.file_set(), latency).unwrap();
    let generator = LoadGenerator::new(1).unwrap();
    let mut slow = plan(2, 10, file_targets(&job));
    slow.deadline = Duration::from_millis(200);
    let started = Instant::now();
    let report = generator.run(server.addr(), &slow).unwrap();
    assert!(
        started.elapsed() < latency,
        "the deadline was ignored: the run waited {:?} for answers",
        started.elapsed()
    );
    assert_eq!((report.requests, report.errors), (10, 10));
    assert!(report.check().is_err());
    server.shutdown(BOUND).unwrap();
}

#[test]
fn a_dead_server_is_a_counted_error_not_a_hang() {
    let server = CannedServer::start().unwrap();
    let addr = server.addr();
    server.shutdown(BOUND).unwrap();
    let generator = LoadGenerator::new(1).unwrap();
    let report = generator
        .run(
            addr,
            &plan(2, 6, vec![("/".into(), Bytes::from(CANNED_BODY))]),
        )
        .unwrap();
    assert_eq!(report.errors, 6);
    assert!(report.first_error.unwrap().contains("connecting"));
}

#[test]
fn the_canned_server_answers_pipelined_keep_alive_requests() {
    let server = CannedServer::start().unwrap();
    let generator = LoadGenerator::new(2).unwrap();
    let targets = vec![("/".into(), Bytes::from(CANNED_BODY))];
    let report = generator
        .run(server.addr(), &plan(8, 400, targets))
        .unwrap();
    report.check().unwrap();
    assert_eq!(report.reconnects, 0, "keep-alive connections were reused");
    let addr = server.addr();
    drop(server);
    probe::port_closed(addr).unwrap();
}

/// Both servers here survive the bad input every server must (the file server with a file
/// at `/alice`, the probes' "still serves" check), close a silent client within their read
/// timeout, count the bad clients, and stop with their port closed.
#[test]
fn the_servers_survive_bad_input() {
    let config = ServeConfig {
        read_timeout: Duration::from_millis(300),
        ..ServeConfig::default()
    };
    let check = |addr, errors: &dyn Fn() -> u64| {
        probe::bad_input(addr, config.max_header_bytes, config.read_timeout).unwrap();
        // A server counts a bad connection when its task ends, which may be after the client
        // saw the close: wait for the count.
        testkit::wait_until(
            &format!("the bad clients to be counted at {addr}"),
            SETTLE,
            || errors() > 0,
        );
    };
    let hello = hello_server(config.clone());
    let addr = hello.addr();
    check(addr, &|| hello.connection_errors());
    hello.shutdown(BOUND).unwrap();
    probe::port_closed(addr).unwrap();
    let files = vec![("/alice".to_string(), b"Hello, alice!".to_vec())];
    let server = FileServer::with_config(files, Duration::from_millis(5), config.clone()).unwrap();
    let addr = server.addr();
    check(addr, &|| server.connection_errors());
    server.shutdown(BOUND).unwrap();
    probe::port_closed(addr).unwrap();
}

/// 404 and 405 come without the latency; a request still waiting for its answer does not
/// hold the shutdown up, and its client sees the connection close without an answer.
#[test]
fn the_file_server_stops_while_an_answer_waits() {
    let latency = Duration::from_secs(30);
    let files = vec![("/alice".to_string(), b"Hello, alice!".to_vec())];
    let server = FileServer::start(files, latency).unwrap();
    let addr = server.addr();
    let started = Instant::now();
    assert_eq!(probe::get(addr, "/nope").unwrap().0, 404);
    let mut post = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(
        &mut post,
        b"POST /alice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    post.set_read_timeout(Some(BOUND)).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut post, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer:?}");
    assert!(
        started.elapsed() < latency,
        "404 and 405 waited for the latency"
    );
    let count_is = |n: usize| {
        let give_up = Instant::now() + BOUND;
        while server.connection_count() != n {
            assert!(Instant::now() < give_up, "never {n} connections open");
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    count_is(0);
    let waiting = std::thread::spawn(move || probe::get(addr, "/alice"));
    // Open and read: the request is sent at once, so it is waiting for its latency soon.
    count_is(1);
    std::thread::sleep(Duration::from_millis(50));
    let stopping = Instant::now();
    server.shutdown(BOUND).unwrap();
    assert!(stopping.elapsed() < BOUND);
    let got = waiting.join().unwrap();
    assert!(got.is_err(), "a dropped request got an answer: {got:?}");
    probe::port_closed(addr).unwrap();
}

#[test]
fn shutdown_closes_open_keep_alive_connections() {
    let server = hello_server(ServeConfig {
        workers: 2,
        ..ServeConfig::default()
    });
    let addr = server.addr();
    // An idle keep-alive connection must not keep the server alive.
    let idle = std::net::TcpStream::connect(addr).unwrap();
    probe::still_serves(addr, "an idle connection").unwrap();
    let started = Instant::now();
    server.shutdown(BOUND).unwrap();
    assert!(started.elapsed() < BOUND);
    probe::port_closed(addr).unwrap();
    // The idle connection was closed by the server (an end of stream or a reset), not left
    // open: a read that times out fails.
    let mut idle = idle;
    idle.set_read_timeout(Some(BOUND)).unwrap();
    let mut byte = [0u8; 1];
    match std::io::Read::read(&mut idle, &mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the idle connection after shutdown: {other:?}"),
    }
}

/// A run's connections are dealt out to the generator's threads, as many as there are
/// (one connection on three threads too), every request of the budget is answered once, and
/// the report carries the threads' CPU time; `loopback::run` on a caller's runtime has none.
#[test]
fn the_generator_deals_connections_to_its_threads_and_counts_their_cpu() {
    let server = CannedServer::start().unwrap();
    let generator = LoadGenerator::new(3).unwrap();
    let targets = vec![("/".into(), Bytes::from(CANNED_BODY))];
    for connections in [1, 5] {
        let report = generator
            .run(server.addr(), &plan(connections, 600, targets.clone()))
            .unwrap();
        report.check().unwrap();
        assert_eq!(report.requests, 600, "{connections} connections");
        let cpu = report.cpu.expect("a generator run measures its CPU");
        assert!(cpu > Duration::ZERO, "{connections} connections: {cpu:?}");
        assert!(report.requests_per_cpu_sec().is_some_and(|r| r > 0.0));
    }
    let timed = TimedPlan {
        connections: 4,
        duration: Duration::from_millis(200),
        targets: vec![("/".into(), Some(Bytes::from(CANNED_BODY)))],
        rate: None,
    };
    let report = generator.run_timed(server.addr(), &timed).unwrap();
    report.check().unwrap();
    assert!(report.requests > 0 && report.cpu.is_some(), "{report:?}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(loopback::run(server.addr(), plan(2, 50, targets)));
    report.check().unwrap();
    assert_eq!((report.requests, report.cpu), (50, None));
    server.shutdown(BOUND).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn no_server_thread_outlives_shutdown() {
    // A name no other test uses, so threads of parallel tests do not count.
    let server = hello_server(ServeConfig {
        name: "cb-leakcheck".into(),
        workers: 2,
        ..ServeConfig::default()
    });
    probe::still_serves(server.addr(), "starting").unwrap();
    let ours = || testkit::threads_named("cb-leakcheck");
    // A thread shows its creator's name until it runs and names itself, so a worker the
    // runtime has started may not be counted yet: wait for all three, bounded.
    testkit::wait_for_eq("the server thread and 2 workers", SETTLE, 3, ours);
    server.shutdown(BOUND).unwrap();
    // `shutdown` has joined the server thread, which joined the runtime's workers (tokio's
    // blocking pool joins every thread it started when the runtime drops). A joined thread
    // can still be listed for a moment: `pthread_join` returns once the kernel clears the
    // thread's tid (CLONE_CHILD_CLEARTID, early in `do_exit`), and `/proc/self/task` drops
    // the entry only when the task is released, later in `do_exit`; on busy CPUs the exiting
    // thread is preempted in between (a plain spawn + join loop shows it too: 3 of 20_000
    // joined threads still listed right after the join). So the check waits for the kernel,
    // bounded: a thread that was not joined is still running after the bound and fails it.
    testkit::wait_for_eq("every server thread joined and gone", SETTLE, 0, ours);
}

/// The open loop counts a stall in every request it delayed (wrk2's correction for
/// coordinated omission): one connection scheduled every 10 ms against a server that takes
/// at least 50 ms falls further behind with each request. Request k (from 0) was due at
/// 10k ms and cannot be answered before 50(k + 1) ms, so the last of n answered requests
/// waited at least 40(n - 1) + 50 ms, whatever the machine's load; a closed loop would
/// report about 50 ms for each.
#[test]
fn the_open_loop_counts_the_requests_a_stall_delayed() {
    let job = DownloadJob {
        files: 1,
        ..DownloadJob::MANY_SMALL
    };
    let server = FileServer::start(job.file_set(), Duration::from_millis(50)).unwrap();
    let generator = LoadGenerator::new(1).unwrap();
    let open_plan = plan(1, 0, file_targets(&job)).open_loop(100.0, Duration::from_millis(600));
    let open = generator.run_timed(server.addr(), &open_plan).unwrap();
    open.check().unwrap();
    let n = open.requests;
    // At most 12 fit in 600 ms; a machine stalled for most of the run answers fewer, and
    // the bound below holds for any number answered.
    assert!(
        (1..=12).contains(&n),
        "{n} requests in 600 ms at >= 50 ms each"
    );
    let least_us = (40 * (n - 1) + 50) * 1000;
    assert!(
        open.latency_us.max() >= least_us,
        "open loop: max {} us, at least {least_us} us expected for {n} requests",
        open.latency_us.max()
    );
    server.shutdown(BOUND).unwrap();
}
