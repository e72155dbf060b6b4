//! The `_scaled_mm` baseline without a GPU: the real script where python3 lacks torch or a GPU,
//! and stand-in interpreters that answer as the script does on a GPU.

use super::*;
use crate::baseline::script::test_support::{python_runs, stand_in_python};
use crate::eval::{FlushMode, TimingPlan, DEFAULT_TARGET_S};
use crate::gpu::npy;
use crate::op::Gemm;
use std::path::PathBuf;
use std::time::Duration;

fn problem() -> Gemm {
    "24,40,64".parse().unwrap()
}

fn gemm_run(python: &str) -> GemmRun {
    GemmRun {
        problem: problem(),
        device: 0,
        seed: 3,
        plan: TimingPlan::new(100, FlushMode::Memset, DEFAULT_TARGET_S),
        python: python.into(),
        timeout: Duration::from_secs(120),
        chosen: vec![SCALED_MM],
    }
}

fn inputs() -> GemmInputs {
    GemmInputs::generate(&problem(), 3)
}

/// A measured answer, as the script prints it on a GPU (numbers made up).
const MEASURED: &str = r#"{"status": "ok", "torch": "2.11.0", "cuda": "13.0", "device": "NVIDIA H200", "output": "d.npy", "kernel": {"method": "kernel-only: k", "samples_us": [6.0, 7.0, 6.5]}, "call": {"method": "per call: c", "samples_us": [20.0, 21.0, 19.0]}}"#;

/// An executable stand-in for python3 in `dir`: it swallows the script, checks the inputs and
/// the --gemm it is given, copies `output` (when given) to `<--inputs DIR>/d.npy` and prints
/// `answer`.
fn stand_in(dir: &Path, output: Option<&Path>, answer: &str) -> PathBuf {
    let copy = output.map_or(String::new(), |o| {
        format!("cp '{}' \"$dir/d.npy\"", o.display())
    });
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\n\
         while [ $# -gt 0 ]; do case \"$1\" in --inputs) dir=\"$2\";; --gemm) gemm=\"$2\";; esac; shift; done\n\
         test \"$gemm\" = 24,40,64 || exit 4\n\
         test -f \"$dir/a.npy\" && test -f \"$dir/b.npy\" && test -f \"$dir/bias.npy\" \
         && test -f \"$dir/inputs.json\" || exit 3\n\
         {copy}\necho 'a warning first'\necho '{answer}'\n"
    );
    stand_in_python(dir, &body)
}

/// The reference of the test inputs, times `factor`, written as a float32 `.npy`.
fn output_file(dir: &Path, factor: f64) -> PathBuf {
    let (reference, _) = cpu_reference(&inputs()).unwrap();
    let d: Vec<f32> = reference.iter().map(|&x| (x * factor) as f32).collect();
    let path = dir.join("d_source.npy");
    npy::write(&path, &d, &[24, 40]).unwrap();
    path
}

fn cpu_reference(inputs: &GemmInputs) -> Result<Reference> {
    super::super::reference::standalone(0, inputs)
}

/// A reference function for runs that must never reach the check.
fn no_reference(_: &GemmInputs) -> Result<Reference> {
    Err(crate::Error::Other(
        "the reference was not expected to be needed".into(),
    ))
}

fn run_with(
    python: &Path,
    reference: impl FnOnce(&GemmInputs) -> Result<Reference>,
) -> BaselineRecord {
    run(&gemm_run(python.to_str().unwrap()), &inputs(), reference)
}

#[test]
fn a_measured_answer_is_checked_against_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let d = output_file(dir.path(), 1.0);
    let r = run_with(&stand_in(dir.path(), Some(&d), MEASURED), cpu_reference);
    assert_eq!(r.status, BaselineStatus::Ok, "{r:?}");
    assert_eq!(r.baseline, "scaled_mm");
    assert_eq!(r.shape, crate::op::ProblemSpec::Gemm(problem()));
    assert_eq!(r.kernel_time.as_ref().unwrap().p50_us, 6.5);
    assert_eq!(r.call_time.as_ref().unwrap().p50_us, 20.0);
    assert_eq!(r.device.as_deref(), Some("NVIDIA H200"));
    let v = r.validation.as_ref().expect("checked");
    assert!(v.passed && v.errors.max_abs < 1e-6, "{v:?}");
    assert_eq!(v.tolerance, TOLERANCE);
    assert!(
        v.reference
            .starts_with("float64 CPU reference on the same e4m3 inputs"),
        "{}",
        v.reference
    );
    assert!(
        r.implementation
            .starts_with("PyTorch 2.11.0 (CUDA 13.0) torch._scaled_mm"),
        "{}",
        r.implementation
    );
}

