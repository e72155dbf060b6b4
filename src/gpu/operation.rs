//! What the GPU evaluator needs of an operation, and nothing else: a problem's inputs and its
//! references, prepared once per problem and seed; a candidate's device buffers and arguments;
//! one launch checked or timed; the output to check; the dump.

use super::device::{Gpu, Kernel};
use super::dump::DumpedResult;
use super::reference::{ReferenceEngine, ReferencePath};
use crate::error::Result;
use crate::eval::{EvalRequest, Launch};
use cudarc::driver::result::DriverError;
use cudarc::driver::{CudaSlice, CudaStream};
use std::path::Path;
use std::sync::Arc;

/// One operation as the GPU evaluator runs it (SDPA's is [`super::sdpa_op::Sdpa`], GEMM's
/// [`super::gemm_op::GemmOp`]).
pub trait GpuOperation {
    /// A problem's inputs with its references.
    type Prepared;
    /// One candidate's device buffers and kernel arguments.
    type Bound;

    /// The inputs of `req`'s problem (from its seed) and its two references: against the inputs
    /// as the kernels see them, and at full precision.
    fn prepare(
        gpu: &Gpu,
        references: &mut ReferenceEngine,
        req: &EvalRequest,
    ) -> Result<Self::Prepared>;

    /// Whether `prepared` holds `req`'s problem and seed (so it is not prepared again).
    fn holds(prepared: &Self::Prepared, req: &EvalRequest) -> bool;

    /// The reference output against the inputs as the kernels see them, and at full precision.
    fn references(prepared: &Self::Prepared) -> [&[f64]; 2];

    /// How the references were computed.
    fn reference_path(prepared: &Self::Prepared) -> ReferencePath;

    /// The inputs uploaded and the kernel's arguments for `req`'s launch bound to them.
    fn bind(gpu: &Gpu, prepared: &Self::Prepared, req: &EvalRequest) -> Result<Self::Bound>;

    /// The output buffer, fp16 bit patterns.
    fn output(bound: &Self::Bound) -> &CudaSlice<u16>;

    /// The same, to poison before a checked run.
    fn output_mut(bound: &mut Self::Bound) -> &mut CudaSlice<u16>;

    /// Enqueues one launch on `stream` (no synchronization), for the checked run and the timing.
    fn launch(
        stream: &Arc<CudaStream>,
        kernel: &Kernel,
        bound: &Self::Bound,
        launch: &Launch,
    ) -> std::result::Result<(), DriverError>;

    /// Writes the inputs, the output and its figures to `dir`.
    fn dump(dir: &Path, prepared: &Self::Prepared, result: &DumpedResult) -> Result<()>;
}
