//! The library's error type: every failure that stops a command, each naming what to fix.

use std::fmt;
use std::path::PathBuf;

/// Errors raised by evotune's library. A failed *candidate* is not an error (see `outcome`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line value that does not parse or is out of range; names the flag.
    #[error("{flag} {message}")]
    BadFlag {
        /// The flag to fix, e.g. `--shape`.
        flag: &'static str,
        /// What was wrong, including the value given.
        message: String,
    },
    /// A value given to the library that does not parse or is out of range; names the input
    /// (the command line names the flag that gives it instead).
    #[error("{input} {message}")]
    BadInput {
        /// The input to fix.
        input: Input,
        /// What was wrong, including the value given.
        message: String,
    },
    /// A file that could not be read or written. The I/O error is part of the message, not a
    /// `source`, so that an error chain (`{:#}`) prints it once.
    #[error("cannot {action} {path}: {cause}")]
    Io {
        /// "read" or "write" and so on.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// A search-space file that is malformed or inconsistent.
    #[error("search space {path}: {message}")]
    Space {
        /// The space file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A kernel template that fails to parse or render.
    #[error("template {path}: {message}")]
    Template {
        /// The template file.
        path: PathBuf,
        /// The tera error chain.
        message: String,
    },
    /// A configuration (`K=V,...`) that does not fit its space.
    #[error("config: {0}")]
    Config(String),
    /// NVRTC could not be loaded or run (not a compile error of a candidate).
    #[error("NVRTC: {0}")]
    Nvrtc(String),
    /// The GPU is missing or unusable (no driver, no device, a library that cannot be loaded).
    #[error("GPU: {0}")]
    Gpu(String),
    /// A CUDA driver call failed; `name` is the CUDA error's name, e.g. `CUDA_ERROR_ILLEGAL_ADDRESS`.
    #[error("GPU: {call} failed: {name}")]
    Cuda {
        /// The call or step that failed, e.g. `cuStreamSynchronize after the launch`.
        call: String,
        /// The CUDA error's name.
        name: String,
    },
    /// Anything else, with its message.
    #[error("{0}")]
    Other(String),
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the action and path it came from.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            cause: source,
        }
    }

    /// A bad command-line value for `flag`.
    pub fn flag(flag: &'static str, message: impl Into<String>) -> Self {
        Error::BadFlag {
            flag,
            message: message.into(),
        }
    }

    /// A bad value for `input`.
    pub fn input(input: Input, message: impl Into<String>) -> Self {
        Error::BadInput {
            input,
            message: message.into(),
        }
    }
}

/// A value the library is given by its user, as its errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The problem, `B,H,S,D[,causal][,kv_heads=N][,kv_len=N]`.
    Shape,
    /// A GEMM problem, `M,N,K`.
    Gemm,
    /// The key/value heads of the problem.
    KvHeads,
    /// The keys per sequence of the problem.
    KvLen,
    /// A configuration of a search space, `K=V,...`.
    Config,
    /// A tuning database file.
    Database,
    /// The device whose rows a database serves.
    Device,
    /// The folder an export is written to.
    ExportFolder,
    /// A recorded tune log answering in place of the GPU.
    ReplayLog,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Input::Shape => "shape",
            Input::Gemm => "GEMM problem",
            Input::KvHeads => "kv_heads",
            Input::KvLen => "kv_len",
            Input::Config => "config",
            Input::Database => "database",
            Input::Device => "device",
            Input::ExportFolder => "export folder",
            Input::ReplayLog => "replay log",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the chain printed the OS error twice ("(os error 2): No such file or
    /// directory (os error 2)").
    #[test]
    fn an_io_error_chain_names_the_os_error_once() {
        let cause = std::fs::read("/no/such/file").unwrap_err();
        let err = anyhow::Error::from(Error::io("read", "/no/such/file", cause));
        let text = format!("{err:#}");
        assert!(text.starts_with("cannot read /no/such/file: "), "{text}");
        assert_eq!(text.matches("os error 2").count(), 1, "{text}");
    }
}
