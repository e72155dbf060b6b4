//! Integration tests of the evotune binary: good input, bad input, exit codes and messages.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

const TOY: &str = "tests/fixtures/toy.toml";

fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs the tune command in a fresh folder and checks that it wrote nothing there.
fn tune_writes_nothing(args: &[&str], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    full.extend(["--out".into(), out.display().to_string()]);
    evotune()
        .args(&full)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(expect));
    assert!(!out.exists(), "nothing may be written for bad input");
}

#[test]
fn help_teaches_the_main_command() {
    evotune()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("--shape 2,8,512,64 --budget 128"));
}

#[test]
fn help_says_how_racing_decides_and_how_to_turn_it_off() {
    let out = evotune().arg("--help").output().unwrap();
    // Wrapped lines joined, so that a phrase may straddle a line break.
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "--no-race",
        "cannot enter the elites",
        "64 samples",
        "raced out",
    ] {
        assert!(text.contains(needle), "--help lacks {needle:?}:\n{text}");
    }
    let bench = evotune().args(["search-bench", "--help"]).output().unwrap();
    assert!(String::from_utf8(bench.stdout).unwrap().contains("--race"));
}

#[test]
fn a_shape_that_is_not_four_positive_integers_is_rejected() {
    for bad in ["2,8,512", "2,8,0,64", "2,8,x,64"] {
        tune_writes_nothing(
            &["--shape", bad, "--budget", "8", "--space", TOY],
            &format!("--shape expects B,H,S,D as four positive integers, optionally followed by causal, kv_heads=N and kv_len=N, got '{bad}'"),
        );
    }
}

#[test]
fn a_head_dim_over_256_is_rejected() {
    tune_writes_nothing(
        &["--shape", "1,1,128,300", "--budget", "8", "--space", TOY],
        "head dimension D=300 is over the supported maximum of 256",
    );
}

#[test]
fn a_zero_budget_is_rejected() {
    tune_writes_nothing(
        &["--shape", "2,8,512,64", "--budget", "0", "--space", TOY],
        "--budget must be at least 1, got 0",
    );
}

#[test]
fn a_missing_space_file_is_rejected() {
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            "search_spaces/nope.toml",
        ],
        "--space file search_spaces/nope.toml does not exist",
    );
}

#[test]
fn a_malformed_space_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[params.A]\nvalues = 3\n").unwrap();
    tune_writes_nothing(
        &["--shape", "2,8,512,64", "--space", bad.to_str().unwrap()],
        &format!("search space {}", bad.display()),
    );
}

#[test]
fn a_constraint_naming_an_unknown_parameter_names_it() {
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            "tests/fixtures/toy_unknown.toml",
        ],
        "constraint 'THREADS * UNROL <= 1024' names unknown 'UNROL'",
    );
}

#[test]
fn a_template_with_a_syntax_error_names_the_template() {
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            "tests/fixtures/toy_bad_template.toml",
        ],
        "template tests/fixtures/bad.cu.tera",
    );
}

#[test]
fn constraints_that_no_point_satisfies_are_rejected() {
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            "tests/fixtures/toy_unsat.toml",
        ],
        "no point satisfies the constraints at shape 2,8,512,64",
    );
}

/// The confirmation stage's flags are checked before the GPU is looked for, so a run on the
/// GPU with a bad value is refused as bad input on any machine.
#[test]
fn one_confirmation_process_is_refused_before_the_gpu_is_looked_for() {
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            TOY,
            "--confirm-processes",
            "1",
        ],
        "--confirm-processes must be at least 2",
    );
}

/// The search's flags and the cache folder are judged before the GPU is looked for too: on a
/// machine without one, bad input is still named as bad input (exit 2), not hidden behind "no
/// GPU" (exit 1).
#[test]
fn search_flags_and_the_cache_folder_are_refused_before_the_gpu_is_looked_for() {
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            TOY,
            "--search",
            "steady",
            "--window",
            "0",
        ],
        "--window must be at least 1, got 0",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let cache = file.join("cache").display().to_string();
    tune_writes_nothing(
        &[
            "--shape",
            "2,8,512,64",
            "--space",
            TOY,
            "--cache-dir",
            &cache,
        ],
        &format!("--cache-dir {cache}: cannot write there"),
    );
}

