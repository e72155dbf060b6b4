//! The GPU evaluator behind a worker process: load the cubin, run on fresh poisoned inputs, check
//! against the reference, time the survivors. Every failure of the candidate is an outcome.

use super::device::{cuda, Gpu, Kernel};
use super::dump::{write_dump, DumpedResult};
use super::inputs::SdpaInputs;
use super::reference::{ReferenceEngine, ReferencePath};
use super::sdpa::{launch_sdpa, run_once, SdpaBuffers, SdpaScalars};
use super::timing::{measure, L2Flush};
use crate::compile::{Cache, Compiler};
use crate::error::{Error, Result};
use crate::eval::{Backend, EvalRequest, EvalResponse, Outcome, WorkerHello};
use crate::reference::{check_bits, figures_from_f16_bits, HalfFormat};
use crate::reference::{ErrorFigures, Verdict};
use cudarc::driver::CudaStream;
use std::sync::Arc;

/// Evaluates candidates on one GPU (the worker's [`Backend`]).
pub struct GpuBackend {
    gpu: Gpu,
    flush: L2Flush,
    references: ReferenceEngine,
}

/// The output of one checked run against both references.
struct Checked {
    verdict: Verdict,
    full: ErrorFigures,
    reference: Vec<f64>,
    path: ReferencePath,
}

impl GpuBackend {
    /// Opens GPU `ordinal`, its L2 flush buffer, and NVRTC for the GPU reference kernel.
    /// Without a GPU the error says "no NVIDIA GPU available (why)".
    pub fn open(ordinal: u32) -> Result<Self> {
        let gpu = Gpu::open(ordinal)?;
        let compiler = Compiler::new(
            &gpu.info().limits.arch_name(),
            Some(Cache::new(Cache::default_dir())),
        )?;
        let flush = L2Flush::new(&gpu)?;
        Ok(GpuBackend {
            gpu,
            flush,
            references: ReferenceEngine::new(compiler),
        })
    }

    /// The hello a worker sends for this backend.
    pub fn hello(&self) -> WorkerHello {
        WorkerHello {
            device: self.gpu.describe(),
            pid: std::process::id(),
            fatal: None,
        }
    }

    /// The GPU.
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    fn load(&self, req: &EvalRequest) -> std::result::Result<Kernel, Outcome> {
        let cubin = std::fs::read(&req.cubin).map_err(|e| Outcome::LaunchFailed {
            reason: format!("cannot read cubin {}: {e}", req.cubin.display()),
        })?;
        self.gpu
            .load_kernel(cubin, &req.kernel, req.launch.smem_bytes)
            .map_err(|e| outcome_of(&e))
    }

    fn check(&mut self, req: &EvalRequest, inputs: &SdpaInputs, out: &[u16]) -> Result<Checked> {
        let deq = inputs.tensors().map(|t| t.dequantized());
        let scale = inputs.softmax_scale;
        let (reference, path) =
            self.references
                .sdpa(&self.gpu, (&deq[0], &deq[1], &deq[2]), &req.shape, scale)?;
        drop(deq);
        let [q, k, v] = inputs.tensors().map(|t| t.original.as_slice());
        let (full_reference, _) = self
            .references
            .sdpa(&self.gpu, (q, k, v), &req.shape, scale)?;
        Ok(Checked {
            verdict: check_bits(out, HalfFormat::F16, &reference, req.tolerance),
            full: figures_from_f16_bits(out, &full_reference),
            reference,
            path,
        })
    }

