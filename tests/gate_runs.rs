//! `evotune gate` over the committed run folders (the H200 tunes data/runs/h200-tune-*, an H100
//! GEMM run): the verdicts recorded in BENCHMARKS.md, a pass and a fail each, from the command
//! line; `--protocol warm` on them (they hold cold times only) and on copies given warm times;
//! and the two gates that end repro.sh.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const RUN_8192: &str = "data/runs/h200-tune-8-16-8192-128";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn gate_with(run: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("evotune")
        .unwrap()
        .current_dir(root())
        .args(["gate", "--run"])
        .arg(run)
        .args(args)
        .assert()
}

fn gate(run: &str, vs: &str, min: &str) -> assert_cmd::assert::Assert {
    gate_with(Path::new(run), &["--vs", vs, "--min-speedup", min])
}

#[test]
fn the_long_sequence_runs_lose_to_cudnn_fp8_and_beat_the_fp16_kernels() {
    for run in [
        "data/runs/h200-tune-4-32-2048-128",
        RUN_8192,
        "data/runs/h200-tune-8-16-8192-64",
    ] {
        gate(run, "cudnn_fp8", "1")
            .code(1)
            .stderr(predicate::str::contains(
                "cold speedup vs cuDNN FP8 (cudnn_fp8)",
            ));
        gate(run, "best_fused", "1")
            .success()
            .stdout(predicate::str::contains(
                "cold speedup vs baseline B (cudnn)",
            ));
    }
}

#[test]
fn the_seed_gate_over_pytorch_math_passes_at_8_16_8192_128() {
    // PyTorch's math backend: 183.8 ms; the best kernel 5.69 ms: 32×.
    gate(RUN_8192, "torch_math", "15")
        .success()
        .stdout(predicate::str::contains(
            "cold speedup vs torch_math (torch_math)",
        ));
    gate(RUN_8192, "floor", "1")
        .code(1)
        .stderr(predicate::str::contains("cold speedup vs floor (floor)"));
}

/// The budget-128 default tune at 2,8,512,64 with its baselines (data/runs/h200-tune-race-2-8-512-64,
/// warm and cold times measured on both sides): repro.sh's seed gate and the vendor gate pass.
#[test]
fn the_default_tune_passes_the_seed_gate_warm_and_beats_cudnn_fp8_both_ways() {
    let run = Path::new("data/runs/h200-tune-race-2-8-512-64");
    gate_with(
        run,
        &[
            "--vs",
            "torch_math",
            "--protocol",
            "warm",
            "--min-speedup",
            "15",
        ],
    )
    .success()
    .stdout(predicate::str::contains(
        "warm speedup vs torch_math (torch_math) 16.07×",
    ));
    for protocol in ["cold", "warm"] {
        gate_with(
            run,
            &[
                "--vs",
                "cudnn_fp8",
                "--protocol",
                protocol,
                "--min-speedup",
                "1",
            ],
        )
        .success()
        .stdout(predicate::str::contains(format!(
            "{protocol} speedup vs cuDNN FP8 (cudnn_fp8)"
        )));
    }
    gate_with(
        run,
        &[
            "--vs",
            "torch_math",
            "--protocol",
            "warm",
            "--min-speedup",
            "17",
        ],
    )
    .code(1);
}

#[test]
fn cold_is_the_default_protocol() {
    let run = Path::new(RUN_8192);
    let line = |args: &[&str]| {
        let out = gate_with(run, args).code(1).get_output().stderr.clone();
        String::from_utf8(out).unwrap()
    };
    let vendor = ["--vs", "cudnn_fp8", "--min-speedup", "1"];
    let explicit = [&vendor[..], &["--protocol", "cold"]].concat();
    assert_eq!(line(&vendor), line(&explicit));
}

#[test]
fn a_warm_gate_on_runs_without_warm_times_is_bad_input_that_says_how_to_get_them() {
    for (run, shape) in [
        ("data/runs/h200-tune-4-32-2048-128", "4,32,2048,128"),
        (RUN_8192, "8,16,8192,128"),
        (
            "data/runs/h200-tune-1-32-8192-128-causal-kv8",
            "1,32,8192,128,causal,kv_heads=8",
        ),
    ] {
        let seed = [
            "--vs",
            "torch_math",
            "--protocol",
            "warm",
            "--min-speedup",
            "15",
        ];
        gate_with(Path::new(run), &seed)
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "--protocol warm needs warm kernel-only times on both sides, and torch_math \
                 (torch_math) has none: its record was written before baselines were timed \
                 both ways",
            ))
            .stderr(predicate::str::contains(format!(
                "`evotune baseline --shape {shape} --out {run}`"
            )));
    }
}

