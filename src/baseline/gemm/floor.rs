//! The timing protocol's floor at a GEMM, `floor`: one kernel that reads A and Bᵀ (e4m3) once
//! and writes D (16 bits per element) once, with no product between
//! (kernel_templates/gemm_floor_stream.cu), timed exactly as candidates are. No GEMM kernel can
//! take less time under the protocol, so the floor's speedup over a baseline is the largest
//! speedup any candidate could show.

use super::InProject;
use crate::artifacts::{BaselineRecord, Validation};
use crate::baseline::floor::{differing, exact_errors};
use crate::error::Result;
use crate::eval::TimingPlan;
use crate::gpu::kernels::{load_builtin, GEMM_FLOOR_SOURCE, GEMM_FLOOR_THREADS};
use crate::gpu::{cuda, measure, GemmInputs, Gpu, Kernel};
use crate::op::gemm::FLOOR;
use crate::reference::{Tolerance, POISON_F16};
use cudarc::driver::{CudaSlice, CudaStream, LaunchConfig, PushKernelArg};
use std::sync::Arc;

/// What the floor runs, for its record.
pub const IMPLEMENTATION: &str = "not a product: gemm_floor_stream reads A and B^T (1 byte per \
element) once, folding them into one 32-bit XOR per block, and writes D (2 bytes per element) \
once, D[i] = i mod 2^14; the least any GEMM kernel must do";

/// Blocks per SM the floor's grid strides with (at most; fewer when there is less work).
const BLOCKS_PER_SM: u64 = 8;

/// Validates and times the floor on `inputs`; the caller records an error as "unavailable".
pub fn measure_floor(
    ctx: &InProject,
    inputs: &GemmInputs,
    plan: &TimingPlan,
) -> Result<BaselineRecord> {
    let gpu = &ctx.gpu;
    let kernel = load_builtin(gpu, &ctx.compiler, "gemm_floor_stream", GEMM_FLOOR_SOURCE)?;
    let sms = u64::try_from(gpu.info().limits.sm_count)
        .unwrap_or(1)
        .max(1);
    let mut floor = GemmFloor::new(gpu, kernel, inputs, sms * BLOCKS_PER_SM)?;
    let validation = validate(gpu, &mut floor)?;
    let work = |s: &Arc<CudaStream>| floor.enqueue(s);
    let m = measure(gpu, Some(&ctx.flush), plan, None, &work)?;
    Ok(crate::baseline::in_project::record(
        FLOOR,
        IMPLEMENTATION,
        inputs.problem,
        gpu,
        m,
        validation,
    ))
}

/// Runs once with D poisoned and checks every element of D and the XOR of the reads exactly.
fn validate(gpu: &Gpu, floor: &mut GemmFloor) -> Result<Validation> {
    gpu.fill_u16(&mut floor.d, POISON_F16)?;
    floor.enqueue(gpu.stream())?;
    gpu.synchronize("the GEMM floor kernel")?;
    let out = gpu.download(&floor.d, "floor D")?;
    let read = gpu
        .download(&floor.partials, "the floor's partial XORs")?
        .into_iter()
        .fold(0, |x, p| x ^ p);
    let expected = d_pattern(out.len());
    let errors = exact_errors(&out, &expected);
    let reasons = [
        (errors.max_abs != 0.0 || errors.unwritten != 0).then(|| {
            format!(
                "{} of {} elements of D differ from i mod 2^14 ({} unwritten)",
                differing(&out, &expected),
                errors.elements,
                errors.unwritten
            )
        }),
        (read != floor.expected_xor).then(|| {
            format!(
                "the XOR of what was read is {read:#010x}, that of A and B^T {:#010x}",
                floor.expected_xor
            )
        }),
    ];
    let reason: Vec<String> = reasons.into_iter().flatten().collect();
    Ok(Validation {
        reference: "exact: D[i] = i mod 2^14, and the XOR of the partials equals that of A's and \
                    B^T's 32-bit words"
            .into(),
        tolerance: Tolerance {
            atol: 0.0,
            rtol: 0.0,
        },
        passed: reason.is_empty(),
        reason: (!reason.is_empty()).then(|| reason.join("; ")),
        errors,
    })
}

