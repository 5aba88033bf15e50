//! The commands as a user runs them: real processes, real sockets, a real Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a server may take to start, or to stop after SIGINT: only a hang takes longer.
const BOUND: Duration = Duration::from_secs(15);

/// How long each load run lasts. The checks need at least one answer in it (a count above
/// zero, a wrong body seen, a 404 seen): a busy machine gives one within milliseconds, so a
/// second is only a bound.
const RUN: &str = "1s";

/// Starts a server command on port 0 and returns it with the address from its first line.
fn start(bin: &str, args: &[&str]) -> (Child, String) {
    // stdout is read for the address line, then left open until the child exits.
    let mut child = Command::new(bin)
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let mut stdout = BufReader::new(stdout);
        let read = stdout.read_line(&mut first);
        let _ = tx.send((read.map(|_| first), stdout.into_inner()));
    });
    let (first, stdout) = match rx.recv_timeout(BOUND) {
        Ok((Ok(first), stdout)) => (first, stdout),
        Ok((Err(e), _)) => panic!("{bin}: reading its first line: {e}"),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{bin}: no first line within {BOUND:?}");
        }
    };
    child.stdout = Some(stdout);
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_string();
    (child, url)
}

/// Sends SIGINT and waits, bounded, for a clean exit.
fn interrupt(mut child: Child) {
    // SAFETY: kill(2) on the pid of a child we own and have not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + BOUND;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit after SIGINT: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no exit within {BOUND:?} of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn loadgen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn each_hello_server_serves_the_generator_and_stops_on_ctrl_c() {
    for technique in ["tokio-hyper", "thread-per-connection", "thread-pool"] {
        let (server, url) = start(
            env!("CARGO_BIN_EXE_hello-server"),
            &["--technique", technique, "--workers", "2"],
        );
        let out = loadgen(&[
            "--connections",
            "4",
            "--duration",
            RUN,
            "--threads",
            "1",
            "--json",
            "--expect",
            "Hello, bench!",
            &format!("{url}/bench"),
        ]);
        assert!(out.status.success(), "{technique}: {out:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["errors"], 0, "{technique}: {json}");
        assert!(
            json["requests"].as_u64().unwrap() > 0,
            "{technique}: {json}"
        );
        for key in [
            "seconds",
            "req_per_s",
            "p50_us",
            "p90_us",
            "p99_us",
            "max_us",
        ] {
            assert!(
                json[key].as_f64().unwrap() > 0.0,
                "{technique}: {key} in {json}"
            );
        }
        interrupt(server);
    }
}

#[test]
fn the_file_server_serves_the_download_files_and_wrong_bodies_fail() {
    let (server, url) = start(
        env!("CARGO_BIN_EXE_file-server"),
        &["--latency-ms", "1", "--files", "2", "--size", "100"],
    );
    // Open loop: 200 req/s, latency counted from each scheduled start.
    let file = format!("{url}/files/001.bin");
    let out = loadgen(&["--rate", "200", "--duration", RUN, "--json", &file]);
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["p50_us"].as_f64().unwrap() >= 1000.0,
        "latency: {json}"
    );
    let out = loadgen(&["--duration", RUN, "--expect", "nope", &file]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrong body"));
    let missing = format!("{url}/files/009.bin");
    let out = loadgen(&["--duration", RUN, &missing]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("status 404"),
        "{out:?}"
    );
    interrupt(server);
}

#[test]
fn bad_arguments_are_named_not_panics() {
    let cases: [(&str, &[&str], &str); 5] = [
        (
            env!("CARGO_BIN_EXE_hello-server"),
            &["--technique", "nginx"],
            "\"nginx\"",
        ),
        (
            env!("CARGO_BIN_EXE_hello-server"),
            &["--technique", "tokio-hyper", "--bind", "nowhere"],
            "--bind \"nowhere\"",
        ),
        (
            env!("CARGO_BIN_EXE_file-server"),
            &["--latency-ms=-1"],
            "--latency-ms -1",
        ),
        (env!("CARGO_BIN_EXE_loadgen"), &["ftp://x/"], "only http://"),
        (
            env!("CARGO_BIN_EXE_loadgen"),
            &["--duration", "3h", "http://127.0.0.1:9/"],
            "unknown unit",
        ),
    ];
    for (bin, args, needle) in cases {
        let out = Command::new(bin).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
