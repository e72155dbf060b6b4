//! Launching an FP8 SDPA kernel by the kernel contract, with its device buffers.
//!
//! The contract every candidate follows:
//! `extern "C" __global__ void sdpa_fp8_fwd(Q, K, V, __half* o, float q_descale,
//! float k_descale, float v_descale, float softmax_scale, int S, int D, int heads, int S_kv,
//! int group, int causal)`, with Q [B·H, S, D] and K, V [B·H_kv, S_kv, D] e4m3 codes (D
//! contiguous, unpadded), O [B·H, S, D] fp16, heads = B·H, group = H / H_kv (query head h reads
//! kv head h / group) and causal 0 or 1 (the mask aligned bottom-right: row i sees keys
//! 0 ..= i + S_kv - S). A kernel may leave trailing parameters it does not need out of its
//! signature, since the driver reads only the parameters a kernel declares. Q, K and V are passed
//! as `const unsigned char*` ([`KernelArgs::Pointers`], mma family) or as
//! `const __grid_constant__ CUtensorMap` ([`KernelArgs::TensorMaps`], wgmma family).

use super::device::{Gpu, Kernel};
use super::inputs::SdpaInputs;
use super::tma::{encode, Geometry, TensorMap, TmaBox};
use crate::error::{Error, Input, Result};
use crate::eval::{KernelArgs, Launch};
use crate::shape::Shape;
use cudarc::driver::result::DriverError;
use cudarc::driver::{CudaSlice, CudaStream, DevicePtr, LaunchConfig, PushKernelArg};
use std::sync::Arc;

/// The device buffers of one problem: e4m3 codes in, fp16 bits out.
pub struct SdpaBuffers {
    /// Q codes.
    pub q: CudaSlice<u8>,
    /// K codes.
    pub k: CudaSlice<u8>,
    /// V codes.
    pub v: CudaSlice<u8>,
    /// O, fp16 bit patterns.
    pub o: CudaSlice<u16>,
}

impl SdpaBuffers {
    /// Uploads the inputs' codes and allocates the output.
    pub fn upload(gpu: &Gpu, inputs: &SdpaInputs) -> Result<Self> {
        Ok(SdpaBuffers {
            q: gpu.upload(&inputs.q.codes, "Q")?,
            k: gpu.upload(&inputs.k.codes, "K")?,
            v: gpu.upload(&inputs.v.codes, "V")?,
            o: gpu.zeros(inputs.shape.elements(), "O")?,
        })
    }

    /// Q, K and V as the kernel's contract takes them; tensor maps are encoded once here, so
    /// that timed launches do not pay for it.
    /// A kernel that takes the GEMM contract's arguments is an error: it is not an SDPA kernel.
    pub fn qkv_args(&self, gpu: &Gpu, shape: &Shape, args: &KernelArgs) -> Result<QkvArgs> {
        let (swizzle, q_rows, kv_rows) = match *args {
            KernelArgs::Pointers => return Ok(QkvArgs::Pointers),
            KernelArgs::TensorMaps {
                swizzle,
                q_rows,
                kv_rows,
            } => (swizzle, q_rows, kv_rows),
            KernelArgs::GemmMaps { .. } => return Err(not_sdpa_arguments()),
        };
        let map = |buf: &CudaSlice<u8>, geometry: Geometry, rows: u32| {
            let (ptr, _sync) = buf.device_ptr(gpu.stream());
            encode(ptr, geometry, TmaBox { swizzle, rows })
        };
        let (q, kv) = (Geometry::queries(shape), Geometry::keys(shape));
        Ok(QkvArgs::TensorMaps(Box::new([
            map(&self.q, q, q_rows)?,
            map(&self.k, kv, kv_rows)?,
            map(&self.v, kv, kv_rows)?,
        ])))
    }
}

/// The error for a launch whose space gives a GEMM kernel's arguments to SDPA's launcher.
fn not_sdpa_arguments() -> Error {
    Error::Other(
        "the launch takes the GEMM contract's tensor maps (ARGS = \"gemm_maps\"): not an SDPA \
         kernel, so SDPA's launcher cannot bind it"
            .into(),
    )
}

/// Q, K and V as one candidate takes them.
pub enum QkvArgs {
    /// The device buffers themselves.
    Pointers,
    /// Tensor maps over Q, K and V, in that order.
    TensorMaps(Box<[TensorMap; 3]>),
}

