//! `tune/topk.json`: the elites of a search, best first, each with its full record.

use crate::eval::Timing;
use crate::shape::Shape;
use crate::tunelog::TrialRecord;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The elites of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopK {
    /// The problem.
    pub shape: Shape,
    /// 4·B·H·S²·D, the FLOPs of one forward pass.
    pub flops: f64,
    /// The space file.
    pub space: PathBuf,
    /// The kernel entry point.
    pub kernel: String,
    /// Trials evaluated (distinct configs).
    pub trials: usize,
    /// Trials that failed (any outcome but ok).
    pub failures: usize,
    /// Where the run's time went, when it ran live.
    #[serde(default)]
    pub wall: Option<WallTimes>,
    /// Best first.
    pub elites: Vec<Elite>,
}

/// Where a run's wall time went. Compilation overlaps the GPU work on other cores, so the
/// parts add up to more than the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WallTimes {
    /// The whole search, seconds.
    pub total_s: f64,
    /// NVRTC time of the variants compiled in this run, summed over cores, seconds.
    pub compile_s: f64,
    /// Variants that came from the compile cache.
    pub compile_cached: usize,
    /// GPU time validating candidates (inputs, launch, reference check), seconds.
    pub validation_s: f64,
    /// GPU time timing the survivors, seconds.
    pub timing_s: f64,
}

/// One elite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Elite {
    /// 1 for the best.
    pub rank: usize,
    /// Its row of the tune log.
    pub record: TrialRecord,
    /// The config as `K=V,...`.
    pub label: String,
    /// Kernel-only timing with its samples, when measured in this run (absent when replayed).
    #[serde(default)]
    pub kernel_time: Option<Timing>,
    /// Per-call timing with its samples, when measured in this run.
    #[serde(default)]
    pub call_time: Option<Timing>,
    /// flops / kernel-only p50, TFLOP/s.
    #[serde(default)]
    pub kernel_tflops: Option<f64>,
    /// Its rendered source, relative to the run folder (`kernels/<hash>.cu`).
    #[serde(default)]
    pub source: Option<PathBuf>,
}
