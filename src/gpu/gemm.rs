//! Launching an FP8 GEMM kernel by the GEMM kernel contract, with its device buffers.
//!
//! The contract every candidate follows:
//! ```text
//! extern "C" __global__ void gemm_fp8(const __grid_constant__ CUtensorMap a_map,
//!     const __grid_constant__ CUtensorMap b_map, unsigned short* __restrict__ d,
//!     const float* __restrict__ bias, float alpha, int M, int N, int K)
//! a_map: A [M, K] e4m3 codes, row-major (K contiguous) in rows of `Gemm::pitch` bytes (K
//!        rounded up to 16, zeros after K), encoded like SDPA's maps in gpu/tma.rs as rank 3
//!        with dims (K, M, 1) and row stride the pitch, i.e. Geometry { heads: 1, rows: M,
//!        d: K, pitch }, swizzle 128, OOB fill zeros (so K's tail reads zeros), box
//!        (128, TMA_A_ROWS, 1)
//! b_map: B^T [N, K] likewise, box (128, TMA_B_ROWS, 1)
//! d    : [M, N] fp16 row-major, every element written, nothing else
//! bias : [N] f32, or null for none
//! D = alpha * A B^T + bias (bias broadcast over rows)
//! grid/block/smem from the space's derived GRID_X, GRID_Y, THREADS, SMEM_BYTES as usual
//! ```
//! The swizzle and the box's inner width are the space's `TMA_SWIZZLE` (128 above; 32 and 64 are
//! encoded too), its rows `TMA_A_ROWS` and `TMA_B_ROWS` ([`KernelArgs::GemmMaps`]). The entry
//! point's name is the space's `kernel`.

use super::device::{Gpu, Kernel};
use super::gemm_inputs::GemmInputs;
use super::sdpa::launch_config;
use super::tma::{encode, Geometry, TensorMap, TmaBox};
use crate::error::{Error, Result};
use crate::eval::{KernelArgs, Launch};
use crate::op::Gemm;
use cudarc::driver::result::DriverError;
use cudarc::driver::{CudaSlice, CudaStream, DevicePtr, PushKernelArg};
use std::sync::Arc;

/// The device buffers of one problem: e4m3 codes and the bias in, fp16 bits out.
pub struct GemmBuffers {
    /// A's codes, [M, K] in rows of `Gemm::pitch` bytes.
    pub a: CudaSlice<u8>,
    /// Bᵀ's codes, [N, K] in rows of `Gemm::pitch` bytes.
    pub b: CudaSlice<u8>,
    /// The bias, `[N]`.
    pub bias: CudaSlice<f32>,
    /// D, [M, N] fp16 bit patterns.
    pub d: CudaSlice<u16>,
}

impl GemmBuffers {
    /// Uploads the inputs' codes (in rows of the problem's pitch) and bias and allocates the
    /// output.
    pub fn upload(gpu: &Gpu, inputs: &GemmInputs) -> Result<Self> {
        let [a, b] = inputs.pitched_codes();
        Ok(GemmBuffers {
            a: gpu.upload(&a, "A")?,
            b: gpu.upload(&b, "B")?,
            bias: gpu.upload(&inputs.bias, "bias")?,
            d: gpu.zeros(inputs.problem.d_elements(), "D")?,
        })
    }

    /// The tensor maps over A and Bᵀ with the boxes `args` gives, encoded once here so that
    /// timed launches do not pay for it. Arguments of another contract are an error.
    pub fn maps(&self, gpu: &Gpu, gemm: &Gemm, args: &KernelArgs) -> Result<GemmMaps> {
        let KernelArgs::GemmMaps {
            swizzle,
            a_rows,
            b_rows,
        } = *args
        else {
            return Err(not_gemm_arguments(args));
        };
        let map = |buf: &CudaSlice<u8>, rows: usize, box_rows: u32| {
            let (ptr, _sync) = buf.device_ptr(gpu.stream());
            let tile = TmaBox {
                swizzle,
                rows: box_rows,
            };
            encode(ptr, matrix(rows, gemm), tile)
        };
        Ok(GemmMaps {
            a: map(&self.a, gemm.m, a_rows)?,
            b: map(&self.b, gemm.n, b_rows)?,
        })
    }
}

