//! What `evotune ncu` profiles: for an SDPA run baseline A (the math path, as `evotune baseline`
//! runs it), and the top elites of any run (each as `evotune bench` runs it), with the kernel
//! filter and launches to pick.

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

/// Baseline A first (when asked for, and the run is SDPA's: the math path is its baseline A),
/// then the best `top` elites.
pub fn targets(topk: &TopK, run: &RunPaths, opts: &PlanOptions) -> Vec<Target> {
    let work = |name: &str| run.ncu_dir().join("work").join(name);
    let exe = opts.evotune.display().to_string();
    let (flag, shape) = (topk.shape.flag(), topk.shape.to_string());
    let mut out = Vec::new();
    if opts.baseline && topk.shape.sdpa().is_some() {
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
        let app = [&exe, "bench", flag, &shape, "--config", &e.label]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::Elite;
    use crate::op::{Gemm, ProblemSpec};
    use crate::shape::Shape;
    use crate::tunelog::TrialRecord;

    fn topk(shape: ProblemSpec) -> TopK {
        let record = TrialRecord::unmeasured(&Default::default(), "ok", String::new());
        let elite = Elite {
            rank: 1,
            label: "BLOCK_M=128".into(),
            record,
            kernel_time: None,
            call_time: None,
            kernel_tflops: None,
            source: None,
            confirmed: None,
        };
        TopK {
            shape,
            flops: shape.flops(),
            space: "s.toml".into(),
            kernel: "k".into(),
            trials: 1,
            failures: 0,
            wall: None,
            elites: vec![elite],
        }
    }

    fn plan(shape: ProblemSpec) -> Vec<Target> {
        let opts = PlanOptions {
            top: 3,
            evotune: "evotune".into(),
            launch_skip: 1,
            baseline: true,
        };
        targets(&topk(shape), &RunPaths::new("run".as_ref()), &opts)
    }

    #[test]
    fn an_sdpa_run_profiles_baseline_a_then_its_elites_at_its_shape() {
        let t = plan(Shape::parse("2,8,512,64").unwrap().into());
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["baseline_math", "elite_1"]);
        assert_eq!(t[1].app[1..4], ["bench", "--shape", "2,8,512,64"]);
    }

    #[test]
    fn a_gemm_run_profiles_its_elites_with_its_own_flag() {
        let gemm: Gemm = "256,512,1024".parse().unwrap();
        let t = plan(gemm.into());
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["elite_1"],
            "the math path is SDPA's baseline A only"
        );
        assert_eq!(t[0].app[1..4], ["bench", "--gemm", "256,512,1024"]);
    }
}
