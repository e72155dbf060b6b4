//! Integration tests of `--set` overrides on the tune command and of `evotune sweep`, with the
//! replay evaluator (no GPU): the index, a failing problem, a campaign file, bad input, and a
//! sweep killed with SIGKILL mid-problem and resumed.

mod common;

use common::{evotune, json, log_rows, sweep_args, LOG, SPACE};
use evotune::artifacts::LogProblem;
use evotune::shape::Shape;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The values of column `name` in a run's tune log.
fn column(run: &Path, name: &str) -> Vec<String> {
    let rows = log_rows(run);
    let i = rows[0].split(',').position(|c| c == name).unwrap();
    rows[1..]
        .iter()
        .map(|r| r.split(',').nth(i).unwrap().to_string())
        .collect()
}

fn tune_args(out: &Path, budget: usize) -> Vec<String> {
    let budget = budget.to_string();
    let args = [
        "--shape",
        "2,8,512,64",
        "--space",
        SPACE,
        "--replay",
        LOG,
        "--budget",
        &budget,
    ];
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(["--out".into(), out.display().to_string()]);
    v
}

#[test]
fn set_restricts_the_tuned_values_is_recorded_and_is_applied_again_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    evotune()
        .args(tune_args(&out, 12))
        .args(["--set", "BLOCK_N=64,128", "--set", "NUM_PRODUCER_WARPS=1"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(--set BLOCK_N=64,128 NUM_PRODUCER_WARPS=1)",
        ));
    let m = json(&out.join("manifest.json"));
    assert_eq!(
        m["search"]["overrides"],
        serde_json::json!({"BLOCK_N": [64, 128], "NUM_PRODUCER_WARPS": [1]})
    );
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "30"])
        .assert()
        .success();
    let block_n = column(&out, "BLOCK_N");
    assert_eq!(block_n.len(), 30);
    assert!(
        block_n.iter().all(|v| v == "64" || v == "128"),
        "{block_n:?}"
    );
    assert!(column(&out, "NUM_PRODUCER_WARPS").iter().all(|v| v == "1"));
}

#[test]
fn a_bad_set_names_the_parameter_and_the_flag_and_writes_nothing() {
    let cases = [
        (
            vec!["--set", "BLOCK_N=100"],
            "--set BLOCK_N=100 is not one of [32, 64, 128]",
        ),
        (
            vec!["--set", "TILE=1"],
            "--set TILE=1: unknown parameter 'TILE'",
        ),
        (vec!["--set", "BLOCK_N"], "--set expects NAME=V1,V2,..."),
        (
            vec!["--set", "BLOCK_M=16", "--set", "NUM_WARPS=8"],
            "--set BLOCK_M=16 NUM_WARPS=8 leaves no valid point",
        ),
    ];
    for (flags, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        evotune()
            .args(tune_args(&out, 8))
            .args(&flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists(), "{flags:?} wrote {}", out.display());
    }
}

/// Declares the log at `log` as recorded at `shape` (its `.problem.json`, as record writes it).
fn declare(log: &Path, shape: &str) {
    let problem = LogProblem {
        shape: Shape::parse(shape).unwrap(),
        device: None,
    };
    problem.write(log).unwrap();
}

