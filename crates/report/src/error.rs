//! The one error type: which file, and what is wrong with it, on one line.

use std::fmt;
use std::path::{Path, PathBuf};

/// A failure tied to a file or folder: `<path>: <problem>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// What is wrong with it, as one line.
    pub problem: String,
}

impl Error {
    /// An error about `path`.
    pub fn new(path: &Path, problem: impl Into<String>) -> Error {
        // One line: a multi-line message (serde's, io's) is folded so logs stay greppable.
        let problem = problem.into().replace('\n', " ");
        Error {
            path: path.to_path_buf(),
            problem,
        }
    }

    /// An I/O error about `path`.
    pub fn io(path: &Path, error: std::io::Error) -> Error {
        let problem = match error.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            _ => error.to_string(),
        };
        Error::new(path, problem)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for Error {}
