//! Helpers shared by the integration tests that run sweeps answered from recorded landscapes
//! (no GPU): the binary, the recorded log and its space, and the flags of a replayed sweep.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// The recorded landscape at 2,8,512,64 (H100, mma family).
pub const LOG: &str = "data/landscapes/h100_sdpa_fp8_2-8-512-64.csv";
/// The space it was recorded over.
pub const SPACE: &str = "data/landscapes/sdpa_fp8_mma.toml";

/// The evotune binary, run from the repository root.
pub fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
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
