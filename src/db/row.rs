//! One row of the database: a tuned problem on one device, its best config and the figures
//! that judge it, and where it came from. Its problem is an SDPA shape or a GEMM's M, N, K.

use crate::matmul::Gemm;
use crate::op::{Operation, ProblemSpec};
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The problem a row tuned, as an operation's problem. It is written untagged, so that an SDPA
/// problem serializes (and fingerprints) exactly as the rows recorded before GEMM did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Problem {
    /// Scaled-dot-product attention.
    Sdpa(Attention),
    /// A matrix product.
    Gemm(Gemm),
}

/// An SDPA problem: its shape, the causal mask, the key/value heads and keys per sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attention {
    /// B.
    pub batch: usize,
    /// H.
    pub heads: usize,
    /// S.
    pub seq_len: usize,
    /// D.
    pub head_dim: usize,
    /// Causal masking.
    pub causal: bool,
    /// Heads of K and V.
    pub kv_heads: usize,
    /// Keys per sequence.
    pub kv_len: usize,
}

impl Problem {
    /// The problem of an SDPA shape.
    pub fn of_shape(shape: &Shape) -> Self {
        Problem::Sdpa(Attention::of_shape(shape))
    }

    /// The problem of a run's problem, of either operation.
    pub fn of_spec(spec: &ProblemSpec) -> Self {
        match spec {
            ProblemSpec::Sdpa(shape) => Problem::of_shape(shape),
            ProblemSpec::Gemm(gemm) => Problem::Gemm(*gemm),
        }
    }

    /// The run's problem it is (an SDPA problem's shape, a GEMM's M, N, K).
    pub fn spec(&self) -> ProblemSpec {
        match self {
            Problem::Sdpa(a) => ProblemSpec::Sdpa(a.shape()),
            Problem::Gemm(g) => ProblemSpec::Gemm(*g),
        }
    }

    /// The operation it is a problem of.
    pub fn operation(&self) -> Operation {
        match self {
            Problem::Sdpa(_) => Operation::Sdpa,
            Problem::Gemm(_) => Operation::Gemm,
        }
    }

    /// The SDPA problem, if it is one.
    pub fn sdpa(&self) -> Option<&Attention> {
        match self {
            Problem::Sdpa(a) => Some(a),
            Problem::Gemm(_) => None,
        }
    }

    /// An SDPA problem as it always read (`B,H,S,D` and what differs from the default); a
    /// GEMM's as `gemm M,N,K`.
    pub fn label(&self) -> String {
        match self {
            Problem::Sdpa(a) => a.label(),
            Problem::Gemm(g) => format!("{} {g}", Operation::Gemm),
        }
    }

    /// The order listings and exports keep: SDPA problems by B, H, causal, KV heads, S, KV
    /// length, D; then GEMMs by M, N, K.
    pub fn order_key(&self) -> (u8, [usize; 7]) {
        match *self {
            Problem::Sdpa(p) => (
                0,
                [
                    p.batch,
                    p.heads,
                    p.causal as usize,
                    p.kv_heads,
                    p.seq_len,
                    p.kv_len,
                    p.head_dim,
                ],
            ),
            Problem::Gemm(g) => (1, [g.m, g.n, g.k, 0, 0, 0, 0]),
        }
    }
}

impl Attention {
    /// The problem of a shape.
    pub fn of_shape(shape: &Shape) -> Self {
        Attention {
            batch: shape.b,
            heads: shape.h,
            seq_len: shape.s,
            head_dim: shape.d,
            causal: shape.causal,
            kv_heads: shape.hk(),
            kv_len: shape.skv(),
        }
    }

    /// The shape of the problem (`kv_heads` and `kv_len` left out where they equal H and S).
    pub fn shape(&self) -> Shape {
        let mut s = Shape::dense(self.batch, self.heads, self.seq_len, self.head_dim);
        s.causal = self.causal;
        s.kv_heads = Some(self.kv_heads).filter(|&n| n != self.heads);
        s.kv_len = Some(self.kv_len).filter(|&n| n != self.seq_len);
        s
    }

