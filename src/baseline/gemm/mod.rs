//! The GEMM's baselines (`op::gemm`'s registry), all on evotune's own inputs (`GemmInputs`, the
//! run's seed): cuBLASLt's FP8 matmul (`cublaslt_fp8`) and cuBLAS's fp16 matmul (`cublas_fp16`)
//! in-project, the protocol's floor (`floor`), and PyTorch's `torch._scaled_mm` (`scaled_mm`)
//! timed by a Python script. Each output is checked against the reference on the same e4m3
//! values at the GEMM's tolerance (the floor's exactly); a baseline that cannot be measured is
//! recorded as unavailable with the reason, never a number.

mod floor;
mod reference;
mod scaled_mm;
mod vendor;

use crate::artifacts::BaselineRecord;
use crate::compile::{Cache, Compiler};
use crate::error::Result;
use crate::eval::TimingPlan;
use crate::gpu::cublaslt::Precision;
use crate::gpu::{GemmInputs, Gpu, L2Flush, ReferenceEngine};
use crate::op::gemm::{CUBLASLT_FP8, CUBLAS_FP16, FLOOR, SCALED_MM};
use crate::op::Gemm;
use reference::Reference;
use std::cell::{OnceCell, RefCell};
use std::time::Duration;

/// The GEMM's baselines in the order they are measured: in-project first (cuBLASLt FP8, cuBLAS
/// fp16, the floor, on one CUDA context), then the Python script's (`_scaled_mm`).
pub fn measured() -> Vec<&'static str> {
    vec![CUBLASLT_FP8, CUBLAS_FP16, FLOOR, SCALED_MM]
}

/// What to measure, and how.
#[derive(Debug, Clone)]
pub struct GemmRun {
    /// The problem.
    pub problem: Gemm,
    /// The GPU ordinal.
    pub device: u32,
    /// Seed of the inputs (the candidates' inputs at the same seed).
    pub seed: u64,
    /// Warm-up, repetitions and L2 flushing, as for the candidates.
    pub plan: TimingPlan,
    /// The Python interpreter that has torch, for `scaled_mm`.
    pub python: String,
    /// The script is killed after this long.
    pub timeout: Duration,
    /// The baselines to measure, by name (of [`measured`]).
    pub chosen: Vec<&'static str>,
}

impl GemmRun {
    fn wants(&self, name: &str) -> bool {
        self.chosen.contains(&name)
    }
}

/// Measures the chosen baselines, in the order of [`measured`]: one record each.
pub fn run(r: &GemmRun) -> Vec<BaselineRecord> {
    let inputs = GemmInputs::generate(&r.problem, r.seed);
    let (mut records, reference) = in_project(r, &inputs);
    if r.wants(SCALED_MM) {
        let checked = |inputs: &GemmInputs| match reference {
            Some(reference) => Ok(reference),
            None => reference::standalone(r.device, inputs),
        };
        records.push(scaled_mm::run(r, &inputs, checked));
    }
    records
}

/// The in-project baselines on one context, released before the script runs, and the
/// reference they were checked against (when one was computed).
fn in_project(r: &GemmRun, inputs: &GemmInputs) -> (Vec<BaselineRecord>, Option<Reference>) {
    let wanted: Vec<&str> = [CUBLASLT_FP8, CUBLAS_FP16, FLOOR]
        .into_iter()
        .filter(|name| r.wants(name))
        .collect();
    if wanted.is_empty() {
        return (Vec::new(), None);
    }
    let ctx = InProject::open(r.device);
    let records = wanted
        .iter()
        .map(|&name| match &ctx {
            Ok(ctx) => measure_one(ctx, name, inputs, &r.plan),
            Err(e) => unavailable(name, inputs.problem, e.to_string()),
        })
        .collect();
    (records, ctx.ok().and_then(|c| c.reference.into_inner()))
}

/// One in-project baseline by name.
fn measure_one(
    ctx: &InProject,
    name: &str,
    inputs: &GemmInputs,
    plan: &TimingPlan,
) -> BaselineRecord {
    match name {
        CUBLASLT_FP8 => vendor::run(ctx, inputs, Precision::Fp8, plan),
        CUBLAS_FP16 => vendor::run(ctx, inputs, Precision::Fp16, plan),
        _ => floor::measure_floor(ctx, inputs, plan)
            .unwrap_or_else(|e| unavailable(FLOOR, inputs.problem, e.to_string())),
    }
}

/// An in-project baseline's record when it could not be measured.
fn unavailable(name: &str, problem: Gemm, reason: String) -> BaselineRecord {
    let implementation = match name {
        CUBLASLT_FP8 => vendor::names(Precision::Fp8).1,
        CUBLAS_FP16 => vendor::names(Precision::Fp16).1,
        _ => floor::IMPLEMENTATION,
    };
    BaselineRecord::unavailable(name, implementation, problem, reason)
}

/// The in-project baselines' GPU, compiler, L2 flush and reference, opened once.
pub(super) struct InProject {
    gpu: Gpu,
    compiler: Compiler,
    flush: L2Flush,
    references: RefCell<ReferenceEngine>,
    reference: OnceCell<Reference>,
}

impl InProject {
    fn open(device: u32) -> Result<InProject> {
        let gpu = Gpu::open(device)?;
        let arch = gpu.info().limits.arch_name();
        let compiler = Compiler::new(&arch, Some(Cache::new(Cache::default_dir())))?;
        let flush = L2Flush::new(&gpu, &compiler)?;
        Ok(InProject {
            references: RefCell::new(ReferenceEngine::new(compiler.clone())),
            reference: OnceCell::new(),
            gpu,
            compiler,
            flush,
        })
    }

    /// The reference of `inputs`, computed on first need.
    fn reference(&self, inputs: &GemmInputs) -> Result<&Reference> {
        if let Some(r) = self.reference.get() {
            return Ok(r);
        }
        let computed = reference::on_gpu(&self.gpu, &mut self.references.borrow_mut(), inputs)?;
        Ok(self.reference.get_or_init(|| computed))
    }
}

#[cfg(test)]
mod tests {
    use crate::op::gemm::BASELINES;

    #[test]
    fn every_registered_gemm_baseline_is_measured_once() {
        let mut measured = super::measured();
        measured.sort_unstable();
        let mut registered: Vec<&str> = BASELINES.names().collect();
        registered.sort_unstable();
        assert_eq!(measured, registered);
    }
}
