//! `evotune gate` over the committed H200 run folders (data/runs/h200-tune-*): the verdicts
//! recorded in BENCHMARKS.md, a pass and a fail each, from the command line.

use assert_cmd::Command;
use predicates::prelude::*;

fn gate(run: &str, vs: &str, min: &str) -> assert_cmd::assert::Assert {
    Command::cargo_bin("evotune")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["gate", "--run", run, "--vs", vs, "--min-speedup", min])
        .assert()
}

#[test]
fn the_long_sequence_runs_lose_to_cudnn_fp8_and_beat_the_fp16_kernels() {
    for run in [
        "data/runs/h200-tune-4-32-2048-128",
        "data/runs/h200-tune-8-16-8192-128",
        "data/runs/h200-tune-8-16-8192-64",
    ] {
        gate(run, "cudnn_fp8", "1")
            .code(1)
            .stderr(predicate::str::contains("speedup vs cuDNN FP8 (cudnn_fp8)"));
        gate(run, "best_fused", "1")
            .success()
            .stdout(predicate::str::contains("speedup vs baseline B (cudnn)"));
    }
}

#[test]
fn the_seed_gate_over_pytorch_math_passes_at_8_16_8192_128() {
    // PyTorch's math backend: 183.8 ms; the best kernel 5.69 ms: 32×.
    gate("data/runs/h200-tune-8-16-8192-128", "torch_math", "15")
        .success()
        .stdout(predicate::str::contains(
            "speedup vs torch_math (torch_math)",
        ));
    gate("data/runs/h200-tune-8-16-8192-128", "floor", "1")
        .code(1)
        .stderr(predicate::str::contains("speedup vs floor (floor)"));
}
