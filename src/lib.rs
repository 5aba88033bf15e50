//! The root package of concurrency-bench.
//!
//! It owns the criterion suite in `benches/` (one `suite` target with a module per family)
//! and nothing else of substance: techniques live in `crates/`, one crate each, and all of
//! them run the workloads of the `workloads` crate. See `README.md` and `docs/architecture.md`.
//!
//! The one piece of the suite worth a unit test lives here: [`BenchFilter`], criterion's
//! command-line filter read the way criterion reads it, so the suite skips the setup
//! (pools, servers, verifying runs) of the benchmarks criterion will skip. And [`Slowdown`],
//! the A/A check's positive control: `CB_SLOWDOWN=1.2:<regex>` makes the benchmarks it names
//! really slower, so one can see that compare flags a true change.

/// criterion's benchmark filter, read from the same arguments criterion reads.
#[derive(Clone, Debug)]
pub enum BenchFilter {
    /// No filter: everything runs.
    All,
    /// `--exact`: only this id.
    Exact(String),
    /// A regular expression searched in the id.
    Regex(regex::Regex),
    /// `--ignored`: nothing runs.
    Nothing,
}

impl BenchFilter {
    /// Reads the filter from the program's arguments (`std::env::args()`, program first).
    pub fn from_args(args: &[String]) -> BenchFilter {
        let positional = report::publish::criterion_filter(args.iter().skip(1).map(String::as_str))
            .map(str::to_string);
        let flag = |name: &str| args.iter().any(|a| a == name);
        match positional {
            _ if flag("--ignored") => BenchFilter::Nothing,
            None => BenchFilter::All,
            Some(text) if flag("--exact") => BenchFilter::Exact(text),
            // criterion itself reports a bad pattern; until then, skip nothing.
            Some(text) => regex::Regex::new(&text).map_or(BenchFilter::All, BenchFilter::Regex),
        }
    }

    /// Whether criterion runs the benchmark with this full id.
    pub fn matches(&self, id: &str) -> bool {
        match self {
            BenchFilter::All => true,
            BenchFilter::Exact(exact) => id == exact,
            BenchFilter::Regex(regex) => regex.is_match(id),
            BenchFilter::Nothing => false,
        }
    }
}

/// The environment variable of [`Slowdown`].
pub const SLOWDOWN_ENV: &str = "CB_SLOWDOWN";

/// A deliberate slowdown, for checking that compare flags a real change (the positive
/// control of the A/A check): `CB_SLOWDOWN=1.2:sync/counter/std-mutex` makes every run of the
/// benchmarks whose id the regular expression finds take 1.2 times as long, by spinning for
/// the extra fifth after the technique finishes, inside the timed part. Never set in a
/// normal run; a results file does not say it was set, so keep such runs apart.
#[derive(Clone, Debug)]
pub struct Slowdown {
    /// How much longer each run takes, above 1.
    pub factor: f64,
    /// Which benchmark ids are slowed.
    pub pattern: regex::Regex,
}

impl Slowdown {
    /// Reads `CB_SLOWDOWN`; `Ok(None)` when it is unset or empty.
    pub fn from_env() -> Result<Option<Slowdown>, String> {
        match std::env::var(SLOWDOWN_ENV) {
            Ok(text) if !text.trim().is_empty() => Slowdown::parse(&text).map(Some),
            _ => Ok(None),
        }
    }

    /// Parses `<factor>:<regex>`, e.g. `1.2:sync/counter/std-mutex/`; the error names the
    /// variable, the value and what is wrong with it.
    pub fn parse(text: &str) -> Result<Slowdown, String> {
        let bad = |why: String| format!("{SLOWDOWN_ENV}={text:?}: {why}");
        let (factor, pattern) = text
            .split_once(':')
            .ok_or_else(|| bad("expected <factor>:<regex>, e.g. 1.2:sync/counter".into()))?;
        let factor: f64 = factor
            .trim()
            .parse()
            .map_err(|e| bad(format!("factor {factor:?}: {e}")))?;
        if !(factor > 1.0 && factor <= 10.0) {
            return Err(bad(format!(
                "factor {factor} is not a slowdown between 1 and 10"
            )));
        }
        let pattern = regex::Regex::new(pattern).map_err(|e| bad(format!("regex: {e}")))?;
        Ok(Slowdown { factor, pattern })
    }

    /// The factor for the benchmark `id`, if it is slowed.
    pub fn factor_for(&self, id: &str) -> Option<f64> {
        self.pattern.is_match(id).then_some(self.factor)
    }

    /// Makes a run that took `took` last `factor` times as long, spinning (a slowed technique
    /// burns CPU), and returns the new time.
    pub fn stretch(factor: f64, took: std::time::Duration) -> std::time::Duration {
        let started = std::time::Instant::now();
        let extra = took.mul_f64(factor - 1.0);
        while started.elapsed() < extra {
            std::hint::spin_loop();
        }
        took + started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::{BenchFilter, Slowdown};
    use std::time::Duration;

    #[test]
    fn a_slowdown_names_its_benchmarks_and_stretches_their_runs() {
        let s = Slowdown::parse("1.2:sync/counter/std-mutex/").unwrap();
        assert_eq!(s.factor_for("sync/counter/std-mutex/2"), Some(1.2));
        assert_eq!(s.factor_for("sync/counter/spin-lock/2"), None);
        let took = Slowdown::stretch(1.2, Duration::from_millis(5));
        assert!(took >= Duration::from_millis(6), "{took:?}");
        for (text, says) in [
            ("1.2", "expected <factor>:<regex>"),
            ("x:sync", "factor \"x\""),
            ("0.8:sync", "not a slowdown"),
            ("1.2:(", "regex"),
        ] {
            let err = Slowdown::parse(text).unwrap_err();
            assert!(err.contains("CB_SLOWDOWN") && err.contains(says), "{err}");
        }
    }

    fn filter(args: &[&str]) -> BenchFilter {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        BenchFilter::from_args(&args)
    }

    #[test]
    fn the_filter_is_the_first_argument_that_is_no_option_value() {
        let f = filter(&[
            "suite",
            "--bench",
            "--save-baseline",
            "base",
            "map/primes",
            "--quick",
        ]);
        assert!(f.matches("map/primes-1m-r4/rayon/2"));
        assert!(!f.matches("io/web-server/tokio-hyper/16"));
        assert!(filter(&["suite", "--bench"]).matches("anything"));
        let exact = filter(&["suite", "--exact", "sync/counter/atomic/2"]);
        assert!(exact.matches("sync/counter/atomic/2") && !exact.matches("sync/counter/atomic/20"));
        assert!(!filter(&["suite", "--ignored"]).matches("map/x"));
    }
}
