//! Baseline A, "math": unfused fp16 SDPA as PyTorch's math backend does it, in-project:
//! S = QKᵀ (cuBLAS strided-batched GEMM, fp16 in/out, fp32 compute), P = softmax(S/√D) in place
//! (kernel_templates/baseline_softmax.cu), O = PV (the same GEMM). Timed as one sequence both
//! ways, and checked against the reference on the same fp16-rounded inputs.

use crate::artifacts::{BaselineRecord, Validation};
use crate::compile::Compiler;
use crate::error::{Error, Result};
use crate::eval::{TimingPlan, FP16_MATH_TOLERANCE};
use crate::gpu::inputs::to_f16_bits;
use crate::gpu::kernels::{load_builtin, SOFTMAX_SOURCE, SOFTMAX_THREADS};
use crate::gpu::{cuda, measure, Gpu, Kernel, L2Flush, ReferenceEngine, SdpaInputs};
use crate::numerics::f16_bits_to_f32;
use crate::op::sdpa::MATH;
use crate::reference::POISON_F16;
use crate::reference::{check_bits, HalfFormat};
use crate::shape::Shape;
use cudarc::cublas::sys::{cublasComputeType_t, cublasGemmAlgo_t, cublasOperation_t, cudaDataType};
use cudarc::cublas::CudaBlas;
use cudarc::driver::{CudaSlice, CudaStream, DevicePtr, LaunchConfig, PushKernelArg};
use std::ffi::c_void;
use std::sync::Arc;

/// What the math baseline runs, for its record.
pub const IMPLEMENTATION: &str =
    "in-project unfused fp16: cuBLAS GemmStridedBatchedEx (QK^T, fp16 \
in/out, fp32 compute) -> baseline_softmax (fp16 in/out, fp32 math, 1/sqrt(D) applied) -> cuBLAS \
GemmStridedBatchedEx (PV)";

/// cuBLAS workspace set explicitly, so that graph capture never needs an allocation (bytes).
const CUBLAS_WORKSPACE: usize = 32 << 20;

/// Measures the math baseline; anything that prevents a measurement becomes "unavailable".
pub fn run(
    gpu: &Gpu,
    compiler: &Compiler,
    references: &mut ReferenceEngine,
    flush: &L2Flush,
    shape: &Shape,
    seed: u64,
    plan: &TimingPlan,
) -> BaselineRecord {
    let unavailable =
        |reason: String| BaselineRecord::unavailable(MATH, IMPLEMENTATION, shape, reason);
    if !shape.is_dense() {
        return unavailable(format!(
            "the in-project math path (batched cuBLAS GEMMs and a softmax) takes the plain \
             problem only, not {shape}; torch_math is PyTorch's unfused path with the mask and \
             grouped heads"
        ));
    }
    // SAFETY: probing with dlopen only loads the library.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return unavailable(
            "cuBLAS (libcublas.so.13) cannot be loaded: install the CUDA 13 toolkit or the \
             nvidia-cublas wheel and add its lib folder to LD_LIBRARY_PATH"
                .into(),
        );
    }
    match measure_math(gpu, compiler, references, flush, shape, seed, plan) {
        Ok(record) => record,
        Err(e) => unavailable(e.to_string()),
    }
}

fn measure_math(
    gpu: &Gpu,
    compiler: &Compiler,
    references: &mut ReferenceEngine,
    flush: &L2Flush,
    shape: &Shape,
    seed: u64,
    plan: &TimingPlan,
) -> Result<BaselineRecord> {
    check_memory(gpu, shape)?;
    let softmax = load_builtin(gpu, compiler, "baseline_softmax", SOFTMAX_SOURCE)?;
    let inputs = SdpaInputs::generate(shape, seed);
    let mut math = MathPath::new(gpu, softmax, &inputs)?;
    let validation = validate(gpu, &mut math, references, &inputs)?;
    let work = |s: &Arc<CudaStream>| math.enqueue(s);
    let m = measure(gpu, Some(flush), plan, None, &work)?;
    Ok(super::in_project::record(
        MATH,
        IMPLEMENTATION,
        shape,
        gpu,
        m,
        validation,
    ))
}

