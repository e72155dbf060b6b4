//! FP8 GEMM as the GPU evaluator's operation: inputs from the seed, the FP8 and full-precision
//! references, A, Bᵀ, the bias and D on the device with the contract's arguments, one launch.

use super::device::{Gpu, Kernel};
use super::dump::DumpedResult;
use super::gemm::{launch_gemm, GemmBuffers, GemmMaps, GemmScalars};
use super::gemm_dump::write_gemm_dump;
use super::gemm_inputs::GemmInputs;
use super::operation::GpuOperation;
use super::reference::{ReferenceEngine, ReferencePath};
use crate::error::{Error, Result};
use crate::eval::{EvalRequest, Launch};
use crate::op::Gemm;
use cudarc::driver::result::DriverError;
use cudarc::driver::{CudaSlice, CudaStream};
use std::path::Path;
use std::sync::Arc;

/// The matrix product D = alpha·A·Bᵀ + bias, FP8 in, fp16 out.
pub struct GemmOp;

/// One problem (M, N, K and input seed): its inputs and both references.
pub struct GemmProblem {
    inputs: GemmInputs,
    reference: Vec<f64>,
    full_reference: Vec<f64>,
    path: ReferencePath,
}

/// One candidate's buffers, tensor maps and scalars.
pub struct GemmBound {
    bufs: GemmBuffers,
    maps: GemmMaps,
    scalars: GemmScalars,
}

impl GpuOperation for GemmOp {
    type Prepared = GemmProblem;
    type Bound = GemmBound;

    /// The references take the real values (codes times descales) and the scale 1/√K, which is
    /// the kernel's alpha over the codes.
    fn prepare(
        gpu: &Gpu,
        references: &mut ReferenceEngine,
        req: &EvalRequest,
    ) -> Result<GemmProblem> {
        let gemm = gemm_of(req)?;
        let inputs = GemmInputs::generate(gemm, req.seed);
        let (bias, scale) = (inputs.bias.as_slice(), inputs.scale);
        let [a, b] = inputs.tensors().map(|t| t.dequantized());
        let (reference, path) = references.gemm(gpu, (&a, &b, bias), gemm, scale)?;
        drop((a, b));
        let [a, b] = inputs.tensors().map(|t| t.original.as_slice());
        let (full_reference, _) = references.gemm(gpu, (a, b, bias), gemm, scale)?;
        Ok(GemmProblem {
            inputs,
            reference,
            full_reference,
            path,
        })
    }

    fn holds(prepared: &GemmProblem, req: &EvalRequest) -> bool {
        req.problem.gemm() == Some(&prepared.inputs.problem) && prepared.inputs.seed == req.seed
    }

    fn references(prepared: &GemmProblem) -> [&[f64]; 2] {
        [&prepared.reference, &prepared.full_reference]
    }

    fn reference_path(prepared: &GemmProblem) -> ReferencePath {
        prepared.path
    }

    fn bind(gpu: &Gpu, prepared: &GemmProblem, req: &EvalRequest) -> Result<GemmBound> {
        let scalars = GemmScalars::of(&prepared.inputs)?;
        let bufs = GemmBuffers::upload(gpu, &prepared.inputs, &req.launch.args)?;
        let maps = bufs.maps(gpu, &prepared.inputs.problem, &req.launch.args)?;
        Ok(GemmBound {
            bufs,
            maps,
            scalars,
        })
    }

    fn output(bound: &GemmBound) -> &CudaSlice<u16> {
        &bound.bufs.d
    }

    fn output_mut(bound: &mut GemmBound) -> &mut CudaSlice<u16> {
        &mut bound.bufs.d
    }

    fn launch(
        stream: &Arc<CudaStream>,
        kernel: &Kernel,
        bound: &GemmBound,
        launch: &Launch,
    ) -> std::result::Result<(), DriverError> {
        launch_gemm(
            stream,
            kernel,
            &bound.bufs,
            &bound.maps,
            &bound.scalars,
            launch,
        )
    }

    fn dump(dir: &Path, prepared: &GemmProblem, result: &DumpedResult) -> Result<()> {
        write_gemm_dump(dir, &prepared.inputs, result)
    }
}

/// The GEMM problem of `req`; a request for another operation is an error.
fn gemm_of(req: &EvalRequest) -> Result<&Gemm> {
    req.problem.gemm().ok_or_else(|| {
        Error::Other(format!(
            "the GEMM evaluator was sent a request for {}",
            req.problem
        ))
    })
}
