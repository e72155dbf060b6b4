//! Helpers shared by the integration tests that run tunes and sweeps answered from recorded
//! landscapes (no GPU): the binary, the recorded log and its space, the flags of a replayed
//! sweep, and replayed tunes recorded into a tuning database. Each test binary uses some of
//! them, so the others are not dead code there.
#![allow(dead_code)]

pub mod gemm;

use assert_cmd::Command;
use evotune::artifacts::LogProblem;
use evotune::shape::Shape;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The recorded landscape at 2,8,512,64 (H100, mma family).
pub const LOG: &str = "data/landscapes/h100_sdpa_fp8_2-8-512-64.csv";
/// The space it was recorded over.
pub const SPACE: &str = "data/landscapes/sdpa_fp8_mma.toml";
/// The template that space renders.
pub const TEMPLATE: &str = "kernel_templates/sdpa_fp8_mma.cu.tera";

/// The evotune binary, run from the repository root, with no `$EVOTUNE_DB` of the caller's.
pub fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("EVOTUNE_DB");
    cmd
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the landscape's space and its template under `dir` (same relative layout), so a
/// test may edit the template.
pub fn own_space(dir: &Path) -> PathBuf {
    let space = dir.join(SPACE);
    std::fs::create_dir_all(space.parent().unwrap()).unwrap();
    std::fs::copy(root().join(SPACE), &space).unwrap();
    std::fs::create_dir_all(dir.join("kernel_templates")).unwrap();
    std::fs::copy(root().join(TEMPLATE), dir.join(TEMPLATE)).unwrap();
    space
}

/// A replayed tune of `shape` over `space` answered from [`LOG`], recorded into `db`; its
/// standard output.
pub fn tune(space: &Path, out: &Path, db: &Path, shape: &str, budget: usize) -> String {
    tune_with(space, LOG, &[], out, db, shape, budget)
}

/// A replayed tune answered from `log`, with `extra` flags (e.g. `--set`).
pub fn tune_with(
    space: &Path,
    log: &str,
    extra: &[&str],
    out: &Path,
    db: &Path,
    shape: &str,
    budget: usize,
) -> String {
    let assert = evotune()
        .args(["--shape", shape, "--replay", log])
        .args(["--space", space.to_str().unwrap()])
        .args(extra)
        .args(["--budget", &budget.to_string()])
        .args(["--out", out.to_str().unwrap()])
        .args(["--db", db.to_str().unwrap()])
        .assert()
        .success();
    String::from_utf8_lossy(&assert.get_output().stdout).to_string()
}

/// `evotune db --db DB <args>`, which must succeed; its standard output.
pub fn db_cmd(db: &Path, args: &[&str]) -> String {
    let assert = evotune()
        .args(["db", "--db", db.to_str().unwrap()])
        .args(args)
        .assert()
        .success();
    String::from_utf8_lossy(&assert.get_output().stdout).to_string()
}

/// A JSON file, parsed.
pub fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `sweep --space SPACE --budget N --out OUT --replay-dir LOGS`: each problem answered from
/// its own log in `logs`.
pub fn sweep_args(out: &Path, logs: &Path, budget: usize) -> Vec<String> {
    let budget = budget.to_string();
    let args = ["sweep", "--space", SPACE, "--budget", &budget, "--out"];
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend([out.display().to_string(), "--replay-dir".into()]);
    v.push(logs.display().to_string());
    v
}

/// A copy of the 2,8,512,64 landscape under `dir`, declared as recorded at `shape`: it stands in
/// for a recording at that problem, so that the database gets a second problem's row.
pub fn stand_in_log(dir: &Path, shape: &str) -> PathBuf {
    let copy = dir.join(format!("stand-in-{shape}.csv"));
    std::fs::copy(root().join(LOG), &copy).unwrap();
    let problem = LogProblem {
        shape: Shape::parse(shape).unwrap(),
        device: None,
    };
    problem.write(&copy).unwrap();
    copy
}

/// A run's tune log, one line per string (the header first).
pub fn log_rows(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("tune/tune_log.csv"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}
