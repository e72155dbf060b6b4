//! The GPU evaluator behind a worker process: load the cubin, run on fresh poisoned inputs, check
//! against the reference (and that a second launch on the same buffers gives the same bits),
//! time the survivors. Every failure of the candidate is an outcome. What
//! is the operation's own (its inputs, references, buffers and launch) comes through
//! [`GpuOperation`]: FP8 SDPA ([`Sdpa`]) or FP8 GEMM ([`super::GemmOp`]).

use super::compare::BitCompare;
use super::device::{cuda, Gpu, Kernel};
use super::dump::DumpedResult;
use super::laps::{Laps, Step};
use super::operation::GpuOperation;
use super::reference::ReferenceEngine;
use super::sdpa_op::Sdpa;
use super::timing::{measure, L2Flush, Work};
use crate::compile::{Cache, Compiler};
use crate::error::{Error, Result};
use crate::eval::{Backend, EvalRequest, EvalResponse, Launch, Outcome, TimingPlan};
use crate::reference::{check_bits, figures_from_f16_bits, HalfFormat, POISON_F16};
use crate::reference::{ErrorFigures, Verdict};
use cudarc::driver::{CudaSlice, CudaStream, PinnedHostSlice};
use std::sync::Arc;

/// Evaluates candidates of operation `O` on one GPU (the worker's [`Backend`]).
pub struct GpuBackend<O: GpuOperation = Sdpa> {
    gpu: Gpu,
    flush: L2Flush,
    references: ReferenceEngine,
    compare: BitCompare,
    /// The page-locked memory the output is read back into, kept from one candidate to the next:
    /// reading a large output (268 MB at SDPA 8,16,8192,128) into fresh pageable memory takes a
    /// large share of a candidate's validation (waits for the stream).
    host_output: Option<PinnedHostSlice<u16>>,
    /// The last problem's inputs and references: the candidates of a tune run share one seed,
    /// so the references are computed once per run, not once per candidate.
    problem: Option<O::Prepared>,
}

/// The output of one checked run against both references.
struct Checked {
    verdict: Verdict,
    full: ErrorFigures,
}