/// A copy of the committed run `run` (bench/, tune/, manifest.json) whose `baselines` have warm
/// times and whose best elite has a confirmation with one: each its cold timing scaled by the
/// factor given.
fn warm_copy(run: &str, baselines: &[(&str, f64)], best: Option<f64>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join(run);
    let to = dir.path();
    std::fs::create_dir_all(to.join("bench")).unwrap();
    std::fs::create_dir_all(to.join("tune")).unwrap();
    for file in ["manifest.json", "tune/topk.json"] {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
    for entry in std::fs::read_dir(from.join("bench")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join("bench").join(path.file_name().unwrap())).unwrap();
    }
    for (name, factor) in baselines {
        let path = to.join(format!("bench/baseline_{name}.json"));
        let mut record = read_json(&path);
        record["warm_kernel_time"] = scaled(&record["kernel_time"], *factor);
        write_json(&path, &record);
    }
    if let Some(factor) = best {
        let path = to.join("tune/topk.json");
        let mut topk = read_json(&path);
        let elite = &mut topk["elites"][0];
        elite["confirmed"]["warm_kernel_time"] = scaled(&elite["kernel_time"], factor);
        write_json(&path, &topk);
    }
    dir
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A timing with every time multiplied by `factor`, named as a warm one.
fn scaled(timing: &Value, factor: f64) -> Value {
    let mut t = timing.clone();
    for key in ["p50_us", "p10_us", "p90_us", "ci_lo_us", "ci_hi_us"] {
        t[key] = (t[key].as_f64().unwrap() * factor).into();
    }
    let samples: Vec<f64> = t["samples_us"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap() * factor)
        .collect();
    t["samples_us"] = samples.into();
    t["method"] = "kernel-only: 20 back-to-back launches, divided by 20; L2 not flushed".into();
    t
}

#[test]
fn the_warm_gate_uses_warm_times_on_both_sides() {
    // Cold, the best kernel is 0.83× cuDNN FP8. Warm, with the kernel 22 % faster than cold and
    // cuDNN 5 % faster: 0.83 · 0.95 / 0.78 = 1.01×.
    let faster = warm_copy(RUN_8192, &[("cudnn_fp8", 0.95)], Some(0.78));
    let vendor = ["--vs", "cudnn_fp8", "--min-speedup", "1"];
    gate_with(faster.path(), &vendor).code(1);
    gate_with(
        faster.path(),
        &[&vendor[..], &["--protocol", "warm"]].concat(),
    )
    .success()
    .stdout(predicate::str::starts_with(
        "gate passed: warm speedup vs cuDNN FP8 (cudnn_fp8) 1.01",
    ));
    // The kernel only 10 % faster warm: 0.83 · 0.95 / 0.9 = 0.88×, a fail.
    let slower = warm_copy(RUN_8192, &[("cudnn_fp8", 0.95)], Some(0.9));
    gate_with(
        slower.path(),
        &[&vendor[..], &["--protocol", "warm"]].concat(),
    )
    .code(1)
    .stderr(predicate::str::contains(
        "gate failed: warm speedup vs cuDNN FP8 (cudnn_fp8) 0.88",
    ));
}

#[test]
fn a_warm_gate_names_the_side_without_warm_times() {
    // Baselines with warm times, the best elite without: the elite is named, and why.
    let no_elite = warm_copy(RUN_8192, &[("torch_math", 1.0)], None);
    let seed = [
        "--vs",
        "torch_math",
        "--protocol",
        "warm",
        "--min-speedup",
        "15",
    ];
    gate_with(no_elite.path(), &seed)
        .code(2)
        .stderr(predicate::str::contains(
            "and the best candidate #1 `ARRIVE=thread,BLOCK_M=192,",
        ))
        .stderr(predicate::str::contains(
            "its confirmation was made before confirmations timed both ways",
        ));
    // The elite with one, torch_math without: torch_math is named.
    let no_math = warm_copy(RUN_8192, &[("cudnn_fp8", 1.0)], Some(1.0));
    gate_with(no_math.path(), &seed)
        .code(2)
        .stderr(predicate::str::contains(
            "and torch_math (torch_math) has none",
        ));
}

// ---- repro.sh's gates ----

/// A folder for PATH holding a stand-in nvidia-smi (one GPU), a stand-in evotune that runs the
/// real binary's gate and does nothing else (the run folder is prepared by the test), and links
/// to the tools repro.sh uses; python3, cargo and ncu are left out, so nothing is installed,
/// built or profiled.
fn repro_path(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = |name: &str, body: String| {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script(
        "nvidia-smi",
        "[ \"$1\" = -L ] && echo 'GPU 0: Stand-in (UUID: GPU-0)'; exit 0".into(),
    );
    script(
        "evotune",
        format!(
            "case \"$1\" in\n  gate) exec '{}' \"$@\";;\n  report) echo reports/stand-in.md;;\nesac",
            env!("CARGO_BIN_EXE_evotune")
        ),
    );
    for tool in [
        "bash", "dirname", "date", "mkdir", "hostname", "tee", "sed", "grep", "cat", "env",
    ] {
        let target = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} is needed to run repro.sh"));
        std::os::unix::fs::symlink(target, bin.join(tool)).unwrap();
    }
    bin
}

/// repro.sh on the run folder `run` with GATES set to `gates` (unset when None).
fn repro(run: &Path, gates: Option<&str>) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let bin = repro_path(dir.path());
    let mut cmd = std::process::Command::new(bin.join("bash"));
    cmd.arg(root().join("repro.sh"))
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", dir.path())
        .env("RUN", run)
        .env("EVOTUNE_BIN", bin.join("evotune"));
    if let Some(g) = gates {
        cmd.env("GATES", g);
    }
    cmd.output().unwrap()
}