#[test]
fn space_show_counts_raw_and_valid_points() {
    evotune()
        .args(["space", "show", TOY, "--arch", "sm_90a"])
        .assert()
        .success()
        .stdout(predicate::str::contains("raw size 40, valid 28"));
}

#[test]
fn render_is_deterministic_and_names_a_bad_key() {
    let args = [
        "render",
        "--space",
        TOY,
        "--config",
        "THREADS=64,UNROLL=4,SCALE_IN_SMEM=true",
    ];
    let a = evotune().args(args).output().unwrap();
    let b = evotune().args(args).output().unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stdout).contains("__launch_bounds__(64)"));
    evotune()
        .args([
            "render",
            "--space",
            TOY,
            "--config",
            "THREADS=64,UNROLL=4,SCALE_IN_SMEM=true,X=1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown parameter 'X'"));
    evotune()
        .args(["render", "--space", TOY, "--config", "THREADS=64,UNROLL=4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "missing parameter(s): SCALE_IN_SMEM",
        ));
}

#[test]
fn compile_without_gpu_or_arch_asks_for_arch() {
    if evotune_sees_a_gpu() {
        eprintln!("a GPU is present: the no-GPU message cannot be checked here");
        return;
    }
    evotune()
        .args(["compile", "--space", TOY])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --arch sm_90a"));
}

fn evotune_sees_a_gpu() -> bool {
    Path::new("/dev/nvidia0").exists()
}

/// Compiles the points `which` picks of `space` (none: every valid point) into a fresh cache
/// twice: all compile, then all come from the cache. Returns the first run's summary, the only
/// thing `--json` prints on stdout.
fn compiles_all_then_all_cached(space: &str, which: &[&str]) -> serde_json::Value {
    let cache = tempfile::tempdir().unwrap();
    let run = || {
        let out = evotune()
            .env("EVOTUNE_CACHE_DIR", cache.path())
            .args(["compile", "--space", space, "--arch", "sm_90a", "--json"])
            .args(which)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "compile failed:\n{stderr}");
        assert!(
            stderr.contains("variants "),
            "the human summary on stderr: {stderr}"
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("only JSON on stdout")
    };
    let first = run();
    assert_eq!(first["failed"], 0, "{first}");
    assert!(first["variants"].as_u64().unwrap() > 0);
    assert_eq!(
        first["compiled"].as_u64().unwrap() + first["cached"].as_u64().unwrap(),
        first["variants"].as_u64().unwrap()
    );
    let second = run();
    assert_eq!(second["compiled"], 0, "{second}");
    assert_eq!(second["cached"], first["variants"]);
    first
}

#[test]
fn toy_space_compiles_and_second_run_is_all_cached() {
    compiles_all_then_all_cached(TOY, &[]);
}

