//! The reference an output is checked against: float64 on the CPU for small problems, a plain
//! float32 GPU kernel (kernel_templates/reference_sdpa_f32.cu, reference_gemm_f32.cu) for large
//! ones.

use super::device::{cuda, Gpu, Kernel};
use super::gemm_reference::GpuGemmReference;
use super::kernels::{load_builtin, REFERENCE_SOURCE, REFERENCE_THREADS};
use crate::compile::Compiler;
use crate::error::{Error, Result};
use crate::op::Gemm;
use crate::reference::{gemm_f64, sdpa_f64};
use crate::shape::Shape;
use cudarc::driver::{LaunchConfig, PushKernelArg};
use serde::Serialize;

/// Problems up to this much work get the float64 CPU reference (2^31: a few seconds at most on a
/// many-core host); larger ones the float32 GPU reference. SDPA's work is B·H·D times the
/// (query, key) pairs of a head, GEMM's M·N·K.
pub const CPU_REFERENCE_MAX_WORK: u128 = 1 << 31;

/// Which reference a problem gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferencePath {
    /// `reference::sdpa_f64` or `reference::gemm_f64` on the CPU.
    CpuF64,
    /// `sdpa_reference_f32` or `gemm_reference_f32` on the GPU.
    GpuF32,
}

impl ReferencePath {
    /// The path for `shape`: CPU float64 when B·H·pairs·D ≤ [`CPU_REFERENCE_MAX_WORK`].
    pub fn for_shape(shape: &Shape) -> Self {
        let work = (shape.b * shape.h * shape.d) as f64 * shape.pairs_per_head();
        Self::for_work(work)
    }

    /// The path for `gemm`: CPU float64 when M·N·K ≤ [`CPU_REFERENCE_MAX_WORK`].
    pub fn for_gemm(gemm: &Gemm) -> Self {
        Self::for_work(gemm.m as f64 * gemm.n as f64 * gemm.k as f64)
    }

    fn for_work(work: f64) -> Self {
        if work <= CPU_REFERENCE_MAX_WORK as f64 {
            ReferencePath::CpuF64
        } else {
            ReferencePath::GpuF32
        }
    }

    /// "float64 CPU" or "float32 GPU".
    pub fn describe(self) -> &'static str {
        match self {
            ReferencePath::CpuF64 => "float64 CPU reference",
            ReferencePath::GpuF32 => "float32 GPU reference",
        }
    }
}

/// The float32 GPU reference kernel, loaded.
pub struct GpuReference {
    kernel: Kernel,
}

impl GpuReference {
    /// Compiles (or takes from the cache) and loads `sdpa_reference_f32`.
    pub fn new(gpu: &Gpu, compiler: &Compiler) -> Result<Self> {
        Ok(GpuReference {
            kernel: load_builtin(gpu, compiler, "sdpa_reference_f32", REFERENCE_SOURCE)?,
        })
    }