    /// `B,H,S,D`, with `causal`, `kv_heads` and `kv_len` added when they differ from the default.
    pub fn label(&self) -> String {
        let mut s = format!(
            "{},{},{},{}",
            self.batch, self.heads, self.seq_len, self.head_dim
        );
        if self.causal {
            s.push_str(" causal");
        }
        if self.kv_heads != self.heads {
            s.push_str(&format!(" kv_heads={}", self.kv_heads));
        }
        if self.kv_len != self.seq_len {
            s.push_str(&format!(" kv_len={}", self.kv_len));
        }
        s
    }
}

/// A baseline timed in the same run folder (`bench/baseline_<name>.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineTime {
    /// Its name, e.g. `math`, `cudnn_fp8`.
    pub name: String,
    /// `ok`, or why it has no time (e.g. `unavailable`).
    pub status: String,
    /// Kernel-only median, µs.
    pub kernel_p50_us: Option<f64>,
    /// Per-call median, µs.
    pub call_p50_us: Option<f64>,
}

/// One tuned problem on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningRow {
    /// Its id in the database it was read from (`None` before it is written).
    pub id: Option<i64>,
    /// When it was recorded, UTC `YYYYMMDD-HHMMSS`.
    pub created_utc: String,
    /// The problem.
    pub problem: Problem,
    /// GPU name (`replay` for a run answered from a recorded log).
    pub gpu: String,
    /// Compute capability, e.g. `9.0`.
    pub compute_capability: String,
    /// The compile target, e.g. `sm_90a`.
    pub arch: String,
    /// NVIDIA driver version.
    pub driver: Option<String>,
    /// CUDA version the driver supports.
    pub cuda: Option<String>,
    /// NVRTC version.
    pub nvrtc: Option<String>,
    /// Host name.
    pub host: Option<String>,
    /// The space file, as the run named it.
    pub space_path: String,
    /// sha256 of the space file when the row was recorded.
    pub space_hash: String,
    /// The template the best config renders.
    pub template_path: String,
    /// sha256 of that template when the row was recorded.
    pub template_hash: String,
    /// The run's `--set` overrides as JSON (`{}` when none).
    pub overrides: String,
    /// The commit evotune was built from.
    pub build_commit: Option<String>,
    /// Where measurements came from: `gpu` or `replay <file>`.
    pub evaluator: String,
    /// The best config, `K=V,...`.
    pub config: String,
    /// Its kernel-only median, µs.
    pub kernel_p50_us: f64,
    /// The 95% CI of that median, µs.
    pub ci_lo_us: Option<f64>,
    /// Upper end of that CI, µs.
    pub ci_hi_us: Option<f64>,
    /// Its per-call median, µs.
    pub call_p50_us: Option<f64>,
    /// The confirmation's 95% prediction interval, µs (when confirmed in fresh processes).
    pub confirmed_lo_us: Option<f64>,
    /// Upper end of that interval, µs.
    pub confirmed_hi_us: Option<f64>,
    /// Mean of the confirming processes' medians, µs.
    pub confirmed_mean_us: Option<f64>,
    /// Validation: largest absolute error against the reference.
    pub max_abs: Option<f64>,
    /// Validation: relative L2 error against the reference.
    pub rel_l2: Option<f64>,
    /// Relative L2 error against full-precision inputs (the quantization cost).
    pub rel_l2_vs_full: Option<f64>,
    /// Trials of the search.
    pub trials: usize,
    /// Trials that failed.
    pub failures: usize,
    /// The run folder, as it was named.
    pub run_dir: String,
    /// The baselines timed in the run folder.
    pub baselines: Vec<BaselineTime>,
}

impl TuningRow {
    /// A hash of everything but the id and the time of recording: the same run's result,
    /// recorded twice or merged from two hosts, is one row.
    pub fn fingerprint(&self) -> String {
        let mut copy = self.clone();
        copy.id = None;
        copy.created_utc = String::new();
        let text = serde_json::to_string(&copy).expect("a row serializes");
        hex(&Sha256::digest(text.as_bytes()))
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
