//! The cuDNN FP8 baseline without a GPU: the real script where python3 lacks torch, a GPU or
//! the package, and stand-in interpreters that answer as the script does on a GPU.

use super::*;
use crate::baseline::script::test_support::{python_runs, stand_in_python};
use crate::gpu::npy;
use std::path::PathBuf;

fn shape() -> Shape {
    Shape::parse("1,2,64,32").unwrap()
}

fn cudnn_run(python: &str) -> CudnnRun {
    CudnnRun {
        python: python.into(),
        shape: shape(),
        plan: TimingPlan::new(
            100,
            crate::eval::FlushMode::Memset,
            crate::eval::DEFAULT_TARGET_S,
        ),
        seed: 3,
        timeout: Duration::from_secs(120),
    }
}

/// A measured answer, as the script prints it on a GPU (numbers made up).
const MEASURED: &str = r#"{"status": "ok", "torch": "2.11.0", "cuda": "13.0", "cudnn_frontend": "1.32.0", "cudnn_backend": "9.19.0", "device": "NVIDIA H200", "scale_s": 256.0, "scale_o": 64.0, "descale_o": 0.015625, "amax_o": 1.5, "output": "o.npy", "kernel": {"method": "kernel-only: k", "samples_us": [12.0, 13.0, 12.5]}, "call": {"method": "per call: c", "samples_us": [40.0, 41.0, 39.0]}}"#;

/// An executable stand-in for python3 in `dir`: it swallows the script, copies `output` (when
/// given) to `<--inputs DIR>/o.npy` and prints `answer`.
fn stand_in(dir: &Path, output: Option<&Path>, answer: &str) -> PathBuf {
    let copy = output.map_or(String::new(), |o| {
        format!("cp '{}' \"$dir/o.npy\"", o.display())
    });
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\n\
         while [ $# -gt 0 ]; do if [ \"$1\" = --inputs ]; then dir=\"$2\"; fi; shift; done\n\
         test -f \"$dir/q.npy\" && test -f \"$dir/inputs.json\" || exit 3\n\
         {copy}\necho 'a warning first'\necho '{answer}'\n"
    );
    stand_in_python(dir, &body)
}

/// The FP8 reference of the test inputs, times `factor`, written as a float32 `.npy`.
fn output_file(dir: &Path, factor: f64) -> PathBuf {
    let inputs = SdpaInputs::generate(&shape(), 3);
    let (reference, _) = fp8_reference(0, &inputs).unwrap();
    let o: Vec<f32> = reference.iter().map(|&x| (x * factor) as f32).collect();
    let path = dir.join("o_source.npy");
    npy::write(&path, &o, &[1, 2, 64, 32]).unwrap();
    path
}

/// A reference function for runs that must never reach the check.
fn no_reference(_: &SdpaInputs) -> Result<Reference> {
    Err(crate::Error::Other(
        "the reference was not expected to be needed".into(),
    ))
}

fn cpu_reference(inputs: &SdpaInputs) -> Result<Reference> {
    fp8_reference(0, inputs)
}

#[test]
fn a_measured_answer_is_checked_against_the_fp8_reference() {
    let dir = tempfile::tempdir().unwrap();
    let o = output_file(dir.path(), 1.0);
    let python = stand_in(dir.path(), Some(&o), MEASURED);
    let r = run(&cudnn_run(python.to_str().unwrap()), cpu_reference);
    assert_eq!(r.status, BaselineStatus::Ok, "{r:?}");
    assert_eq!(r.baseline, "cudnn_fp8");
    assert_eq!(r.kernel_time.as_ref().unwrap().p50_us, 12.5);
    let v = r.validation.as_ref().expect("checked");
    assert!(v.passed, "{v:?}");
    assert!(v.errors.max_abs < 1e-6, "{v:?}");
    assert_eq!(v.tolerance, DEFAULT_TOLERANCE);
    assert!(
        v.reference
            .starts_with("float64 CPU reference on the same FP8 inputs"),
        "{}",
        v.reference
    );
    assert!(
        v.reference
            .ends_with("cuDNN's amax_O 1.5000 (× scale_o = 96 of e4m3's 448)"),
        "{}",
        v.reference
    );
    assert!(
        r.implementation.contains("nvidia-cudnn-frontend 1.32.0"),
        "{}",
        r.implementation
    );
}

#[test]
fn a_wrong_output_fails_the_check_with_the_candidates_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let o = output_file(dir.path(), 1.5);
    let python = stand_in(dir.path(), Some(&o), MEASURED);
    let r = run(&cudnn_run(python.to_str().unwrap()), cpu_reference);
    let v = r.validation.as_ref().expect("checked");
    assert!(!v.passed);
    let reason = v.reason.as_deref().unwrap();
    assert!(
        reason.contains("outside |out − ref| ≤ 0.03 + 0.0625·|ref|"),
        "{reason}"
    );
    assert!(
        r.summary_line().contains("OUTPUT FAILED CHECK"),
        "{}",
        r.summary_line()
    );
}

