//! Named size presets and the worker-count sweep.

use std::fmt;
use std::num::NonZeroUsize;
use std::str::FromStr;

/// The environment variable that picks the preset of a bench run: `quick`, `default`, `large`.
pub const PRESET_ENV: &str = "CB_PRESET";
/// The environment variable that overrides the worker sweep, e.g. `1,2,8`.
pub const WORKERS_ENV: &str = "CB_WORKERS";

/// How big the workloads are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preset {
    /// Small sizes for tests and a fast look (`CB_PRESET=quick`).
    Quick,
    /// The article's sizes, scaled to fit a full `cargo bench` on a 2-core machine.
    #[default]
    Default,
    /// Bigger inputs for machines with many cores.
    Large,
}

/// The sizes of the map workloads under one preset.
#[derive(Clone, Copy, Debug)]
pub struct MapSizes {
    /// Upper bounds of the primes workloads.
    pub prime_limits: &'static [u32],
    /// How many ranges each primes limit is split into.
    pub prime_ranges: &'static [u32],
    /// Number of squares tasks.
    pub squares: u64,
    /// Rows of chunk-mean.
    pub chunk_rows: u64,
    /// Chunks of chunk-mean.
    pub chunks: u64,
    /// Sleeping tasks.
    pub sleep_tasks: u64,
    /// Milliseconds each sleeping task sleeps.
    pub sleep_ms: u64,
}

/// The grain sweep of one preset (see [`crate::grain`]).
#[derive(Clone, Copy, Debug)]
pub struct GrainSizes {
    /// Nominal task costs in nanoseconds, one workload each, with no payload.
    pub costs: &'static [u64],
    /// The sequential time each point aims at: tasks = this / cost, 64 to 100_000.
    pub sequential_ns: u64,
    /// The cost of the payload sweep.
    pub payload_cost_ns: u64,
    /// Bytes carried per task in the payload sweep (the 0 B point is in `costs`).
    pub payloads: &'static [u32],
}