    fn try_evaluate(&mut self, req: &EvalRequest) -> Result<EvalResponse> {
        let kernel = match self.load(req) {
            Ok(k) => k,
            Err(outcome) => return Ok(EvalResponse::failed(req.id, outcome)),
        };
        let inputs = SdpaInputs::generate(&req.shape, req.seed);
        let sc = SdpaScalars::of(&inputs)?;
        let mut bufs = SdpaBuffers::upload(&self.gpu, &inputs)?;
        let qkv = bufs.qkv_args(&self.gpu, &req.shape, &req.launch.args)?;
        run_once(&self.gpu, &kernel, &mut bufs, &qkv, &sc, &req.launch)?;
        let out = bufs.read_output(&self.gpu)?;
        let checked = self.check(req, &inputs, &out)?;
        if let Some(dir) = &req.dump {
            dump(dir, &inputs, &kernel, &out, &checked, req);
        }
        let mut resp = EvalResponse::failed(req.id, Outcome::Ok);
        resp.errors = Some(checked.verdict.figures);
        resp.errors_vs_full = Some(checked.full);
        if !checked.verdict.passes() {
            resp.outcome = Outcome::Invalid {
                reason: checked.verdict.failure_reason(),
            };
            return Ok(resp);
        }
        let Some(plan) = &req.timing else {
            return Ok(resp);
        };
        let work = |s: &Arc<CudaStream>| {
            launch_sdpa(s, &kernel, &bufs, &qkv, &sc, &req.launch)
                .map_err(cuda(format!("cuLaunchKernel({})", kernel.name)))
        };
        let m = measure(&self.gpu, Some(&self.flush), plan, &work)?;
        // The timed runs wrote O again: it must still pass (a race shows up here).
        let after = check_bits(
            &bufs.read_output(&self.gpu)?,
            HalfFormat::F16,
            &checked.reference,
            req.tolerance,
        );
        if !after.passes() {
            resp.outcome = Outcome::Invalid {
                reason: format!("after the timed runs: {}", after.failure_reason()),
            };
            resp.errors = Some(after.figures);
            return Ok(resp);
        }
        resp.kernel_time = Some(m.kernel);
        resp.call_time = Some(m.call);
        resp.sm_clock_mhz = m.clock.sm_mhz;
        resp.throttle_reasons = m.clock.throttle_reasons;
        Ok(resp)
    }
}

/// Writes the dump; a failure to write is reported on stderr (the caller checks the folder).
fn dump(
    dir: &std::path::Path,
    inputs: &SdpaInputs,
    kernel: &Kernel,
    out: &[u16],
    checked: &Checked,
    req: &EvalRequest,
) {
    let result = DumpedResult {
        kernel: &kernel.name,
        output: out,
        tolerance: req.tolerance,
        reference: checked.path,
        errors: &checked.verdict.figures,
        errors_vs_full: &checked.full,
        passed: checked.verdict.passes(),
    };
    if let Err(e) = write_dump(dir, inputs, &result) {
        eprintln!("evotune worker: cannot write the dump: {e}");
    }
}

/// A CUDA error is the candidate's `LaunchFailed` (named first); anything else stopped the
/// evaluator itself, reported as `WorkerCrashed` so that the worker is replaced.
fn outcome_of(e: &Error) -> Outcome {
    match e {
        Error::Cuda { call, name } => Outcome::LaunchFailed {
            reason: format!("{name} at {call}"),
        },
        other => Outcome::WorkerCrashed {
            reason: format!("evaluator error: {other}"),
        },
    }
}

impl Backend for GpuBackend {
    fn evaluate(&mut self, req: &EvalRequest) -> EvalResponse {
        self.try_evaluate(req)
            .unwrap_or_else(|e| EvalResponse::failed(req.id, outcome_of(&e)))
    }

    /// After a CUDA error the context may be poisoned (sticky errors such as
    /// CUDA_ERROR_ILLEGAL_ADDRESS): the worker stops and the pool starts a fresh one.
    fn usable_after(&self, resp: &EvalResponse) -> bool {
        !matches!(
            resp.outcome,
            Outcome::LaunchFailed { .. } | Outcome::WorkerCrashed { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_errors_are_launch_failures_named_first_others_crash_the_worker() {
        let e = Error::Cuda {
            call: "cuStreamSynchronize after the launch of k".into(),
            name: "CUDA_ERROR_ILLEGAL_ADDRESS".into(),
        };
        assert_eq!(
            outcome_of(&e),
            Outcome::LaunchFailed {
                reason: "CUDA_ERROR_ILLEGAL_ADDRESS at cuStreamSynchronize after the launch of k"
                    .into()
            }
        );
        let o = outcome_of(&Error::Nvrtc("cannot load libnvrtc".into()));
        assert_eq!(o.name(), "worker_crashed");
        assert!(o
            .reason()
            .contains("evaluator error: NVRTC: cannot load libnvrtc"));
    }
}
