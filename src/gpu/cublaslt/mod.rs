//! cuBLASLt's matmul (cudarc's `cublaslt` sys and result layers) on one GEMM problem's inputs,
//! in evotune's layout: A [M, K] and Bᵀ [N, K] K-contiguous in rows of the problem's pitch (K
//! rounded up to 16 bytes, zeros after K), D [M, N] fp16 row-major, the bias
//! through the BIAS epilogue, fp32 compute, the first algorithm of cuBLASLt's heuristic. The
//! operands are either the e4m3 codes with their descales as A's and B's scale pointers (the
//! FP8 matmul) or the same values in fp16 with the descales folded into alpha.
//!
//! Row-major D = A·Bᵀ is column-major Dᵀ [N, M] = (Bᵀ)ᵀ·A over the same bytes: cuBLASLt's "A"
//! is Bᵀ's buffer (K×N column-major, op T) and its "B" is A's (K×M, op N). That is the "TN"
//! layout Hopper's FP8 kernels require.
//!
//! cuBLASLt's FP8 kernels also require every dimension to be a multiple of 16 (its planner offers
//! an algorithm for others, and cublasLtMatmul then refuses it as not supported). So the FP8
//! matmul runs on M and N rounded up to 16 and K on the rows' pitch, the extra rows of A, Bᵀ
//! and the bias zeros (they add nothing to the problem's window of D, which is what is read
//! back), as a user of the library must pad such a problem.

mod plan;

pub use plan::version;

use super::device::{cuda, Gpu};
use super::gemm_inputs::GemmInputs;
use crate::error::{Error, Result};
use crate::numerics::{decode_e4m3, f32_to_f16_bits};
use crate::op::Gemm;
use cudarc::cublaslt::sys::{self, cudaDataType};
use cudarc::driver::{CudaSlice, CudaStream, DevicePtr};
use plan::{MatmulSpec, Operand, Plan};

/// Workspace given to cuBLASLt, bytes: NVIDIA's recommendation for Hopper. Set explicitly, so
/// that graph capture never needs an allocation.
pub const WORKSPACE: usize = 32 << 20;

/// fp16 elements per 16 bytes: D's leading dimension is rounded up to this when cuBLASLt has no
/// algorithm for rows of N elements.
const F16_PER_16_BYTES: usize = 8;

/// What every dimension of an FP8 matmul is rounded up to (cuBLASLt's FP8 requirement).
const FP8_DIM_ALIGN: usize = 16;

/// The operands' precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// e4m3 codes, A's and B's descales through device scale pointers, alpha = 1/√K.
    Fp8,
    /// The e4m3 values in fp16 (exactly), alpha = 1/√K times both descales.
    Fp16,
}

impl Precision {
    /// cuBLASLt's type of A and B.
    fn dtype(self) -> cudaDataType {
        match self {
            Precision::Fp8 => cudaDataType::CUDA_R_8F_E4M3,
            Precision::Fp16 => cudaDataType::CUDA_R_16F,
        }
    }
}

/// The matmul's dimensions as cuBLASLt runs it: the problem's, or for FP8 M and N rounded up to
/// 16 and K to the rows' pitch (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// Rows of A and D.
    pub m: usize,
    /// Rows of Bᵀ, columns of D.
    pub n: usize,
    /// The summed dimension.
    pub k: usize,
}

impl Dims {
    /// `g` as cuBLASLt runs it at `precision`.
    pub fn of(g: &Gemm, precision: Precision) -> Dims {
        match precision {
            Precision::Fp8 => Dims {
                m: g.m.next_multiple_of(FP8_DIM_ALIGN),
                n: g.n.next_multiple_of(FP8_DIM_ALIGN),
                k: g.pitch(),
            },
            Precision::Fp16 => Dims {
                m: g.m,
                n: g.n,
                k: g.k,
            },
        }
    }
}

