//! The messages between the tuner and a GPU worker process (one JSON object per line).

use super::flush::FlushMode;
use super::outcome::Outcome;
use super::race::RaceBound;
use crate::op::ProblemSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Launch geometry of one kernel, from the space's derived values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launch {
    /// Grid (blocks) in x, y, z.
    pub grid: [u32; 3],
    /// Block (threads) in x, y, z.
    pub block: [u32; 3],
    /// Dynamic shared memory, bytes.
    pub smem_bytes: u32,
    /// Which argument list the kernel takes (absent in older records: device pointers).
    #[serde(default)]
    pub args: KernelArgs,
    /// Thread-block cluster dimensions in x, y, z, set at launch (the grid is a multiple of them);
    /// [`NO_CLUSTER`] when the launch sets none (absent in older records, and not written then).
    #[serde(default = "no_cluster", skip_serializing_if = "is_no_cluster")]
    pub cluster: [u32; 3],
}

/// The cluster dimensions of a launch that sets none: each CTA a cluster of its own (a kernel
/// may still declare its clusters in its source, `__cluster_dims__`).
pub const NO_CLUSTER: [u32; 3] = [1, 1, 1];

fn no_cluster() -> [u32; 3] {
    NO_CLUSTER
}

fn is_no_cluster(cluster: &[u32; 3]) -> bool {
    *cluster == NO_CLUSTER
}

impl Launch {
    /// Whether the launch sets a cluster dimension of more than one CTA.
    pub fn has_cluster(&self) -> bool {
        !is_no_cluster(&self.cluster)
    }
}

/// The argument list of a kernel: which contract the launcher follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KernelArgs {
    /// `(q, k, v, o, descales, scale, S, D)` with Q, K, V as device pointers (mma family).
    #[default]
    Pointers,
    /// `(q_map, k_map, v_map, o, descales, scale, S, D)` with Q, K, V as TMA tensor maps (wgmma
    /// family): boxes of `swizzle` bytes of D by `q_rows` (Q) or `kv_rows` (K, V) rows.
    TensorMaps {
        /// Bytes per box row and the swizzle (32, 64 or 128).
        swizzle: u32,
        /// Rows of a Q box.
        q_rows: u32,
        /// Rows of a K or V box.
        kv_rows: u32,
    },
    /// `(a_map, b_map, d, bias, workspace, counters, alpha, M, N, K)`: the GEMM contract, A and
    /// Bᵀ as TMA tensor maps with boxes of `swizzle` bytes of K by `a_rows` (A) or `b_rows` (Bᵀ)
    /// rows; with split K a workspace of `workspace_floats` floats and `counters` zeroed
    /// counters (both absent in older records and not written when 0: no split, null pointers).
    GemmMaps {
        /// Bytes per box row and the swizzle (32, 64 or 128).
        swizzle: u32,
        /// Rows of an A box.
        a_rows: u32,
        /// Rows of a Bᵀ box.
        b_rows: u32,
        /// Floats of the split-K workspace (0: none).
        #[serde(default, skip_serializing_if = "is_zero")]
        workspace_floats: u32,
        /// Split-K counters, zero before the first launch (0: none).
        #[serde(default, skip_serializing_if = "is_zero")]
        counters: u32,
    },
}

pub use crate::reference::Tolerance;

/// How to time a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimingPlan {
    /// Untimed launches first.
    pub warmup: u32,
    /// Timed repetitions (at least [`MIN_REPS`] by the protocol; more for short kernels).
    pub reps: u32,
    /// Flush L2 before each timed repetition (outside the timed region). Without a flush,
    /// kernel-only samples time a graph of several back-to-back launches (warm L2, launch
    /// latency hidden) and divide by their number. False exactly when `flush` is none.
    pub flush_l2: bool,
    /// How L2 is flushed (absent in older records: a memset, or none where `flush_l2` is false).
    #[serde(default, skip_serializing_if = "FlushMode::is_memset")]
    pub flush: FlushMode,
    /// Time kernel-only under the warm protocol too (L2 not flushed, a graph of
    /// [`GRAPH_LAUNCHES`](super::GRAPH_LAUNCHES) back-to-back launches), after the flushed
    /// timings.
    #[serde(default, skip_serializing_if = "is_false")]
    pub warm_too: bool,
    /// Wall time to aim for per method, seconds (short kernels get more repetitions).
    #[serde(default = "default_target_s")]
    pub target_s: f64,
    /// Time per call from the host too, not only kernel-only.
    #[serde(default = "yes")]
    pub per_call: bool,
}

impl TimingPlan {
    /// The protocol: [`WARMUP`] untimed launches, then at least `reps` timed ones per method
    /// (about `target_s` seconds of them), kernel-only and per call, L2 flushed by `flush`.
    pub fn new(reps: u32, flush: FlushMode, target_s: f64) -> Self {
        TimingPlan {
            warmup: WARMUP,
            reps,
            flush_l2: flush.flushes(),
            flush,
            warm_too: false,
            target_s,
            per_call: true,
        }
    }

    /// The same plan without the per-call method.
    pub fn kernel_only(self) -> Self {
        TimingPlan {
            per_call: false,
            ..self
        }
    }

    /// The same plan, timing kernel-only under the warm protocol too when it flushes.
    pub fn and_warm(self) -> Self {
        TimingPlan {
            warm_too: self.flush_l2,
            ..self
        }
    }