/// A folder of logs named by shape: 2-8-512-64.csv, the landscape recorded there, and
/// 1-8-512-64.csv.gz, the same landscape declared as recorded at 1,8,512,64: it stands in for a
/// recording at that problem.
fn replay_dir(root: &Path) -> PathBuf {
    let logs = root.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(LOG)).unwrap();
    std::fs::write(logs.join("2-8-512-64.csv"), &text).unwrap();
    declare(&logs.join("2-8-512-64.csv"), "2,8,512,64");
    let gz = std::fs::File::create(logs.join("1-8-512-64.csv.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &text).unwrap();
    enc.finish().unwrap();
    declare(&logs.join("1-8-512-64.csv.gz"), "1,8,512,64");
    logs
}

#[test]
fn a_sweep_indexes_every_problem_and_a_failing_one_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(dir.path());
    let out = dir.path().join("sweep");
    let assert = evotune()
        .args(sweep_args(&out, &logs, 20))
        .args(["--shapes", "2,8,512,64", "4,32,2048,128"])
        .args([
            "--batch",
            "1",
            "--heads",
            "8",
            "--seq-lens",
            "512",
            "--head-dims",
            "64",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "1 of 3 problems failed (4-32-2048-128)",
        ));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("[1/3] 2-8-512-64 done: best"), "{stderr}");
    assert!(
        stderr.contains("[2/3] 4-32-2048-128 failed: --replay-dir"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[3/3] 1-8-512-64 done"),
        "one line per problem: {stderr}"
    );
    let ix = json(&out.join("sweep.json"));
    let problems = ix["problems"].as_array().unwrap();
    let status: Vec<&str> = problems
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["done", "failed", "done"]);
    assert!(problems[1]["reason"]
        .as_str()
        .unwrap()
        .contains("has no log for 4,32,2048,128"));
    for p in [&problems[0], &problems[2]] {
        assert!(p["best_p50_us"].as_f64().unwrap() > 0.0);
        let run = out.join(p["run"].as_str().unwrap());
        assert_eq!(log_rows(&run).len(), 21, "a normal run folder with its log");
        assert!(run.join("tune/topk.json").is_file());
    }
    // Resuming retries the failed problem only (its log is still missing).
    let before = std::fs::read(out.join("2-8-512-64/tune/tune_log.csv")).unwrap();
    evotune()
        .args(["sweep", "--resume", out.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2 done before, 1 to tune"));
    assert_eq!(
        before,
        std::fs::read(out.join("2-8-512-64/tune/tune_log.csv")).unwrap()
    );
}

/// Regression: `sweep --resume` of a sweep started with --no-db recorded the problems it then
/// tuned in the database; a resumed sweep keeps its database choice (sweep.json says it).
#[test]
fn a_resumed_sweep_keeps_its_database_choice() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(dir.path());
    let out = dir.path().join("sweep");
    let default_db = dir.path().join("default.db");
    evotune()
        .args(sweep_args(&out, &logs, 8))
        .args(["--shapes", "2,8,512,64", "4,8,512,64", "--no-db"])
        .assert()
        .code(1);
    assert_eq!(
        json(&out.join("sweep.json"))["settings"]["database"],
        "none"
    );
    let late = logs.join("4-8-512-64.csv");
    std::fs::copy(logs.join("2-8-512-64.csv"), &late).unwrap();
    declare(&late, "4,8,512,64");
    evotune()
        .args(["sweep", "--resume", out.to_str().unwrap()])
        .env("EVOTUNE_DB", &default_db)
        .assert()
        .success()
        .stderr(predicate::str::contains("[2/2] 4-8-512-64 done"))
        .stderr(predicate::str::contains("database").not());
    assert!(
        !default_db.exists(),
        "the --no-db sweep stayed out of the database"
    );
}