/// Whether the cuBLASLt library can be loaded.
pub fn is_present() -> bool {
    // SAFETY: probing with dlopen only loads the library.
    unsafe { sys::is_culib_present() }
}

/// The device buffers of one problem and the matmul planned over them.
pub struct LtGemm {
    plan: Plan,
    a: CudaSlice<u8>,
    b: CudaSlice<u8>,
    _bias: CudaSlice<u16>,
    /// A's and B's scales, each in an allocation of its own: cublasLtMatmul refuses every
    /// algorithm (status 15) when B's scale pointer is A's plus 4 bytes.
    _scales: [CudaSlice<f32>; 2],
    d: CudaSlice<u16>,
    workspace: CudaSlice<u8>,
    alpha: f32,
    problem: Gemm,
    /// The dimensions the matmul runs with.
    pub dims: Dims,
    /// Elements between the starts of two rows of D: the run's N, or N rounded up to 8 (see
    /// [`LtGemm::rows_padded`]).
    pub d_ld: usize,
}

impl LtGemm {
    /// Uploads `inputs` at `precision` (the bias rounded to fp16, as cuBLASLt takes it with fp16
    /// D) and plans the matmul: with rows of D N elements apart, or, where cuBLASLt offers no
    /// algorithm for that, 16-byte aligned rows.
    pub fn new(gpu: &Gpu, inputs: &GemmInputs, precision: Precision) -> Result<LtGemm> {
        let g = inputs.problem;
        let dims = Dims::of(&g, precision);
        let mut bias: Vec<u16> = inputs.bias.iter().map(|&x| f32_to_f16_bits(x)).collect();
        bias.resize(dims.n, 0);
        let [mut a, mut b] = inputs.pitched_codes();
        a.resize(dims.m * g.pitch(), 0);
        b.resize(dims.n * g.pitch(), 0);
        let [a, b] = [a, b].map(|c| operand_bytes(&c, precision));
        let (scales, alpha) = match precision {
            Precision::Fp8 => ([inputs.a.descale, inputs.b.descale], inputs.scale),
            Precision::Fp16 => ([1.0, 1.0], inputs.alpha()),
        };
        let bias = gpu.upload(&bias, "the fp16 bias")?;
        let scales = [
            gpu.upload(&scales[..1], "the scale of A")?,
            gpu.upload(&scales[1..], "the scale of B")?,
        ];
        let (plan, d_ld) = plan_with_ld(gpu, &g, precision, (&bias, &scales))?;
        Ok(LtGemm {
            plan,
            a: gpu.upload(&a, "A")?,
            b: gpu.upload(&b, "B")?,
            d: gpu.zeros(dims.m * d_ld, "D")?,
            workspace: gpu.zeros(WORKSPACE, "the cuBLASLt workspace")?,
            _bias: bias,
            _scales: scales,
            alpha,
            problem: g,
            dims,
            d_ld,
        })
    }

    /// Whether the matmul runs on other dimensions than the problem's (FP8: rounded up to 16).
    pub fn dims_padded(&self) -> bool {
        self.dims != Dims::of(&self.problem, Precision::Fp16)
    }

    /// Whether D's rows were padded to 16 bytes beyond the run's N (d_ld > N).
    pub fn rows_padded(&self) -> bool {
        self.d_ld > self.dims.n
    }

    /// What the heuristic chose, e.g. "algorithm 66 (tile id 23, ...)".
    pub fn algorithm(&self) -> String {
        self.plan.chosen.describe()
    }

    /// D's buffer (M rows of `d_ld` fp16), for poisoning.
    pub fn d_mut(&mut self) -> &mut CudaSlice<u16> {
        &mut self.d
    }

    /// D as [M, N] fp16 bits (the problem's window: padding rows and columns left out); waits
    /// for the stream.
    pub fn download_d(&self, gpu: &Gpu) -> Result<Vec<u16>> {
        let all = gpu.download(&self.d, "D")?;
        Ok(window(&all, self.d_ld, &self.problem))
    }

