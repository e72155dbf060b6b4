//! FP8 SDPA as the GPU evaluator's operation: inputs from the seed, the FP8 and full-precision
//! references, Q/K/V and O on the device with the contract's arguments, one launch.

use super::device::{Gpu, Kernel};
use super::dump::{write_dump, DumpedResult};
use super::inputs::SdpaInputs;
use super::operation::GpuOperation;
use super::reference::{ReferenceEngine, ReferencePath};
use super::sdpa::{launch_sdpa, QkvArgs, SdpaBuffers, SdpaScalars};
use crate::error::{Error, Result};
use crate::eval::{EvalRequest, Launch};
use crate::shape::Shape;
use cudarc::driver::result::DriverError;
use cudarc::driver::{CudaSlice, CudaStream};
use std::path::Path;
use std::sync::Arc;

/// Scaled-dot-product attention, FP8 in, fp16 out.
pub struct Sdpa;

/// One problem (shape and input seed): its inputs and both references.
pub struct SdpaProblem {
    inputs: SdpaInputs,
    reference: Vec<f64>,
    full_reference: Vec<f64>,
    path: ReferencePath,
}

/// One candidate's buffers, scalars and Q/K/V arguments.
pub struct SdpaBound {
    bufs: SdpaBuffers,
    qkv: QkvArgs,
    scalars: SdpaScalars,
}

impl GpuOperation for Sdpa {
    type Prepared = SdpaProblem;
    type Bound = SdpaBound;

    fn prepare(
        gpu: &Gpu,
        references: &mut ReferenceEngine,
        req: &EvalRequest,
    ) -> Result<SdpaProblem> {
        let shape = shape_of(req)?;
        let inputs = SdpaInputs::generate(shape, req.seed);
        let deq = inputs.tensors().map(|t| t.dequantized());
        let scale = inputs.softmax_scale;
        let (reference, path) = references.sdpa(gpu, (&deq[0], &deq[1], &deq[2]), shape, scale)?;
        drop(deq);
        let [q, k, v] = inputs.tensors().map(|t| t.original.as_slice());
        let (full_reference, _) = references.sdpa(gpu, (q, k, v), shape, scale)?;
        Ok(SdpaProblem {
            inputs,
            reference,
            full_reference,
            path,
        })
    }

    fn holds(prepared: &SdpaProblem, req: &EvalRequest) -> bool {
        req.problem.sdpa() == Some(&prepared.inputs.shape) && prepared.inputs.seed == req.seed
    }

    fn references(prepared: &SdpaProblem) -> [&[f64]; 2] {
        [&prepared.reference, &prepared.full_reference]
    }

    fn reference_path(prepared: &SdpaProblem) -> ReferencePath {
        prepared.path
    }

    fn bind(gpu: &Gpu, prepared: &SdpaProblem, req: &EvalRequest) -> Result<SdpaBound> {
        let scalars = SdpaScalars::of(&prepared.inputs)?;
        let bufs = SdpaBuffers::upload(gpu, &prepared.inputs)?;
        let qkv = bufs.qkv_args(gpu, shape_of(req)?, &req.launch.args)?;
        Ok(SdpaBound { bufs, qkv, scalars })
    }

    fn output(bound: &SdpaBound) -> &CudaSlice<u16> {
        &bound.bufs.o
    }

    fn output_mut(bound: &mut SdpaBound) -> &mut CudaSlice<u16> {
        &mut bound.bufs.o
    }

    fn launch(
        stream: &Arc<CudaStream>,
        kernel: &Kernel,
        bound: &SdpaBound,
        launch: &Launch,
    ) -> std::result::Result<(), DriverError> {
        launch_sdpa(
            stream,
            kernel,
            &bound.bufs,
            &bound.qkv,
            &bound.scalars,
            launch,
        )
    }

    fn dump(dir: &Path, prepared: &SdpaProblem, result: &DumpedResult) -> Result<()> {
        write_dump(dir, &prepared.inputs, result)
    }
}

/// The SDPA problem of `req`; a request for another operation is an error.
fn shape_of(req: &EvalRequest) -> Result<&Shape> {
    req.problem.sdpa().ok_or_else(|| {
        Error::Other(format!(
            "the SDPA evaluator was sent a request for {}",
            req.problem
        ))
    })
}