/// `compile --config --json`: stdout holds only the JSON summary (one variant), the ptxas report
/// goes to stderr.
#[test]
fn compile_of_one_config_with_json_prints_only_json() {
    let cache = tempfile::tempdir().unwrap();
    let out = evotune()
        .args(["compile", "--space", TOY, "--arch", "sm_90a", "--json"])
        .args(["--config", "default", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["variants"], 1, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("registers"));
}

/// Both families (mma.sync and TMA + wgmma) at 2,8,512,64, a covering sample: every value of
/// every parameter and every pair of values of two parameters that a valid point holds is
/// compiled at least once (all 593,132 valid points take days on two cores; `scripts/gpu-test.sh`
/// compiles every one, and every valid point renders differently, which
/// `every_valid_sdpa_fp8_point_renders_a_distinct_kernel` checks). A fresh cache holds nothing,
/// so "cached" counts variants whose source equals another's: none may, since a parameter that a
/// family ignores is pinned (its `when`) and every other one changes the kernel.
#[test]
fn a_covering_sample_of_the_sdpa_fp8_space_compiles_for_sm_90a() {
    let first = compiles_all_then_all_cached("search_spaces/sdpa_fp8.toml", &["--cover"]);
    let variants = first["variants"].as_u64().unwrap();
    assert!((40..1000).contains(&variants), "{first}");
    assert_eq!(
        first["cached"], 0,
        "two valid points render one kernel: {first}"
    );
}

/// Every valid point of the sdpa_fp8 space at 2,8,512,64 compiles for sm_90a: hours on two
/// cores, so ignored here; `scripts/gpu-test.sh` runs it (`--include-ignored`).
#[test]
#[ignore = "compiles every valid point: hours on two cores; run by scripts/gpu-test.sh"]
fn every_valid_point_of_the_sdpa_fp8_space_compiles_for_sm_90a() {
    let first = compiles_all_then_all_cached("search_spaces/sdpa_fp8.toml", &[]);
    assert_eq!(first["cached"], 0, "{first}");
}

/// Every valid point of the FP8 GEMM space (TMA + wgmma) compiles for sm_90a at a ragged problem
/// where clusters, splits and both tile orders are valid (5,890 points, about 16 minutes on two
/// cores), and no two render one kernel.
#[test]
fn every_valid_point_of_the_gemm_fp8_space_compiles_for_sm_90a() {
    let first =
        compiles_all_then_all_cached("search_spaces/gemm_fp8.toml", &["--gemm", "1000,1000,1024"]);
    assert_eq!(first["variants"], 5890, "{first}");
    assert_eq!(
        first["cached"], 0,
        "two valid points render one kernel: {first}"
    );
}

/// `compile --config` compiles one point and prints its ptxas report; with `--sass` it writes
/// the machine code and lists its loops.
#[test]
fn compile_config_prints_the_ptxas_report_and_the_loops() {
    let dir = tempfile::tempdir().unwrap();
    let sass = dir.path().join("gemm.sass");
    let out = evotune()
        .args([
            "compile",
            "--space",
            "search_spaces/gemm_fp8.toml",
            "--arch",
            "sm_90a",
        ])
        .args(["--gemm", "129,257,384", "--config", "default,STAGES=3"])
        .arg("--sass")
        .arg(&sass)
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("gemm_fp8 at GEMM 129,257,384 for sm_90a"),
        "{stdout}"
    );
    assert!(
        stdout.contains("spill stores 0 B  spill loads 0 B"),
        "{stdout}"
    );
    let code = std::fs::read_to_string(&sass).unwrap();
    assert!(code.contains("QGMMA"), "no FP8 wgmma in {}", sass.display());
    let wgmma_loop = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("loop at") && l.contains("QGMMA"));
    assert!(wgmma_loop.is_some(), "no loop holds QGMMA:\n{stdout}");
}

