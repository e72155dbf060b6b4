//! `evotune baseline`: time the baselines of SDPA's registry (all, or those `--only` names) at one
//! shape and write `bench/baseline_<name>.json`: "math" (unfused fp16, cuBLAS + softmax,
//! in-project), "flash", "cudnn" and "torch_math" (PyTorch SDPA's flash, cuDNN and math backends),
//! "cudnn_fp8" (cuDNN's own FP8 SDPA through nvidia-cudnn-frontend, on evotune's FP8 inputs), and
//! "floor" (one kernel that only reads Q, K, V and writes O: the least time any SDPA kernel can
//! take under the timing protocol). Each is timed cold (L2 flushed as `--flush` says) and then warm
//! (kernel-only, L2 not flushed, a graph of 20 back-to-back launches), so that its record holds
//! both protocols; `--flush none` times warm only.

use super::args::BaselineArgs;
use super::run_dir::{run_dir, write_json};
use crate::artifacts::{BaselineRecord, BaselineStatus, RunPaths};
use crate::baseline::{cudnn_fp8, floor, math, torch};
use crate::compile::{Cache, Compiler};
use crate::error::Result;
use crate::eval::{FlushMode, TimingPlan};
use crate::gpu::{self, Gpu, L2Flush, ReferenceEngine};
use crate::op::sdpa::{CUDNN_FP8, FLOOR, MATH};
use crate::shape::Shape;
use std::time::Duration;

/// Checks for a GPU first (without one: one line on stderr, exit 1, nothing written), then
/// measures each baseline; one that cannot be measured is recorded as unavailable with the reason.
pub fn run(args: &BaselineArgs) -> anyhow::Result<()> {
    let device = gpu::detect(args.device as i32)?;
    let shape = args.problem.shape(&args.shape)?;
    if let Some(out) = &args.out {
        super::run_dir::check_writable("--out", out)?;
    }
    super::checks::check_protocol_reps(args.reps)?;
    let mode = args.flush.mode();
    let plan = TimingPlan::new(args.reps, mode, crate::eval::DEFAULT_TARGET_S).and_warm();
    let timed = match mode {
        FlushMode::None => "warm (L2 not flushed)".to_string(),
        m => format!("cold (L2 flushed: {}) and warm", m.name()),
    };
    eprintln!(
        "baselines at {shape} on {}, kernel-only {timed}",
        device.describe()
    );
    let mut records = measure_in_project(args, &shape, &plan);
    records.extend(measure_with_python(args, shape, plan));
    for r in records
        .iter_mut()
        .filter(|r| r.status == BaselineStatus::Ok)
    {
        r.flush = Some(mode);
    }
    let out = RunPaths::new(&run_dir(args.out.as_deref(), "baseline"));
    for r in &records {
        write_json(&out.baseline(&r.baseline), r)?;
        println!("{}", r.summary_line());
    }
    eprintln!("wrote {}", out.root.join("bench").display());
    Ok(())
}

/// Whether `--only` (empty: every baseline) asks for the baseline `name`.
fn chosen(args: &BaselineArgs, name: &str) -> bool {
    args.only.is_empty() || args.only.iter().any(|n| n == name)
}

/// The baselines timed by Python scripts under `--python`: PyTorch SDPA's backends, then cuDNN's
/// FP8 SDPA (its output checked against the FP8 reference, on GPU `--device` for large shapes).
fn measure_with_python(args: &BaselineArgs, shape: Shape, plan: TimingPlan) -> Vec<BaselineRecord> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let mut records = torch::run(&torch::TorchRun {
        python: args.python.clone(),
        shape,
        plan,
        seed: args.seed,
        timeout,
        backends: torch::backend_names()
            .filter(|name| chosen(args, name))
            .collect(),
    });
    if !chosen(args, CUDNN_FP8) {
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
) -> Vec<BaselineRecord> {
    let (device, seed) = (args.device, args.seed);
    let (want_math, want_floor) = (chosen(args, MATH), chosen(args, FLOOR));
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
