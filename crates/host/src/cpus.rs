//! The CPUs a run may use: scheduler affinity (`taskset`, `docker --cpuset-cpus`) and the
//! cgroup CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`,
//! `docker --cpus`), and from them [`run_cpus`] = min(affinity count, ceil(quota)), at
//! least 1: the one answer to "how many CPUs may this run use", for the worker sweep, the
//! default worker counts, the load generator and the report alike. [`machine_cpus`] counts
//! every online CPU of the machine instead: the denominator of `/proc/stat`'s shares.
//!
//! `std::thread::available_parallelism` is neither: it floors a fractional quota (1.5 CPUs
//! reads as 1) where the kernel lets a run use two CPUs part of the time.
//!
//! Linux only (`/proc/self/status`, `/proc/self/cgroup`, `/proc/self/mountinfo`); elsewhere
//! every field is `None` and the effective count falls back to the logical CPUs. A quota is
//! the smallest along the cgroup's path to the root, as the kernel enforces it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// What the cgroup CPU quota is, as read.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// The quota as a fraction of CPUs (quota / period); `None` when there is none (`max`,
    /// `-1`).
    pub cpus: Option<f64>,
    /// Where it was read and what it said, e.g. `cgroup v1 /sys/fs/cgroup/cpu/x:
    /// cfs_quota_us=100000 cfs_period_us=100000`.
    pub source: String,
}

/// The CPUs this process may run on, counted from `Cpus_allowed_list` of
/// `/proc/self/status`, with the list itself (`0-1`).
pub fn affinity() -> Option<(u64, String)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?
        .trim()
        .to_string();
    Some((count_cpu_list(&list)?, list))
}

/// Counts a kernel CPU list (`0-3,8,10-11` -> 7); `None` when it does not parse.
pub fn count_cpu_list(list: &str) -> Option<u64> {
    let mut count = 0;
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        count += match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<u64>().ok()?, b.parse::<u64>().ok()?);
                b.checked_sub(a)? + 1
            }
            None => item.parse::<u64>().map(|_| 1).ok()?,
        };
    }
    (count > 0).then_some(count)
}

/// Parses cgroup v2 `cpu.max` (`max 100000`, `150000 100000`) into a fraction of CPUs;
/// `Ok(None)` for no quota.
pub fn parse_cpu_max(text: &str) -> Result<Option<f64>, String> {
    let mut parts = text.split_whitespace();
    let (Some(quota), period) = (parts.next(), parts.next()) else {
        return Err(format!("cpu.max {text:?} is empty"));
    };
    if quota == "max" {
        return Ok(None);
    }
    let period = period.unwrap_or("100000");
    ratio(quota, period).map(Some)
}

/// Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` into a fraction of CPUs;
/// `Ok(None)` for no quota (`-1`).
pub fn parse_cfs(quota_us: &str, period_us: &str) -> Result<Option<f64>, String> {
    if quota_us.trim() == "-1" {
        return Ok(None);
    }
    ratio(quota_us.trim(), period_us.trim()).map(Some)
}

fn ratio(quota: &str, period: &str) -> Result<f64, String> {
    match (quota.parse::<u64>(), period.parse::<u64>()) {
        (Ok(q), Ok(p)) if q > 0 && p > 0 => Ok(q as f64 / p as f64),
        _ => Err(format!(
            "quota {quota:?} / period {period:?} is not a CPU quota"
        )),
    }
}

/// min(affinity, ceil(quota)), at least 1; the logical CPU count where neither is known.
pub fn effective(affinity: Option<u64>, quota: Option<f64>, logical: Option<u64>) -> u64 {
    let by_quota = quota.map(|q| q.ceil() as u64);
    [affinity, by_quota]
        .into_iter()
        .flatten()
        .min()
        .or(logical)
        .unwrap_or(1)
        .max(1)
}

/// The CPUs this run may use: min(affinity, ceil(quota)), at least 1 (see [`effective`]).
pub fn run_cpus() -> NonZeroUsize {
    let count = effective(
        affinity().map(|a| a.0),
        quota().and_then(|q| q.cpus),
        Some(machine_cpus() as u64),
    );
    NonZeroUsize::new(count as usize).unwrap_or(NonZeroUsize::MIN)
}

/// Every online CPU of the machine, whatever this process may use: what `/proc/stat`'s
/// aggregate line adds up. At least 1.
pub fn machine_cpus() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: sysconf reads a system value and touches no memory of ours.
        let online = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
        if online > 0 {
            return online as usize;
        }
    }
    1
}

/// The cgroup CPU quota of this process, the smallest along its cgroup path (v2 first,
/// then v1); `None` when no cgroup CPU controller is readable.
pub fn quota() -> Option<Quota> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mounts = cgroup_mounts(&mountinfo);
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let v2 = controllers.is_empty();
        if !v2 && !controllers.split(',').any(|c| c == "cpu") {
            continue;
        }
        let Some(mount) = mounts.iter().find(|m| m.v2 == v2) else {
            continue;
        };
        if let Some(q) = quota_along(mount, path) {
            return Some(q);
        }
    }
    None
}

/// A mounted cgroup hierarchy holding the CPU controller.
struct Mount {
    v2: bool,
    /// The cgroup path at the mount's root (not `/` inside some containers).
    root: String,
    point: PathBuf,
}

