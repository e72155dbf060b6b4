//! Integration tests of the steady-state search (`--search steady`) with the replay evaluator
//! (no GPU): the manifest records it, a seed repeats it, a killed run resumes into the same
//! log, and on the recorded mma landscape its regrets stay where the generational GA's are.

mod common;

use common::{evotune, log_rows, LOG, SPACE};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The flags of a replayed steady tune of `budget` trials into `out`.
fn steady_args(out: &Path, budget: usize, seed: u64) -> Vec<String> {
    [
        "--shape",
        "2,8,512,64",
        "--space",
        SPACE,
        "--replay",
        LOG,
        "--no-db",
        "--search",
        "steady",
        "--window",
        "8",
        "--budget",
        &budget.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_steady_run_is_recorded_as_such_repeats_with_its_seed_and_asks_no_config_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, g, d) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("g"),
        dir.path().join("d"),
    );
    let done = evotune().args(steady_args(&a, 64, 7)).assert().success();
    let stderr = String::from_utf8_lossy(&done.get_output().stderr).to_string();
    assert!(
        stderr.contains("seed 7, steady (window 8) search"),
        "{stderr}"
    );
    evotune().args(steady_args(&b, 64, 7)).assert().success();
    let without_search = |out: &Path| -> Vec<String> {
        steady_args(out, 64, 7)
            .into_iter()
            .filter(|s| s != "steady" && s != "--search" && s != "--window" && s != "8")
            .collect()
    };
    let mut generational = without_search(&g);
    generational.extend(["--search".to_string(), "generational".to_string()]);
    evotune().args(&generational).assert().success();
    // The default search is the steady one, window 8.
    evotune().args(without_search(&d)).assert().success();
    assert_eq!(
        manifest(&d)["search"]["mode"],
        manifest(&a)["search"]["mode"]
    );
    assert_eq!(
        log_rows(&d),
        log_rows(&a),
        "the default is --search steady --window 8"
    );
    assert_eq!(
        manifest(&a)["search"]["mode"],
        serde_json::json!({"kind": "steady", "window": 8})
    );
    assert_eq!(manifest(&g)["search"]["mode"]["kind"], "generational");
    let rows = log_rows(&a);
    assert_eq!(rows.len(), 65, "a header and one row per trial");
    let configs: std::collections::HashSet<String> = rows[1..]
        .iter()
        .map(|r| r.split(',').skip(2).take(6).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(configs.len(), 64, "no config evaluated twice");
    assert_eq!(rows, log_rows(&b), "the same seed, the same trials");
    assert_ne!(rows, log_rows(&g), "the steady search asks otherwise");
    assert_eq!(
        rows[1..17],
        log_rows(&g)[1..17],
        "both open with the same random sample"
    );
}

#[test]
fn a_steady_run_killed_mid_way_resumes_with_no_trial_lost_or_repeated() {
    let budget = 48;
    let dir = tempfile::tempdir().unwrap();
    let (reference, out) = (dir.path().join("ref"), dir.path().join("run"));
    evotune()
        .args(steady_args(&reference, budget, 3))
        .assert()
        .success();
    let bin = assert_cmd::cargo::cargo_bin("evotune");
    let mut child = std::process::Command::new(bin)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(steady_args(&out, budget, 3))
        .args(["--replay-delay-ms", "15"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let log = out.join("tune/tune_log.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&log).map_or(0, |t| t.lines().count()) < 21 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never logged 20 rows"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let logged = log_rows(&out).len() - 1;
    assert!(logged < budget, "the kill came after the run ended");
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--no-db"])
        .assert()
        .success();
    assert_eq!(
        log_rows(&out),
        log_rows(&reference),
        "killed after {logged}"
    );
    assert_eq!(manifest(&out)["search"]["mode"]["kind"], "steady");
}

#[test]
fn a_zero_window_and_a_search_beside_resume_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = steady_args(&dir.path().join("z"), 8, 0);
    let w = args.iter().position(|a| a == "--window").unwrap();
    args[w + 1] = "0".into();
    let out = evotune().args(&args).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--window"),
        "{out:?}"
    );
    let out = evotune()
        .args(["--resume", "somewhere", "--search", "steady"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be used with"),
        "{out:?}"
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
}

/// The steady-state GA with 8 in flight, answers first in first out, must keep the regrets of
/// the generational GA on the recorded mma landscape (at budget 64, 20 seeds: as the racing
/// test does), with and without racing, and its modelled wall must be shorter.
#[test]
fn the_steady_ga_keeps_the_generational_gas_regrets_on_a_recorded_landscape() {
    let out = evotune()
        .args(["search-bench", "--replay", LOG, "--space", SPACE])
        .args(["--shape", "2,8,512,64", "--budget", "64", "--seeds", "20"])
        .args(["--race", "--steady", "8", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let regrets = |method: &str| -> Vec<f64> {
        let rows = r["rows"].as_array().unwrap();
        let row = rows.iter().find(|x| x["method"] == method).unwrap();
        let v = row["regrets"].as_array().unwrap();
        v.iter().map(|x| x.as_f64().unwrap()).collect()
    };
    let tests = r["steady_tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2, "{tests:?}");
    for t in tests {
        let (method, against) = (
            t["method"].as_str().unwrap(),
            t["against"].as_str().unwrap(),
        );
        let (steady, base) = (median(regrets(method)), median(regrets(against)));
        let p = t["p_value"].as_f64().unwrap();
        assert!(
            steady <= base + 0.005 && (steady <= base || p > 0.05),
            "median regret {method} {steady}, {against} {base}, p {p}"
        );
    }
    let wall = &r["wall"];
    let generational = wall["generational_s"].as_f64().unwrap();
    let steady = wall["steady_s"][0][1].as_f64().unwrap();
    assert!(steady < generational, "{wall}");
}
