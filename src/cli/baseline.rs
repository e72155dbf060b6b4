//! `evotune baseline`: time the baselines of an operation's registry (all, or those `--only`
//! names) at one problem and write `bench/baseline_<name>.json`.
//!
//! SDPA's (at `--shape`): "math" (unfused fp16, cuBLAS + softmax, in-project), "flash", "cudnn"
//! and "torch_math" (PyTorch SDPA's flash, cuDNN and math backends), "cudnn_fp8" (cuDNN's own FP8
//! SDPA through nvidia-cudnn-frontend, on evotune's FP8 inputs), and "floor" (one kernel that only
//! reads Q, K, V and writes O: the least time any SDPA kernel can take under the timing protocol).
//! The GEMM's (at `--gemm M,N,K`): "cublaslt_fp8" (cuBLASLt's FP8 matmul) and "cublas_fp16"
//! (cuBLAS's fp16 matmul), in-project on evotune's inputs, "scaled_mm" (PyTorch's
//! `torch._scaled_mm`, by a Python script on the same inputs), and "floor" (reads A and Bᵀ,
//! writes D).
//!
//! Each is timed cold (L2 flushed as `--flush` says) and then warm (kernel-only, L2 not flushed,
//! a graph of 20 back-to-back launches), so that its record holds both protocols; `--flush none`
//! times warm only.

use super::args::BaselineArgs;
use super::run_dir::{run_dir, write_json};
use crate::artifacts::{BaselineRecord, BaselineStatus, RunPaths};
use crate::baseline::gemm::GemmRun;
use crate::baseline::{cudnn_fp8, floor, gemm, math, torch};
use crate::compile::{Cache, Compiler};
use crate::error::{Error, Result};
use crate::eval::{FlushMode, TimingPlan};
use crate::gpu::{self, Gpu, L2Flush, ReferenceEngine};
use crate::op::sdpa::{CUDNN_FP8, FLOOR, MATH};
use crate::op::{Gemm, Operation, ProblemSpec};
use crate::shape::Shape;
use std::time::Duration;

/// Checks the problem, --only, --out and --reps, then looks for a GPU (without one: one line on
/// stderr, exit 1, nothing written), then measures each baseline; one that cannot be measured
/// is recorded as unavailable with the reason.
pub fn run(args: &BaselineArgs) -> anyhow::Result<()> {
    let gemm = args.gemm.as_deref().map(str::parse::<Gemm>).transpose()?;
    let op = gemm.map_or(Operation::Sdpa, |_| Operation::Gemm);
    let chosen = chosen(&args.only, op)?;
    let problem: ProblemSpec = match gemm {
        Some(g) => g.into(),
        None => args.problem.shape(&args.shape)?.into(),
    };
    if let Some(out) = &args.out {
        super::run_dir::check_writable("--out", out)?;
    }
    super::checks::check_protocol_reps(args.reps)?;
    let device = gpu::detect(args.device as i32)?;
    let mode = args.flush.mode();
    let plan = TimingPlan::new(args.reps, mode, crate::eval::DEFAULT_TARGET_S).and_warm();
    let timed = match mode {
        FlushMode::None => "warm (L2 not flushed)".to_string(),
        m => format!("cold (L2 flushed: {}) and warm", m.name()),
    };
    let at = match problem {
        ProblemSpec::Sdpa(shape) => shape.to_string(),
        ProblemSpec::Gemm(g) => format!("GEMM {g}"),
    };
    eprintln!(
        "baselines at {at} on {}, kernel-only {timed}",
        device.describe()
    );
    let mut records = match problem {
        ProblemSpec::Sdpa(shape) => measure_sdpa(args, shape, plan, &chosen),
        ProblemSpec::Gemm(g) => gemm::run(&gemm_run(args, g, plan, chosen)),
    };
    write_records(args, &mut records, mode)
}

/// Notes the flush mode on the measured records, writes every record and prints its summary.
fn write_records(
    args: &BaselineArgs,
    records: &mut [BaselineRecord],
    mode: FlushMode,
) -> anyhow::Result<()> {
    for r in records
        .iter_mut()
        .filter(|r| r.status == BaselineStatus::Ok)
    {
        r.flush = Some(mode);
    }
    let out = RunPaths::new(&run_dir(args.out.as_deref(), "baseline"));
    for r in records.iter() {
        write_json(&out.baseline(&r.baseline), r)?;
        println!("{}", r.summary_line());
    }
    eprintln!("wrote {}", out.root.join("bench").display());
    Ok(())
}

/// The baselines of `op` that `--only` asks for (empty: all), in the order they are measured; a
/// name of another operation's (or of none) is an error listing `op`'s.
fn chosen(only: &[String], op: Operation) -> Result<Vec<&'static str>> {
    let all = crate::baseline::measured_for(op);
    if let Some(name) = only.iter().find(|n| !all.contains(&n.as_str())) {
        let (registry, with) = match op {
            Operation::Sdpa => ("SDPA's", "without --gemm"),
            Operation::Gemm => ("the GEMM's", "with --gemm"),
        };
        return Err(Error::flag(
            "--only",
            format!(
                "takes {registry} baselines {with}: {}; '{name}' is not one of them",
                all.join(", ")
            ),
        ));
    }
    Ok(all
        .into_iter()
        .filter(|name| only.is_empty() || only.iter().any(|n| n == name))
        .collect())
}

