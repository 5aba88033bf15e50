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

impl Preset {
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