    /// Enqueues one matmul on `stream` (no synchronization), with the stream's context current
    /// (cuBLASLt launches through the runtime, on the thread's current context).
    pub fn enqueue(&self, stream: &CudaStream) -> Result<()> {
        stream
            .context()
            .bind_to_thread()
            .map_err(cuda("cuCtxSetCurrent"))?;
        let ptr = |buf: &CudaSlice<u8>| buf.device_ptr(stream).0;
        let d = self.d.device_ptr(stream).0;
        // SAFETY: Bᵀ's and A's buffers hold the run's N and M rows of the plan's type (the
        // plan's ld apart), D holds the run's M·d_ld fp16 (the plan's D layout), the workspace WORKSPACE
        // bytes; the bias and scale buffers the plan points at are owned by this LtGemm, as are
        // the others, so all outlive the call; everything is on `stream`'s context.
        unsafe {
            self.plan.enqueue(
                stream.cu_stream() as sys::cudaStream_t,
                (ptr(&self.b), ptr(&self.a), d),
                self.alpha,
                (ptr(&self.workspace), WORKSPACE),
            )
        }
    }
}

/// The plan for D's rows N apart, else for N rounded up to 16 bytes (when that differs), with
/// the leading dimension it takes; the first error when neither has an algorithm.
fn plan_with_ld(
    gpu: &Gpu,
    g: &Gemm,
    precision: Precision,
    (bias, [a, b]): (&CudaSlice<u16>, &[CudaSlice<f32>; 2]),
) -> Result<(Plan, usize)> {
    let bias = (cudaDataType::CUDA_R_16F, bias.device_ptr(gpu.stream()).0);
    let scales = (precision == Precision::Fp8)
        .then(|| (a.device_ptr(gpu.stream()).0, b.device_ptr(gpu.stream()).0));
    let dims = Dims::of(g, precision);
    let spec = |ld: usize| matmul_spec(dims, g.pitch(), precision, ld, bias, scales);
    let first = Plan::new(&spec(dims.n), WORKSPACE);
    let aligned = dims.n.next_multiple_of(F16_PER_16_BYTES);
    let none = |e: Error, tried: String| {
        Error::Gpu(format!(
            "cuBLASLt has no {precision:?} algorithm for the GEMM {g} with D's rows {tried} \
             elements apart ({e})"
        ))
    };
    match first {
        Ok(plan) => Ok((plan, dims.n)),
        Err(e) if aligned == dims.n => Err(none(e, dims.n.to_string())),
        Err(e) => Plan::new(&spec(aligned), WORKSPACE)
            .map(|plan| (plan, aligned))
            .map_err(|_| none(e, format!("{} or {aligned}", dims.n))),
    }
}

/// The [M, N] window of a D of rows `ld` elements apart.
fn window(d: &[u16], ld: usize, g: &Gemm) -> Vec<u16> {
    d.chunks(ld)
        .take(g.m)
        .flat_map(|row| &row[..g.n])
        .copied()
        .collect()
}

/// The matmul in cuBLASLt's column-major terms (see the module's doc): "A" is Bᵀ (K×N, op T),
/// "B" is A (K×M), both with columns `pitch` apart, D is N×M with columns `d_ld` apart.
fn matmul_spec(
    dims: Dims,
    pitch: usize,
    precision: Precision,
    d_ld: usize,
    bias: (cudaDataType, u64),
    scales: Option<(u64, u64)>,
) -> MatmulSpec {
    let [m, n, k] = [dims.m, dims.n, dims.k].map(|v| v as u64);
    let input = |cols: u64| Operand {
        dtype: precision.dtype(),
        rows: k,
        cols,
        ld: pitch as i64,
    };
    MatmulSpec {
        a: input(n),
        b: input(m),
        d: Operand {
            dtype: cudaDataType::CUDA_R_16F,
            rows: n,
            cols: m,
            ld: d_ld as i64,
        },
        bias,
        scales,
    }
}

