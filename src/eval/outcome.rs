//! What became of one candidate: a failed candidate is data, carried into the tune log.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The outcome of evaluating one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Compiled, ran, matched the reference within tolerance, and was timed.
    Ok,
    /// NVRTC rejected the source; `log` is its output.
    CompileFailed {
        /// NVRTC's log.
        log: String,
    },
    /// Ran, but the output is wrong: outside tolerance, NaN/Inf, or elements never written.
    Invalid {
        /// Which check failed, with figures.
        reason: String,
    },
    /// A CUDA error at load or launch, or a fault while running (illegal address, trap, ...).
    LaunchFailed {
        /// The CUDA error.
        reason: String,
    },
    /// Did not finish within the watchdog's limit (e.g. a deadlocked barrier); the worker was killed.
    Timeout {
        /// The limit, seconds.
        after_s: f64,
    },
    /// The worker process died while evaluating (signal or abort) and was restarted.
    WorkerCrashed {
        /// How it died.
        reason: String,
    },
}

impl Outcome {
    /// Whether the candidate is a usable, timed result.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// A short name for tables and the tune log's `outcome` column.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::CompileFailed { .. } => "compile_failed",
            Outcome::Invalid { .. } => "invalid",
            Outcome::LaunchFailed { .. } => "launch_failed",
            Outcome::Timeout { .. } => "timeout",
            Outcome::WorkerCrashed { .. } => "worker_crashed",
        }
    }

    /// The reason in one line (empty for `Ok`).
    pub fn reason(&self) -> String {
        match self {
            Outcome::Ok => String::new(),
            Outcome::CompileFailed { log } => first_error_line(log),
            Outcome::Invalid { reason }
            | Outcome::LaunchFailed { reason }
            | Outcome::WorkerCrashed { reason } => reason.clone(),
            Outcome::Timeout { after_s } => format!("no result within {after_s:.1} s"),
        }
    }
}

fn first_error_line(log: &str) -> String {
    log.lines()
        .find(|l| l.contains("error"))
        .or_else(|| log.lines().next())
        .unwrap_or("")
        .trim()
        .to_string()
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => write!(f, "ok"),
            other => write!(f, "{}: {}", other.name(), other.reason()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json_with_a_kind_tag() {
        let o = Outcome::Timeout { after_s: 5.0 };
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(json, r#"{"kind":"timeout","after_s":5.0}"#);
        assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), o);
    }

    #[test]
    fn compile_failure_reason_is_the_first_error_line() {
        let o = Outcome::CompileFailed {
            log: "k.cu(3): warning: x\nk.cu(9): error: expected a ;\n".into(),
        };
        assert_eq!(o.reason(), "k.cu(9): error: expected a ;");
        assert_eq!(
            o.to_string(),
            "compile_failed: k.cu(9): error: expected a ;"
        );
    }
}