    /// The plan's warm timing: kernel-only, L2 not flushed.
    pub fn warm(self) -> Self {
        TimingPlan {
            flush_l2: false,
            flush: FlushMode::None,
            warm_too: false,
            ..self.kernel_only()
        }
    }

    /// How L2 is flushed (none when it is not).
    pub fn flush_mode(&self) -> FlushMode {
        if self.flush_l2 {
            self.flush
        } else {
            FlushMode::None
        }
    }
}

/// Untimed launches before each timing method.
pub const WARMUP: u32 = 10;

/// The protocol's minimum of timed repetitions per method.
pub const MIN_REPS: u32 = 100;

/// The protocol's default wall time per timing method, seconds.
pub const DEFAULT_TARGET_S: f64 = 0.3;

fn default_target_s() -> f64 {
    DEFAULT_TARGET_S
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One candidate for a worker to load, validate and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRequest {
    /// Request number, echoed in the response.
    pub id: u64,
    /// The candidate's config as `K=V,...` (for messages).
    pub label: String,
    /// The kernel entry point.
    pub kernel: String,
    /// The compiled cubin.
    pub cubin: PathBuf,
    /// Launch geometry.
    pub launch: Launch,
    /// The problem, of whichever operation the kernel computes.
    pub problem: ProblemSpec,
    /// Seed of this validation's fresh random inputs.
    pub seed: u64,
    /// Pass/fail bounds.
    pub tolerance: Tolerance,
    /// Timing protocol; `None` validates only.
    pub timing: Option<TimingPlan>,
    /// When set, kernel-only timing stops once the candidate is out of the race against this
    /// elite cutoff, and the per-call method is skipped for it (see `eval::race`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceBound>,
    /// When set, the worker writes the inputs, the output and the error figures into this folder
    /// (SDPA: q.npy, k.npy, v.npy: uint8 e4m3 codes `[B,H,S,D]`; o.npy: float16; GEMM: a.npy,
    /// b.npy, bias.npy, d.npy; meta.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dump: Option<PathBuf>,
}

/// Summary of a set of timing samples, microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// How it was timed, e.g. "kernel-only: CUDA graph replay, L2 flushed".
    pub method: String,
    /// Median.
    pub p50_us: f64,
    /// 10th percentile.
    pub p10_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 95% bootstrap CI of the median, low end.
    pub ci_lo_us: f64,
    /// 95% bootstrap CI of the median, high end.
    pub ci_hi_us: f64,
    /// The samples.
    pub samples_us: Vec<f64>,
}

/// Error figures of a checked output against a reference (see `reference::ErrorFigures`).
pub type Errors = crate::reference::ErrorFigures;

/// A worker's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResponse {
    /// The request's id.
    pub id: u64,
    /// What happened.
    pub outcome: Outcome,
    /// Kernel vs reference on the same FP8 inputs (the gate).
    pub errors: Option<Errors>,
    /// Kernel vs reference on the full-precision inputs (the quantization cost).
    pub errors_vs_full: Option<Errors>,
    /// Kernel-only time.
    pub kernel_time: Option<Timing>,
    /// Per-call time (host launch to completion).
    pub call_time: Option<Timing>,
    /// Kernel-only time under the warm protocol, when the plan asked for it beside a flushed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_kernel_time: Option<Timing>,
    /// Whether the race stopped kernel-only timing early (then no per-call time was taken).
    #[serde(default, skip_serializing_if = "is_false")]
    pub raced_out: bool,
    /// SM clock at the time of measurement, MHz, when it could be read.
    pub sm_clock_mhz: Option<u32>,
    /// Active clock throttle (event) reasons at the time of measurement, as nvidia-smi reports
    /// them (a bit mask, e.g. "0x0000000000000000"), when they could be read.
    #[serde(default)]
    pub throttle_reasons: Option<String>,
    /// Where the worker's time went on this candidate.
    #[serde(default)]
    pub phases: Option<Phases>,
}

/// A worker's wall time on one candidate, by phase, milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// Loading the cubin, the inputs, one checked launch and the reference comparison.
    pub validation_ms: f64,
    /// The timing protocol and the re-check after it.
    pub timing_ms: f64,
    /// The same time by step ("load", "upload", "check", ...), where the worker measured it.
    #[serde(default)]
    pub steps_ms: BTreeMap<String, f64>,
}

impl EvalResponse {
    /// A response carrying only an outcome (a failure found before any measurement).
    pub fn failed(id: u64, outcome: Outcome) -> Self {
        EvalResponse {
            id,
            outcome,
            errors: None,
            errors_vs_full: None,
            kernel_time: None,
            call_time: None,
            warm_kernel_time: None,
            raced_out: false,
            sm_clock_mhz: None,
            throttle_reasons: None,
            phases: None,
        }
    }

    /// The answer for a candidate NVRTC rejected, with the compile log; no worker saw it.
    pub fn compile_failed(id: u64, log: &str) -> Self {
        EvalResponse::failed(id, Outcome::CompileFailed { log: log.into() })
    }
}

/// The first line a worker writes: who it is, or why it cannot work.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerHello {
    /// The device it drives, e.g. "NVIDIA H100 80GB HBM3 (0)".
    pub device: String,
    /// Its process id.
    pub pid: u32,
    /// Set when the worker cannot serve (no GPU, driver error); it exits after saying so.
    pub fatal: Option<String>,
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