#[test]
fn a_wrong_output_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = output_file(dir.path(), 1.5);
    let r = run_with(&stand_in(dir.path(), Some(&d), MEASURED), cpu_reference);
    let v = r.validation.as_ref().expect("checked");
    assert!(!v.passed, "{v:?}");
    assert!(
        v.reason
            .as_deref()
            .unwrap()
            .contains("0.03 + 0.015625·|ref|"),
        "{v:?}"
    );
    assert!(r.summary_line().contains("OUTPUT FAILED CHECK"));
}

#[test]
fn a_measured_answer_without_an_output_is_timed_but_unchecked_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_with(&stand_in(dir.path(), None, MEASURED), no_reference);
    assert_eq!(r.status, BaselineStatus::Ok);
    assert!(r.validation.is_none());
    assert_eq!(
        r.reason.as_deref(),
        Some("output not checked: the script wrote no d.npy to check")
    );
}

#[test]
fn an_unavailable_answer_keeps_its_reason_and_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let answer = r#"{"status": "unavailable", "reason": "NVIDIA A100 (sm_80) has no FP8 tensor cores: _scaled_mm needs sm_89 or later"}"#;
    let r = run_with(&stand_in(dir.path(), None, answer), no_reference);
    assert_eq!(r.status, BaselineStatus::Unavailable);
    assert_eq!(r.implementation, IMPLEMENTATION);
    assert!(r.reason.unwrap().contains("no FP8 tensor cores"));
    assert!(r.kernel_time.is_none() && r.call_time.is_none() && r.kernel_tflops.is_none());
}

#[test]
fn a_missing_interpreter_or_garbage_is_unavailable_saying_why() {
    let r = run(&gemm_run("/nonexistent/python3"), &inputs(), no_reference);
    assert_eq!(r.status, BaselineStatus::Unavailable);
    let reason = r.reason.unwrap();
    assert!(
        reason.contains("cannot run /nonexistent/python3"),
        "{reason}"
    );
    let err = parse("Traceback (most recent call last):").unwrap_err();
    assert!(
        err.starts_with("the script printed no JSON result"),
        "{err}"
    );
}

/// Whether python3 here could measure `_scaled_mm` (torch with a GPU).
fn python_could_measure() -> Option<bool> {
    python_runs("import torch; assert torch.cuda.is_available()")
}

/// The real script under a python3 that lacks torch or a GPU answers "unavailable" (exit 0, one
/// JSON line) with the reason, and the record has no number.
#[test]
fn the_script_without_torch_or_a_gpu_answers_unavailable() {
    match python_could_measure() {
        None => {
            eprintln!("SKIPPED: no python3 here; the script's unavailable answer is not checked");
            return;
        }
        Some(true) => {
            eprintln!("SKIPPED: python3 here has torch and a GPU; it would measure");
            return;
        }
        Some(false) => {}
    }
    let r = run(&gemm_run("python3"), &inputs(), no_reference);
    assert_eq!(r.status, BaselineStatus::Unavailable, "{r:?}");
    let reason = r.reason.as_deref().unwrap();
    let known = ["torch is not importable: ", "sees no CUDA device"];
    assert!(known.iter().any(|k| reason.contains(k)), "{reason}");
    assert!(r.kernel_time.is_none() && r.call_time.is_none() && r.validation.is_none());
}

/// The script's own `.npy` code (no numpy) reads the codes and the bias evotune writes, and
/// writes a D that evotune reads: a ctypes array stands in for the torch tensor.
#[test]
fn the_script_and_evotune_read_each_others_npy_files() {
    if python_could_measure().is_none() {
        eprintln!("SKIPPED: no python3 here; the script's .npy code is not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs = GemmInputs::generate(&"2,3,16".parse().unwrap(), 5);
    exchange::write_inputs(dir.path(), &inputs).unwrap();
    let bench = dir.path().join("bench.py");
    std::fs::write(&bench, SCRIPT).unwrap();
    let program = "import ctypes, importlib.util, struct, sys\n\
        spec = importlib.util.spec_from_file_location('bench', sys.argv[1])\n\
        b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)\n\
        codes = b.read_npy(sys.argv[2] + '/a.npy', b.U8, [2, 16])\n\
        bias = struct.unpack('<3f', b.read_npy(sys.argv[2] + '/bias.npy', b.F32, [3]))\n\
        values = [codes[i] + bias[i % 3] for i in range(6)]\n\
        class T:\n    shape = (2, 3)\n\
        \x20   buf = (ctypes.c_float * 6)(*values)\n\
        \x20   def numel(self): return len(self.buf)\n\
        \x20   def data_ptr(self): return ctypes.addressof(self.buf)\n\
        b.write_f32(sys.argv[2] + '/d.npy', T())\n";
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            program,
            bench.to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = exchange::read_output(dir.path(), &inputs.problem).unwrap();
    let want: Vec<f32> = (0..6)
        .map(|i| f32::from(inputs.a.codes[i]) + inputs.bias[i % 3])
        .collect();
    assert_eq!(d, want);
}