/// Fails when the fp16 score matrix (B·H·S² elements) and the tensors do not fit in free memory.
fn check_memory(gpu: &Gpu, shape: &Shape) -> Result<()> {
    let bytes =
        2 * (shape.b * shape.h * shape.s * shape.s + 4 * shape.elements()) + CUBLAS_WORKSPACE;
    let (free, _) = gpu.memory()?;
    if bytes as f64 > 0.9 * free as f64 {
        return Err(Error::Gpu(format!(
            "the math path needs {:.1} GiB of GPU memory (fp16 scores of B·H·S² elements), {:.1} GiB free",
            bytes as f64 / (1u64 << 30) as f64,
            free as f64 / (1u64 << 30) as f64
        )));
    }
    Ok(())
}

/// Runs once with poisoned output and checks against the reference on the fp16-rounded inputs.
fn validate(
    gpu: &Gpu,
    math: &mut MathPath,
    references: &mut ReferenceEngine,
    inputs: &SdpaInputs,
) -> Result<Validation> {
    gpu.fill_u16(&mut math.o, POISON_F16)?;
    math.enqueue(gpu.stream())?;
    gpu.synchronize("the math baseline")?;
    let out = gpu.download(&math.o, "math O")?;
    let widened = |bits: &[u16]| {
        bits.iter()
            .map(|&b| f16_bits_to_f32(b))
            .collect::<Vec<f32>>()
    };
    let [q, k, v] = [&math.host.0, &math.host.1, &math.host.2].map(|b| widened(b));
    let (reference, path) =
        references.sdpa(gpu, (&q, &k, &v), &inputs.shape, inputs.softmax_scale)?;
    let checked = check_bits(&out, HalfFormat::F16, &reference, FP16_MATH_TOLERANCE);
    Ok(Validation {
        reference: format!("{} on the same fp16-rounded inputs", path.describe()),
        tolerance: FP16_MATH_TOLERANCE,
        errors: checked.figures,
        passed: checked.passes(),
        reason: Some(checked.failure_reason()).filter(|r| !r.is_empty()),
    })
}

/// The buffers, the cuBLAS handle and the softmax kernel of one math-path problem.
struct MathPath {
    blas: CudaBlas,
    softmax: Kernel,
    q: CudaSlice<u16>,
    k: CudaSlice<u16>,
    v: CudaSlice<u16>,
    scores: CudaSlice<u16>,
    o: CudaSlice<u16>,
    _workspace: CudaSlice<u8>,
    host: (Vec<u16>, Vec<u16>, Vec<u16>),
    shape: Shape,
    scale: f32,
}

/// One strided-batched GEMM in cuBLAS's column-major terms.
struct Gemm {
    trans_a: cublasOperation_t,
    m: i32,
    n: i32,
    k: i32,
    a: (u64, i32, i64),
    b: (u64, i32, i64),
    c: (u64, i32, i64),
    batch: i32,
}

fn cublas_err(call: &'static str) -> impl FnOnce(cudarc::cublas::result::CublasError) -> Error {
    move |e| Error::Cuda {
        call: call.into(),
        name: format!("{:?}", e.0),
    }
}

impl MathPath {
    fn new(gpu: &Gpu, softmax: Kernel, inputs: &SdpaInputs) -> Result<Self> {
        let host = (
            to_f16_bits(&inputs.q.original),
            to_f16_bits(&inputs.k.original),
            to_f16_bits(&inputs.v.original),
        );
        let sh = inputs.shape;
        let blas = CudaBlas::new(gpu.stream().clone()).map_err(cublas_err("cublasCreate"))?;
        let workspace = gpu.zeros::<u8>(CUBLAS_WORKSPACE, "the cuBLAS workspace")?;
        let ws_ptr = workspace.device_ptr(gpu.stream()).0;
        // SAFETY: the workspace buffer is owned by the MathPath next to the handle and outlives
        // every cuBLAS call made through it.
        unsafe {
            cudarc::cublas::sys::cublasSetWorkspace_v2(
                *blas.handle(),
                ws_ptr as *mut c_void,
                CUBLAS_WORKSPACE,
            )
        }
        .result()
        .map_err(cublas_err("cublasSetWorkspace"))?;
        Ok(MathPath {
            q: gpu.upload(&host.0, "math Q")?,
            k: gpu.upload(&host.1, "math K")?,
            v: gpu.upload(&host.2, "math V")?,
            scores: gpu.zeros(sh.b * sh.h * sh.s * sh.s, "math scores")?,
            o: gpu.zeros(sh.elements(), "math O")?,
            _workspace: workspace,
            blas,
            softmax,
            host,
            shape: sh,
            scale: inputs.softmax_scale,
        })
    }