    /// O = softmax(scale·QKᵀ [+ mask])V on the GPU in float32 for float inputs (Q [B·H, S, D],
    /// K and V [B·kv_heads, kv_len, D]); waits.
    pub fn run(
        &self,
        gpu: &Gpu,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        shape: &Shape,
        scale: f32,
    ) -> Result<Vec<f64>> {
        let rows = u32::try_from(shape.b * shape.h * shape.s)
            .ok()
            .filter(|&r| r <= i32::MAX as u32)
            .ok_or_else(|| Error::Gpu(format!("shape {shape}: B·H·S is over 2^31-1 rows")))?;
        let (dq, dk, dv) = (
            gpu.upload(q, "reference Q")?,
            gpu.upload(k, "reference K")?,
            gpu.upload(v, "reference V")?,
        );
        let out = gpu.zeros::<f32>(shape.elements(), "reference O")?;
        let (s, d) = (shape.s as i32, shape.d as i32);
        let skv = i32::try_from(shape.skv())
            .map_err(|_| Error::Gpu(format!("shape {shape}: kv_len is over 2^31-1")))?;
        let (group, causal) = (shape.group() as i32, i32::from(shape.causal));
        let cfg = LaunchConfig {
            grid_dim: (rows, 1, 1),
            block_dim: (REFERENCE_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut b = gpu.stream().launch_builder(self.kernel.function());
        b.arg(&dq)
            .arg(&dk)
            .arg(&dv)
            .arg(&out)
            .arg(&scale)
            .arg(&s)
            .arg(&d)
            .arg(&skv)
            .arg(&group)
            .arg(&causal);
        // SAFETY: matches `sdpa_reference_f32(const float* q, const float* k, const float* v,
        // float* o, float softmax_scale, int S, int D, int S_kv, int group, int causal)`: Q and O
        // of B·H·S·D f32, K and V of B·(H / group)·S_kv·D f32 (grid.x = B·H·S rows, each reading
        // its kv head's first `keys` rows only, so the kernel stays inside them), an f32 and five
        // i32; the buffers live until the download below has synchronized.
        unsafe { b.launch(cfg) }.map_err(cuda("cuLaunchKernel(sdpa_reference_f32)"))?;
        gpu.synchronize("the float32 reference kernel")?;
        let o = gpu.download(&out, "reference O")?;
        Ok(o.into_iter().map(f64::from).collect())
    }
}

/// Computes references on the path a problem calls for, compiling each GPU kernel on first
/// need.
pub struct ReferenceEngine {
    compiler: Compiler,
    gpu_reference: Option<GpuReference>,
    gemm_reference: Option<GpuGemmReference>,
}

impl ReferenceEngine {
    /// An engine that compiles its GPU kernel with `compiler` (for the device's arch).
    pub fn new(compiler: Compiler) -> Self {
        ReferenceEngine {
            compiler,
            gpu_reference: None,
            gemm_reference: None,
        }
    }

    /// O for float inputs q, k, v of `shape` with softmax scale `scale`, and the path used.
    pub fn sdpa(
        &mut self,
        gpu: &Gpu,
        (q, k, v): (&[f32], &[f32], &[f32]),
        shape: &Shape,
        scale: f32,
    ) -> Result<(Vec<f64>, ReferencePath)> {
        let path = ReferencePath::for_shape(shape);
        let out = match path {
            ReferencePath::CpuF64 => sdpa_f64(q, k, v, shape, f64::from(scale)),
            ReferencePath::GpuF32 => self.gpu_kernel(gpu)?.run(gpu, q, k, v, shape, scale)?,
        };
        Ok((out, path))
    }

    /// D = alpha·A·Bᵀ + bias for float inputs a [M, K], b (Bᵀ) [N, K] and bias `[N]` of `gemm`,
    /// and the path used.
    pub fn gemm(
        &mut self,
        gpu: &Gpu,
        (a, b, bias): (&[f32], &[f32], &[f32]),
        gemm: &Gemm,
        alpha: f32,
    ) -> Result<(Vec<f64>, ReferencePath)> {
        let path = ReferencePath::for_gemm(gemm);
        let out = match path {
            ReferencePath::CpuF64 => gemm_f64(a, b, bias, gemm, f64::from(alpha)),
            ReferencePath::GpuF32 => self.gemm_kernel(gpu)?.run(gpu, (a, b, bias), gemm, alpha)?,
        };
        Ok((out, path))
    }

    fn gemm_kernel(&mut self, gpu: &Gpu) -> Result<&GpuGemmReference> {
        if self.gemm_reference.is_none() {
            self.gemm_reference = Some(GpuGemmReference::new(gpu, &self.compiler)?);
        }
        Ok(self.gemm_reference.as_ref().expect("just set"))
    }

    fn gpu_kernel(&mut self, gpu: &Gpu) -> Result<&GpuReference> {
        if self.gpu_reference.is_none() {
            self.gpu_reference = Some(GpuReference::new(gpu, &self.compiler)?);
        }
        Ok(self.gpu_reference.as_ref().expect("just set"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_problems_go_to_the_cpu_large_ones_to_the_gpu() {
        let shape = |t: &str| Shape::parse(t).unwrap();
        // 2·8·512²·64 = 2^28.
        assert_eq!(
            ReferencePath::for_shape(&shape("2,8,512,64")),
            ReferencePath::CpuF64
        );
        // 2·1·2048²·256 = 2^31 exactly: still the CPU.
        assert_eq!(
            ReferencePath::for_shape(&shape("2,1,2048,256")),
            ReferencePath::CpuF64
        );
        // One more head: 3·2^30 > 2^31.
        assert_eq!(
            ReferencePath::for_shape(&shape("3,1,2048,256")),
            ReferencePath::GpuF32
        );
        assert_eq!(
            ReferencePath::for_shape(&shape("4,32,2048,128")),
            ReferencePath::GpuF32
        );
    }

    #[test]
    fn small_gemms_go_to_the_cpu_large_ones_to_the_gpu() {
        let path = |t: &str| ReferencePath::for_gemm(&t.parse().unwrap());
        // 1024·1024·2048 = 2^31 exactly: still the CPU; the ragged 1000,1000,1024 well under it.
        assert_eq!(path("1024,1024,2048"), ReferencePath::CpuF64);
        assert_eq!(path("1000,1000,1024"), ReferencePath::CpuF64);
        assert_eq!(path("1025,1024,2048"), ReferencePath::GpuF32);
        assert_eq!(path("2048,3072,4096"), ReferencePath::GpuF32);
    }
}
