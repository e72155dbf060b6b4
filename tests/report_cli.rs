//! Integration tests of the run-folder commands (`evotune ncu`, `evotune report`,
//! `evotune gate`) and of repro.sh, on recorded fixture artifacts: no GPU, no real ncu.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const RUN: &str = "tests/fixtures/run_fixture";

fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// stderr as text, and how many non-empty lines it has.
fn stderr_lines(out: &std::process::Output) -> (String, usize) {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let n = text.lines().filter(|l| !l.trim().is_empty()).count();
    (text, n)
}

/// A run folder holding only the fixture's topk.json (what `evotune ncu` needs).
fn run_with_topk() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(run.join("tune")).unwrap();
    std::fs::copy(
        root().join(RUN).join("tune/topk.json"),
        run.join("tune/topk.json"),
    )
    .unwrap();
    (dir, run)
}

// ---- report ----

#[test]
fn report_renders_the_fixture_run_with_plots_and_latest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    evotune()
        .args(["report", "--run", RUN, "--reports-dir"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::ends_with("run_fixture.md\n"));
    let md = std::fs::read_to_string(out.join("run_fixture.md")).unwrap();
    assert!(md.contains("## Status and next actions") && md.contains("**NOT MET**"));
    assert_eq!(md, std::fs::read_to_string(out.join("latest.md")).unwrap());
    for svg in ["convergence.svg", "latency.svg"] {
        let text = std::fs::read_to_string(out.join("run_fixture").join(svg)).unwrap();
        assert!(text.starts_with("<?xml") && text.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn report_target_against_baseline_a_is_met() {
    let dir = tempfile::tempdir().unwrap();
    evotune()
        .args([
            "report",
            "--run",
            RUN,
            "--target",
            "2",
            "--target-vs",
            "baseline_a",
        ])
        .arg("--reports-dir")
        .arg(dir.path())
        .assert()
        .success();
    let md = std::fs::read_to_string(dir.path().join("latest.md")).unwrap();
    assert!(md.contains("**MET**"), "{md}");
}

#[test]
fn report_bad_input_names_the_flag() {
    evotune()
        .args(["report", "--run", "tests/fixtures/no_such_run"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--run tests/fixtures/no_such_run is not a run folder",
        ));
    evotune()
        .args(["report", "--run", RUN, "--target", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--target must be a number > 0, got 0",
        ));
}

// ---- gate ----

#[test]
fn gate_passes_when_the_lower_bound_meets_the_minimum() {
    evotune()
        .args(["gate", "--run", RUN, "--min-speedup", "2.5"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "gate passed: cold speedup vs baseline A (math)",
        ));
}

#[test]
fn gate_fails_with_one_line_saying_by_how_much() {
    let out = evotune()
        .args(["gate", "--run", RUN, "--min-speedup", "15"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (text, lines) = stderr_lines(&out);
    assert_eq!(lines, 1, "{text}");
    assert!(
        text.contains("gate failed: cold speedup vs baseline A (math)"),
        "{text}"
    );
    assert!(text.contains("< 15× required, missed by 12.4"), "{text}");
}

#[test]
fn gate_against_baseline_b_fails_on_the_fixture() {
    evotune()
        .args([
            "gate",
            "--run",
            RUN,
            "--min-speedup",
            "1",
            "--vs",
            "baseline_b",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("baseline B (cudnn)")
                .and(predicate::str::contains("missed by 0.0")),
        );
}

#[test]
fn gate_against_cudnn_fp8_reads_its_record() {
    evotune()
        .args([
            "gate",
            "--run",
            RUN,
            "--min-speedup",
            "0.95",
            "--vs",
            "cudnn_fp8",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "gate passed: cold speedup vs cuDNN FP8 (cudnn_fp8)",
        ));
    evotune()
        .args([
            "gate",
            "--run",
            RUN,
            "--min-speedup",
            "1",
            "--vs",
            "cudnn_fp8",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "gate failed: cold speedup vs cuDNN FP8 (cudnn_fp8)",
        ));
}

#[test]
fn gate_regression_against_a_stored_topk_and_a_saved_result() {
    let topk = format!("{RUN}/tune/topk.json");
    evotune()
        .args([
            "gate",
            "--run",
            RUN,
            "--baseline",
            &topk,
            "--max-regression",
            "0",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "+0.0 %, within --max-regression 0 %",
        ));
    // A stored result 10% faster than the fixture's best: a regression of 11.1%.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("gate.json");
    evotune()
        .args(["gate", "--run", RUN, "--min-speedup", "1", "--save"])
        .arg(&saved)
        .assert()
        .success();
    let mut g: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    g["best_p50_us"] = serde_json::json!(13.12 * 0.9);
    g["samples_us"] = serde_json::json!([]);
    std::fs::write(&saved, g.to_string()).unwrap();
    let out = evotune()
        .args(["gate", "--run", RUN, "--max-regression", "5", "--baseline"])
        .arg(&saved)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (text, lines) = stderr_lines(&out);
    assert_eq!(lines, 1, "{text}");
    assert!(
        text.contains("+11.1 %, over --max-regression 5 % by 6.1 points"),
        "{text}"
    );
}

#[test]
fn gate_bad_input_exits_2_naming_the_flag() {
    let cases: [(&[&str], &str); 5] = [
        (&["gate", "--run", RUN], "--min-speedup is required"),
        (
            &["gate", "--run", RUN, "--min-speedup=-3"],
            "--min-speedup must be a number > 0",
        ),
        (
            &["gate", "--run", "tests/fixtures", "--min-speedup", "2"],
            "--run tests/fixtures is not a tuned run folder",
        ),
        (
            &[
                "gate",
                "--run",
                RUN,
                "--baseline",
                "nope.json",
                "--max-regression",
                "5",
            ],
            "--baseline nope.json",
        ),
        (
            &["gate", "--run", RUN, "--baseline", "x.json"],
            "--max-regression",
        ),
    ];
    for (args, expect) in cases {
        evotune()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expect));
    }
}

/// An output path under a file is bad input: refused before any work with exit 2, naming the
/// flag and the path, and nothing is written (the file is unchanged).
#[test]
fn an_output_path_that_cannot_be_written_names_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let under = |name: &str| file.join(name).display().to_string();
    let (reports, md, save, cache) = (
        under("reports"),
        under("r.md"),
        under("g.json"),
        under("cache"),
    );
    let cases: [(Vec<&str>, &str, &str); 4] = [
        (
            vec!["report", "--run", RUN, "--reports-dir", &reports],
            "--reports-dir ",
            &reports,
        ),
        (
            vec![
                "report",
                "--sweep",
                "data/sweeps/h200-20261203",
                "--out",
                &md,
            ],
            "--out ",
            &md,
        ),
        (
            vec!["gate", "--run", RUN, "--min-speedup", "1", "--save", &save],
            "--save ",
            &save,
        ),
        (
            vec![
                "compile",
                "--arch",
                "sm_90a",
                "--limit",
                "1",
                "--cache-dir",
                &cache,
            ],
            "--cache-dir ",
            &cache,
        ),
    ];
    for (args, flag, path) in cases {
        let out = evotune().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("{flag}{path}: cannot write there")),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    }
}

// ---- ncu ----

#[test]
fn ncu_at_a_missing_path_says_so_and_records_it() {
    let (_dir, run) = run_with_topk();
    let out = evotune()
        .args(["ncu", "--ncu", "/nowhere/ncu", "--run"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (text, lines) = stderr_lines(&out);
    assert_eq!(lines, 1, "{text}");
    assert!(
        text.contains("ncu not found at /nowhere/ncu (--ncu)"),
        "{text}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("ncu/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "unavailable");
    assert_eq!(summary["reason"], "ncu not found at /nowhere/ncu (--ncu)");
}

#[test]
fn ncu_absent_from_path_says_so() {
    if Path::new("/usr/local/cuda/bin/ncu").exists() {
        eprintln!("not run: /usr/local/cuda/bin/ncu exists here, so ncu is never absent");
        return;
    }
    let (_dir, run) = run_with_topk();
    evotune()
        .env("PATH", "/nonexistent")
        .args(["ncu", "--run"])
        .arg(&run)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "ncu not found on PATH nor at /usr/local/cuda/bin/ncu",
        ));
}

/// A stand-in for ncu: lists the fixture's metrics, "profiles" by creating the report file,
/// and exports the fixture CSVs; with `refuse`, answers as ncu does without counter access.
fn fake_ncu(dir: &Path, refuse: bool) -> PathBuf {
    let fixtures = root().join("tests/fixtures/ncu");
    let body = if refuse {
        "echo '==ERROR== ERR_NVGPUCTRPERM - The user does not have permission to access NVIDIA GPU Performance Counters on the target device 0.'; exit 1".to_string()
    } else {
        format!(
            r#"case "$1" in
  --version) echo "NVIDIA (R) Nsight Compute Command Line Profiler"; echo "Version 0.0.0 (test stand-in)"; exit 0;;
  --query-metrics) cat '{f}/query_metrics.txt'; exit 0;;
  --import) case "$2" in *baseline_math*) cat '{f}/baseline_math.raw.csv';; *) cat '{f}/elite_1.raw.csv';; esac; exit 0;;
