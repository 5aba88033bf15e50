//! Machine and run metadata. Every field falls back to "unknown" (or `None`): missing
//! metadata never fails a run whose measurements are good.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use crate::model::Machine;

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
        .or_else(|| System::host_name().ok())
        .unwrap_or_else(|| UNKNOWN.to_string());
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
    fn metadata_never_fails_and_fingerprint_ignores_the_label() {
        let mut m = this_machine();
        assert!(!m.cpu_model.is_empty() && !m.fingerprint.is_empty());
        let before = fingerprint(&m);
        m.label = "another-name".into();
        assert_eq!(fingerprint(&m), before);
    }
}
