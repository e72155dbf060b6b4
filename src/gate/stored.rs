//! What a regression check compares with: the best of a previous run, read from its
//! `tune/topk.json` or from a saved gate result.

use super::{best_times, speedup};
use crate::artifacts::TopK;
use crate::eval::TimingProtocol;
use crate::op::ProblemSpec;
use crate::report::{RunData, Times};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A gate result: the best candidate of a run, small enough to keep in a repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// The run it came from.
    pub run_id: String,
    /// The problem (SDPA's shape, or a GEMM's M, N, K).
    pub shape: ProblemSpec,
    /// The best candidate's config label.
    pub best: String,
    /// Its kernel-only median, µs.
    pub best_p50_us: f64,
    /// Its kernel-only samples, µs (may be empty).
    #[serde(default)]
    pub samples_us: Vec<f64>,
    /// Its speedups over the baselines that were measured.
    #[serde(default)]
    pub speedups: Vec<SpeedupRecord>,
}

/// One speedup of a gate result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedupRecord {
    /// "baseline A (math)", "baseline B (cudnn)" or "cuDNN FP8 (cudnn_fp8)".
    pub versus: String,
    /// Ratio of medians.
    pub point: f64,
    /// 95% CI, when samples allowed one.
    #[serde(default)]
    pub ci: Option<(f64, f64)>,
}

impl GateResult {
    /// The gate result of `run`.
    pub fn of(run: &RunData) -> Result<GateResult, String> {
        let topk = run.topk.as_ref().map_err(Clone::clone)?;
        let (best, t) = best_times(run)?;
        let speedups = run
            .registry
            .roles
            .iter()
            .filter_map(|c| speedup(run, c, TimingProtocol::Cold).ok())
            .map(|(versus, s)| SpeedupRecord {
                versus,
                point: s.point,
                ci: s.ci,
            })
            .collect();
        Ok(GateResult {
            run_id: run.paths.run_id(),
            shape: topk.shape,
            best,
            best_p50_us: t.p50_us,
            samples_us: t.samples.to_vec(),
            speedups,
        })
    }
}

/// The stored best a regression is measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBest {
    /// Where it came from, for messages: `<file>: <label>`.
    pub origin: String,
    /// The problem it was measured at.
    pub shape: ProblemSpec,
    /// Kernel-only median, µs.
    pub p50_us: f64,
    /// Its samples (may be empty).
    pub samples: Vec<f64>,
}

/// Why a file holds no stored best.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotStored {
    /// It parses as neither a gate result nor a `tune/topk.json` (`cause`: why not the latter).
    #[error("{file} is neither a gate result nor a tune/topk.json: {cause}")]
    Neither {
        /// The file.
        file: String,
        /// The parse error as a `tune/topk.json`.
        cause: String,
    },
    /// It cannot be read, or holds no timed best.
    #[error("{0}")]
    Other(String),
}

impl From<String> for NotStored {
    fn from(why: String) -> Self {
        NotStored::Other(why)
    }
}

impl StoredBest {
    /// Reads a gate result or a `topk.json`; the error says what the file should be.
    pub fn read(path: &Path) -> Result<StoredBest, NotStored> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.display();
        if let Ok(g) = serde_json::from_str::<GateResult>(&text) {
            return Ok(StoredBest {
                origin: format!("{name}, run {}", g.run_id),
                shape: g.shape,
                p50_us: g.best_p50_us,
                samples: g.samples_us,
            });
        }
        let topk: TopK = serde_json::from_str(&text).map_err(|e| NotStored::Neither {
            file: name.to_string(),
            cause: e.to_string(),
        })?;
        let best = topk.elites.first().ok_or(format!("{name} has no elites"))?;
        let t = Times::of_elite(best).ok_or(format!("{name}: its best elite has no time"))?;
        Ok(StoredBest {
            origin: name.to_string(),
            shape: topk.shape,
            p50_us: t.p50_us,
            samples: t.samples.to_vec(),
        })
    }

    /// Its times.
    pub fn times(&self) -> Times<'_> {
        Times {
            p50_us: self.p50_us,
            ci_us: None,
            samples: &self.samples,
        }
    }
}
