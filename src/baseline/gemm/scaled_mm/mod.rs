//! Baseline `scaled_mm`: PyTorch's `torch._scaled_mm` (cuBLASLt's FP8 matmul behind PyTorch's
//! dispatch), timed by scripts/scaled_mm_bench.py on evotune's own inputs (the e4m3 codes,
//! descales and bias written to a temporary folder), its output checked against the reference
//! at the GEMM's tolerance. Missing Python, torch, CUDA, an FP8 GPU or PyTorch's support for the
//! problem is recorded as unavailable with the reason.

mod exchange;

use super::reference::{validation, Reference, TOLERANCE};
use super::GemmRun;
use crate::artifacts::{BaselineRecord, BaselineStatus, Validation};
use crate::baseline::script::{self, Script, TimedOutput};
use crate::error::Result;
use crate::gpu::GemmInputs;
use crate::op::gemm::SCALED_MM;
use crate::reference::check;
use serde::Deserialize;
use std::path::Path;

/// The script (scripts/scaled_mm_bench.py) after the timing protocol and the .npy
/// exchange it shares (scripts/bench_protocol.py, scripts/npy_exchange.py), fed to the
/// interpreter on stdin.
pub const SCRIPT: &str = concat!(
    include_str!("../../../../scripts/bench_protocol.py"),
    include_str!("../../../../scripts/npy_exchange.py"),
    include_str!("../../../../scripts/scaled_mm_bench.py")
);

/// What ran, when the script could not say more (it did not start, or answered unavailable).
pub const IMPLEMENTATION: &str = "PyTorch torch._scaled_mm (e4m3 A and B^T with evotune's \
descales as scale_a and scale_b, fp16 bias, fp16 out)";

/// The script's answer.
#[derive(Debug, Deserialize)]
struct ScriptOutput {
    #[serde(flatten)]
    timed: TimedOutput,
    torch: Option<String>,
    cuda: Option<String>,
    device: Option<String>,
}

impl ScriptOutput {
    /// What ran, with the versions, for the record.
    fn implementation(&self) -> String {
        if self.timed.status != "ok" {
            return IMPLEMENTATION.into();
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        format!(
            "PyTorch {} (CUDA {}) torch._scaled_mm(A, B^T.t(), scale_a = A's descale / sqrt(K), \
             scale_b = B's descale, bias rounded to fp16, out_dtype = float16): evotune's e4m3 \
             codes of A [M, K] and B^T [N, K] (B^T.t() is the column-major second operand \
             _scaled_mm takes), use_fast_accum off (PyTorch's default); timed: the eager call",
            text(&self.torch),
            text(&self.cuda),
        )
    }
}

/// The answer in the script's last non-empty line, or why there is none.
fn parse(stdout: &str) -> std::result::Result<ScriptOutput, String> {
    let line = script::last_line(stdout);
    serde_json::from_str(line)
        .map_err(|e| format!("the script printed no JSON result ({e}): '{line}'"))
}

/// Writes the inputs, runs the script, and checks the D it wrote against `reference` (called
/// only when there is an output to check); anything that prevents a measurement becomes
/// "unavailable".
pub fn run(
    r: &GemmRun,
    inputs: &GemmInputs,
    reference: impl FnOnce(&GemmInputs) -> Result<Reference>,
) -> BaselineRecord {
    measure(r, inputs, reference).unwrap_or_else(|why| {
        BaselineRecord::unavailable(SCALED_MM, IMPLEMENTATION, inputs.problem, why)
    })
}

/// The record of a script that answered (measured, or unavailable with its reason), or why
/// there is no answer.
fn measure(
    r: &GemmRun,
    inputs: &GemmInputs,
    reference: impl FnOnce(&GemmInputs) -> Result<Reference>,
) -> std::result::Result<BaselineRecord, String> {
    let dir = tempfile::Builder::new()
        .prefix("evotune-scaled-mm-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder for the inputs: {e}"))?;
    exchange::write_inputs(dir.path(), inputs)
        .map_err(|e| format!("cannot write the inputs: {e}"))?;
    let out = script::run(&script_for(r, dir.path())).and_then(|s| parse(&s))?;
    let implementation = out.implementation();
    let mut record = out.timed.record(
        SCALED_MM,
        &implementation,
        inputs.problem,
        out.device.clone(),
    );
    if record.status == BaselineStatus::Ok {
        script::attach_validation(&mut record, validate(dir.path(), inputs, reference));
    }
    Ok(record)
}

fn script_for<'a>(r: &'a GemmRun, dir: &Path) -> Script<'a> {
    Script {
        python: &r.python,
        text: SCRIPT,
        name: "scripts/scaled_mm_bench.py",
        args: script::exchange_args(r.problem, &r.plan, dir),
        timeout: r.timeout,
    }
}

/// The script's D against the reference on the same e4m3 inputs.
fn validate(
    dir: &Path,
    inputs: &GemmInputs,
    reference: impl FnOnce(&GemmInputs) -> Result<Reference>,
) -> Result<Validation> {
    let out = exchange::read_output(dir, &inputs.problem)?;
    let (expected, path) = reference(inputs)?;
    let verdict = check(&out, &vec![false; out.len()], &expected, TOLERANCE);
    let how = "; _scaled_mm's fp16 D read back as float32 (its output is allocated by PyTorch, \
               so it is not poisoned)";
    Ok(validation(verdict, path, how))
}

#[cfg(test)]
mod tests;
