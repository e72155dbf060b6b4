//! Baseline `cudnn_fp8`: cuDNN's own FP8 (e4m3) SDPA forward, the kernel a Hopper user of FP8
//! attention has today, timed by scripts/cudnn_fp8_bench.py through the nvidia-cudnn-frontend
//! package on evotune's own FP8 inputs (the e4m3 codes and per-tensor descales written to a
//! temporary folder), its output checked against evotune's reference with the candidates'
//! tolerance. Missing Python, torch, CUDA, the package, libcudnn or cuDNN's support is recorded
//! as unavailable with the reason.

mod exchange;
mod output;

pub use exchange::{output_scale, SCALE_S};
pub use output::IMPLEMENTATION;

use super::script::{self, Script};
use crate::artifacts::{BaselineRecord, BaselineStatus, Validation};
use crate::compile::{Cache, Compiler};
use crate::error::Result;
use crate::eval::{TimingPlan, DEFAULT_TOLERANCE};
use crate::gpu::{Gpu, ReferenceEngine, ReferencePath, SdpaInputs};
use crate::op::sdpa::CUDNN_FP8;
use crate::reference::{check, sdpa_f64};
use crate::shape::Shape;
use std::path::Path;
use std::time::Duration;

/// The script (scripts/cudnn_fp8_bench.py) after the timing protocol and the .npy
/// exchange it shares (scripts/bench_protocol.py, scripts/npy_exchange.py), fed to the
/// interpreter on stdin.
pub const SCRIPT: &str = concat!(
    include_str!("../../../scripts/bench_protocol.py"),
    include_str!("../../../scripts/npy_exchange.py"),
    include_str!("../../../scripts/cudnn_fp8_bench.py")
);

/// How to run the script.
#[derive(Debug, Clone)]
pub struct CudnnRun {
    /// The Python interpreter (one with torch and nvidia-cudnn-frontend), e.g. "python3".
    pub python: String,
    /// The problem.
    pub shape: Shape,
    /// Warm-up, minimum repetitions and L2 flushing, as for the candidates.
    pub plan: TimingPlan,
    /// Seed of the inputs (the same inputs as the candidates').
    pub seed: u64,
    /// The script is killed after this long.
    pub timeout: Duration,
}

/// A reference output and the path that computed it.
pub type Reference = (Vec<f64>, ReferencePath);

/// Writes the inputs, runs the script, and checks the output it wrote against `reference`
/// (called only when there is an output to check); anything that prevents a measurement
/// becomes "unavailable".
pub fn run(
    r: &CudnnRun,
    reference: impl FnOnce(&SdpaInputs) -> Result<Reference>,
) -> BaselineRecord {
    measure(r, reference)
        .unwrap_or_else(|why| BaselineRecord::unavailable(CUDNN_FP8, IMPLEMENTATION, r.shape, why))
}

/// The record of a script that answered (measured, or unavailable with its reason), or why
/// there is no answer.
fn measure(
    r: &CudnnRun,
    reference: impl FnOnce(&SdpaInputs) -> Result<Reference>,
) -> std::result::Result<BaselineRecord, String> {
    let dir = tempfile::Builder::new()
        .prefix("evotune-cudnn-fp8-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder for the inputs: {e}"))?;
    let inputs = SdpaInputs::generate(&r.shape, r.seed);
    exchange::write_inputs(dir.path(), &inputs)
        .map_err(|e| format!("cannot write the inputs: {e}"))?;
    let out = script::run(&script_for(r, dir.path())).and_then(|s| output::parse(&s))?;
    let implementation = out.implementation();
    let mut record = out
        .timed
        .record(CUDNN_FP8, &implementation, r.shape, out.device.clone());
    if record.status == BaselineStatus::Ok {
        let note = out.range_note();
        let checked = validate(dir.path(), &inputs, &note, reference);
        script::attach_validation(&mut record, checked);
    }
    Ok(record)
}

fn script_for<'a>(r: &'a CudnnRun, dir: &Path) -> Script<'a> {
    Script {
        python: &r.python,
        text: SCRIPT,
        name: "scripts/cudnn_fp8_bench.py",
        args: script::exchange_args(r.shape, &r.plan, dir),
        timeout: r.timeout,
    }
}

/// The script's O against the reference on the same FP8 inputs, with the candidates' tolerance.
fn validate(
    dir: &Path,
    inputs: &SdpaInputs,
    range_note: &str,
    reference: impl FnOnce(&SdpaInputs) -> Result<Reference>,
) -> Result<Validation> {
    let out = exchange::read_output(dir, &inputs.shape)?;
    let (expected, path) = reference(inputs)?;
    let verdict = check(&out, &vec![false; out.len()], &expected, DEFAULT_TOLERANCE);
    Ok(Validation {
        reference: format!(
            "{} on the same FP8 inputs; cuDNN's O is e4m3 (Hopper's cuDNN writes FP8 O only), \
             so its rounding alone errs by up to 2^-4·|O|, the tolerance's whole relative term; \
             O poisoned with e4m3 NaN before the run (an unwritten element counts as NaN){range_note}",
            path.describe()
        ),
        tolerance: DEFAULT_TOLERANCE,
        errors: verdict.figures,
        passed: verdict.passes(),
        reason: Some(verdict.failure_reason()).filter(|r| !r.is_empty()),
    })
}

/// The reference on the dequantized FP8 inputs, on the path the shape calls for: float64 on the
/// CPU for small problems (no GPU opened), the float32 kernel on GPU `device` for large ones.
pub fn fp8_reference(device: u32, inputs: &SdpaInputs) -> Result<Reference> {
    let deq = inputs.tensors().map(|t| t.dequantized());
    let (q, k, v) = (&deq[0][..], &deq[1][..], &deq[2][..]);
    let (shape, scale) = (&inputs.shape, inputs.softmax_scale);
    match ReferencePath::for_shape(shape) {
        ReferencePath::CpuF64 => Ok((
            sdpa_f64(q, k, v, shape, f64::from(scale)),
            ReferencePath::CpuF64,
        )),
        ReferencePath::GpuF32 => {
            let gpu = Gpu::open(device)?;
            let arch = gpu.info().limits.arch_name();
            let compiler = Compiler::new(&arch, Some(Cache::new(Cache::default_dir())))?;
            ReferenceEngine::new(compiler).sdpa(&gpu, (q, k, v), shape, scale)
        }
    }
}

#[cfg(test)]
mod tests;