/// An operand's bytes on the device: the e4m3 codes, or their values as fp16 (exact: every e4m3
/// value is an fp16 value), little-endian.
fn operand_bytes(codes: &[u8], precision: Precision) -> Vec<u8> {
    match precision {
        Precision::Fp8 => codes.to_vec(),
        Precision::Fp16 => codes
            .iter()
            .flat_map(|&c| f32_to_f16_bits(decode_e4m3(c)).to_le_bytes())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::f16_bits_to_f32;

    #[test]
    fn the_operands_are_the_codes_or_their_exact_fp16_values() {
        let codes: Vec<u8> = (0..=255).collect();
        assert_eq!(operand_bytes(&codes, Precision::Fp8), codes);
        let wide = operand_bytes(&codes, Precision::Fp16);
        assert_eq!(wide.len(), 512);
        for (c, pair) in codes.iter().zip(wide.chunks(2)) {
            let value = f16_bits_to_f32(u16::from_le_bytes([pair[0], pair[1]]));
            let exact = decode_e4m3(*c);
            assert!(
                value == exact || (value.is_nan() && exact.is_nan()),
                "code {c:#04x}: {value} for {exact}"
            );
        }
    }

    #[test]
    fn row_major_d_is_column_major_d_transposed_over_the_same_bytes() {
        let g: Gemm = "129,257,384".parse().unwrap();
        let bias = (cudaDataType::CUDA_R_16F, 1);
        let wide = Dims::of(&g, Precision::Fp16);
        let s = matmul_spec(wide, g.pitch(), Precision::Fp16, 264, bias, None);
        // "A" is Bᵀ: K rows (contiguous) by N columns; "B" is A: K by M.
        assert_eq!((s.a.rows, s.a.cols, s.a.ld), (384, 257, 384));
        assert_eq!((s.b.rows, s.b.cols, s.b.ld), (384, 129, 384));
        assert_eq!((s.d.rows, s.d.cols, s.d.ld), (257, 129, 264));
        assert_eq!(s.a.dtype, cudaDataType::CUDA_R_16F);
        assert_eq!(s.d.dtype, cudaDataType::CUDA_R_16F);
    }

    #[test]
    fn the_fp8_matmul_runs_on_dimensions_rounded_up_to_16() {
        let g: Gemm = "129,257,333".parse().unwrap();
        let dims = Dims::of(&g, Precision::Fp8);
        assert_eq!((dims.m, dims.n, dims.k), (144, 272, 336));
        let s = matmul_spec(
            dims,
            g.pitch(),
            Precision::Fp8,
            dims.n,
            (cudaDataType::CUDA_R_16F, 1),
            None,
        );
        assert_eq!((s.a.rows, s.a.cols, s.a.ld), (336, 272, 336));
        assert_eq!((s.b.rows, s.b.cols, s.b.ld), (336, 144, 336));
        assert_eq!((s.d.rows, s.d.cols, s.d.ld), (272, 144, 272));
        assert_eq!(s.a.dtype, cudaDataType::CUDA_R_8F_E4M3);
        let square: Gemm = "1024,2048,4096".parse().unwrap();
        let same = Dims::of(&square, Precision::Fp8);
        assert_eq!((same.m, same.n, same.k), (1024, 2048, 4096));
        assert_eq!(
            Dims::of(&g, Precision::Fp16),
            Dims {
                m: 129,
                n: 257,
                k: 333
            }
        );
    }

    #[test]
    fn the_window_of_d_leaves_the_padding_out() {
        let g: Gemm = "2,3,16".parse().unwrap();
        // Four rows of five: the problem's 2 x 3 in the top left.
        let d: Vec<u16> = (0..20).collect();
        assert_eq!(window(&d, 5, &g), vec![0, 1, 2, 5, 6, 7]);
    }
}