/// What the kernel writes to D: element i holds i mod 2^14.
fn d_pattern(elements: usize) -> Vec<u16> {
    (0..elements).map(|i| (i & 0x3FFF) as u16).collect()
}

/// The XOR of `bytes` taken as little-endian 32-bit words (its length a multiple of 4).
fn xor_words(bytes: &[u8]) -> u32 {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .fold(0, |x, w| x ^ w)
}

/// The inputs, the output, the partial XORs and the kernel of one floor problem.
struct GemmFloor {
    kernel: Kernel,
    a: CudaSlice<u8>,
    b: CudaSlice<u8>,
    d: CudaSlice<u16>,
    partials: CudaSlice<u32>,
    blocks: u32,
    expected_xor: u32,
}

impl GemmFloor {
    /// Uploads the codes and allocates D and one partial per block (at most `max_blocks`).
    fn new(gpu: &Gpu, kernel: Kernel, inputs: &GemmInputs, max_blocks: u64) -> Result<Self> {
        let [a, b] = &inputs.pitched_codes();
        let d_elements = inputs.problem.d_elements();
        let chunks = (a.len() / 16 + b.len() / 16 + d_elements.div_ceil(8)) as u64;
        let blocks = chunks
            .div_ceil(u64::from(GEMM_FLOOR_THREADS))
            .clamp(1, max_blocks.max(1)) as u32;
        Ok(GemmFloor {
            kernel,
            a: gpu.upload(a, "floor A")?,
            b: gpu.upload(b, "floor B")?,
            d: gpu.zeros(d_elements, "floor D")?,
            partials: gpu.zeros(blocks as usize, "the floor's partial XORs")?,
            blocks,
            expected_xor: xor_words(a) ^ xor_words(b),
        })
    }

    /// Enqueues the one launch: `blocks` blocks striding over the chunks of A, Bᵀ and D.
    fn enqueue(&self, stream: &Arc<CudaStream>) -> Result<()> {
        let (a_chunks, b_chunks) = ((self.a.len() / 16) as u64, (self.b.len() / 16) as u64);
        let d_elements = self.d.len() as u64;
        let cfg = LaunchConfig {
            grid_dim: (self.blocks, 1, 1),
            block_dim: (GEMM_FLOOR_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut b = stream.launch_builder(self.kernel.function());
        b.arg(&self.a).arg(&a_chunks).arg(&self.b).arg(&b_chunks);
        b.arg(&self.d).arg(&d_elements).arg(&self.partials);
        // SAFETY: matches `gemm_floor_stream(const uint4* a, u64 a_chunks, const uint4* b, u64
        // b_chunks, uint4* d, u64 d_elems, u32* partials)`: a and b hold M·K and N·K bytes,
        // multiples of 16 (K is), so exactly a_chunks and b_chunks 16-byte chunks; d holds
        // d_elems u16 (whole 8-element chunks written with 16-byte stores, the rest one by one,
        // never past d_elems); partials holds one u32 per block of the grid. All come from
        // cudarc's allocator (256-byte aligned) and live as long as this GemmFloor.
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(cuda("cuLaunchKernel(gemm_floor_stream)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_wraps_at_2_14_and_is_never_the_poison() {
        let p = d_pattern(0x4002);
        assert_eq!((p[0], p[0x3FFF], p[0x4000], p[0x4001]), (0, 0x3FFF, 0, 1));
        assert!(p.iter().all(|&x| x != POISON_F16));
        assert!(p
            .iter()
            .all(|&x| crate::numerics::f16_bits_to_f32(x).is_finite()));
    }

    #[test]
    fn the_reads_fold_into_the_xor_of_little_endian_words() {
        assert_eq!(xor_words(&[1, 0, 0, 0, 2, 0, 0, 0]), 3);
        assert_eq!(xor_words(&[0, 0, 0, 0x80]), 0x8000_0000);
        let bytes: Vec<u8> = (0..64).collect();
        assert_eq!(xor_words(&bytes) ^ xor_words(&bytes), 0);
    }
}
