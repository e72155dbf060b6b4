//! The reference the GEMM's baselines are checked against: D = alpha·A·Bᵀ + bias on the same
//! dequantized e4m3 inputs (f32 bias), float64 on the CPU for small problems and the float32
//! GPU kernel for large ones, at the GEMM's default tolerance; and the record of a check.

use crate::artifacts::Validation;
use crate::compile::{Cache, Compiler};
use crate::error::Result;
use crate::gpu::{GemmInputs, Gpu, ReferenceEngine, ReferencePath};
use crate::op::{Gemm, Problem};
use crate::reference::{gemm_f64, Tolerance, Verdict};

/// A reference output and the path that computed it.
pub type Reference = (Vec<f64>, ReferencePath);

/// The GEMM's default tolerance, the candidates' own.
pub const TOLERANCE: Tolerance = <Gemm as Problem>::DEFAULT_TOLERANCE;

/// The reference of `inputs` through `references` on `gpu` (the CPU for small problems).
pub fn on_gpu(
    gpu: &Gpu,
    references: &mut ReferenceEngine,
    inputs: &GemmInputs,
) -> Result<Reference> {
    let [a, b] = inputs.tensors().map(|t| t.dequantized());
    let g = &inputs.problem;
    references.gemm(gpu, (&a, &b, &inputs.bias), g, inputs.scale)
}

/// The reference of `inputs` without an open GPU: float64 on the CPU for small problems, the
/// float32 kernel on GPU `device` (opened here) for large ones.
pub fn standalone(device: u32, inputs: &GemmInputs) -> Result<Reference> {
    let g = &inputs.problem;
    match ReferencePath::for_gemm(g) {
        ReferencePath::CpuF64 => {
            let [a, b] = inputs.tensors().map(|t| t.dequantized());
            let d = gemm_f64(&a, &b, &inputs.bias, g, f64::from(inputs.scale));
            Ok((d, ReferencePath::CpuF64))
        }
        ReferencePath::GpuF32 => {
            let gpu = Gpu::open(device)?;
            let arch = gpu.info().limits.arch_name();
            let compiler = Compiler::new(&arch, Some(Cache::new(Cache::default_dir())))?;
            on_gpu(&gpu, &mut ReferenceEngine::new(compiler), inputs)
        }
    }
}

/// The record of `verdict` against the reference from `path`; `how` says what the output was
/// and how it was read back (after "on the same e4m3 inputs").
pub fn validation(verdict: Verdict, path: ReferencePath, how: &str) -> Validation {
    Validation {
        reference: format!(
            "{} on the same e4m3 inputs (dequantized, f32 bias){how}",
            path.describe()
        ),
        tolerance: TOLERANCE,
        passed: verdict.passes(),
        reason: Some(verdict.failure_reason()).filter(|r| !r.is_empty()),
        errors: verdict.figures,
    }
}
