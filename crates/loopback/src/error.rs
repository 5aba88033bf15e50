//! The one error type of the fixture; every variant says what was being done.

use std::fmt;
use std::time::Duration;

/// Why the fixture could not start, stop, or complete a load run.
#[derive(Debug)]
pub enum LoopbackError {
    /// An I/O error, with what was being done.
    Io {
        /// What was being done, e.g. `binding 127.0.0.1:0`.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The server thread did not finish within the shutdown bound.
    ShutdownTimeout(Duration),
    /// The server thread panicked.
    ServerPanicked,
    /// A load run saw errors, or did not finish: the message names the first error.
    Load(String),
}

impl LoopbackError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        LoopbackError::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for LoopbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopbackError::Io { context, source } => write!(f, "{context}: {source}"),
            LoopbackError::ShutdownTimeout(bound) => {
                write!(
                    f,
                    "the server thread was still running {bound:?} after shutdown"
                )
            }
            LoopbackError::ServerPanicked => f.write_str("the server thread panicked"),
            LoopbackError::Load(message) => write!(f, "load run failed: {message}"),
        }
    }
}

impl std::error::Error for LoopbackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoopbackError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
