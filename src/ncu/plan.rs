//! What `evotune ncu` profiles: baseline A (the math path, as `evotune baseline` runs it) and
//! the top elites (each as `evotune bench` runs it), with the kernel filter and launches to pick.

use crate::artifacts::{RunPaths, TopK};
use std::path::PathBuf;

/// Kernels of the math baseline: the softmax kernel and cuBLAS's GEMMs, whose names vary by
/// cuBLAS version (`nvjet_*`, `sm90_xmma_gemm_*`, `cutlass*`).
pub const MATH_KERNELS: &str = "regex:baseline_softmax|gemm|nvjet|xmma|cutlass";

/// Launches of one math-path pass (GEMM, softmax, GEMM).
const MATH_LAUNCHES: u32 = 3;

/// Options of the plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Elites to profile, best first.
    pub top: usize,
    /// The evotune executable that runs each target.
    pub evotune: PathBuf,
    /// Launches of the candidate kernel to skip (the validation launch is the first).
    pub launch_skip: u32,
    /// Whether to profile baseline A.
    pub baseline: bool,
}

/// One thing to profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// File stem under ncu/: "baseline_math", "elite_1", ...
    pub name: String,
    /// "math" or the elite's config label.
    pub variant: String,
    /// The elite's rank.
    pub rank: Option<usize>,
    /// ncu's `--kernel-name`.
    pub kernel_filter: String,
    /// ncu's `--launch-skip`.
    pub launch_skip: u32,
    /// ncu's `--launch-count`.
    pub launch_count: u32,
    /// The command to run under ncu.
    pub app: Vec<String>,
}

/// Baseline A first (when asked for), then the best `top` elites.
pub fn targets(topk: &TopK, run: &RunPaths, opts: &PlanOptions) -> Vec<Target> {
    let work = |name: &str| run.ncu_dir().join("work").join(name);
    let exe = opts.evotune.display().to_string();
    let shape = topk.shape.to_string();
    let mut out = Vec::new();
    if opts.baseline {
        let app = [&exe, "baseline", "--shape", &shape, "--reps", "100"]
            .into_iter()
            .map(String::from)
            .chain(["--python".into(), "false".into(), "--out".into()])
            .chain([work("baseline_math").display().to_string()])
            .collect();
        out.push(Target {
            name: "baseline_math".into(),
            variant: "math".into(),
            rank: None,
            kernel_filter: MATH_KERNELS.into(),
            launch_skip: MATH_LAUNCHES,
            launch_count: MATH_LAUNCHES,
            app,
        });
    }
    for e in topk.elites.iter().take(opts.top) {
        let name = format!("elite_{}", e.rank);
        let space = topk.space.display().to_string();
        let dir = work(&name).display().to_string();
        let app = [&exe, "bench", "--shape", &shape, "--config", &e.label]
            .into_iter()
            .chain(["--space", &space, "--reps", "100", "--out", &dir])
            .map(String::from)
            .collect();
        out.push(Target {
            name,
            variant: e.label.clone(),
            rank: Some(e.rank),
            kernel_filter: topk.kernel.clone(),
            launch_skip: opts.launch_skip,
            launch_count: 1,
            app,
        });
    }
    out
}
