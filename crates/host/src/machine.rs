//! The machine a run is on, read rather than assumed: its CPU, cores, memory and OS
//! ([`facts`]), what limits a run on it ([`limits`]: CPUs allowed and quota, cpufreq, boost,
//! the hypervisor, the build, the load, the wake-up costs), and the run's git revision and
//! start. Every field falls back to "unknown" (or `None`): missing metadata never fails a
//! run whose measurements are good.
//!
//! When `CB_MACHINE` is unset and the host name says nothing (`vm`, `localhost`, `ubuntu`,
//! `debian`, a container's 12-hex-digit id), the label describes the machine instead
//! (`epyc-2cpu`), so a comparison of two files reads.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

/// The environment variable that names the machine in results and comparisons.
pub const MACHINE_ENV: &str = "CB_MACHINE";

const UNKNOWN: &str = "unknown";

/// What the machine is.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// `CB_MACHINE`, else a host name that names the machine, else [`describe`].
    pub label: String,
    /// The CPU's brand string, or `unknown`.
    pub cpu_model: String,
    /// Logical CPUs of the machine.
    pub logical_cores: Option<u64>,
    /// Physical cores.
    pub physical_cores: Option<u64>,
    /// Total memory in bytes.
    pub memory_bytes: Option<u64>,
    /// Operating system name and version.
    pub os: String,
    /// Kernel version.
    pub kernel: String,
    /// CPU architecture.
    pub arch: String,
    /// `rustc --version`.
    pub rustc: String,
}

/// Reads what the machine is.
pub fn facts() -> Facts {
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
        .or_else(|| Some(crate::machine_cpus() as u64));
    let label = std::env::var(MACHINE_ENV)
        .ok()
        .filter(|l| !l.trim().is_empty())
        .or_else(|| System::host_name().ok().filter(|h| !generic_host(h)))
        .unwrap_or_else(|| describe(&cpu_model, logical_cores));
    Facts {
        label: label.trim().to_string(),
        cpu_model,
        logical_cores,
        physical_cores: System::physical_core_count().ok().map(|n| n as u64),
        memory_bytes: sys.as_ref().map(System::total_memory).filter(|&m| m > 0),
        os: System::long_os_version().unwrap_or_else(|_| UNKNOWN.to_string()),
        kernel: System::kernel_version().unwrap_or_else(|_| UNKNOWN.to_string()),
        arch: std::env::consts::ARCH.to_string(),
        rustc: command_output("rustc", &["--version"]).unwrap_or_else(|| UNKNOWN.to_string()),
    }
}

/// What limits a run here, read now. Each field is `None` where it could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// CPUs the scheduler lets this process use, and the kernel's list of them (`0-1`).
    pub affinity: Option<(u64, String)>,
    /// The cgroup CPU quota (see [`crate::cpus::quota`]).
    pub quota: Option<crate::cpus::Quota>,
    /// [`crate::run_cpus`].
    pub effective_cpus: u64,
    /// cpufreq scaling driver (`intel_pstate`, `acpi-cpufreq`).
    pub cpufreq_driver: Option<String>,
    /// cpufreq governor (`performance`, `powersave`, `schedutil`).
    pub cpufreq_governor: Option<String>,
    /// Whether turbo/boost is on.
    pub cpu_boost: Option<bool>,
    /// The hypervisor and the container (`kvm`, `kvm, container docker`, `none`).
    pub hypervisor: Option<String>,
    /// How the measured code was built.
    pub build: Build,
    /// The 1, 5 and 15 minute load averages.
    pub load_average: Option<Vec<f64>>,
    /// The PM QoS CPU wake-up latency in force ([`crate::wake::cpu_dma_latency_us`]).
    pub cpu_dma_latency_us: Option<i64>,
    /// How late a 5 ms precise sleep ends ([`crate::wake::sleep_overshoot_us`]).
    pub sleep_overshoot_us: Option<f64>,
    /// How long a thread blocked on another CPU idle for 10 ms takes to run after a write
    /// wakes it ([`crate::wake::wake_up_us`]).
    pub wake_up_us: Option<f64>,
}

/// Reads what limits a run here (runs the sleep probe: about 0.1 s).
pub fn limits() -> Limits {
    let cpufreq =
        |file: &str| read_trimmed(&format!("/sys/devices/system/cpu/cpu0/cpufreq/{file}"));
    Limits {
        affinity: crate::cpus::affinity(),
        quota: crate::cpus::quota(),
        effective_cpus: crate::run_cpus().get() as u64,
        cpufreq_driver: cpufreq("scaling_driver"),
        cpufreq_governor: cpufreq("scaling_governor"),
        cpu_boost: boost(),
        hypervisor: hypervisor(),
        build: build(),
        load_average: crate::contention::load_average(),
        cpu_dma_latency_us: crate::wake::cpu_dma_latency_us(),
        sleep_overshoot_us: crate::wake::sleep_overshoot_us(),
        wake_up_us: crate::wake::wake_up_us(),
    }
}

/// How the measured code was built.
#[derive(Clone, Debug, PartialEq)]
pub struct Build {
    /// `release` (optimized, no debug assertions) or `debug`.
    pub profile: String,
    /// `RUSTFLAGS` (or `CARGO_ENCODED_RUSTFLAGS`) as the run saw it; "" when unset.
    pub rustflags: String,
    /// `-C target-cpu=...` from those flags, else `default`.
    pub target_cpu: String,
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(l.effective_cpus >= 1);
        if let Some((a, _)) = l.affinity {
            assert!(l.effective_cpus <= a);
        }
        #[cfg(target_os = "linux")]
        assert!(l.sleep_overshoot_us.is_some(), "the sleep probe ran");
        assert!(!facts().cpu_model.is_empty());
    }
}
