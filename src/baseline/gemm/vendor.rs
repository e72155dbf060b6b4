//! The vendor's matmuls in-project: cuBLASLt's FP8 matmul (`cublaslt_fp8`, the kernel to beat)
//! on evotune's e4m3 codes and scales, and cuBLAS's fp16 matmul (`cublas_fp16`, through the
//! same cuBLASLt call PyTorch's fp16 `linear` makes) on the same values in fp16. Each is checked
//! once with D poisoned, against the reference at the GEMM's tolerance, and timed as one
//! cublasLtMatmul per unit of work.

use super::reference::{validation, Reference, TOLERANCE};
use super::InProject;
use crate::artifacts::{BaselineRecord, Validation};
use crate::error::Result;
use crate::eval::TimingPlan;
use crate::gpu::cublaslt::{self, LtGemm, Precision, WORKSPACE};
use crate::gpu::{measure, GemmInputs, Gpu};
use crate::op::gemm::{CUBLASLT_FP8, CUBLAS_FP16};
use crate::reference::{check_bits, HalfFormat, POISON_F16};
use cudarc::driver::CudaStream;
use std::sync::Arc;

/// What `cublaslt_fp8` runs, when it could not be measured.
pub const FP8_IMPLEMENTATION: &str = "cuBLASLt FP8 matmul (cublasLtMatmul: e4m3 A and B^T with \
their descales as scale pointers, fp16 D, the bias through the BIAS epilogue, TN layout)";

/// What `cublas_fp16` runs, when it could not be measured.
pub const FP16_IMPLEMENTATION: &str = "cuBLAS fp16 matmul (cublasLtMatmul: the e4m3 values in \
fp16, fp32 compute, fp16 D, the bias through the BIAS epilogue)";

/// The record's name and, unmeasured, its implementation.
pub fn names(precision: Precision) -> (&'static str, &'static str) {
    match precision {
        Precision::Fp8 => (CUBLASLT_FP8, FP8_IMPLEMENTATION),
        Precision::Fp16 => (CUBLAS_FP16, FP16_IMPLEMENTATION),
    }
}

/// Measures the matmul at `precision`; anything that prevents a measurement becomes
/// "unavailable" with the reason.
pub fn run(
    ctx: &InProject,
    inputs: &GemmInputs,
    precision: Precision,
    plan: &TimingPlan,
) -> BaselineRecord {
    let (name, implementation) = names(precision);
    if !cublaslt::is_present() {
        let reason = "cuBLASLt (libcublasLt.so.13) cannot be loaded: install the CUDA 13 toolkit \
                      or the nvidia-cublas wheel and add its lib folder to LD_LIBRARY_PATH";
        return BaselineRecord::unavailable(name, implementation, inputs.problem, reason.into());
    }
    measure_vendor(ctx, inputs, precision, plan).unwrap_or_else(|e| {
        BaselineRecord::unavailable(name, implementation, inputs.problem, e.to_string())
    })
}

fn measure_vendor(
    ctx: &InProject,
    inputs: &GemmInputs,
    precision: Precision,
    plan: &TimingPlan,
) -> Result<BaselineRecord> {
    let mut lt = LtGemm::new(&ctx.gpu, inputs, precision)?;
    let reference = ctx.reference(inputs)?;
    let validation = validate(&ctx.gpu, &mut lt, reference, precision)?;
    let work = |s: &Arc<CudaStream>| lt.enqueue(s);
    let m = measure(&ctx.gpu, Some(&ctx.flush), plan, None, &work)?;
    let (name, _) = names(precision);
    let imp = implementation(&lt, precision);
    Ok(crate::baseline::in_project::record(
        name,
        &imp,
        inputs.problem,
        &ctx.gpu,
        m,
        validation,
    ))
}

/// Runs once with D poisoned and checks it against the reference.
fn validate(
    gpu: &Gpu,
    lt: &mut LtGemm,
    (reference, path): &Reference,
    precision: Precision,
) -> Result<Validation> {
    gpu.fill_u16(lt.d_mut(), POISON_F16)?;
    lt.enqueue(gpu.stream())?;
    gpu.synchronize(names(precision).0)?;
    let out = lt.download_d(gpu)?;
    let verdict = check_bits(&out, HalfFormat::F16, reference, TOLERANCE);
    let how = match precision {
        Precision::Fp8 => "",
        Precision::Fp16 => ", which fp16 holds exactly",
    };
    let note = format!("{how}; D poisoned with an fp16 NaN before the run");
    Ok(validation(verdict, *path, &note))
}

/// What ran: the library's version, the operands, the epilogue, the layout of D, the workspace
/// and the algorithm the heuristic chose. The timed work is the one cublasLtMatmul.
fn implementation(lt: &LtGemm, precision: Precision) -> String {
    let operands = match precision {
        Precision::Fp8 => {
            "FP8: e4m3 A and B^T (evotune's codes) with their descales as A and B scale pointers \
             (device f32), alpha = 1/sqrt(K), FAST_ACCUM off (cuBLASLt's default)"
        }
        Precision::Fp16 => {
            "fp16: the e4m3 values of A and B^T in fp16 (exact), alpha = 1/sqrt(K) times both \
             descales"
        }
    };
    let rows = if lt.rows_padded() {
        format!(
            ", D's rows {} elements apart (N rounded up to 16 bytes: cuBLASLt had no algorithm \
             for rows N apart)",
            lt.d_ld
        )
    } else {
        String::new()
    };
    let dims = if lt.dims_padded() {
        let d = lt.dims;
        format!(
            "; run as {},{},{} (cuBLASLt's FP8 kernels take dimensions that are multiples of \
             16: A, B^T and the bias padded with zeros, D's problem window read back)",
            d.m, d.n, d.k
        )
    } else {
        String::new()
    };
    format!(
        "cuBLASLt {} cublasLtMatmul {operands}{dims}; fp32 compute, fp16 D{rows}, the bias through the \
         BIAS epilogue rounded to fp16 (cuBLASLt's bias type with fp16 D); TN layout (D^T = B^T \
         A in column-major terms); {} MiB workspace; the heuristic's first {}; timed: the one \
         cublasLtMatmul",
        cublaslt::version(),
        WORKSPACE >> 20,
        lt.algorithm()
    )
}