/// cgroup2 mounts and cgroup v1 mounts with the `cpu` controller, from `mountinfo`.
fn cgroup_mounts(mountinfo: &str) -> Vec<Mount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split_whitespace().collect();
            let right: Vec<&str> = right.split_whitespace().collect();
            let (root, point) = (left.get(3)?, left.get(4)?);
            let v2 = match *right.first()? {
                "cgroup2" => true,
                "cgroup" if right.get(2)?.split(',').any(|o| o == "cpu") => false,
                _ => return None,
            };
            Some(Mount {
                v2,
                root: root.to_string(),
                point: PathBuf::from(point),
            })
        })
        .collect()
}

/// The smallest quota from the process's cgroup up to the mount's root.
fn quota_along(mount: &Mount, path: &str) -> Option<Quota> {
    let rel = path
        .strip_prefix(mount.root.as_str())
        .unwrap_or(path)
        .trim_matches('/');
    let mut dir = mount.point.join(rel);
    let mut best: Option<Quota> = None;
    loop {
        if let Some(q) = read_quota(&dir, mount.v2) {
            let smaller = match (&best, q.cpus) {
                (None, _) => true,
                (Some(b), Some(c)) => b.cpus.is_none_or(|bc| c < bc),
                (Some(_), None) => false,
            };
            if smaller {
                best = Some(q);
            }
        }
        if dir == mount.point || !dir.pop() || !dir.starts_with(&mount.point) {
            break;
        }
    }
    best
}

fn read_quota(dir: &Path, v2: bool) -> Option<Quota> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    if v2 {
        let text = read("cpu.max")?;
        let cpus = parse_cpu_max(&text).ok()?;
        let source = format!(
            "cgroup v2 {}: {}",
            dir.join("cpu.max").display(),
            text.trim()
        );
        Some(Quota { cpus, source })
    } else {
        let (q, p) = (read("cpu.cfs_quota_us")?, read("cpu.cfs_period_us")?);
        let cpus = parse_cfs(&q, &p).ok()?;
        let source = format!(
            "cgroup v1 {}: cfs_quota_us={} cfs_period_us={}",
            dir.display(),
            q.trim(),
            p.trim()
        );
        Some(Quota { cpus, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_count() {
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("0-1"), Some(2));
        assert_eq!(count_cpu_list("0-3,8,10-11\n"), Some(7));
        assert_eq!(count_cpu_list("3-1"), None);
        assert_eq!(count_cpu_list("x"), None);
    }

    /// Contents as the kernel writes them (a Docker `--cpus=1.5` container, a systemd
    /// slice with no limit, a v1 child group with quota = period).
    #[test]
    fn quotas_parse_from_real_contents() {
        assert_eq!(parse_cpu_max("max 100000\n"), Ok(None));
        assert_eq!(parse_cpu_max("150000 100000\n"), Ok(Some(1.5)));
        assert_eq!(parse_cpu_max("50000 100000"), Ok(Some(0.5)));
        assert!(parse_cpu_max("").is_err());
        assert!(parse_cpu_max("lots 100000").is_err());
        assert_eq!(parse_cfs("-1\n", "100000\n"), Ok(None));
        assert_eq!(parse_cfs("100000\n", "100000\n"), Ok(Some(1.0)));
        assert_eq!(parse_cfs("250000\n", "100000\n"), Ok(Some(2.5)));
        assert!(parse_cfs("100000", "0").is_err());
    }

    #[test]
    fn effective_is_the_tightest_limit() {
        assert_eq!(effective(Some(2), None, Some(2)), 2);
        assert_eq!(effective(Some(1), None, Some(2)), 1, "taskset -c 0");
        assert_eq!(effective(Some(2), Some(1.0), Some(2)), 1, "a 1-CPU quota");
        assert_eq!(
            effective(Some(64), Some(1.5), Some(64)),
            2,
            "quota rounds up"
        );
        assert_eq!(effective(Some(8), Some(0.2), Some(8)), 1, "at least one");
        assert_eq!(effective(None, None, Some(16)), 16);
        assert_eq!(effective(None, None, None), 1);
    }

    #[test]
    fn mountinfo_finds_both_hierarchies() {
        let info = "\
30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
33 25 0:29 / /sys/fs/cgroup/cpu rw,nosuid - cgroup cgroup rw,cpu
34 25 0:30 / /sys/fs/cgroup/cpuacct rw,nosuid - cgroup cgroup rw,cpuacct
35 25 0:31 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct";
        let mounts = cgroup_mounts(info);
        let points: Vec<(bool, &str)> = mounts
            .iter()
            .map(|m| (m.v2, m.point.to_str().unwrap()))
            .collect();
        assert_eq!(
            points,
            [
                (true, "/sys/fs/cgroup/unified"),
                (false, "/sys/fs/cgroup/cpu"),
                (false, "/sys/fs/cgroup/cpu,cpuacct")
            ]
        );
        assert_eq!(mounts[2].root, "/docker/abc");
    }

    #[test]
    fn quota_is_the_smallest_along_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let child = dir.path().join("a/b");
        std::fs::create_dir_all(&child).unwrap();
        for (d, q) in [
            (dir.path().to_path_buf(), "-1"),
            (dir.path().join("a"), "100000"),
        ] {
            std::fs::write(d.join("cpu.cfs_quota_us"), format!("{q}\n")).unwrap();
            std::fs::write(d.join("cpu.cfs_period_us"), "100000\n").unwrap();
        }
        let mount = Mount {
            v2: false,
            root: "/".into(),
            point: dir.path().to_path_buf(),
        };
        let q = quota_along(&mount, "/a/b").expect("a quota");
        assert_eq!(q.cpus, Some(1.0));
        assert!(q.source.contains("cfs_quota_us=100000"), "{}", q.source);
    }
}
