//! Machine and run metadata as the results file records it, from what `host` read
//! ([`from_host`]); the fingerprint that says whether two files come from the same kind of
//! machine; the UTC stamps of a run. Nothing here probes the machine.

use std::time::SystemTime;

use crate::model::{Build, Limits, Machine};

const UNKNOWN: &str = "unknown";

/// The results file's machine record from what `host` read: `facts`, and `limits` (the
/// run's contention and calibration are added by the publisher, from the suite's files).
pub fn from_host(facts: host::machine::Facts, limits: Option<host::machine::Limits>) -> Machine {
    let mut machine = Machine {
        label: facts.label,
        cpu_model: facts.cpu_model,
        logical_cores: facts.logical_cores,
        physical_cores: facts.physical_cores,
        memory_bytes: facts.memory_bytes,
        os: facts.os,
        kernel: facts.kernel,
        arch: facts.arch,
        rustc: facts.rustc,
        fingerprint: String::new(),
        limits: limits.map(limits_from_host),
        calibration: None,
    };
    machine.fingerprint = fingerprint(&machine);
    machine
}

fn limits_from_host(l: host::machine::Limits) -> Limits {
    let cpu_quota = l.quota.as_ref().and_then(|q| q.cpus);
    Limits {
        affinity_cpus: l.affinity.as_ref().map(|a| a.0),
        affinity_list: l.affinity.map(|a| a.1),
        cpu_quota,
        cpu_quota_source: l.quota.map(|q| q.source),
        effective_cpus: Some(l.effective_cpus),
        cpufreq_driver: l.cpufreq_driver,
        cpufreq_governor: l.cpufreq_governor,
        cpu_boost: l.cpu_boost,
        hypervisor: l.hypervisor,
        build: Some(Build {
            profile: l.build.profile,
            rustflags: l.build.rustflags,
            target_cpu: l.build.target_cpu,
        }),
        load_average: l.load_average,
        contention: None,
        cpu_dma_latency_us: l.cpu_dma_latency_us,
        sleep_overshoot_us: l.sleep_overshoot_us,
        wake_up_us: l.wake_up_us,
    }
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
    use std::time::UNIX_EPOCH;

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
        let mut m = from_host(host::machine::facts(), None);
        assert!(!m.cpu_model.is_empty() && !m.fingerprint.is_empty());
        let before = fingerprint(&m);
        m.label = "another-name".into();
        assert_eq!(fingerprint(&m), before);
    }
}
