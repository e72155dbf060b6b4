//! Integration tests of a GEMM tune with the replay evaluator (no GPU): the run folder records
//! the GEMM's problem and tolerance, the search keeps the best of its trials, a resumed run
//! repeats none, the report and the gate read the run as a GEMM's, and flags that do not fit a
//! GEMM are named. The landscape is synthetic — times from a formula of the point's index,
//! written by the tests (tests/common/gemm.rs) — so nothing here is a measurement.

mod common;

use assert_cmd::Command;
use common::gemm::gemm_landscape;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SPACE: &str = common::gemm::GEMM_SPACE;
const PROBLEM: &str = "1024,1024,512";

fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("EVOTUNE_DB");
    cmd
}

/// The synthetic landscape at [`PROBLEM`], its best point at 20 µs. Returns the log's path.
fn synthetic_landscape(dir: &Path) -> PathBuf {
    gemm_landscape(&dir.join("synthetic.csv"), PROBLEM, 20.0)
}

/// A replayed GEMM tune of `budget` trials into `out`.
fn tune(log: &Path, out: &Path, budget: usize) -> std::process::Output {
    evotune()
        .args(["--gemm", PROBLEM, "--replay", log.to_str().unwrap()])
        .args(["--budget", &budget.to_string(), "--no-db"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The kernel-only medians of the ok rows of a tune log, in order.
fn logged_times(out: &Path) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(out.join("tune/tune_log.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (outcome, p50) = (column("outcome"), column("p50_us"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[outcome] == "ok")
        .map(|r| r[p50].parse().unwrap())
        .collect()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_gemm_run_records_its_problem_keeps_its_best_and_resumes_without_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_landscape(dir.path());
    let out = dir.path().join("run");
    let o = tune(&log, &out, 48);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("tuned {PROBLEM} over {SPACE}")),
        "{stdout}"
    );

    let gemm = serde_json::json!({"m": 1024, "n": 1024, "k": 512});
    let manifest = json(&out.join("manifest.json"));
    assert_eq!(manifest["shape"], gemm);
    assert_eq!(manifest["space"], SPACE);
    assert_eq!(
        manifest["tolerance"]["rtol"], 0.015625,
        "the GEMM's own tolerance"
    );
    let topk = json(&out.join("tune/topk.json"));
    assert_eq!(topk["shape"], gemm);
    assert_eq!(topk["flops"], 2.0 * 1024.0 * 1024.0 * 512.0);
    let times = logged_times(&out);
    assert_eq!(times.len(), 48, "every synthetic answer is ok");
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    let top = topk["elites"][0]["record"]["p50_us"].as_f64().unwrap();
    assert!(
        (top - best).abs() < 1e-9,
        "best {top} µs, the log's least {best} µs"
    );

    let o = evotune()
        .args([
            "--resume",
            out.to_str().unwrap(),
            "--budget",
            "80",
            "--no-db",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = std::fs::read_to_string(out.join("tune/tune_log.csv")).unwrap();
    // The config is the columns after trial and generation, one per parameter of the space
    // (regression: a fixed count of 13 columns missed parameters added to the space since).
    let space_file = Path::new(env!("CARGO_MANIFEST_DIR")).join(SPACE);
    let params = evotune::space::load(&space_file).unwrap().params.len();
    let configs: Vec<String> = rows
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .skip(2)
                .take(params)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(configs.len(), 80);
    let distinct: std::collections::HashSet<&String> = configs.iter().collect();
    assert_eq!(distinct.len(), 80, "a resumed run repeats no config");
    assert_eq!(json(&out.join("manifest.json"))["shape"], gemm);
}

#[test]
fn the_report_and_the_gate_read_a_gemm_run_with_the_gemms_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_landscape(dir.path());
    let out = dir.path().join("run");
    assert!(tune(&log, &out, 24).status.success());
    let reports = dir.path().join("reports");
    let o = evotune()
        .args(["report", "--run", out.to_str().unwrap()])
        .args(["--reports-dir", reports.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_to_string(reports.join("run.md")).unwrap();
    for expected in [
        "GEMM 1024,1024,512 (M,N,K)",
        "GFLOP per product (2·M·N·K)",
        "speedup vs vendor [95% CI] | speedup vs fp16 [95% CI]",
        "cuBLASLt FP8 (cuBLASLt's FP8 matmul on the candidates' e4m3 inputs, the kernel to beat: \
         `gate --vs cublaslt_fp8`) is missing: bench/baseline_cublaslt_fp8.json is missing",
        "evotune baseline --gemm 1024,1024,512 --out",
        "faster than cuBLASLt FP8",
    ] {
        assert!(md.contains(expected), "{expected}\n{md}");
    }
    assert!(
        !md.contains("Baseline A") && !md.contains("repro.sh"),
        "{md}"
    );

    // No vendor record yet: the gate cannot judge, and says which record it needs.
    let gate = |extra: &[&str]| {
        evotune()
            .args(["gate", "--run", out.to_str().unwrap(), "--min-speedup", "1"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = gate(&[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cublaslt_fp8"), "{}", stderr(&o));
    // An SDPA comparison is not one of this run's.
    let o = gate(&["--vs", "cudnn_fp8"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("--vs")
            && e.contains("cudnn_fp8 is not a baseline of this run's operation (GEMM)"),
        "{e}"
    );
    assert!(
        e.contains("cublaslt_fp8, cublas_fp16, scaled_mm, floor"),
        "{e}"
    );

    // A synthetic vendor record 5× slower than the synthetic landscape's times: the gate passes.
    let record = serde_json::json!({
        "baseline": "cublaslt_fp8",
        "status": "ok",
        "implementation": "synthetic record written by this test, not a measurement",
        "shape": {"m": 1024, "n": 1024, "k": 512},
        "flops": 2.0 * 1024.0 * 1024.0 * 512.0,
        "kernel_time": {
            "method": "synthetic", "p50_us": 150.0, "p10_us": 149.0, "p90_us": 151.0,
            "ci_lo_us": 149.0, "ci_hi_us": 151.0, "samples_us": [149.0, 150.0, 151.0]
        }
    });
    std::fs::create_dir_all(out.join("bench")).unwrap();
    let path = out.join("bench/baseline_cublaslt_fp8.json");
    std::fs::write(&path, record.to_string()).unwrap();
    let o = gate(&[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}{stdout}", stderr(&o));
    assert!(
        stdout.contains("gate passed") && stdout.contains("cuBLASLt FP8"),
        "{stdout}"
    );
}

#[test]
fn flags_that_do_not_fit_a_gemm_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_landscape(dir.path());
    let log = log.to_str().unwrap();
    let out = dir.path().join("never");
    let refused = |args: &[&str], expect: &str| {
        let o = evotune()
            .args(args)
            .args(["--out", out.to_str().unwrap(), "--no-db"])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{args:?} was accepted");
        let e = stderr(&o);
        assert!(e.contains(expect), "{args:?}: {e}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    };
    refused(&["--gemm", "64,0,64", "--replay", log], "--gemm N = 0");
    refused(&["--gemm", PROBLEM, "--causal", "--replay", log], "--gemm");
    refused(&["--gemm", PROBLEM, "--shape", "2,8,512,64"], "--shape");
    refused(
        &["--shape", "2,8,512,64", "--space", SPACE, "--replay", log],
        "is a gemm space",
    );
    refused(
        &["--gemm", "512,1024,512", "--replay", log],
        "1024,1024,512",
    );
}

/// Every command that takes --gemm opens the GEMM space when --space is left out, as the tune
/// does (it used to open the SDPA space and refuse the problem).
#[test]
fn gemm_commands_default_to_the_gemm_space() {
    let o = evotune()
        .args(["render", "--gemm", PROBLEM, "--config", "default"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let source = String::from_utf8_lossy(&o.stdout);
    assert!(source.contains("gemm_fp8_wgmma.cu.tera"), "{source}");
    let o = evotune()
        .args(["render", "--config", "default"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let source = String::from_utf8_lossy(&o.stdout);
    assert!(
        !source.contains("gemm_fp8_wgmma.cu.tera"),
        "SDPA by default"
    );
}