/// A `--config` that breaks a constraint is a usage error naming the flag and the constraint,
/// and nothing is compiled.
#[test]
fn compile_config_that_breaks_a_constraint_names_it() {
    let dir = tempfile::tempdir().unwrap();
    evotune()
        .args([
            "compile",
            "--space",
            "search_spaces/gemm_fp8.toml",
            "--arch",
            "sm_90a",
        ])
        .args(["--gemm", "1,64,16", "--config", "default,CLUSTER_M=2"])
        .arg("--cache-dir")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--config"))
        .stderr(predicate::str::contains("CLUSTER_M == 1 || M_TILES >= 2"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A GEMM space takes its problem from --gemm, an SDPA space from --shape; the wrong one is an
/// error naming the flag, before anything is compiled.
#[test]
fn a_space_takes_the_problem_flag_of_its_operation() {
    let show = |args: &[&str]| {
        evotune()
            .args(["space", "show"])
            .args(args)
            .args(["--arch", "sm_90a"])
            .assert()
    };
    show(&["search_spaces/gemm_fp8.toml"])
        .failure()
        .stderr(predicate::str::contains("--gemm"))
        .stderr(predicate::str::contains("is needed"));
    show(&["search_spaces/sdpa_fp8.toml", "--gemm", "64,64,64"])
        .failure()
        .stderr(predicate::str::contains("--gemm"))
        .stderr(predicate::str::contains("SDPA space"));
    show(&["search_spaces/gemm_fp8.toml", "--gemm", "64,0,64"])
        .failure()
        .stderr(predicate::str::contains("--gemm N = 0"))
        .stderr(predicate::str::contains("must be positive"));
    show(&[
        "search_spaces/gemm_fp8.toml",
        "--gemm",
        "64,64,64",
        "--causal",
    ])
    .failure()
    .stderr(predicate::str::contains("GEMM space"));
    show(&["search_spaces/gemm_fp8.toml", "--gemm", "4096,4096,4096"])
        .success()
        .stdout(predicate::str::contains("GEMM 4096,4096,4096  limits of"));
}

/// Several thousand valid points at a short and a long shape, across both families.
#[test]
fn the_sdpa_fp8_space_has_thousands_of_valid_points_at_d64_and_d128() {
    for shape in ["2,8,512,64", "8,16,8192,128"] {
        let out = evotune()
            .args(["space", "show", "search_spaces/sdpa_fp8.toml"])
            .args(["--shape", shape, "--arch", "sm_90a", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let census: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let valid = census["valid"].as_u64().unwrap();
        assert!(valid >= 3000, "{shape}: {census}");
    }
}

/// Runs a GPU command where no GPU exists: it must exit 1 with one line on stderr naming the
/// missing GPU, and create nothing under --out (regression guard for the GPU-first check).
fn gpu_command_without_gpu_writes_nothing(args: &[&str]) {
    if evotune_sees_a_gpu() {
        eprintln!(
            "SKIPPED LOUDLY: /dev/nvidia0 exists, so the no-GPU answer of `evotune {}` cannot be checked here",
            args[0]
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = evotune()
        .args(args)
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line, got:\n{stderr}");
    assert!(stderr.contains("no NVIDIA GPU available ("), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout");
    assert!(!out.exists(), "nothing may be written without a GPU");
}

#[test]
fn record_without_a_gpu_says_so_in_one_line_and_writes_nothing() {
    gpu_command_without_gpu_writes_nothing(&["record", "--shape", "2,8,512,64", "--limit", "4"]);
}

/// An existing log is refused (exit 2, naming --out and --resume) before anything else, and left
/// as it was; --resume needs --out.
#[test]
fn record_never_overwrites_an_existing_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("land.csv");
    std::fs::write(&log, "trial,generation\n0,0\n").unwrap();
    let output = evotune()
        .args([
            "record",
            "--shape",
            "2,8,512,64",
            "--out",
            log.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--out") && stderr.contains("--resume"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "trial,generation\n0,0\n"
    );
    let output = evotune().args(["record", "--resume"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--out"));
}

/// A landscape's timing flags are checked before the GPU is looked for: --reps under 10 and a
/// --timing-seconds of 0 name their flag (exit 2); --kernel-only with --no-timing is refused.
#[test]
fn record_names_a_bad_timing_flag() {
    let cases: [(&[&str], &str); 3] = [
        (&["--reps", "9"], "--reps must be at least 10"),
        (&["--timing-seconds", "0"], "--timing-seconds must be"),
        (&["--kernel-only", "--no-timing"], "--no-timing"),
    ];
    for (flags, expected) in cases {
        let output = evotune()
            .args(["record", "--shape", "2,8,512,64"])
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}

#[test]
fn bench_without_a_gpu_says_so_in_one_line_and_writes_nothing() {
    gpu_command_without_gpu_writes_nothing(&[
        "bench",
        "--shape",
        "2,8,512,64",
        "--config",
        "default",
        "--space",
        "tests/fixtures/reference_contract.toml",
    ]);
}

/// Bad input to the GPU commands is named as bad input (exit 2) on any machine, before the GPU
/// is looked for: a --set value outside the space, a config the space refuses, a short shape.
#[test]
fn gpu_commands_name_bad_input_before_looking_for_the_gpu() {
    tune_writes_nothing(
        &["--shape", "2,8,512,64", "--set", "BLOCK_N=100"],
        "--set BLOCK_N=100 is not one of",
    );
    tune_writes_nothing(
        &["bench", "--shape", "2,8,512,64", "--config", "BLOCK_N=100"],
        "BLOCK_N",
    );
    tune_writes_nothing(
        &["baseline", "--shape", "2,8,512"],
        "--shape expects B,H,S,D",
    );
    tune_writes_nothing(
        &["bench", "--gemm", "64,64", "--config", "default"],
        "--gemm",
    );
    tune_writes_nothing(&["record", "--shape", "2,8,512"], "--shape expects B,H,S,D");
}

/// A sweep run here (not replayed, not submitted to Slurm) looks for its GPU before it writes
/// its folder.
#[test]
fn sweep_without_a_gpu_says_so_in_one_line_and_writes_nothing() {
    gpu_command_without_gpu_writes_nothing(&["sweep", "--shapes", "2,8,512,64", "--no-db"]);
}

#[test]
fn baseline_without_a_gpu_says_so_in_one_line_and_writes_nothing() {
    gpu_command_without_gpu_writes_nothing(&["baseline", "--shape", "2,8,512,64"]);
}

/// `baseline --only` takes baseline names (the command gets as far as looking for the GPU) and
/// refuses any other, listing the names it knows (exit 2).
#[test]
fn baseline_only_takes_baseline_names_and_lists_them_for_another() {
    gpu_command_without_gpu_writes_nothing(&["baseline", "--only", "cudnn_fp8,floor"]);
    evotune()
        .args(["baseline", "--only", "cudnn_fp8,fa3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 'fa3' for '--only <NAMES>'",
        ))
        .stderr(predicate::str::contains("torch_math"));
}

/// `baseline --gemm` takes the GEMM's baselines: without a GPU it says so in one line and writes
/// nothing, as SDPA's path does, with or without `--only` naming the GEMM's baselines.
#[test]
fn baseline_gemm_without_a_gpu_says_so_in_one_line_and_writes_nothing() {
    gpu_command_without_gpu_writes_nothing(&["baseline", "--gemm", "64,64,64"]);
    gpu_command_without_gpu_writes_nothing(&[
        "baseline",
        "--gemm",
        "129,257,384",
        "--only",
        "cublaslt_fp8,cublas_fp16,scaled_mm,floor",
    ]);
}

/// A bad --gemm, --gemm beside SDPA's problem flags, and an --only name outside the problem's
/// registry are refused before the GPU is looked for (exit 2), each naming the flags to fix and,
/// for --only, listing the registry's names; nothing is written.
#[test]
fn baseline_gemm_refuses_bad_input_naming_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let cases: [(&[&str], &[&str]); 8] = [
        (&["--gemm", "64,64"], &["--gemm expects M,N,K", "'64,64'"]),
        (&["--gemm", "64,x,64"], &["--gemm expects M,N,K", "N = 'x'"]),
        (&["--gemm", "0,64,64"], &["--gemm M = 0"]),
        (
            &["--gemm", "64,64,64", "--shape", "2,8,512,64"],
            &["'--gemm <M,N,K>' cannot be used with '--shape <B,H,S,D>'"],
        ),
        (
            &["--gemm", "64,64,64", "--causal"],
            &["'--gemm <M,N,K>' cannot be used with '--causal'"],
        ),
        (
            &["--gemm", "64,64,64", "--kv-heads", "2"],
            &["'--gemm <M,N,K>' cannot be used with '--kv-heads <N>'"],
        ),
        (
            &["--gemm", "64,64,64", "--only", "floor,math"],
            &[
                "--only takes the GEMM's baselines with --gemm: cublaslt_fp8, cublas_fp16, floor, \
                 scaled_mm; 'math' is not one of them",
            ],
        ),
        (
            &["--only", "cublaslt_fp8"],
            &[
                "--only takes SDPA's baselines without --gemm: math, floor, flash, cudnn, \
                 torch_math, cudnn_fp8; 'cublaslt_fp8' is not one of them",
            ],
        ),
    ];
    for (flags, expected) in cases {
        let output = evotune()
            .arg("baseline")
            .args(flags)
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        for needle in expected {
            assert!(stderr.contains(needle), "{flags:?}: {stderr}");
        }
        assert!(!out.exists(), "{flags:?} wrote {}", out.display());
    }
}

/// `baseline --help` offers --gemm and names the GEMM's records under --out.
#[test]
fn baseline_help_offers_the_gemm_and_its_records() {
    let out = evotune().args(["baseline", "--help"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--gemm <M,N,K>"), "{help}");
    assert!(
        help.contains("baseline_{cublaslt_fp8,cublas_fp16,floor,scaled_mm}.json"),
        "{help}"
    );
}

/// Every flush mode parses (the command gets as far as looking for the GPU); anything else,
/// and --flush beside --no-flush, is refused by name before that (exit 2).
#[test]
fn bench_and_baseline_take_the_four_flush_modes_and_refuse_others() {
    let bench = [
        "bench",
        "--shape",
        "2,8,512,64",
        "--config",
        "default",
        "--space",
        "tests/fixtures/reference_contract.toml",
    ];
    let baseline = ["baseline", "--shape", "2,8,512,64"];
    for command in [&bench[..], &baseline[..]] {
        for mode in ["memset", "read", "write-read", "none"] {
            gpu_command_without_gpu_writes_nothing(&[command, &["--flush", mode]].concat());
        }
        gpu_command_without_gpu_writes_nothing(&[command, &["--no-flush"]].concat());
        evotune()
            .args(command)
            .args(["--flush", "cold"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "invalid value 'cold' for '--flush <MODE>'",
            ))
            .stderr(predicate::str::contains(
                "[possible values: memset, read, write-read, none]",
            ));
        evotune()
            .args(command)
            .args(["--flush", "read", "--no-flush"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot be used with"));
    }
}

#[test]
fn help_teaches_the_flush_modes_and_the_gate_protocols() {
    let help = |args: &[&str]| {
        let out = evotune().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for command in ["bench", "baseline"] {
        let text = help(&[command, "--help"]);
        for needle in [
            "--flush <MODE>",
            "- read:",
            "- write-read:",
            "- none:",
            "[default: memset]",
            "--no-flush",
            "The same as --flush none",
        ] {
            assert!(
                text.contains(needle),
                "{command} --help lacks {needle:?}:\n{text}"
            );
        }
    }
    let baseline = help(&["baseline", "--help"]);
    assert!(
        baseline.contains("Every baseline is timed under both protocols"),
        "{baseline}"
    );
    let gate = help(&["gate", "--help"]);
    for needle in [
        "--protocol <PROTOCOL>",
        "- cold:",
        "- warm:",
        "[default: cold]",
    ] {
        assert!(
            gate.contains(needle),
            "gate --help lacks {needle:?}:\n{gate}"
        );
    }
    evotune()
        .args([
            "gate",
            "--run",
            "tests/fixtures/run_fixture",
            "--min-speedup",
            "1",
        ])
        .args(["--protocol", "hot"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 'hot' for '--protocol <PROTOCOL>'",
        ));
}

#[test]
fn worker_without_a_gpu_sends_a_fatal_hello_and_exits_1() {
    if evotune_sees_a_gpu() {
        eprintln!("SKIPPED LOUDLY: /dev/nvidia0 exists, so the worker's no-GPU hello cannot be checked here");
        return;
    }
    let output = evotune()
        .args(["worker", "--device", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let hello: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let fatal = hello["fatal"].as_str().unwrap();
    assert!(fatal.starts_with("no NVIDIA GPU available ("), "{fatal}");
}

#[test]
fn the_reference_contract_test_space_compiles_for_sm_90a() {
    compiles_all_then_all_cached("tests/fixtures/reference_contract.toml", &[]);
}

/// Regression: `space show DIR` said "--space file DIR does not exist".
#[test]
fn space_show_of_a_folder_says_it_is_a_folder() {
    evotune()
        .args(["space", "show", "search_spaces"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "search space search_spaces: is a directory, not a space file",
        ));
}

/// Regression: a constraint that fails to evaluate gave the evaluator's message without saying
/// which constraint it was.
#[test]
fn a_constraint_that_fails_to_evaluate_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/toy.cu.tera");
    let text = std::fs::read_to_string(TOY)
        .unwrap()
        .replace(
            "\"UNROLL <= 4 || THREADS >= 128\"",
            "\"SCALE_IN_SMEM + 1 > 0\"",
        )
        .replace(
            "\"toy.cu.tera\"",
            &format!("{:?}", template.to_str().unwrap()),
        );
    let space = dir.path().join("bad.toml");
    std::fs::write(&space, text).unwrap();
    evotune()
        .args(["space", "show", space.to_str().unwrap(), "--arch", "sm_90a"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "constraint 'SCALE_IN_SMEM + 1 > 0': ",
        ));
}

/// Regression: `4294967296,4294967296,1,64` failed with evalexpr's "Error multiplying", and B·H
/// over the grid's y limit or tensors larger than any GPU were accepted.
#[test]
fn a_shape_that_cannot_be_launched_names_the_shape_flag() {
    for (shape, expect) in [
        (
            "4294967296,4294967296,1,64",
            "--shape B·H = 4294967296·4294967296",
        ),
        (
            "256,257,512,64",
            "is over 65535, the largest grid y dimension",
        ),
        (
            "64,64,1048576,128",
            "more than the 140 GiB of the largest Hopper GPU",
        ),
    ] {
        tune_writes_nothing(&["--shape", shape, "--space", TOY], expect);
    }
}

/// Regression: `bench --help` showed "[default: eval::DEFAULT_TOLERANCE]".
#[test]
fn bench_help_shows_the_default_tolerance_as_numbers() {
    // bench, tune and sweep take a GEMM problem too: each names the GEMM's relative tolerance.
    for command in [&["bench", "--help"][..], &["--help"], &["sweep", "--help"]] {
        evotune()
            .args(command)
            .assert()
            .success()
            .stdout(predicate::str::contains("[default: 0.03]"))
            .stdout(predicate::str::contains(
                "[default: 0.0625] (a GEMM's: 0.015625)",
            ))
            .stdout(predicate::str::contains("DEFAULT_TOLERANCE").not());
    }
}

/// `--config default,K=V`: the default with one parameter changed; a full config still needs
/// every parameter.
#[test]
fn render_takes_a_partial_config_over_the_default() {
    let partial = evotune()
        .args(["render", "--space", TOY, "--config", "default,THREADS=64"])
        .output()
        .unwrap();
    let full = evotune()
        .args(["render", "--space", TOY])
        .args(["--config", "THREADS=64,UNROLL=2,SCALE_IN_SMEM=false"])
        .output()
        .unwrap();
    assert!(partial.status.success(), "{partial:?}");
    assert_eq!(partial.stdout, full.stdout);
}

/// Regression: the OS error was printed twice ("… (os error 2): No such file or directory
/// (os error 2)").
#[test]
fn a_missing_file_names_its_os_error_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = evotune()
        .args(["sweep", "--campaign", "no/such.toml", "--out"])
        .arg(dir.path().join("sweep"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--campaign no/such.toml: cannot read it"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

/// Runs evotune with `args` and its standard output a pipe already closed at the other end
/// (what `| head -1` leaves once head has its line); its exit status and standard error.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("evotune"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Regression: `evotune db list | head -1` (any command whose standard output closes) panicked
/// with "failed printing to stdout: Broken pipe", exit 101. It ends quietly, with 141 (128 +
/// SIGPIPE, as a shell reports a tool that signal ended).
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    evotune()
        .args([
            "--shape",
            "2,8,512,64",
            "--space",
            "data/landscapes/sdpa_fp8_mma.toml",
        ])
        .args([
            "--replay",
            "data/landscapes/h100_sdpa_fp8_2-8-512-64.csv",
            "--budget",
            "8",
        ])
        .args(["--out", dir.path().join("run").to_str().unwrap()])
        .args(["--db", db.to_str().unwrap()])
        .assert()
        .success();
    let commands: [&[&str]; 3] = [
        &["db", "--db", db.to_str().unwrap(), "list"],
        &["space", "show", TOY],
        &["--help"],
    ];
    for args in commands {
        let (code, stderr) = with_closed_stdout(args);
        assert_eq!(code, Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