/// What the GEMM's baselines are measured with.
fn gemm_run(
    args: &BaselineArgs,
    problem: Gemm,
    plan: TimingPlan,
    chosen: Vec<&'static str>,
) -> GemmRun {
    GemmRun {
        problem,
        device: args.device,
        seed: args.seed,
        plan,
        python: args.python.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
        chosen,
    }
}

/// SDPA's chosen baselines: in-project first, then those of the Python scripts.
fn measure_sdpa(
    args: &BaselineArgs,
    shape: Shape,
    plan: TimingPlan,
    chosen: &[&str],
) -> Vec<BaselineRecord> {
    let mut records = measure_in_project(args, &shape, &plan, chosen);
    records.extend(measure_with_python(args, shape, plan, chosen));
    records
}

/// The baselines timed by Python scripts under `--python`: PyTorch SDPA's backends, then cuDNN's
/// FP8 SDPA (its output checked against the FP8 reference, on GPU `--device` for large shapes).
fn measure_with_python(
    args: &BaselineArgs,
    shape: Shape,
    plan: TimingPlan,
    chosen: &[&str],
) -> Vec<BaselineRecord> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let mut records = torch::run(&torch::TorchRun {
        python: args.python.clone(),
        shape,
        plan,
        seed: args.seed,
        timeout,
        backends: torch::backend_names()
            .filter(|name| chosen.contains(name))
            .collect(),
    });
    if !chosen.contains(&CUDNN_FP8) {
        return records;
    }
    let fp8 = cudnn_fp8::CudnnRun {
        python: args.python.clone(),
        shape,
        plan,
        seed: args.seed,
        timeout,
    };
    records.push(cudnn_fp8::run(&fp8, |inputs| {
        cudnn_fp8::fp8_reference(args.device, inputs)
    }));
    records
}

/// The math baseline and the floor (those `--only` asks for) on their own context, released
/// before PyTorch runs.
fn measure_in_project(
    args: &BaselineArgs,
    shape: &Shape,
    plan: &TimingPlan,
    chosen: &[&str],
) -> Vec<BaselineRecord> {
    let (device, seed) = (args.device, args.seed);
    let (want_math, want_floor) = (chosen.contains(&MATH), chosen.contains(&FLOOR));
    if !want_math && !want_floor {
        return Vec::new();
    }
    let setup = || -> Result<(Gpu, Compiler, L2Flush, ReferenceEngine)> {
        let gpu = Gpu::open(device)?;
        let compiler = Compiler::new(
            &gpu.info().limits.arch_name(),
            Some(Cache::new(Cache::default_dir())),
        )?;
        let flush = L2Flush::new(&gpu, &compiler)?;
        let references = ReferenceEngine::new(compiler.clone());
        Ok((gpu, compiler, flush, references))
    };
    let no_floor =
        |why: String| BaselineRecord::unavailable(FLOOR, floor::IMPLEMENTATION, shape, why);
    let mut ready = setup();
    let mut records = Vec::new();
    if want_math {
        records.push(match &mut ready {
            Ok((gpu, compiler, flush, references)) => {
                math::run(gpu, compiler, references, flush, shape, seed, plan)
            }
            Err(e) => BaselineRecord::unavailable(MATH, math::IMPLEMENTATION, shape, e.to_string()),
        });
    }
    if want_floor {
        records.push(match &ready {
            Ok((gpu, compiler, flush, _)) => {
                floor::measure_floor(gpu, compiler, flush, shape, seed, plan)
                    .unwrap_or_else(|e| no_floor(e.to_string()))
            }
            Err(e) => no_floor(e.to_string()),
        });
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(only: &[&str], op: Operation) -> Result<Vec<&'static str>> {
        let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
        chosen(&only, op)
    }

    #[test]
    fn only_picks_from_the_operations_registry_in_measuring_order() {
        assert_eq!(names(&[], Operation::Gemm).unwrap(), gemm::measured());
        assert_eq!(
            names(&["scaled_mm", "cublaslt_fp8"], Operation::Gemm).unwrap(),
            ["cublaslt_fp8", "scaled_mm"]
        );
        assert_eq!(
            names(&["floor"], Operation::Sdpa).unwrap(),
            ["floor"],
            "both operations have a floor"
        );
        assert_eq!(
            names(&[], Operation::Sdpa).unwrap(),
            crate::baseline::measured()
        );
    }

    #[test]
    fn a_name_of_the_other_registry_is_refused_listing_this_ones() {
        let e = names(&["floor", "math"], Operation::Gemm)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--only takes the GEMM's baselines with --gemm: cublaslt_fp8, cublas_fp16, floor, \
             scaled_mm; 'math' is not one of them"
        );
        let e = names(&["cublaslt_fp8"], Operation::Sdpa)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--only takes SDPA's baselines without --gemm: math, floor, flash")
                && e.ends_with("'cublaslt_fp8' is not one of them"),
            "{e}"
        );
    }
}