/// The scalar arguments of the contract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SdpaScalars {
    /// Q's descale factor.
    pub q_descale: f32,
    /// K's descale factor.
    pub k_descale: f32,
    /// V's descale factor.
    pub v_descale: f32,
    /// 1/√D.
    pub softmax_scale: f32,
    /// Query sequence length.
    pub s: i32,
    /// Head dimension.
    pub d: i32,
    /// B·H, the number of (batch, query head) pairs.
    pub heads: i32,
    /// Key/value sequence length.
    pub s_kv: i32,
    /// Query heads per key/value head.
    pub group: i32,
    /// 1 with the causal mask, else 0.
    pub causal: i32,
}

impl SdpaScalars {
    /// The scalars for `inputs`; fails when S does not fit the contract's `int`.
    pub fn of(inputs: &SdpaInputs) -> Result<Self> {
        let heads = i32::try_from(inputs.shape.b * inputs.shape.h).map_err(|_| {
            Error::input(
                Input::Shape,
                format!(
                    "B·H={} does not fit an int",
                    inputs.shape.b * inputs.shape.h
                ),
            )
        })?;
        let int = |name: &str, input: Input, n: usize| {
            i32::try_from(n)
                .map_err(|_| Error::input(input, format!("{name}={n} does not fit an int")))
        };
        let shape = &inputs.shape;
        Ok(SdpaScalars {
            q_descale: inputs.q.descale,
            k_descale: inputs.k.descale,
            v_descale: inputs.v.descale,
            softmax_scale: inputs.softmax_scale,
            s: int("S", Input::Shape, shape.s)?,
            d: shape.d as i32,
            heads,
            s_kv: int("kv_len", Input::KvLen, shape.skv())?,
            group: shape.group() as i32,
            causal: i32::from(shape.causal),
        })
    }
}

/// The driver's launch configuration for `launch`.
pub fn launch_config(launch: &Launch) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (launch.grid[0], launch.grid[1], launch.grid[2]),
        block_dim: (launch.block[0], launch.block[1], launch.block[2]),
        shared_mem_bytes: launch.smem_bytes,
    }
}

/// Enqueues one launch of `kernel` on `stream` (no synchronization). The SDPA families declare
/// their clusters in their source (`__cluster_dims__`), so a launch that sets one is refused
/// (CUDA_ERROR_INVALID_VALUE) rather than launched without it.
pub fn launch_sdpa(
    stream: &Arc<CudaStream>,
    kernel: &Kernel,
    bufs: &SdpaBuffers,
    qkv: &QkvArgs,
    sc: &SdpaScalars,
    launch: &Launch,
) -> std::result::Result<(), DriverError> {
    if launch.has_cluster() {
        return Err(DriverError(
            cudarc::driver::sys::CUresult::CUDA_ERROR_INVALID_VALUE,
        ));
    }
    let mut b = stream.launch_builder(kernel.function());
    match qkv {
        QkvArgs::Pointers => b.arg(&bufs.q).arg(&bufs.k).arg(&bufs.v),
        QkvArgs::TensorMaps(maps) => {
            let [q, k, v] = maps.as_ref();
            b.arg(q).arg(k).arg(v)
        }
    };
    b.arg(&bufs.o);
    b.arg(&sc.q_descale).arg(&sc.k_descale).arg(&sc.v_descale);
    b.arg(&sc.softmax_scale)
        .arg(&sc.s)
        .arg(&sc.d)
        .arg(&sc.heads)
        .arg(&sc.s_kv)
        .arg(&sc.group)
        .arg(&sc.causal);
    // SAFETY: matches `sdpa_fp8_fwd(Q, K, V, __half* o, float q_descale, float k_descale,
    // float v_descale, float softmax_scale, int S, int D, int heads, int S_kv, int group,
    // int causal)`, Q, K, V being either `const unsigned char*` (device buffers of B·H·S·D and
    // B·H_kv·S_kv·D e4m3 codes) or `const __grid_constant__ CUtensorMap` (128-byte maps over
    // those buffers, encoded by `SdpaBuffers::qkv_args` with the boxes the kernel's space
    // declares); then one buffer of B·H·S·D fp16 (u16 bits), four f32 and six i32, in that order
    // (a kernel that declares only the first i32 reads those: the driver takes the parameters
    // the kernel declares). The buffers outlive the
    // launch (the caller synchronizes before dropping them); a kernel that reads or writes out
    // of bounds faults on the device and is reported as a CUDA error, not undefined host behavior.
    unsafe { b.launch(launch_config(launch)) }.map(|_| ())
}