esac
while [ $# -gt 0 ]; do if [ "$1" = --export ]; then : > "$2.ncu-rep"; fi; shift; done"#,
            f = fixtures.display()
        )
    };
    let path = dir.join(if refuse { "ncu_refusing" } else { "ncu" });
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn ncu_profiles_the_baseline_and_top_elites_into_a_summary() {
    let (dir, run) = run_with_topk();
    let ncu = fake_ncu(dir.path(), false);
    evotune()
        .args(["ncu", "--top", "2", "--run"])
        .arg(&run)
        .arg("--ncu")
        .arg(&ncu)
        .assert()
        .success();
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("ncu/summary.json")).unwrap()).unwrap();
    assert_eq!(s["status"], "ok");
    assert_eq!(s["metric_names_verified"], true);
    let names: Vec<&str> = s["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["baseline_math", "elite_1", "elite_2"]);
    assert_eq!(s["profiles"][0]["kernels"].as_array().unwrap().len(), 3);
    assert_eq!(s["profiles"][1]["total"]["duration_us"], 13.184);
    assert!(run.join("ncu/elite_1.ncu-rep").is_file() && run.join("ncu/elite_1.csv").is_file());
    assert!(
        !run.join("ncu.new").exists(),
        "the session's staging folder is gone"
    );
    let work = run.join("ncu/work/elite_1").display().to_string();
    let command = s["profiles"][1]["command"].as_array().unwrap();
    assert!(command.iter().any(|a| a == &work), "{command:?}");
}

