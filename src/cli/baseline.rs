//! `evotune baseline`: time the baselines at one shape and write `bench/baseline_<name>.json`:
//! "math" (unfused fp16, cuBLAS + softmax, in-project), "flash", "cudnn" and "torch_math"
//! (PyTorch SDPA's flash, cuDNN and math backends).

use super::args::BaselineArgs;
use super::run_dir::{run_dir, write_json};
use crate::artifacts::RunPaths;
use crate::baseline::{math, torch, BaselineRecord};
use crate::compile::{Cache, Compiler};
use crate::error::Result;
use crate::eval::TimingPlan;
use crate::gpu::{self, Gpu, L2Flush, ReferenceEngine};
use crate::shape::Shape;
use std::time::Duration;

/// Checks for a GPU first (without one: one line on stderr, exit 1, nothing written), then
/// measures each baseline; one that cannot be measured is recorded as unavailable with the reason.
pub fn run(args: &BaselineArgs) -> anyhow::Result<()> {
    let device = gpu::detect(args.device as i32)?;
    let shape = Shape::parse(&args.shape)?;
    super::checks::check_protocol_reps(args.reps)?;
    let plan = TimingPlan::new(args.reps, !args.no_flush, crate::eval::DEFAULT_TARGET_S);
    eprintln!(
        "baselines at {shape} on {} ({})",
        device.name, device.ordinal
    );
    let math = measure_math(args.device, &shape, args.seed, &plan);
    let mut records = vec![math];
    records.extend(torch::run(&torch::TorchRun {
        python: args.python.clone(),
        shape,
        plan,
        seed: args.seed,
        timeout: Duration::from_secs(args.timeout.max(1)),
    }));
    let out = RunPaths::new(&run_dir(args.out.as_deref(), "baseline"));
    for r in &records {
        write_json(&out.baseline(&r.baseline), r)?;
        println!("{}", r.summary_line());
    }
    eprintln!("wrote {}", out.root.join("bench").display());
    Ok(())
}

/// The math baseline on its own context (released before PyTorch runs).
fn measure_math(device: u32, shape: &Shape, seed: u64, plan: &TimingPlan) -> BaselineRecord {
    let setup = || -> Result<(Gpu, Compiler, L2Flush)> {
        let gpu = Gpu::open(device)?;
        let compiler = Compiler::new(
            &gpu.info().limits.arch_name(),
            Some(Cache::new(Cache::default_dir())),
        )?;
        let flush = L2Flush::new(&gpu)?;
        Ok((gpu, compiler, flush))
    };
    match setup() {
        Ok((gpu, compiler, flush)) => {
            let mut references = ReferenceEngine::new(compiler.clone());
            math::run(&gpu, &compiler, &mut references, &flush, shape, seed, plan)
        }
        Err(e) => BaselineRecord::unavailable("math", math::IMPLEMENTATION, shape, e.to_string()),
    }
}
