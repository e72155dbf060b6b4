//! Bit-for-bit comparison of two device buffers on the GPU
//! (kernel_templates/count_differences_u16.cu): the re-check after timing asks whether the timed
//! runs left the very output that passed, without reading it back.

use super::device::{cuda, Gpu, Kernel};
use super::kernels::{load_builtin, COMPARE_SOURCE, COMPARE_THREADS};
use crate::compile::Compiler;
use crate::error::{Error, Result};
use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};

/// Blocks per SM of the grid-stride comparison.
const BLOCKS_PER_SM: u32 = 8;

/// `count_differences_u16`, loaded.
pub struct BitCompare {
    kernel: Kernel,
}

impl BitCompare {
    /// Compiles (or takes from the cache) and loads the comparison kernel.
    pub fn new(gpu: &Gpu, compiler: &Compiler) -> Result<Self> {
        Ok(BitCompare {
            kernel: load_builtin(gpu, compiler, "count_differences_u16", COMPARE_SOURCE)?,
        })
    }

    /// How many elements of `a` and `b` differ in their bits; waits for the answer.
    pub fn differences(&self, gpu: &Gpu, a: &CudaSlice<u16>, b: &CudaSlice<u16>) -> Result<u64> {
        if a.len() != b.len() {
            return Err(Error::Gpu(format!(
                "comparing buffers of {} and {} elements",
                a.len(),
                b.len()
            )));
        }
        let count = gpu.zeros::<u64>(1, "the difference count")?;
        let n = a.len() as u64;
        let sms = gpu.info().limits.sm_count.clamp(1, 1024) as u32;
        let cfg = LaunchConfig {
            grid_dim: (sms * BLOCKS_PER_SM, 1, 1),
            block_dim: (COMPARE_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut builder = gpu.stream().launch_builder(self.kernel.function());
        builder.arg(a).arg(b).arg(&n).arg(&count);
        // SAFETY: matches `count_differences_u16(const unsigned short* a, const unsigned short*
        // b, unsigned long long n, unsigned long long* count)`: two buffers of n u16 (checked
        // equal above; the grid-stride loop stays below n), n as u64, and one u64 counter. The
        // buffers outlive the launch: the download below synchronizes first.
        unsafe { builder.launch(cfg) }.map_err(cuda("cuLaunchKernel(count_differences_u16)"))?;
        Ok(gpu.download(&count, "the difference count")?[0])
    }
}
