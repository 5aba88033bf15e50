//! The root package of concurrency-bench.
//!
//! It owns the criterion suite in `benches/` (one `suite` target with a module per family)
//! and nothing else of substance: techniques live in `crates/`, one crate each, and all of
//! them run the workloads of the `workloads` crate. See `README.md` and `docs/architecture.md`.
//!
//! The one piece of the suite worth a unit test lives here: [`BenchFilter`], criterion's
//! command-line filter read the way criterion reads it, so the suite skips the setup
//! (pools, servers, verifying runs) of the benchmarks criterion will skip.

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
    /// criterion's options that take a value (criterion 0.8 `configure_from_args`); the first
    /// other argument that is not an option is the filter.
    const WITH_VALUE: &[&str] = &[
        "-c",
        "--color",
        "--colour",
        "-s",
        "--save-baseline",
        "-b",
        "--baseline",
        "--baseline-lenient",
        "--format",
        "--profile-time",
        "--load-baseline",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--plotting-backend",
        "--output-format",
    ];

    /// Reads the filter from the program's arguments (`std::env::args()`, program first).
    pub fn from_args(args: &[String]) -> BenchFilter {
        let mut positional = None;
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            if BenchFilter::WITH_VALUE.contains(&arg.as_str()) {
                rest.next();
            } else if !arg.starts_with('-') && positional.is_none() {
                positional = Some(arg.clone());
            }
        }
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

#[cfg(test)]
mod tests {
    use super::BenchFilter;

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
