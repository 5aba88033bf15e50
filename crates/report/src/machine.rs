//! Machine and run metadata. Every field falls back to "unknown" (or `None`): missing
//! metadata never fails a run whose measurements are good.
//!
//! [`limits`] records what limits a run on this machine (CPUs allowed and quota, see
//! [`crate::cpus`]; the cpufreq driver, governor and boost; the hypervisor; the build; the
//! load average). When `CB_MACHINE` is unset and the host name says nothing (`vm`,
//! `localhost`, `ubuntu`, `debian`, a container's 12-hex-digit id), the label describes the
//! machine instead (`epyc-2cpu`), so a comparison of two files reads.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use crate::model::{Build, Limits, Machine};

/// The environment variable that names the machine in results and comparisons.
pub const MACHINE_ENV: &str = "CB_MACHINE";

const UNKNOWN: &str = "unknown";

/// Reads this machine's metadata.
pub fn this_machine() -> Machine {
    let kind = RefreshKind::nothing()
        .with_cpu(CpuRefreshKind::nothing())
        .with_memory(MemoryRefreshKind::nothing().with_ram());
    let sys = System::new_with_specifics(kind).ok();
    let cpu_model = sys
        .as_ref()
        .and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_string()))
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| UNKNOWN.to_string());
    let logical_cores = sys
        .as_ref()
        .map(|s| s.cpus().len() as u64)
        .filter(|&n| n > 0)
        .or_else(|| {
            std::thread::available_parallelism()
                .ok()
                .map(|n| n.get() as u64)
        });
    let memory_bytes = sys.as_ref().map(System::total_memory).filter(|&m| m > 0);
    let label = std::env::var(MACHINE_ENV)
        .ok()
        .filter(|l| !l.trim().is_empty())
        .or_else(|| System::host_name().ok().filter(|h| !generic_host(h)))
        .unwrap_or_else(|| describe(&cpu_model, logical_cores));
    let mut machine = Machine {
        label: label.trim().to_string(),
        cpu_model,
        logical_cores,
        physical_cores: System::physical_core_count().ok().map(|n| n as u64),
        memory_bytes,
        os: System::long_os_version().unwrap_or_else(|_| UNKNOWN.to_string()),
        kernel: System::kernel_version().unwrap_or_else(|_| UNKNOWN.to_string()),
        arch: std::env::consts::ARCH.to_string(),
        rustc: command_output("rustc", &["--version"]).unwrap_or_else(|| UNKNOWN.to_string()),
        fingerprint: String::new(),
        limits: Some(limits()),
        calibration: None,
    };
    machine.fingerprint = fingerprint(&machine);
    machine
}

