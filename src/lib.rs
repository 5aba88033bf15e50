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
//! really slower, so one can see that compare flags a true change. And [`IdlePoll`]:
//! `CB_IDLE_POLL=1` keeps idle CPUs polling for the run, so wake-ups cost what the machine
//! costs awake, not what waking a halted virtual CPU costs.

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

/// The environment variable of [`Slowdown`].
pub const SLOWDOWN_ENV: &str = "CB_SLOWDOWN";

/// A deliberate slowdown, for checking that compare flags a real change (issue 9's positive
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

/// The environment variable of [`IdlePoll`].
pub const IDLE_POLL_ENV: &str = "CB_IDLE_POLL";

/// Linux's PM QoS interface for the CPU wake-up latency the system must meet.
pub const CPU_DMA_LATENCY: &str = "/dev/cpu_dma_latency";

/// While alive, asks Linux that an idle CPU be woken within 0 us: the idle loop then polls
/// instead of halting, and a wake-up (a timer, a futex, a socket) reaches a running CPU.
///
/// On the 2-vCPU KVM reference machine a halted virtual CPU takes 80-110 us to wake (a 5 ms
/// sleep overshoots by 110 us at the median; 43 us with idle polling), and every sleep, hand-off
/// and answer of a waiting technique pays it. The floors of `sync/limited-resource` and
/// `io/download-*` count no wake-up at all. `CB_IDLE_POLL=1` measures the techniques without
/// that machine cost, the way `cyclictest` and `tuned`'s latency profiles run: idle CPUs
/// burn their time (on a shared host, the host's), so it is opt-in. The request is the
/// open file ([`CPU_DMA_LATENCY`], writable by root only); it ends when this value is
/// dropped or the process exits. The run's metadata records the latency in force
/// (`limits.cpu_dma_latency_us`), so compare tells such runs apart.
#[derive(Debug)]
pub struct IdlePoll {
    _request: std::fs::File,
}

impl IdlePoll {
    /// Reads `CB_IDLE_POLL`: unset, empty or `0` is `Ok(None)`; `1` holds the request on
    /// [`CPU_DMA_LATENCY`]. Any other value, or a request the system refuses, is an error
    /// naming the variable, the file and the cause.
    pub fn from_env() -> Result<Option<IdlePoll>, String> {
        let value = std::env::var(IDLE_POLL_ENV).ok();
        if !IdlePoll::wanted(value.as_deref())? {
            return Ok(None);
        }
        IdlePoll::hold(std::path::Path::new(CPU_DMA_LATENCY))
            .map(Some)
            .map_err(|e| format!("{IDLE_POLL_ENV}=1: {e}"))
    }

    /// Whether the variable's value asks for idle polling.
    pub fn wanted(value: Option<&str>) -> Result<bool, String> {
        match value.map(str::trim) {
            None | Some("" | "0") => Ok(false),
            Some("1") => Ok(true),
            Some(other) => Err(format!(
                "{IDLE_POLL_ENV}={other:?}: expected 1 (idle CPUs poll for the run) or 0"
            )),
        }
    }

    /// Writes a 0 us latency request (a native-endian `i32`) to `path` and keeps it open.
    pub fn hold(path: &std::path::Path) -> Result<IdlePoll, String> {
        use std::io::Write;
        let mut request = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| {
                let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
                    " (root only: run as root, or leave the variable unset)"
                } else {
                    ""
                };
                format!("opening {}: {e}{hint}", path.display())
            })?;
        request
            .write_all(&0i32.to_ne_bytes())
            .map_err(|e| format!("writing 0 to {}: {e}", path.display()))?;
        Ok(IdlePoll { _request: request })
    }
}

#[cfg(test)]
mod tests {
    use super::{BenchFilter, IdlePoll, Slowdown};
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

    #[test]
    fn idle_polling_is_asked_for_with_1_and_a_refusal_names_the_file() {
        assert!(!IdlePoll::wanted(None).unwrap());
        assert!(!IdlePoll::wanted(Some("0")).unwrap());
        assert!(IdlePoll::wanted(Some(" 1 ")).unwrap());
        let err = IdlePoll::wanted(Some("yes")).unwrap_err();
        assert!(err.contains("CB_IDLE_POLL=\"yes\""), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let request = dir.path().join("cpu_dma_latency");
        std::fs::write(&request, b"").unwrap();
        let held = IdlePoll::hold(&request).unwrap();
        assert_eq!(std::fs::read(&request).unwrap(), 0i32.to_ne_bytes());
        drop(held);
        let missing = dir.path().join("none");
        let err = IdlePoll::hold(&missing).unwrap_err();
        assert!(err.contains(&missing.display().to_string()), "{err}");
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
