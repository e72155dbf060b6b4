//! `tune/topk.json`: the elites of a search, best first, each with its full record and, after
//! a live run, its confirmation in fresh processes.

use crate::eval::{Timing, TimingPlan};
use crate::op::ProblemSpec;
use crate::stats::Prediction;
use crate::tunelog::TrialRecord;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The elites of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopK {
    /// The problem (SDPA's shape, or a GEMM's M, N, K).
    pub shape: ProblemSpec,
    /// The FLOPs of one run (4·B·H·S²·D for SDPA, 2·M·N·K for a GEMM).
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
    /// The whole search, seconds (the confirmation after it is `confirm_s`).
    pub total_s: f64,
    /// NVRTC time of the variants compiled in this run, summed over cores, seconds.
    pub compile_s: f64,
    /// Variants that came from the compile cache.
    pub compile_cached: usize,
    /// GPU time validating candidates (inputs, launch, reference check), seconds.
    pub validation_s: f64,
    /// GPU time timing the survivors, seconds.
    pub timing_s: f64,
    /// The confirmation stage after the search (elites re-timed in fresh processes), seconds.
    #[serde(default)]
    pub confirm_s: f64,
    /// Before the search: checking the inputs, listing the space's valid points, starting the
    /// GPU workers, seconds.
    #[serde(default)]
    pub setup_s: f64,
    /// The part of `setup_s` that listed the space's valid points, seconds.
    #[serde(default)]
    pub space_s: f64,
}

impl WallTimes {
    /// "GPU: validation 3.1 s, timing 8.2 s; NVRTC 40.2 s summed over cores, overlapped (3
    /// variants cached)".
    pub fn gpu_split(&self) -> String {
        format!(
            "GPU: validation {:.1} s, timing {:.1} s; NVRTC {:.1} s summed over cores, overlapped \
             ({} variants cached)",
            self.validation_s, self.timing_s, self.compile_s, self.compile_cached
        )
    }
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
    /// Its re-timing in fresh worker processes after the search, when one was made.
    #[serde(default)]
    pub confirmed: Option<Confirmation>,
}

/// An elite re-timed after the search in several fresh worker processes with the full timing
/// protocol: where a later, separate measurement (`evotune bench`) should land.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Fresh processes asked for.
    pub processes: u32,
    /// The timing protocol of each.
    pub timing: TimingPlan,
    /// Kernel-only median of each process that answered ok, µs, in the order they ran.
    pub process_p50_us: Vec<f64>,
    /// Per-call median of each process that answered ok, µs.
    pub call_p50_us: Vec<f64>,
    /// Their median, mean and sd, and the 95% prediction interval of one more process's
    /// kernel-only median, µs (present exactly when `failure` is absent).
    pub prediction: Option<Prediction>,
    /// How the first process timed kernel-only.
    pub method: Option<String>,
    /// Kernel-only median under the warm protocol (L2 not flushed, a graph of 20 back-to-back
    /// launches) of each process that answered ok with one, µs (empty in older records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warm_process_p50_us: Vec<f64>,
    /// The first process's warm kernel-only timing with its samples: the elite's warm time
    /// (absent in older records and where it was not taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_kernel_time: Option<Timing>,
    /// Why a process did not answer ok (then there is no interval).
    pub failure: Option<String>,
}
