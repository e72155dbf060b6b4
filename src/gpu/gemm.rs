//! Launching an FP8 GEMM kernel by the GEMM kernel contract, with its device buffers.
//!
//! The contract every candidate follows:
//! ```text
//! extern "C" __global__ void gemm_fp8(const __grid_constant__ CUtensorMap a_map,
//!     const __grid_constant__ CUtensorMap b_map, unsigned short* __restrict__ d,
//!     const float* __restrict__ bias, float* workspace, unsigned* counters, float alpha,
//!     int M, int N, int K)
//! a_map: A [M, K] e4m3 codes, row-major (K contiguous) in rows of `Gemm::pitch` bytes (K
//!        rounded up to 16, zeros after K), encoded like SDPA's maps in gpu/tma.rs as rank 3
//!        with dims (K, M, 1) and row stride the pitch, i.e. Geometry { heads: 1, rows: M,
//!        d: K, pitch }, swizzle 128, OOB fill zeros (so K's tail reads zeros), box
//!        (128, TMA_A_ROWS, 1)
//! b_map: B^T [N, K] likewise, box (128, TMA_B_ROWS, 1)
//! d    : [M, N] fp16 row-major, every element written, nothing else
//! bias : [N] f32, or null for none
//! workspace, counters: split K's WORKSPACE_FLOATS floats and COUNTERS unsigned ints, zeroed
//!        once when allocated (the kernel leaves the counters zero); null where the space
//!        derives none
//! D = alpha * A B^T + bias (bias broadcast over rows)
//! grid/block/smem/cluster from the space's derived GRID_X, GRID_Y, THREADS, SMEM_BYTES and
//! CLUSTER_X as usual (cuLaunchKernelEx sets the cluster dimension)
//! ```
//! The swizzle and the box's inner width are the space's `TMA_SWIZZLE` (128 above; 32 and 64 are
//! encoded too), its rows `TMA_A_ROWS` and `TMA_B_ROWS`, the split-K buffers' sizes
//! `WORKSPACE_FLOATS` and `COUNTERS` ([`KernelArgs::GemmMaps`]). The entry point's name is the
//! space's `kernel`.

use super::device::{Gpu, Kernel};
use super::gemm_inputs::GemmInputs;
use super::launch_ex;
use super::tma::{encode, Geometry, TensorMap, TmaBox};
use crate::error::{Error, Result};
use crate::eval::{KernelArgs, Launch};
use crate::op::Gemm;
use cudarc::driver::result::DriverError;
use cudarc::driver::{CudaSlice, CudaStream, DevicePtr};
use std::ffi::c_void;
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
    /// Split K's partial tiles, where the kernel splits K.
    pub workspace: Option<CudaSlice<f32>>,
    /// Split K's per-tile counters, zero, where the kernel splits K.
    pub counters: Option<CudaSlice<u32>>,
}

impl GemmBuffers {
    /// Uploads the inputs' codes (in rows of the problem's pitch) and bias and allocates the
    /// output, and the split-K workspace and zeroed counters that `args` asks for (once: every
    /// launch of a kernel leaves its counters zero). Arguments of another contract are an error.
    pub fn upload(gpu: &Gpu, inputs: &GemmInputs, args: &KernelArgs) -> Result<Self> {
        let (workspace_floats, counters) = split_sizes(args)?;
        let [a, b] = inputs.pitched_codes();
        Ok(GemmBuffers {
            a: gpu.upload(&a, "A")?,
            b: gpu.upload(&b, "B")?,
            bias: gpu.upload(&inputs.bias, "bias")?,
            d: gpu.zeros(inputs.problem.d_elements(), "D")?,
            workspace: some_zeros(gpu, workspace_floats, "the split-K workspace")?,
            counters: some_zeros(gpu, counters, "the split-K counters")?,
        })
    }

    /// The tensor maps over A and Bᵀ with the boxes `args` gives, encoded once here so that
    /// timed launches do not pay for it. Arguments of another contract are an error.
    pub fn maps(&self, gpu: &Gpu, gemm: &Gemm, args: &KernelArgs) -> Result<GemmMaps> {
        let KernelArgs::GemmMaps {
            swizzle,
            a_rows,
            b_rows,
            ..
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

/// The split-K workspace's floats and the counters `args` asks for (0, 0 without a split).
fn split_sizes(args: &KernelArgs) -> Result<(usize, usize)> {
    match *args {
        KernelArgs::GemmMaps {
            workspace_floats,
            counters,
            ..
        } => Ok((workspace_floats as usize, counters as usize)),
        _ => Err(not_gemm_arguments(args)),
    }
}

/// A zeroed buffer of `len` elements, or none for 0.
fn some_zeros<T>(gpu: &Gpu, len: usize, what: &str) -> Result<Option<CudaSlice<T>>>
where
    T: cudarc::driver::DeviceRepr + cudarc::driver::ValidAsZeroBits,
{
    (len > 0).then(|| gpu.zeros(len, what)).transpose()
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

/// A buffer's device address, or 0 (a null pointer) for none.
fn address<T>(buf: Option<&CudaSlice<T>>, stream: &CudaStream) -> u64 {
    buf.map_or(0, |b| b.device_ptr(stream).0)
}

/// Enqueues one launch of `kernel` on `stream` (no synchronization), with the bias, through
/// cuLaunchKernelEx (the cluster dimension set when `launch` has one).
pub fn launch_gemm(
    stream: &Arc<CudaStream>,
    kernel: &Kernel,
    bufs: &GemmBuffers,
    maps: &GemmMaps,
    sc: &GemmScalars,
    launch: &Launch,
) -> std::result::Result<(), DriverError> {
    let mut addresses = [
        address(Some(&bufs.d), stream),
        address(Some(&bufs.bias), stream),
        address(bufs.workspace.as_ref(), stream),
        address(bufs.counters.as_ref(), stream),
    ];
    let [d, bias, workspace, counters] = addresses.each_mut().map(|a| a as *mut u64 as *mut c_void);
    let mut scalars = (sc.alpha, sc.m, sc.n, sc.k);
    let mut params = [
        &maps.a as *const TensorMap as *mut c_void,
        &maps.b as *const TensorMap as *mut c_void,
        d,
        bias,
        workspace,
        counters,
        &mut scalars.0 as *mut f32 as *mut c_void,
        &mut scalars.1 as *mut i32 as *mut c_void,
        &mut scalars.2 as *mut i32 as *mut c_void,
        &mut scalars.3 as *mut i32 as *mut c_void,
    ];
    // SAFETY: matches `gemm_fp8(const __grid_constant__ CUtensorMap a_map, const
    // __grid_constant__ CUtensorMap b_map, unsigned short* d, const float* bias, float*
    // workspace, unsigned* counters, float alpha, int M, int N, int K)`: pointers to two
    // 128-byte maps over the device buffers of M·K and N·K e4m3 codes (encoded by
    // `GemmBuffers::maps` with the boxes the kernel's space declares), to the 64-bit addresses of
    // M·N fp16 (u16 bits), N f32, the split-K workspace and counters of the sizes the space
    // derives (null where it derives none, which the kernel then never reads), to an f32 and
    // three i32, in that order, all alive across the call. The buffers outlive the launch (the
    // caller synchronizes before dropping them); a kernel that reads or writes out of bounds
    // faults on the device and is reported as a CUDA error, not undefined host behavior.
    unsafe { launch_ex::launch(stream, kernel.function(), launch, &mut params) }
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
