//! PyTorch SDPA fp16, timed by scripts/torch_sdpa_bench.py under a Python that has torch: the
//! flash and cuDNN backends (baseline B) and the math backend ("torch_math", PyTorch's unfused
//! path, shown beside baseline A). Missing Python, torch, CUDA or backend support (or memory, for
//! the math backend at long sequences) is recorded as unavailable with the reason.

use super::script::{self, Script, TimedOutput};
use crate::artifacts::BaselineRecord;
use crate::eval::TimingPlan;
use crate::op::sdpa::{CUDNN, FLASH, TORCH_MATH};
use crate::shape::Shape;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The script (scripts/torch_sdpa_bench.py) after the timing protocol it shares
/// (scripts/bench_protocol.py), fed to the interpreter on stdin so that it runs from any folder.
pub const SCRIPT: &str = concat!(
    include_str!("../../scripts/bench_protocol.py"),
    include_str!("../../scripts/torch_sdpa_bench.py")
);

/// The backends the script times: (record name, torch's SDPBackend member).
pub const BACKENDS: [(&str, &str); 3] = [
    (FLASH, "FLASH_ATTENTION"),
    (CUDNN, "CUDNN_ATTENTION"),
    (TORCH_MATH, "MATH"),
];

/// The record names of [`BACKENDS`], in order.
pub fn backend_names() -> impl Iterator<Item = &'static str> {
    BACKENDS.iter().map(|(name, _)| *name)
}

/// The entries of [`BACKENDS`] named in `chosen`, in order.
fn chosen<'a>(
    chosen: &'a [&str],
) -> impl Iterator<Item = &'static (&'static str, &'static str)> + 'a {
    BACKENDS
        .iter()
        .filter(move |(name, _)| chosen.contains(name))
}

/// How to run the script.
#[derive(Debug, Clone)]
pub struct TorchRun {
    /// The Python interpreter (one that has torch), e.g. "python3".
    pub python: String,
    /// The problem.
    pub shape: Shape,
    /// Warm-up, minimum repetitions and L2 flushing, as for the candidates.
    pub plan: TimingPlan,
    /// Seed of the inputs.
    pub seed: u64,
    /// The script is killed after this long.
    pub timeout: Duration,
    /// The backends to time, by record name (a subset of [`BACKENDS`]' names).
    pub backends: Vec<&'static str>,
}

#[derive(Deserialize)]
struct ScriptOutput {
    status: String,
    reason: Option<String>,
    torch: Option<String>,
    cuda: Option<String>,
    device: Option<String>,
    #[serde(default)]
    backends: BTreeMap<String, TimedOutput>,
}

/// Runs the script and returns one record per chosen backend (of flash, cudnn, torch_math),
/// measured or unavailable; nothing when none is chosen.
pub fn run(r: &TorchRun) -> Vec<BaselineRecord> {
    if r.backends.is_empty() {
        return Vec::new();
    }
    let mut args = script::timing_args(r.shape, &r.plan);
    args.extend(["--seed".into(), r.seed.to_string()]);
    args.extend(["--backends".into(), r.backends.join(",")]);
    let s = Script {
        python: &r.python,
        text: SCRIPT,
        name: "scripts/torch_sdpa_bench.py",
        args,
        timeout: r.timeout,
    };
    match script::run(&s) {
        Ok(stdout) => records_from_output(&stdout, &r.shape, &r.backends),
        Err(reason) => all_unavailable(&r.shape, &r.backends, "PyTorch SDPA", &reason),
    }
}

/// An unavailable record, with `reason`, for each backend in `backends`.
fn all_unavailable(
    shape: &Shape,
    backends: &[&str],
    implementation: &str,
    reason: &str,
) -> Vec<BaselineRecord> {
    chosen(backends)
        .map(|(name, attr)| {
            let imp = format!("{implementation}, SDPBackend.{attr}");
            BaselineRecord::unavailable(name, &imp, shape, reason.to_string())
        })
        .collect()
}