    /// Enqueues S = QKᵀ, P = softmax(S·scale) in place, O = PV.
    fn enqueue(&self, stream: &Arc<CudaStream>) -> Result<()> {
        let ptr = |b: &CudaSlice<u16>| b.device_ptr(stream).0;
        let (s, d) = (self.shape.s as i32, self.shape.d as i32);
        let (sd, ss) = ((s as i64) * (d as i64), (s as i64) * (s as i64));
        let batch = (self.shape.b * self.shape.h) as i32;
        // Row-major S[i][j] = q_i·k_j is column-major Sᵀ = Kᵀ(col-major D×S)ᵀ · Qᵀ(D×S).
        self.gemm(&Gemm {
            trans_a: cublasOperation_t::CUBLAS_OP_T,
            m: s,
            n: s,
            k: d,
            a: (ptr(&self.k), d, sd),
            b: (ptr(&self.q), d, sd),
            c: (ptr(&self.scores), s, ss),
            batch,
        })?;
        self.launch_softmax(stream)?;
        // Row-major O = PV is column-major Oᵀ (D×S) = Vᵀ (D×S) · Pᵀ (S×S).
        self.gemm(&Gemm {
            trans_a: cublasOperation_t::CUBLAS_OP_N,
            m: d,
            n: s,
            k: s,
            a: (ptr(&self.v), d, sd),
            b: (ptr(&self.scores), s, ss),
            c: (ptr(&self.o), d, sd),
            batch,
        })
    }

    fn gemm(&self, g: &Gemm) -> Result<()> {
        let (alpha, beta) = (1.0f32, 0.0f32);
        let f16 = cudaDataType::CUDA_R_16F;
        // SAFETY: a, b and c are live device buffers of this MathPath sized for the given
        // m, n, k, leading dimensions, strides and batch count (B·H matrices of S×D or S×S fp16);
        // alpha and beta are host f32 scalars (the default host pointer mode) that live across
        // the call, which reads them before returning.
        unsafe {
            cudarc::cublas::result::gemm_strided_batched_ex(
                *self.blas.handle(),
                g.trans_a,
                cublasOperation_t::CUBLAS_OP_N,
                g.m,
                g.n,
                g.k,
                (&alpha as *const f32).cast(),
                g.a.0 as *const c_void,
                f16,
                g.a.1,
                g.a.2,
                g.b.0 as *const c_void,
                f16,
                g.b.1,
                g.b.2,
                (&beta as *const f32).cast(),
                g.c.0 as *mut c_void,
                f16,
                g.c.1,
                g.c.2,
                g.batch,
                cublasComputeType_t::CUBLAS_COMPUTE_32F,
                cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
            )
        }
        .map_err(cublas_err("cublasGemmStridedBatchedEx"))
    }

    fn launch_softmax(&self, stream: &Arc<CudaStream>) -> Result<()> {
        let rows = (self.shape.b * self.shape.h * self.shape.s) as u32;
        let n = self.shape.s as i32;
        let cfg = LaunchConfig {
            grid_dim: (rows, 1, 1),
            block_dim: (SOFTMAX_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut b = stream.launch_builder(self.softmax.function());
        b.arg(&self.scores).arg(&n).arg(&self.scale);
        // SAFETY: matches `baseline_softmax(unsigned short* scores, int n, float scale)`: the
        // scores buffer holds rows·n fp16 values with rows = grid.x = B·H·S and n = S, so each
        // block stays inside its row; it lives as long as this MathPath.
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(cuda("cuLaunchKernel(baseline_softmax)"))
    }
}