/// A K-major e4m3 matrix of `rows` rows of `gemm`'s K bytes, `gemm.pitch()` bytes apart, as the
/// maps describe it (rank 3, dims (K, rows, 1)).
fn matrix(rows: usize, gemm: &Gemm) -> Geometry {
    Geometry {
        heads: 1,
        rows: rows as u64,
        d: gemm.k as u64,
        pitch: gemm.pitch() as u64,
    }
}

/// The error for a launch whose space gives another contract's arguments to the GEMM launcher.
fn not_gemm_arguments(args: &KernelArgs) -> Error {
    Error::Other(format!(
        "the launch takes {args:?}, not the GEMM contract's tensor maps (ARGS = \"gemm_maps\"): \
         the GEMM launcher cannot bind it"
    ))
}

/// The tensor maps over A and Bᵀ.
pub struct GemmMaps {
    /// Over A.
    pub a: TensorMap,
    /// Over Bᵀ.
    pub b: TensorMap,
}

/// The scalar arguments of the contract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GemmScalars {
    /// The product's scale times A's and B's descales.
    pub alpha: f32,
    /// Rows of A and D.
    pub m: i32,
    /// Columns of D.
    pub n: i32,
    /// The reduction length.
    pub k: i32,
}

impl GemmScalars {
    /// The scalars for `inputs`; fails when a dimension does not fit the contract's `int`.
    pub fn of(inputs: &GemmInputs) -> Result<Self> {
        let [m, n, k] = inputs.problem.kernel_dims()?;
        Ok(GemmScalars {
            alpha: inputs.alpha(),
            m,
            n,
            k,
        })
    }
}

/// Enqueues one launch of `kernel` on `stream` (no synchronization), with the bias.
pub fn launch_gemm(
    stream: &Arc<CudaStream>,
    kernel: &Kernel,
    bufs: &GemmBuffers,
    maps: &GemmMaps,
    sc: &GemmScalars,
    launch: &Launch,
) -> std::result::Result<(), DriverError> {
    let mut b = stream.launch_builder(kernel.function());
    b.arg(&maps.a).arg(&maps.b).arg(&bufs.d).arg(&bufs.bias);
    b.arg(&sc.alpha).arg(&sc.m).arg(&sc.n).arg(&sc.k);
    // SAFETY: matches `gemm_fp8(const __grid_constant__ CUtensorMap a_map, const
    // __grid_constant__ CUtensorMap b_map, unsigned short* d, const float* bias, float alpha,
    // int M, int N, int K)`: two 128-byte maps over the device buffers of M·K and N·K e4m3 codes
    // (encoded by `GemmBuffers::maps` with the boxes the kernel's space declares), a buffer of
    // M·N fp16 (u16 bits), a buffer of N f32, an f32 and three i32, in that order. The buffers
    // outlive the launch (the caller synchronizes before dropping them); a kernel that reads or
    // writes out of bounds faults on the device and is reported as a CUDA error, not undefined
    // host behavior.
    unsafe { b.launch(launch_config(launch)) }.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operand_is_one_head_of_its_rows_of_k_bytes_pitch_apart() {
        let g = |text: &str| -> Gemm { text.parse().unwrap() };
        let geometry = |rows, d, pitch| Geometry {
            heads: 1,
            rows,
            d,
            pitch,
        };
        assert_eq!(matrix(4097, &g("4097,130,528")), geometry(4097, 528, 528));
        assert_eq!(matrix(130, &g("4097,130,107")), geometry(130, 107, 112));
    }

    #[test]
    fn scalars_carry_alpha_and_the_dimensions() {
        let inputs = GemmInputs::generate(&"3,5,32".parse().unwrap(), 1);
        let sc = GemmScalars::of(&inputs).unwrap();
        assert_eq!((sc.m, sc.n, sc.k), (3, 5, 32));
        assert_eq!(sc.alpha, inputs.alpha());
    }

    #[test]
    fn sdpa_arguments_are_refused_by_name() {
        let e = not_gemm_arguments(&KernelArgs::Pointers).to_string();
        assert!(e.contains("Pointers") && e.contains("gemm_maps"), "{e}");
    }
}