#[test]
fn a_measured_answer_without_an_output_is_timed_but_unchecked_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let python = stand_in(dir.path(), None, MEASURED);
    let r = run(&cudnn_run(python.to_str().unwrap()), cpu_reference);
    assert_eq!(r.status, BaselineStatus::Ok);
    assert!(r.validation.is_none());
    assert_eq!(
        r.reason.as_deref(),
        Some("output not checked: the script wrote no o.npy to check")
    );
}

#[test]
fn an_unavailable_answer_needs_no_reference() {
    let dir = tempfile::tempdir().unwrap();
    let answer = r#"{"status": "unavailable", "reason": "torch 2.11.0 sees no CUDA device (built for CUDA 13.0)"}"#;
    let python = stand_in(dir.path(), None, answer);
    let r = run(&cudnn_run(python.to_str().unwrap()), no_reference);
    assert_eq!(r.status, BaselineStatus::Unavailable);
    assert_eq!(r.implementation, IMPLEMENTATION);
    assert!(r.reason.unwrap().contains("sees no CUDA device"));
}

#[test]
fn a_missing_interpreter_is_unavailable_naming_it() {
    let r = run(&cudnn_run("/nonexistent/python3"), no_reference);
    assert_eq!(r.status, BaselineStatus::Unavailable);
    let reason = r.reason.unwrap();
    assert!(
        reason.contains("cannot run /nonexistent/python3"),
        "{reason}"
    );
}

/// Whether python3 here could measure cuDNN FP8 (torch with a GPU and the package).
fn python_could_measure() -> Option<bool> {
    python_runs("import torch, cudnn; assert torch.cuda.is_available()")
}

/// The real script under a python3 that lacks torch, a GPU or nvidia-cudnn-frontend answers
/// "unavailable" (exit 0, one JSON line) with the reason, and the record has no number.
#[test]
fn the_script_without_torch_a_gpu_or_the_package_answers_unavailable() {
    match python_could_measure() {
        None => {
            eprintln!("SKIPPED: no python3 here; the script's unavailable answer is not checked");
            return;
        }
        Some(true) => {
            eprintln!(
                "SKIPPED: python3 here has torch, a GPU and cudnn-frontend; it would measure"
            );
            return;
        }
        Some(false) => {}
    }
    let r = run(&cudnn_run("python3"), no_reference);
    assert_eq!(r.status, BaselineStatus::Unavailable, "{r:?}");
    let reason = r.reason.as_deref().unwrap();
    let known = [
        "torch is not importable: ",
        "sees no CUDA device",
        "nvidia-cudnn-frontend is not importable",
    ];
    assert!(known.iter().any(|k| reason.contains(k)), "{reason}");
    assert!(r.kernel_time.is_none() && r.call_time.is_none() && r.validation.is_none());
}

/// The script's own `.npy` code (no numpy) reads the codes evotune writes, and writes an O that
/// evotune reads: here a ctypes array stands in for the torch tensor, so python3 alone will do.
#[test]
fn the_script_and_evotune_read_each_others_npy_files() {
    if python_could_measure().is_none() {
        eprintln!("SKIPPED: no python3 here; the script's .npy code is not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shape = Shape::parse("1,2,3,16").unwrap();
    let inputs = SdpaInputs::generate(&shape, 5);
    exchange::write_inputs(dir.path(), &inputs).unwrap();
    let bench = dir.path().join("bench.py");
    std::fs::write(&bench, SCRIPT).unwrap();
    let program = "import ctypes, importlib.util, sys\n\
        spec = importlib.util.spec_from_file_location('bench', sys.argv[1])\n\
        b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)\n\
        codes = b.read_npy(sys.argv[2] + '/v.npy', ('|u1', '<u1'), [1, 2, 3, 16])\n\
        class T:\n    shape = (1, 2, 3, 16)\n\
        \x20   buf = (ctypes.c_float * len(codes))(*[c / 2 for c in codes])\n\
        \x20   def numel(self): return len(self.buf)\n\
        \x20   def data_ptr(self): return ctypes.addressof(self.buf)\n\
        b.write_f32(sys.argv[2] + '/o.npy', T())\n";
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
    let o = exchange::read_output(dir.path(), &shape).unwrap();
    let want: Vec<f32> = inputs.v.codes.iter().map(|&c| f32::from(c) / 2.0).collect();
    assert_eq!(o, want);
}
