//! The timing protocol's floor at a shape, `floor`: one kernel that reads Q, K and V (e4m3)
//! once and writes O (16 bits per element) once, with no attention between
//! (kernel_templates/floor_stream.cu), timed exactly as candidates are. No SDPA kernel can take
//! less time under the protocol, so the floor's speedup over a baseline is the largest speedup
//! any candidate could show.

use crate::artifacts::{BaselineRecord, Validation};
use crate::compile::Compiler;
use crate::error::Result;
use crate::eval::TimingPlan;
use crate::gpu::kernels::{load_builtin, FLOOR_SOURCE, FLOOR_THREADS};
use crate::gpu::{cuda, measure, Gpu, Kernel, L2Flush, SdpaInputs};
use crate::op::sdpa::FLOOR;
use crate::reference::{ErrorFigures, Tolerance, POISON_F16};
use crate::shape::Shape;
use cudarc::driver::{CudaSlice, CudaStream, LaunchConfig, PushKernelArg};
use std::sync::Arc;

/// What the floor runs, for its record.
pub const IMPLEMENTATION: &str = "not attention: floor_stream reads Q, K, V (1 byte per \
element) once and writes O (2 bytes per element) once, O = Q ^ K ^ V; the least any SDPA kernel \
must do";

/// Validates and times the floor at `shape`; the caller records an error as "unavailable".
pub fn measure_floor(
    gpu: &Gpu,
    compiler: &Compiler,
    flush: &L2Flush,
    shape: &Shape,
    seed: u64,
    plan: &TimingPlan,
) -> Result<BaselineRecord> {
    if !shape.is_dense() {
        return Ok(BaselineRecord::unavailable(
            FLOOR,
            IMPLEMENTATION,
            shape,
            "the floor kernel streams Q, K and V of one length element by element: it has no \
             form for grouped key/value heads or a key length of its own, and a mask changes \
             no byte it moves"
                .into(),
        ));
    }
    let kernel = load_builtin(gpu, compiler, "floor_stream", FLOOR_SOURCE)?;
    let inputs = SdpaInputs::generate(shape, seed);
    let mut floor = FloorStream::new(gpu, kernel, &inputs)?;
    let validation = validate(gpu, &mut floor)?;
    let work = |s: &Arc<CudaStream>| floor.enqueue(s);
    let m = measure(gpu, Some(flush), plan, None, &work)?;
    Ok(super::in_project::record(
        FLOOR,
        IMPLEMENTATION,
        shape,
        gpu,
        m,
        validation,
    ))
}

/// Runs once with poisoned output and checks every element exactly.
fn validate(gpu: &Gpu, floor: &mut FloorStream) -> Result<Validation> {
    gpu.fill_u16(&mut floor.o, POISON_F16)?;
    floor.enqueue(gpu.stream())?;
    gpu.synchronize("the floor kernel")?;
    let out = gpu.download(&floor.o, "floor O")?;
    let errors = exact_errors(&out, &floor.expected);
    let passed = errors.max_abs == 0.0 && errors.unwritten == 0;
    Ok(Validation {
        reference: "exact: O[i] = Q[i] ^ K[i] ^ V[i] (e4m3 codes widened to 16 bits)".into(),
        tolerance: Tolerance {
            atol: 0.0,
            rtol: 0.0,
        },
        reason: (!passed).then(|| {
            format!(
                "{} of {} elements differ from Q ^ K ^ V ({} unwritten)",
                differing(&out, &floor.expected),
                errors.elements,
                errors.unwritten
            )
        }),
        errors,
        passed,
    })
}

/// Error figures of `out` against `expected`, as integers.
pub(in crate::baseline) fn exact_errors(out: &[u16], expected: &[u16]) -> ErrorFigures {
    let (mut max_abs, mut sum_abs, mut sum_sq_diff, mut sum_sq_ref) = (0f64, 0f64, 0f64, 0f64);
    for (&o, &e) in out.iter().zip(expected) {
        let d = (f64::from(o) - f64::from(e)).abs();
        max_abs = max_abs.max(d);
        sum_abs += d;
        sum_sq_diff += d * d;
        sum_sq_ref += f64::from(e) * f64::from(e);
    }
    let n = out.len();
    ErrorFigures {
        max_abs,
        mean_abs: sum_abs / n.max(1) as f64,
        rel_l2: (sum_sq_diff / sum_sq_ref.max(1.0)).sqrt(),
        nan_count: 0,
        inf_count: 0,
        unwritten: out.iter().filter(|&&o| o == POISON_F16).count(),
        elements: n,
    }
}

/// How many elements of `out` differ from `expected`.
pub(in crate::baseline) fn differing(out: &[u16], expected: &[u16]) -> usize {
    out.iter().zip(expected).filter(|(o, e)| o != e).count()
}

/// The inputs, the output and the kernel of one floor problem.
struct FloorStream {
    kernel: Kernel,
    q: CudaSlice<u8>,
    k: CudaSlice<u8>,
    v: CudaSlice<u8>,
    o: CudaSlice<u16>,
    expected: Vec<u16>,
}

impl FloorStream {
    fn new(gpu: &Gpu, kernel: Kernel, inputs: &SdpaInputs) -> Result<Self> {
        let [q, k, v] = inputs.tensors().map(|t| &t.codes);
        let expected = q
            .iter()
            .zip(k)
            .zip(v)
            .map(|((a, b), c)| u16::from(a ^ b ^ c))
            .collect();
        Ok(FloorStream {
            kernel,
            q: gpu.upload(q, "floor Q")?,
            k: gpu.upload(k, "floor K")?,
            v: gpu.upload(v, "floor V")?,
            o: gpu.zeros(inputs.shape.elements(), "floor O")?,
            expected,
        })
    }

    /// Enqueues the one launch: a thread per 16 elements, and one for the remainder.
    fn enqueue(&self, stream: &Arc<CudaStream>) -> Result<()> {
        let n = self.q.len() as u64;
        let threads = n / 16 + 1;
        let blocks = threads.div_ceil(u64::from(FLOOR_THREADS));
        let cfg = LaunchConfig {
            grid_dim: (blocks as u32, 1, 1),
            block_dim: (FLOOR_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut b = stream.launch_builder(self.kernel.function());
        b.arg(&self.q)
            .arg(&self.k)
            .arg(&self.v)
            .arg(&self.o)
            .arg(&n);
        // SAFETY: matches `floor_stream(const uint4* q, const uint4* k, const uint4* v, uint4*
        // o, unsigned long long n)`: q, k and v hold n bytes and o n u16, all from cudarc's
        // allocator (256-byte aligned, so the 16-byte accesses are aligned); thread chunks below
        // n / 16 stay inside, and the one remainder thread stops at n. The buffers live as long
        // as this FloorStream.
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(cuda("cuLaunchKernel(floor_stream)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_errors_count_differences_and_unwritten_elements() {
        let expected = [1u16, 2, 3, 4];
        let ok = exact_errors(&expected, &expected);
        assert_eq!((ok.max_abs, ok.unwritten, ok.elements), (0.0, 0, 4));
        let out = [1u16, 5, POISON_F16, 4];
        let bad = exact_errors(&out, &expected);
        assert_eq!(bad.max_abs, f64::from(POISON_F16 - 3));
        assert_eq!(bad.unwritten, 1);
        assert_eq!(differing(&out, &expected), 2);
    }
}