impl Preset {
    /// The grain sweep of this preset: 100 ns to 1 ms (10 ms in `large`), each point about
    /// 20 ms of sequential work, and 4 KiB and 64 KiB payloads at 100 us. `quick` keeps two
    /// small points.
    pub fn grain_sizes(self) -> GrainSizes {
        match self {
            Preset::Quick => GrainSizes {
                costs: &[1_000, 100_000],
                sequential_ns: 2_000_000,
                payload_cost_ns: 100_000,
                payloads: &[],
            },
            Preset::Default => GrainSizes {
                costs: &[100, 1_000, 10_000, 100_000, 1_000_000],
                sequential_ns: 20_000_000,
                payload_cost_ns: 100_000,
                payloads: &[4_096, 65_536],
            },
            Preset::Large => GrainSizes {
                costs: &[100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
                sequential_ns: 20_000_000,
                payload_cost_ns: 100_000,
                payloads: &[4_096, 65_536],
            },
        }
    }

    /// The map workload sizes of this preset.
    pub fn sizes(self) -> MapSizes {
        match self {
            Preset::Quick => MapSizes {
                prime_limits: &[10_000],
                prime_ranges: &[4, 64],
                squares: 1_000,
                chunk_rows: 100_000,
                chunks: 10,
                sleep_tasks: 5,
                sleep_ms: 2,
            },
            Preset::Default => MapSizes {
                prime_limits: &[100_000, 1_000_000],
                prime_ranges: &[4, 64],
                squares: 10_000,
                chunk_rows: 1_000_000,
                chunks: 10,
                sleep_tasks: 5,
                sleep_ms: 20,
            },
            Preset::Large => MapSizes {
                prime_limits: &[1_000_000, 10_000_000],
                prime_ranges: &[64, 1_024],
                squares: 100_000,
                chunk_rows: 10_000_000,
                chunks: 100,
                sleep_tasks: 50,
                sleep_ms: 20,
            },
        }
    }

    /// The preset named by `CB_PRESET`, or [`Preset::Default`] when it is unset.
    pub fn from_env() -> Result<Preset, PresetError> {
        match std::env::var(PRESET_ENV) {
            Ok(value) => value.parse(),
            Err(_) => Ok(Preset::Default),
        }
    }

    /// The lower-case name, as `CB_PRESET` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Default => "default",
            Preset::Large => "large",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = PresetError;

    fn from_str(s: &str) -> Result<Preset, PresetError> {
        match s.trim() {
            "quick" => Ok(Preset::Quick),
            "default" | "" => Ok(Preset::Default),
            "large" => Ok(Preset::Large),
            other => Err(PresetError(format!(
                "{PRESET_ENV}={other:?}: expected one of quick, default, large"
            ))),
        }
    }
}

/// A preset or worker list that could not be read; the message names the variable and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetError(pub String);

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PresetError {}

/// The worker counts every family sweeps, for a run that may use `effective_cpus` CPUs
/// (affinity and CPU quota taken into account; the report's `machine::effective_cpus`):
/// powers of two up to that count, the count itself and twice it, so curves show where they
/// bend on any machine (2 CPUs: 1, 2, 4; 64 CPUs: 1, 2, 4, ..., 64, 128).
/// `CB_WORKERS=1,2,8` overrides it.
pub fn worker_counts(effective_cpus: usize) -> Result<Vec<NonZeroUsize>, PresetError> {
    if let Ok(list) = std::env::var(WORKERS_ENV) {
        return parse_workers(&list);
    }
    Ok(sweep(effective_cpus))
}

/// 1, 2, 4, ... up to `cpus`, plus `cpus` and `2 * cpus`, sorted and deduplicated.
fn sweep(cpus: usize) -> Vec<NonZeroUsize> {
    let cpus = cpus.max(1);
    let mut counts: Vec<usize> = std::iter::successors(Some(1_usize), |p| p.checked_mul(2))
        .take_while(|&p| p <= cpus)
        .chain([cpus, 2 * cpus])
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts.into_iter().filter_map(NonZeroUsize::new).collect()
}

fn parse_workers(list: &str) -> Result<Vec<NonZeroUsize>, PresetError> {
    let mut counts = list
        .split(',')
        .map(|item| {
            item.trim().parse::<NonZeroUsize>().map_err(|_| {
                PresetError(format!(
                    "{WORKERS_ENV}: {item:?} is not a positive worker count"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    counts.sort_unstable();
    counts.dedup();
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(v: &[usize]) -> Vec<NonZeroUsize> {
        v.iter().map(|&n| NonZeroUsize::new(n).unwrap()).collect()
    }

    #[test]
    fn sweep_is_deduplicated() {
        assert_eq!(sweep(1), nz(&[1, 2]));
        assert_eq!(sweep(2), nz(&[1, 2, 4]));
        assert_eq!(sweep(3), nz(&[1, 2, 3, 6]));
        assert_eq!(sweep(16), nz(&[1, 2, 4, 8, 16, 32]));
        assert_eq!(sweep(64), nz(&[1, 2, 4, 8, 16, 32, 64, 128]));
        assert_eq!(sweep(0), nz(&[1, 2]), "at least one CPU");
    }

    #[test]
    fn worker_lists_parse_or_name_the_bad_item() {
        assert_eq!(parse_workers("8, 1,2,2").unwrap(), nz(&[1, 2, 8]));
        let err = parse_workers("1,zero").unwrap_err();
        assert!(err.0.contains("\"zero\""), "{err}");
        assert!(parse_workers("0").is_err());
    }

    #[test]
    fn presets_parse_by_name() {
        assert_eq!("quick".parse::<Preset>().unwrap(), Preset::Quick);
        assert!("huge".parse::<Preset>().unwrap_err().0.contains("huge"));
    }
}