/// The records of the backends in `backends` from the script's JSON output (its last non-empty
/// line).
pub fn records_from_output(stdout: &str, shape: &Shape, backends: &[&str]) -> Vec<BaselineRecord> {
    let line = script::last_line(stdout);
    let out: ScriptOutput = match serde_json::from_str(line) {
        Ok(o) => o,
        Err(e) => {
            let reason = format!("the script printed no JSON result ({e}): '{line}'");
            return all_unavailable(shape, backends, "PyTorch SDPA", &reason);
        }
    };
    let torch = format!(
        "PyTorch {} (CUDA {}) F.scaled_dot_product_attention fp16",
        out.torch.as_deref().unwrap_or("?"),
        out.cuda.as_deref().unwrap_or("?")
    );
    if out.status != "ok" {
        let reason = out
            .reason
            .unwrap_or_else(|| format!("status {}", out.status));
        return all_unavailable(shape, backends, "PyTorch SDPA", &reason);
    }
    chosen(backends)
        .map(|(name, attr)| {
            let imp = format!("{torch}, SDPBackend.{attr}");
            match out.backends.get(*name) {
                None => BaselineRecord::unavailable(
                    name,
                    &imp,
                    shape,
                    "the script did not report it".into(),
                ),
                Some(b) => b.record(name, &imp, shape, out.device.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::BaselineStatus;
    use crate::op::Problem;

    fn shape() -> Shape {
        Shape::parse("2,8,512,64").unwrap()
    }

    fn all() -> Vec<&'static str> {
        backend_names().collect()
    }

    fn torch_run(python: &str) -> TorchRun {
        TorchRun {
            python: python.into(),
            shape: shape(),
            plan: TimingPlan::new(
                100,
                crate::eval::FlushMode::Memset,
                crate::eval::DEFAULT_TARGET_S,
            ),
            seed: 0,
            timeout: Duration::from_secs(60),
            backends: backend_names().collect(),
        }
    }

    fn python_lacks_torch() -> bool {
        std::process::Command::new("python3")
            .args(["-c", "import torch"])
            .status()
            .is_ok_and(|s| !s.success())
    }

    /// The real script under a python3 without torch answers "unavailable" (and exits 0); every
    /// record carries that reason and no number.
    #[test]
    fn without_torch_every_backend_is_unavailable_with_the_reason() {
        if !python_lacks_torch() {
            eprintln!("SKIPPED: python3 here has torch (or no python3); the no-torch answer is not checked");
            return;
        }
        let records = run(&torch_run("python3"));
        let names: Vec<&str> = records.iter().map(|r| r.baseline.as_str()).collect();
        assert_eq!(names, ["flash", "cudnn", "torch_math"]);
        for r in &records {
            assert_eq!(r.status, BaselineStatus::Unavailable);
            let reason = r.reason.as_deref().unwrap();
            assert!(reason.starts_with("torch is not importable: "), "{reason}");
            assert!(r.kernel_time.is_none() && r.call_time.is_none() && r.kernel_tflops.is_none());
        }
    }

    #[test]
    fn a_missing_interpreter_is_unavailable_naming_it() {
        let records = run(&torch_run("/nonexistent/python3"));
        assert_eq!(records.len(), 3);
        for r in &records {
            assert_eq!(r.status, BaselineStatus::Unavailable);
            assert!(r
                .reason
                .as_deref()
                .unwrap()
                .contains("cannot run /nonexistent/python3"));
        }
    }

    #[test]
    fn only_the_chosen_backends_get_records_and_none_runs_nothing() {
        let mut r = torch_run("/nonexistent/python3");
        r.backends = vec!["torch_math"];
        let names: Vec<String> = run(&r).into_iter().map(|rec| rec.baseline).collect();
        assert_eq!(names, ["torch_math"]);
        r.backends.clear();
        assert!(run(&r).is_empty());
    }

    #[test]
    fn a_measured_and_an_unsupported_backend_from_recorded_output() {
        // The script prints its result as one line, possibly after other output.
        let out = serde_json::json!({
            "status": "ok", "torch": "2.11.0", "cuda": "13.0", "device": "NVIDIA H100 80GB HBM3",
            "backends": {
                "flash": {"status": "ok",
                          "kernel": {"method": "kernel-only: k", "samples_us": [13.0, 12.0, 14.0]},
                          "call": {"method": "per call: c", "samples_us": [33.0, 32.0, 31.0]}},
                "cudnn": {"status": "unavailable",
                          "reason": "SDPBackend.CUDNN_ATTENTION is not supported here: No available kernel."}
            }
        });
        let records = records_from_output(&format!("a warning line\n{out}\n"), &shape(), &all());
        let flash = &records[0];
        assert_eq!(flash.status, BaselineStatus::Ok);
        assert_eq!(flash.kernel_time.as_ref().unwrap().p50_us, 13.0);
        assert_eq!(flash.call_time.as_ref().unwrap().p50_us, 32.0);
        assert_eq!(flash.kernel_time.as_ref().unwrap().method, "kernel-only: k");
        assert!((flash.kernel_tflops.unwrap() - shape().flops() / 13e-6 / 1e12).abs() < 1e-9);
        assert!(flash.implementation.contains("PyTorch 2.11.0 (CUDA 13.0)"));
        assert_eq!(flash.device.as_deref(), Some("NVIDIA H100 80GB HBM3"));
        let cudnn = &records[1];
        assert_eq!(cudnn.status, BaselineStatus::Unavailable);
        assert!(cudnn
            .reason
            .as_deref()
            .unwrap()
            .contains("No available kernel"));
    }

    #[test]
    fn garbage_output_is_unavailable() {
        let records = records_from_output("Traceback (most recent call last):", &shape(), &all());
        assert!(records
            .iter()
            .all(|r| r.status == BaselineStatus::Unavailable));
        assert!(records[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("no JSON result"));
    }
}