/// A short hash of what decides whether timings are comparable: CPU model, core counts,
/// memory (rounded to GiB, since the kernel's count wobbles), OS and architecture. The label,
/// kernel patch level and compiler are left out: they do not make it another machine.
pub fn fingerprint(m: &Machine) -> String {
    let gib = m.memory_bytes.map(|b| (b + (1 << 29)) >> 30);
    let os_name = m.os.split_whitespace().next().unwrap_or(UNKNOWN);
    let key = format!(
        "{}|{:?}|{:?}|{:?}|{}|{}",
        m.cpu_model, m.logical_cores, m.physical_cores, gib, os_name, m.arch
    );
    // FNV-1a: stable across Rust versions and platforms, unlike std's DefaultHasher.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// What limits a run here, read now (the run's contention is added by the publisher, from
/// the suite's readings).
pub fn limits() -> Limits {
    let affinity = crate::cpus::affinity();
    let quota = crate::cpus::quota();
    let logical = std::thread::available_parallelism()
        .ok()
        .map(|n| n.get() as u64);
    let cpu_quota = quota.as_ref().and_then(|q| q.cpus);
    let cpufreq =
        |file: &str| read_trimmed(&format!("/sys/devices/system/cpu/cpu0/cpufreq/{file}"));
    Limits {
        affinity_cpus: affinity.as_ref().map(|a| a.0),
        effective_cpus: Some(crate::cpus::effective(
            affinity.as_ref().map(|a| a.0),
            cpu_quota,
            logical,
        )),
        affinity_list: affinity.map(|a| a.1),
        cpu_quota,
        cpu_quota_source: quota.map(|q| q.source),
        cpufreq_driver: cpufreq("scaling_driver"),
        cpufreq_governor: cpufreq("scaling_governor"),
        cpu_boost: boost(),
        hypervisor: hypervisor(),
        build: Some(build()),
        load_average: crate::contention::load_average(),
        contention: None,
        cpu_dma_latency_us: cpu_dma_latency_us(),
        sleep_overshoot_us: sleep_overshoot_us(),
    }
}

/// The PM QoS CPU latency in force (a native-endian `i32` read from `/dev/cpu_dma_latency`);
/// `None` where unreadable (not root, not Linux).
fn cpu_dma_latency_us() -> Option<i64> {
    let bytes = std::fs::read("/dev/cpu_dma_latency").ok()?;
    let value: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(i64::from(i32::from_ne_bytes(value)))
}

/// The median lateness of 20 sleeps of 5 ms (`clock_nanosleep`, on a thread of its own with
/// 1 ns timer slack: the precise sleep of the suite's holds and file server), in
/// microseconds; `None` off Linux or if the thread cannot run.
fn sleep_overshoot_us() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let measure = || {
            // SAFETY: PR_SET_TIMERSLACK takes one integer and changes only this thread.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
            let hold = libc::timespec {
                tv_sec: 0,
                tv_nsec: 5_000_000,
            };
            let mut late: Vec<f64> = (0..20)
                .map(|_| {
                    let started = std::time::Instant::now();
                    // SAFETY: a valid timespec; the remainder may be null. A signal ends
                    // the sleep early, which only makes that one reading smaller.
                    unsafe {
                        libc::clock_nanosleep(
                            libc::CLOCK_MONOTONIC,
                            0,
                            &raw const hold,
                            std::ptr::null_mut(),
                        )
                    };
                    started.elapsed().as_secs_f64() * 1e6 - 5000.0
                })
                .collect();
            late.sort_by(f64::total_cmp);
            late[late.len() / 2]
        };
        std::thread::Builder::new()
            .name("cb-sleep-probe".into())
            .spawn(measure)
            .ok()?
            .join()
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    None
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Boost on or off: the generic cpufreq switch, else intel_pstate's inverted `no_turbo`.
fn boost() -> Option<bool> {
    if let Some(b) = read_trimmed("/sys/devices/system/cpu/cpufreq/boost") {
        return Some(b == "1");
    }
    read_trimmed("/sys/devices/system/cpu/intel_pstate/no_turbo").map(|v| v == "0")
}

/// The hypervisor and the container, from `systemd-detect-virt --vm` / `--container` where
/// installed (`kvm`, `kvm, container docker`, `none`), else the CPU's `hypervisor` flag with
/// `/sys/hypervisor/type` or the DMI vendor, else `none` when `/proc/cpuinfo` reads and has
/// no such flag.
fn hypervisor() -> Option<String> {
    // systemd-detect-virt prints "none" and exits 1 when there is none.
    let detect = |flag: &str| {
        let out = Command::new("systemd-detect-virt")
            .arg(flag)
            .output()
            .ok()?;
        let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!v.is_empty()).then_some(v)
    };
    if let Some(vm) = detect("--vm") {
        return Some(match detect("--container").filter(|c| c != "none") {
            Some(c) => format!("{vm}, container {c}"),
            None => vm,
        });
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let flagged = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .any(|l| l.split_whitespace().any(|f| f == "hypervisor"));
    if !flagged {
        return Some("none".to_string());
    }
    read_trimmed("/sys/hypervisor/type")
        .or_else(|| read_trimmed("/sys/class/dmi/id/sys_vendor"))
        .or_else(|| Some("present (unnamed)".to_string()))
}

/// The build of the code measured: this crate is compiled with the bench binary, so its
/// `debug_assertions` tell the profile; the flags come from the environment cargo ran under.
pub fn build() -> Build {
    let rustflags = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .map(|f| f.replace('\x1f', " "))
        .or_else(|_| std::env::var("RUSTFLAGS"))
        .unwrap_or_default()
        .trim()
        .to_string();
    Build {
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_string(),
        target_cpu: target_cpu(&rustflags).unwrap_or("default").to_string(),
        rustflags,
    }
}

/// `native` from `-C target-cpu=native`, `-Ctarget-cpu=native` or `-C target-cpu native`.
fn target_cpu(flags: &str) -> Option<&str> {
    let words: Vec<&str> = flags.split_whitespace().collect();
    words.iter().enumerate().rev().find_map(|(i, w)| {
        let w = w.strip_prefix("-C").unwrap_or(w);
        let w = if w.is_empty() { words.get(i + 1)? } else { w };
        w.strip_prefix("target-cpu=")
    })
}

/// A host name that names no machine: what images and containers are called by default.
pub fn generic_host(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    let container_id = n.len() == 12 && n.bytes().all(|b| b.is_ascii_hexdigit());
    container_id
        || n.is_empty()
        || [
            "vm",
            "localhost",
            "localhost.localdomain",
            "ubuntu",
            "debian",
            "fedora",
            "unknown",
        ]
        .contains(&n.as_str())
}

/// `epyc-2cpu`, `xeon-64cpu`, `i7-8cpu`: the CPU line and the logical CPU count.
pub fn describe(cpu_model: &str, logical_cores: Option<u64>) -> String {
    let model = cpu_model.to_ascii_lowercase();
    let words: Vec<&str> = model
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    const LINES: [&str; 9] = [
        "epyc",
        "xeon",
        "ryzen",
        "threadripper",
        "opteron",
        "graviton",
        "neoverse",
        "celeron",
        "pentium",
    ];
    let line = words
        .iter()
        .find(|w| LINES.contains(w))
        .map(|w| w.to_string())
        .or_else(|| {
            words
                .iter()
                .find(|w| {
                    w.starts_with('i')
                        && w.len() >= 2
                        && w[1..2].chars().all(|c| c.is_ascii_digit())
                })
                .map(|w| w[..2].to_string())
        })
        .or_else(|| {
            words
                .iter()
                .position(|w| *w == "apple")
                .and_then(|i| words.get(i + 1))
                .map(|w| w.to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    match logical_cores {
        Some(n) => format!("{line}-{n}cpu"),
        None => line,
    }
}

/// The short git revision of the working tree, with `-dirty` when it has changes.
pub fn git_revision() -> String {
    let Some(rev) = command_output("git", &["rev-parse", "--short=12", "HEAD"]) else {
        return UNKNOWN.to_string();
    };
    match command_output("git", &["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if !changes.is_empty() => format!("{rev}-dirty"),
        _ => rev,
    }
}

/// When this process started, so a report holds what this run measured; `None` where the
/// OS does not say.
pub fn process_start() -> Option<SystemTime> {
    let pid = sysinfo::get_current_pid().ok()?;
    let mut sys = System::new().ok()?;
    sys.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[pid]), false);
    let secs = sys.process(pid)?.start_time();
    // start_time has whole seconds: step back one so nothing written in the first second is lost.
    (secs > 0).then(|| UNIX_EPOCH + std::time::Duration::from_secs(secs.saturating_sub(1)))
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `2026-11-26T22:15:00Z` (RFC 3339, whole seconds) and `20261126T221500Z` (for file
/// names) for a time, in UTC; a time jiff cannot represent reads as the Unix epoch.
pub fn utc_stamps(time: SystemTime) -> (String, String) {
    let t = jiff::Timestamp::try_from(time).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    (
        t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        t.strftime("%Y%m%dT%H%M%SZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps_are_calendar_dates() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_795_392_000 + 3661);
        assert_eq!(utc_stamps(t).0, "2026-11-23T01:01:01Z");
        assert_eq!(utc_stamps(UNIX_EPOCH).1, "19700101T000000Z");
        // Fractions are cut, not rounded: the stamp is the second the time falls in.
        let leap_day = UNIX_EPOCH + std::time::Duration::from_millis(951_825_599_999);
        assert_eq!(utc_stamps(leap_day).0, "2000-02-29T11:59:59Z");
    }

    #[test]
    fn generic_hosts_get_a_description() {
        for h in ["vm", "localhost", "ubuntu", "debian", "3f4e5a6b7c8d"] {
            assert!(generic_host(h), "{h}");
        }
        assert!(!generic_host("build-server-7"));
        assert_eq!(describe("AMD EPYC", Some(2)), "epyc-2cpu");
        assert_eq!(
            describe("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", Some(64)),
            "xeon-64cpu"
        );
        assert_eq!(
            describe("11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", Some(8)),
            "i7-8cpu"
        );
        assert_eq!(describe("Apple M2", Some(8)), "m2-8cpu");
    }

    #[test]
    fn build_flags_name_the_target_cpu() {
        assert_eq!(target_cpu("-C target-cpu=native"), Some("native"));
        assert_eq!(
            target_cpu("-Ctarget-cpu=znver3 -C opt-level=3"),
            Some("znver3")
        );
        assert_eq!(target_cpu("--cfg loom"), None);
    }

    #[test]
    fn limits_hold_an_effective_count() {
        let l = limits();
        let effective = l.effective_cpus.expect("always computed");
        assert!(effective >= 1);
        if let Some(a) = l.affinity_cpus {
            assert!(effective <= a);
        }
        #[cfg(target_os = "linux")]
        assert!(l.sleep_overshoot_us.is_some(), "the sleep probe ran");
    }

    #[test]
    fn metadata_never_fails_and_fingerprint_ignores_the_label() {
        let mut m = this_machine();
        assert!(!m.cpu_model.is_empty() && !m.fingerprint.is_empty());
        let before = fingerprint(&m);
        m.label = "another-name".into();
        assert_eq!(fingerprint(&m), before);
    }
}