#[test]
fn a_campaign_gives_each_problem_its_own_budget_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("campaign.toml");
    std::fs::write(
        &file,
        "budget = 10\nset = [\"BLOCK_N=64,128\"]\n\
         [[problem]]\nshape = \"2,8,512,64\"\nbudget = 14\nset = [\"BLOCK_N=32\", \"STAGES=2\"]\n\
         [[problem]]\nshape = \"1,8,512,64\"\n",
    )
    .unwrap();
    let out = dir.path().join("sweep");
    evotune()
        .args([
            "sweep",
            "--space",
            SPACE,
            "--replay",
            LOG,
            "--set",
            "Q_IN_REGS=true",
        ])
        .args([
            "--campaign",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let first = out.join("2-8-512-64");
    assert_eq!(log_rows(&first).len(), 15);
    assert!(column(&first, "BLOCK_N").iter().all(|v| v == "32"));
    assert!(column(&first, "STAGES").iter().all(|v| v == "2"));
    assert!(column(&first, "Q_IN_REGS").iter().all(|v| v == "true"));
    let second = out.join("1-8-512-64");
    assert_eq!(log_rows(&second).len(), 11);
    assert_eq!(
        json(&second.join("manifest.json"))["search"]["overrides"],
        serde_json::json!({"BLOCK_N": [64, 128], "Q_IN_REGS": [true]})
    );
}

#[test]
fn bad_sweep_input_names_the_flag_or_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad_campaign = dir.path().join("bad.toml");
    let undeclared = dir.path().join("undeclared.csv");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(LOG), &undeclared).unwrap();
    std::fs::write(
        &bad_campaign,
        "[[problem]]\nshape = \"2,8,512,64\"\nset = [\"TILE=1\"]\n",
    )
    .unwrap();
    let cases: Vec<(Vec<String>, String)> = vec![
        (vec![], "--shapes is needed".into()),
        (
            vec!["--shapes".into(), "2,8,512".into()],
            "--shapes expects B,H,S,D".into(),
        ),
        (
            vec!["--head-dims".into(), "64..160:16".into()],
            "--batch is missing".into(),
        ),
        (
            vec![
                "--shapes".into(),
                "2,8,512,64".into(),
                "--set".into(),
                "BLOCK_N=100".into(),
            ],
            "--set BLOCK_N=100 is not one of".into(),
        ),
        (
            vec!["--campaign".into(), bad_campaign.display().to_string()],
            format!(
                "--campaign {}: problem 2,8,512,64: TILE=1: unknown",
                bad_campaign.display()
            ),
        ),
        (
            vec![
                "--shapes".into(),
                "2,8,512,64".into(),
                "--search".into(),
                "generational".into(),
                "--window".into(),
                "4".into(),
            ],
            "--window applies to the steady search only".into(),
        ),
        (
            vec![
                "--shapes".into(),
                "2,8,512,64".into(),
                "--replay".into(),
                "nope.csv".into(),
            ],
            "--replay file nope.csv does not exist".into(),
        ),
        (
            vec![
                "--shapes".into(),
                "2,8,512,64".into(),
                "--replay".into(),
                undeclared.display().to_string(),
            ],
            format!(
                "--replay {} does not say which problem it was recorded on",
                undeclared.display()
            ),
        ),
    ];
    for (flags, message) in cases {
        let out = dir.path().join("sweep");
        evotune()
            .args(["sweep", "--space", SPACE, "--out", out.to_str().unwrap()])
            .args(&flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists(), "{flags:?} wrote {}", out.display());
    }
    evotune()
        .args(["sweep", "--resume", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a sweep folder"));
}

#[test]
fn help_teaches_the_product_and_the_campaign_file() {
    evotune()
        .args(["sweep", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cartesian product"))
        .stdout(predicate::str::contains("[[problem]]"))
        .stdout(predicate::str::contains("--replay-dir"));
}

/// Three problems, each a budget of 40 answered from the same log, slowed down.
fn slow_sweep(out: &Path, logs: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("evotune"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(sweep_args(out, logs, 40))
        .args(["--shapes", "2,8,512,64", "1,8,512,64"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn a_sweep_killed_mid_problem_resumes_without_tuning_a_finished_problem_again() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(dir.path());
    let reference = dir.path().join("reference");
    assert!(slow_sweep(&reference, &logs).status().unwrap().success());

    let out = dir.path().join("sweep");
    let mut child = slow_sweep(&out, &logs)
        .args(["--replay-delay-ms", "10"])
        .spawn()
        .unwrap();
    let second = out.join("1-8-512-64/tune/tune_log.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&second).map_or(0, |t| t.lines().count()) < 12 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the sweep never reached problem 2"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let first_log = out.join("2-8-512-64/tune/tune_log.csv");
    let first_before = std::fs::metadata(&first_log).unwrap().modified().unwrap();
    let ix = json(&out.join("sweep.json"));
    assert_eq!(ix["problems"][0]["status"], "done");
    assert_eq!(ix["problems"][1]["status"], "pending");
    let logged = log_rows(&out.join("1-8-512-64")).len() - 1;
    assert!(
        logged < 40,
        "the kill came after problem 2 ended ({logged} rows)"
    );

    evotune()
        .args(["sweep", "--resume", out.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 done before, 1 to tune"));
    assert_eq!(
        std::fs::metadata(&first_log).unwrap().modified().unwrap(),
        first_before,
        "the finished problem is not tuned again"
    );
    for name in ["2-8-512-64", "1-8-512-64"] {
        assert_eq!(
            log_rows(&out.join(name)),
            log_rows(&reference.join(name)),
            "{name}: the resumed log equals an uninterrupted one (killed after {logged} rows)"
        );
    }
    let ix = json(&out.join("sweep.json"));
    assert!(ix["problems"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["status"] == "done"));
}

/// Regression: a sweep answered from --replay or --replay-dir ignored --devices.
#[test]
fn a_replayed_sweep_refuses_devices() {
    let dir = tempfile::tempdir().unwrap();
    for replay in [["--replay", LOG], ["--replay-dir", "data/landscapes"]] {
        evotune()
            .args(["sweep", "--shapes", "2,8,512,64", "--space", SPACE])
            .args(replay)
            .args([
                "--devices",
                "0",
                "--out",
                dir.path().join("s").to_str().unwrap(),
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot be used with"));
    }
    assert!(!dir.path().join("s").exists());
}

/// One log answering a sweep's every problem stands in for those it was not recorded on, and
/// the sweep says so: in its output, in sweep.json and in that run's manifest.
#[test]
fn a_sweep_from_one_log_says_which_problems_it_stands_in_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let assert = evotune()
        .args(["sweep", "--space", SPACE, "--replay", LOG, "--budget", "8"])
        .args(["--shapes", "2,8,512,64", "1,8,512,64", "--no-db", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!(
            "answers: every problem from {LOG}, recorded on 2,8,512,64; for 1-8-512-64 they \
             stand in (its measurements, not theirs"
        )),
        "{stderr}"
    );
    let first = stderr.lines().find(|l| l.contains("[1/2]")).unwrap();
    assert!(
        first.contains("2-8-512-64 done: best") && !first.contains("answers recorded on"),
        "{first}"
    );
    let second = stderr.lines().find(|l| l.contains("[2/2]")).unwrap();
    assert!(
        second.contains("1-8-512-64 done: best")
            && second.ends_with(", answers recorded on 2,8,512,64"),
        "{second}"
    );
    let plain = serde_json::json!({"b": 2, "h": 8, "s": 512, "d": 64});
    let ix = json(&out.join("sweep.json"));
    assert_eq!(ix["settings"]["replay_recorded_on"], plain);
    assert!(ix["problems"][0].get("answers_recorded_on").is_none());
    assert_eq!(ix["problems"][1]["answers_recorded_on"], plain);
    assert!(json(&out.join("2-8-512-64/manifest.json"))
        .get("stand_in")
        .is_none());
    let stand_in = &json(&out.join("1-8-512-64/manifest.json"))["stand_in"];
    assert_eq!(stand_in["recorded_on"], plain);
    assert!(
        stand_in["note"]
            .as_str()
            .unwrap()
            .contains("measurements at 2,8,512,64 standing in for 1,8,512,64"),
        "{stand_in}"
    );
}

/// Each log of --replay-dir answers only for the problem it was recorded on: a log of another
/// problem under a problem's name fails that problem alone.
#[test]
fn a_replay_dir_log_of_another_problem_fails_its_problem_alone() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(dir.path());
    let misnamed = logs.join("4-8-512-64.csv");
    std::fs::copy(logs.join("2-8-512-64.csv"), &misnamed).unwrap();
    declare(&misnamed, "2,8,512,64");
    let out = dir.path().join("sweep");
    evotune()
        .args(sweep_args(&out, &logs, 8))
        .args(["--shapes", "2,8,512,64", "4,8,512,64", "--no-db"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "[2/2] 4-8-512-64 failed: --replay-dir {} was recorded on 2,8,512,64, not on the \
             problem asked for (4,8,512,64)",
            misnamed.display()
        )));
    let ix = json(&out.join("sweep.json"));
    assert_eq!(ix["problems"][0]["status"], "done");
    assert_eq!(ix["problems"][1]["status"], "failed");
    assert!(!out.join("4-8-512-64/manifest.json").exists());
}

/// `sweep --search steady --window W` runs every problem's search steady, says so in sweep.json
/// and in each run's manifest, and a resumed sweep keeps it (the flags cannot change on resume).
#[test]
fn a_sweep_runs_the_steady_search_it_was_given_and_keeps_it_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(dir.path());
    let out = dir.path().join("sweep");
    evotune()
        .args(sweep_args(&out, &logs, 20))
        .args(["--shapes", "2,8,512,64", "1,8,512,64"])
        .args(["--search", "steady", "--window", "6"])
        .assert()
        .success();
    let ix = json(&out.join("sweep.json"));
    assert_eq!(ix["settings"]["search"], "steady", "{ix}");
    assert_eq!(ix["settings"]["window"], 6, "{ix}");
    for p in ix["problems"].as_array().unwrap() {
        let run = out.join(p["run"].as_str().unwrap());
        let manifest = json(&run.join("manifest.json"));
        assert_eq!(
            manifest["search"]["mode"],
            serde_json::json!({"kind": "steady", "window": 6}),
            "{manifest}"
        );
        assert_eq!(log_rows(&run).len(), 21);
    }
    evotune()
        .args([
            "sweep",
            "--resume",
            out.to_str().unwrap(),
            "--search",
            "generational",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--search"));
    // A sweep without the flags runs the steady search, window 8 (the default window is not
    // written); a sweep.json without the search (from before the choice) reads as generational.
    let plain = dir.path().join("plain");
    evotune()
        .args(sweep_args(&plain, &logs, 20))
        .args(["--shapes", "2,8,512,64"])
        .assert()
        .success();
    let ix = json(&plain.join("sweep.json"));
    assert_eq!(ix["settings"]["search"], "steady", "{ix}");
    assert!(ix["settings"].get("window").is_none(), "{ix}");
    let run = plain.join(ix["problems"][0]["run"].as_str().unwrap());
    assert_eq!(
        json(&run.join("manifest.json"))["search"]["mode"],
        serde_json::json!({"kind": "steady", "window": 8})
    );
}
