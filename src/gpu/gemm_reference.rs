//! The float32 GEMM reference on the GPU (kernel_templates/reference_gemm_f32.cu), for problems
//! too large for the float64 CPU reference.

use super::device::{cuda, Gpu, Kernel};
use super::kernels::{load_builtin, GEMM_REFERENCE_SOURCE, GEMM_REFERENCE_TILE};
use crate::compile::Compiler;
use crate::error::Result;
use crate::op::Gemm;
use cudarc::driver::{LaunchConfig, PushKernelArg};

/// Largest grid y dimension CUDA launches; the kernel steps on by it over more row tiles.
const MAX_GRID_Y: usize = 65_535;

/// `gemm_reference_f32`, loaded.
pub struct GpuGemmReference {
    kernel: Kernel,
}

impl GpuGemmReference {
    /// Compiles (or takes from the cache) and loads `gemm_reference_f32`.
    pub fn new(gpu: &Gpu, compiler: &Compiler) -> Result<Self> {
        Ok(GpuGemmReference {
            kernel: load_builtin(gpu, compiler, "gemm_reference_f32", GEMM_REFERENCE_SOURCE)?,
        })
    }

    /// D = alpha·A·Bᵀ + bias on the GPU in float32 for float inputs (A [M, K], Bᵀ [N, K], bias
    /// `[N]`); waits.
    pub fn run(
        &self,
        gpu: &Gpu,
        (a, b, bias): (&[f32], &[f32], &[f32]),
        gemm: &Gemm,
        alpha: f32,
    ) -> Result<Vec<f64>> {
        let dims = gemm.kernel_dims()?;
        let (da, db, dbias) = (
            gpu.upload(a, "reference A")?,
            gpu.upload(b, "reference B")?,
            gpu.upload(bias, "reference bias")?,
        );
        let out = gpu.zeros::<f32>(gemm.d_elements(), "reference D")?;
        let mut builder = gpu.stream().launch_builder(self.kernel.function());
        builder.arg(&da).arg(&db).arg(&dbias).arg(&out).arg(&alpha);
        builder.arg(&dims[0]).arg(&dims[1]).arg(&dims[2]);
        // SAFETY: matches `gemm_reference_f32(const float* a, const float* b, const float* bias,
        // float* d, float alpha, int M, int N, int K)`: A of M·K f32, Bᵀ of N·K, the bias of N
        // and D of M·N (the kernel reads and writes only inside them), an f32 and three i32; the
        // buffers live until the download below has synchronized.
        unsafe { builder.launch(launch_config(gemm)) }
            .map_err(cuda("cuLaunchKernel(gemm_reference_f32)"))?;
        gpu.synchronize("the float32 GEMM reference kernel")?;
        let d = gpu.download(&out, "reference D")?;
        Ok(d.into_iter().map(f64::from).collect())
    }
}

/// One block per tile of outputs: column tiles along x, row tiles along y (at most
/// [`MAX_GRID_Y`]; the kernel steps on by it).
fn launch_config(gemm: &Gemm) -> LaunchConfig {
    let tile = GEMM_REFERENCE_TILE as usize;
    let (col_tiles, row_tiles) = (gemm.n.div_ceil(tile), gemm.m.div_ceil(tile));
    LaunchConfig {
        grid_dim: (col_tiles as u32, row_tiles.min(MAX_GRID_Y) as u32, 1),
        block_dim: (GEMM_REFERENCE_TILE, GEMM_REFERENCE_TILE, 1),
        shared_mem_bytes: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_output_and_rows_past_the_grid_wrap() {
        let g = Gemm {
            m: 100,
            n: 33,
            k: 16,
        };
        let cfg = launch_config(&g);
        assert_eq!((cfg.grid_dim, cfg.block_dim), ((3, 7, 1), (16, 16, 1)));
        let tall = Gemm {
            m: 16 * 70_000,
            n: 16,
            k: 16,
        };
        assert_eq!(launch_config(&tall).grid_dim, (1, 65_535, 1));
    }
}