impl<O: GpuOperation> GpuBackend<O> {
    /// Opens GPU `ordinal`, its L2 flush buffer, and NVRTC for the GPU reference kernel.
    /// Without a GPU the error says "no NVIDIA GPU available (why)".
    pub fn open(ordinal: u32) -> Result<Self> {
        let gpu = Gpu::open(ordinal)?;
        let compiler = Compiler::new(
            &gpu.info().limits.arch_name(),
            Some(Cache::new(Cache::default_dir())),
        )?;
        let flush = L2Flush::new(&gpu, &compiler)?;
        let compare = BitCompare::new(&gpu, &compiler)?;
        Ok(GpuBackend {
            gpu,
            flush,
            references: ReferenceEngine::new(compiler),
            compare,
            host_output: None,
            problem: None,
        })
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

    /// The inputs and references of `req`'s problem, prepared unless the last request had
    /// the same problem and seed.
    fn problem(&mut self, req: &EvalRequest) -> Result<&O::Prepared> {
        if self.problem.as_ref().is_none_or(|p| !O::holds(p, req)) {
            self.problem = None; // free the old inputs and references first
            self.problem = Some(O::prepare(&self.gpu, &mut self.references, req)?);
        }
        Ok(self.problem.as_ref().expect("set above"))
    }

    fn try_evaluate(&mut self, req: &EvalRequest) -> Result<EvalResponse> {
        let mut laps = Laps::new();
        let mut resp = self.validate_and_time(req, &mut laps)?;
        resp.phases = Some(laps.phases());
        Ok(resp)
    }

    /// Validates, then times a candidate that passed; `laps` hears of each step as it ends.
    fn validate_and_time(&mut self, req: &EvalRequest, laps: &mut Laps) -> Result<EvalResponse> {
        let kernel = match self.load(req) {
            Ok(k) => k,
            Err(outcome) => return Ok(EvalResponse::failed(req.id, outcome)),
        };
        laps.lap(Step::Load);
        self.problem(req)?;
        laps.lap(Step::InputsAndReferences);
        let gpu = &self.gpu;
        let problem = self.problem.as_ref().expect("computed above");
        let mut bound = O::bind(gpu, problem, req)?;
        laps.lap(Step::Upload);
        run_once::<O>(gpu, &kernel, &mut bound, &req.launch)?;
        let output = O::output(&bound);
        let host = host_output(&mut self.host_output, gpu, output.len())?;
        let out = gpu.download_pinned(output, host, "O")?;
        laps.lap(Step::RunAndReadBack);
        let [reference, full_reference] = O::references(problem);
        let checked = Checked {
            verdict: check_bits(out, HalfFormat::F16, reference, req.tolerance),
            full: figures_from_f16_bits(out, full_reference),
        };
        let changed = if checked.verdict.passes() {
            relaunch_changes::<O>(gpu, &self.compare, &kernel, &mut bound, &req.launch)?
        } else {
            None
        };
        laps.lap(Step::Check);
        if let Some(dir) = &req.dump {
            dump::<O>(dir, problem, &kernel, out, &checked, req);
            laps.lap(Step::Dump);
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
        if let Some(reason) = changed {
            resp.outcome = Outcome::Invalid { reason };
            return Ok(resp);
        }
        if let Some(plan) = &req.timing {
            let work = |s: &Arc<CudaStream>| launch::<O>(s, &kernel, &bound, &req.launch);
            self.time_and_recheck(req, plan, &work, &bound, &mut resp, laps)?;
        }
        Ok(resp)
    }

    /// Times a candidate that passed with `work`, then checks that the timed runs left a
    /// passing output in `bound` (a race shows up here).
    fn time_and_recheck(
        &mut self,
        req: &EvalRequest,
        plan: &TimingPlan,
        work: &Work,
        bound: &O::Bound,
        resp: &mut EvalResponse,
        laps: &mut Laps,
    ) -> Result<()> {
        let passed = self.gpu.copy(O::output(bound), "O")?;
        let m = measure(&self.gpu, Some(&self.flush), plan, req.race.as_ref(), work)?;
        laps.lap(Step::Timing);
        let after = self.recheck(req, &passed, bound)?;
        laps.lap(Step::Recheck);
        if let Some(after) = after.filter(|v| !v.passes()) {
            resp.outcome = Outcome::Invalid {
                reason: format!("after the timed runs: {}", after.failure_reason()),
            };
            resp.errors = Some(after.figures);
            return Ok(());
        }
        resp.kernel_time = Some(m.kernel);
        resp.call_time = m.call;
        resp.warm_kernel_time = m.warm;
        resp.raced_out = m.raced_out;
        resp.sm_clock_mhz = m.clock.sm_mhz;
        resp.throttle_reasons = m.clock.throttle_reasons;
        Ok(())
    }

    /// None when the output still holds the very bits that `passed` holds (compared on the
    /// GPU, nothing read back); otherwise the output read back and checked again.
    fn recheck(
        &mut self,
        req: &EvalRequest,
        passed: &CudaSlice<u16>,
        bound: &O::Bound,
    ) -> Result<Option<Verdict>> {
        let output = O::output(bound);
        if self.compare.differences(&self.gpu, passed, output)? == 0 {
            return Ok(None);
        }
        let problem = self.problem.as_ref().expect("computed before timing");
        let host = host_output(&mut self.host_output, &self.gpu, output.len())?;
        let out = self.gpu.download_pinned(output, host, "O")?;
        let [reference, _] = O::references(problem);
        let verdict = check_bits(out, HalfFormat::F16, reference, req.tolerance);
        Ok(Some(verdict))
    }
}

/// Enqueues one launch on `stream`; a refused launch is an [`Error::Cuda`] naming the kernel.
fn launch<O: GpuOperation>(
    stream: &Arc<CudaStream>,
    kernel: &Kernel,
    bound: &O::Bound,
    launch_cfg: &Launch,
) -> Result<()> {
    O::launch(stream, kernel, bound, launch_cfg)
        .map_err(cuda(format!("cuLaunchKernel({})", kernel.name)))
}

/// Launches once with the output filled with [`POISON_F16`] (so that elements a kernel never
/// writes are found) and waits; a fault is an [`Error::Cuda`].
fn run_once<O: GpuOperation>(
    gpu: &Gpu,
    kernel: &Kernel,
    bound: &mut O::Bound,
    launch_cfg: &Launch,
) -> Result<()> {
    gpu.fill_u16(O::output_mut(bound), POISON_F16)?;
    launch::<O>(gpu.stream(), kernel, bound, launch_cfg)?;
    gpu.synchronize(&format!("the launch of {}", kernel.name))
}

/// Launches a candidate that passed once more on the same buffers, its output poisoned again, and
/// compares the bits on the GPU: they must not change (what a launch leaves behind for the next,
/// such as split K's counters, or a race, shows here). The reason when they do.
fn relaunch_changes<O: GpuOperation>(
    gpu: &Gpu,
    compare: &BitCompare,
    kernel: &Kernel,
    bound: &mut O::Bound,
    launch_cfg: &Launch,
) -> Result<Option<String>> {
    let passed = gpu.copy(O::output(bound), "O")?;
    run_once::<O>(gpu, kernel, bound, launch_cfg)?;
    let changed = compare.differences(gpu, &passed, O::output(bound))?;
    Ok((changed > 0).then(|| {
        format!(
            "a second launch on the same buffers changed {changed} output elements (state left \
             by the first launch, or a race)"
        )
    }))
}

/// The page-locked memory for an output of `len` elements: the kept one, or a new one (zeroed) when
/// none is kept or the kept one has another size.
fn host_output<'h>(
    kept: &'h mut Option<PinnedHostSlice<u16>>,
    gpu: &Gpu,
    len: usize,
) -> Result<&'h mut PinnedHostSlice<u16>> {
    if kept.as_ref().is_none_or(|h| h.len() != len) {
        *kept = None; // free the old page-locked block before allocating its replacement
        *kept = Some(gpu.pinned_zeros(len, "O")?);
    }
    Ok(kept.as_mut().expect("set above"))
}

/// Writes the dump; a failure to write is reported on stderr (the caller checks the folder).
fn dump<O: GpuOperation>(
    dir: &std::path::Path,
    problem: &O::Prepared,
    kernel: &Kernel,
    out: &[u16],
    checked: &Checked,
    req: &EvalRequest,
) {
    let result = DumpedResult {
        kernel: &kernel.name,
        output: out,
        tolerance: req.tolerance,
        reference: O::reference_path(problem),
        errors: &checked.verdict.figures,
        errors_vs_full: &checked.full,
        passed: checked.verdict.passes(),
    };
    if let Err(e) = O::dump(dir, problem, &result) {
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

impl<O: GpuOperation> Backend for GpuBackend<O> {
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