#[test]
fn repro_ends_with_the_seed_and_the_vendor_gate_and_exits_with_their_verdict() {
    // Warm: the kernel 22 % faster than cold, cuDNN FP8 5 %, PyTorch math 2 %. The seed gate
    // (warm) passes, 32× · 0.98 / 0.78 = 41×; the vendor gate (cold) fails at 0.83×, so
    // repro.sh exits 1, after both verdicts.
    let run = warm_copy(
        RUN_8192,
        &[("torch_math", 0.98), ("cudnn_fp8", 0.95)],
        Some(0.78),
    );
    let out = repro(run.path(), None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("report: reports/stand-in.md"), "{stdout}");
    assert!(
        stdout.contains("== gate: seed\ngate passed: warm speedup vs torch_math (torch_math)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("seed gate: passed\n== gate: vendor\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("gate failed: cold speedup vs cuDNN FP8 (cudnn_fp8) 0.83"),
        "{stderr}"
    );
    assert!(stdout.contains("vendor gate: FAILED"), "{stdout}");
    assert!(
        stderr.contains("repro.sh: gates failed: vendor"),
        "{stderr}"
    );
    // Only the seed gate asked for: it passes, and so does repro.sh.
    let out = repro(run.path(), Some("seed"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.ends_with("gates passed: seed\n"), "{stdout}");
    assert!(!stdout.contains("== gate: vendor"), "{stdout}");
}

#[test]
fn repro_with_no_gates_runs_none_and_an_unknown_gate_stops_it_before_any_work() {
    // The committed run has no warm times: the seed gate would fail; none are asked for.
    let dir = tempfile::tempdir().unwrap();
    let run = warm_copy(RUN_8192, &[], None);
    let out = repro(run.path(), Some(""));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("== gate"), "{stdout}");
    // Without warm times the seed gate fails, saying how to get them.
    let out = repro(run.path(), Some("seed"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--protocol warm needs warm kernel-only times on both sides"),
        "{stderr}"
    );
    // A misspelt gate: exit 2 before the environment is even written.
    let fresh = dir.path().join("run");
    let out = repro(&fresh, Some("seed vendr"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("GATES names an unknown gate 'vendr' (known: seed, vendor"),
        "{stderr}"
    );
    assert!(!fresh.exists(), "nothing is written");
}

/// The FP8 GEMM at 4096,4096,128 on an H100 (data/runs/h100-round-1205/run4/t128): faster than
/// cuBLASLt FP8 by 1.11× cold and 1.20× warm (BENCHMARKS.md, 2026-12-05), so a 1.0× vendor gate
/// passes both ways and 1.25× fails both; the cold line also gives the fresh processes' speedup,
/// slower than the search's interval there.
#[test]
fn the_gemm_at_k_128_beats_cublaslt_fp8_on_the_h100() {
    let run = Path::new("data/runs/h100-round-1205/run4/t128");
    gate_with(run, &["--min-speedup", "1.0"])
        .success()
        .stdout(predicate::str::contains(
            "cold speedup vs cuBLASLt FP8 (cublaslt_fp8) 1.11×",
        ))
        .stdout(predicate::str::contains("its median in 3 fresh processes"));
    gate_with(run, &["--protocol", "warm", "--min-speedup", "1.0"])
        .success()
        .stdout(predicate::str::contains("warm speedup vs cuBLASLt FP8"));
    gate_with(run, &["--min-speedup", "1.25"]).code(1);
    gate_with(run, &["--protocol", "warm", "--min-speedup", "1.25"]).code(1);
}
