//! `evotune sweep --slurm-dry-run` and the sbatch script it writes, without Slurm: the script
//! is run by hand as array tasks (bash, SLURM_ARRAY_TASK_ID), a TERM leaves its reason, a done
//! problem is not tuned again, `--status` reads the run folders, the shards merge; bad Slurm
//! flags name themselves. tests/slurm.rs runs the same against a real Slurm.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const LOG: &str = "data/landscapes/h100_sdpa_fp8_2-8-512-64.csv";
const SPACE: &str = "data/landscapes/sdpa_fp8_mma.toml";

fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn dry_run(out: &Path) -> Vec<String> {
    let args = ["sweep", "--space", SPACE, "--replay", LOG, "--budget", "24"];
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(["--replay-delay-ms".into(), "50".into(), "--out".into()]);
    v.push(out.display().to_string());
    v.extend(["--shapes", "2,8,512,64", "1,8,512,64", "--slurm-dry-run"].map(String::from));
    v
}

/// Runs the script as array task `i`, as a node would (from another folder).
fn task(script: &Path, i: usize) -> std::process::Command {
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(script)
        .env("SLURM_ARRAY_TASK_ID", i.to_string())
        .current_dir("/")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn state(sweep: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(sweep.join(name).join("task.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn log_rows(sweep: &Path, name: &str) -> usize {
    let log = sweep.join(name).join("tune/tune_log.csv");
    std::fs::read_to_string(log).map_or(0, |t| t.lines().count())
}

fn status(sweep: &Path) -> String {
    let out = evotune()
        .args(["sweep", "--status", sweep.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_script_runs_by_hand_as_array_tasks_and_a_term_leaves_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("sweep");
    evotune()
        .args(dry_run(&sweep))
        .assert()
        .success()
        .stdout(predicate::str::contains("(array 0-1: 2 problems)"))
        .stdout(predicate::str::contains("dry run: submit it with `sbatch"));
    let script = sweep.join("slurm/sweep.sbatch");
    assert!(sweep.join("sweep.json").is_file());
    assert!(
        !sweep.join("slurm/jobs.json").exists(),
        "a dry run submits nothing"
    );
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status();
    assert!(check.unwrap().success(), "bash -n {}", script.display());

    // Task 0 to its end: done, recorded in its shard; run again, it tunes nothing.
    let out = task(&script, 0).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(state(&sweep, "2-8-512-64")["state"], "done");
    assert_eq!(log_rows(&sweep, "2-8-512-64"), 25);
    assert!(sweep.join("shards/2-8-512-64.db").is_file());
    let log = sweep.join("2-8-512-64/tune/tune_log.csv");
    let modified = std::fs::metadata(&log).unwrap().modified().unwrap();
    let again = task(&script, 0).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("already done"));
    assert_eq!(
        std::fs::metadata(&log).unwrap().modified().unwrap(),
        modified
    );

    // Task 1, sent TERM mid-way (what scancel does): cancelled, with the reason.
    let mut child = task(&script, 1).spawn().unwrap();
    let start = Instant::now();
    while log_rows(&sweep, "1-8-512-64") < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "task 1 never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(child.wait().unwrap().code(), Some(143));
    let cancelled = state(&sweep, "1-8-512-64");
    assert_eq!(cancelled["state"], "cancelled");
    assert!(cancelled["reason"]
        .as_str()
        .unwrap()
        .starts_with("received SIGTERM: scancel"));
    let table = status(&sweep);
    assert!(
        table.contains("2 problems: 1 done, 0 running, 1 failed, 0 pending"),
        "{table}"
    );
    assert!(
        table.contains("1-8-512-64  failed   cancelled: received SIGTERM"),
        "{table}"
    );

    // Re-submission takes only the unfinished problem, and keeps the options.
    evotune()
        .args([
            "sweep",
            "--resume",
            sweep.to_str().unwrap(),
            "--slurm-dry-run",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("(array 1: 1 problem)"));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("#SBATCH --array=1\n"), "{text}");
    assert!(sweep.join("sweep.json").is_file());
    let merged = merge(dir.path(), &sweep);
    assert!(merged.contains("1 rows added"), "{merged}");
}

/// `db merge` of the sweep folder: its shards.
fn merge(root: &Path, sweep: &Path) -> String {
    let db: PathBuf = root.join("all.db");
    let out = evotune()
        .args([
            "db",
            "--db",
            db.to_str().unwrap(),
            "merge",
            sweep.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bad_slurm_input_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let base = [
        "sweep",
        "--space",
        SPACE,
        "--replay",
        LOG,
        "--shapes",
        "2,8,512,64",
    ];
    let cases: [(&[&str], &str); 4] = [
        (
            &["--partition", "gpu"],
            "--partition needs --slurm (or --slurm-dry-run)",
        ),
        (
            &["--slurm", "--warm-start"],
            "--warm-start is not available with --slurm",
        ),
        (
            &["--slurm-dry-run", "--time", "2h"],
            "--time expects MINUTES",
        ),
        (
            &["--slurm-dry-run", "--sbatch-opt", "--array=1"],
            "evotune sets this one itself",
        ),
    ];
    for (flags, message) in cases {
        evotune()
            .args(base)
            .args(["--out", out.to_str().unwrap()])
            .args(flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.join("slurm").exists(), "{flags:?} wrote a script");
    }
    // Without --replay (which takes no --devices), the GPUs a task may name are checked too.
    evotune()
        .args(["sweep", "--space", SPACE, "--shapes", "2,8,512,64"])
        .args(["--out", out.to_str().unwrap(), "--slurm-dry-run"])
        .args(["--gpus-per-task", "1", "--devices", "0,1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--devices names GPU 1"));
    assert!(!out.join("slurm").exists(), "--devices 0,1 wrote a script");
    evotune()
        .args(["sweep", "--status", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a sweep folder"));
}

#[test]
fn without_sbatch_a_submission_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    evotune()
        .env("PATH", dir.path())
        .args([
            "sweep",
            "--space",
            SPACE,
            "--replay",
            LOG,
            "--shapes",
            "2,8,512,64",
        ])
        .args(["--out", out.to_str().unwrap(), "--slurm"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot run sbatch"))
        .stderr(predicate::str::contains(
            "--slurm-dry-run only writes the script",
        ));
}

#[test]
fn help_names_slurm_and_status() {
    evotune()
        .args(["sweep", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--slurm "))
        .stdout(predicate::str::contains("--status <DIR>"))
        .stdout(predicate::str::contains("--sbatch-opt <OPTION>"))
        .stdout(predicate::str::contains(
            "evotune db merge /shared/sweep/shards",
        ));
}