/// Every file under `dir` with its bytes, sorted by path.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(tree(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

/// An ncu that runs and lists the fixture's metrics but fails every profile.
fn failing_ncu(dir: &Path) -> PathBuf {
    let metrics = root().join("tests/fixtures/ncu/query_metrics.txt");
    let body = format!(
        r#"case "$1" in
  --version) echo "Version 0.0.0 (test stand-in)"; exit 0;;
  --query-metrics) cat '{}'; exit 0;;
esac
echo '==ERROR== the application failed'; exit 1"#,
        metrics.display()
    );
    let path = dir.join("ncu_failing");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Regression: `evotune ncu` on a machine without ncu replaced a run's real ncu/summary.json
/// with an "unavailable" one. A session that profiles nothing (ncu missing, or failing every
/// profile) leaves an earlier profile and the whole run folder as they were, and says so.
#[test]
fn ncu_that_profiles_nothing_keeps_an_earlier_profile_and_writes_nothing() {
    let (dir, run) = run_with_topk();
    std::fs::create_dir_all(run.join("ncu")).unwrap();
    let fixture = root().join(RUN).join("ncu/summary.json");
    std::fs::copy(fixture, run.join("ncu/summary.json")).unwrap();
    std::fs::write(run.join("ncu/elite_1.ncu-rep"), "an earlier report").unwrap();
    let before = tree(&run);
    let failing = failing_ncu(dir.path());
    let cases = [
        ("/nowhere/ncu", "ncu not found at /nowhere/ncu (--ncu)"),
        (failing.to_str().unwrap(), "every profile failed"),
    ];
    for (ncu, why) in cases {
        let out = evotune()
            .args(["ncu", "--ncu", ncu, "--run"])
            .arg(&run)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let (text, _) = stderr_lines(&out);
        assert!(
            text.contains(why) && text.contains("keeps the earlier profile (partial), unchanged"),
            "{text}"
        );
        assert!(tree(&run) == before, "{ncu}: the run folder changed");
    }
}

#[test]
fn ncu_refused_the_counters_says_so() {
    let (dir, run) = run_with_topk();
    let ncu = fake_ncu(dir.path(), true);
    let out = evotune()
        .args(["ncu", "--run"])
        .arg(&run)
        .arg("--ncu")
        .arg(&ncu)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (text, lines) = stderr_lines(&out);
    assert_eq!(lines, 1, "{text}");
    assert!(text.contains("ERR_NVGPUCTRPERM"), "{text}");
    let s = std::fs::read_to_string(run.join("ncu/summary.json")).unwrap();
    assert!(s.contains("\"status\": \"refused\""), "{s}");
}

#[test]
fn ncu_bad_input_exits_2() {
    evotune()
        .args(["ncu", "--run", "tests/fixtures"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--run tests/fixtures has no tune/topk.json",
        ));
    evotune()
        .args(["ncu", "--run", RUN, "--top", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--top must be at least 1, got 0"));
}

// ---- repro.sh ----

#[test]
fn repro_without_an_nvidia_gpu_says_so_in_one_line_before_building() {
    let out = std::process::Command::new("bash")
        .arg(root().join("repro.sh"))
        .env("PATH", "/usr/bin:/bin")
        .env("EVOTUNE_NVIDIA_SMI", "/nonexistent/nvidia-smi")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let (text, lines) = stderr_lines(&out);
    assert_eq!(lines, 1, "{text}");
    assert!(text.contains("no NVIDIA GPU"), "{text}");
    assert!(out.stdout.is_empty(), "nothing else happens");
}
