//! Integration tests of the tune command and search-bench with the replay evaluator (no GPU):
//! determinism, a run killed with SIGKILL and resumed, progress, elites, bad input, and search
//! quality on the recorded H100 landscapes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The recorded landscapes: (tune log, the space it was recorded over, its shape).
const LANDSCAPES: [(&str, &str, &str); 4] = [
    (
        "data/landscapes/h100_sdpa_fp8_2-8-512-64.csv",
        "data/landscapes/sdpa_fp8_mma.toml",
        "2,8,512,64",
    ),
    (
        "data/landscapes/h100_sdpa_fp8_both_2-8-512-64_sample361.csv",
        "data/landscapes/sdpa_fp8_both.toml",
        "2,8,512,64",
    ),
    (
        "data/landscapes/h100_sdpa_fp8_2-8-512-64_all4812.csv.gz",
        "data/landscapes/sdpa_fp8_splits.toml",
        "2,8,512,64",
    ),
    (
        "data/landscapes/h100_sdpa_fp8_8-16-8192-128_sample3000.csv.gz",
        "data/landscapes/sdpa_fp8_splits.toml",
        "8,16,8192,128",
    ),
];

fn evotune() -> Command {
    let mut cmd = Command::cargo_bin("evotune").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// The flags of a replayed tune run at the first landscape, into `out`.
fn replay_args(out: &Path, budget: usize, seed: u64) -> Vec<String> {
    let (log, space, shape) = LANDSCAPES[0];
    [
        "--shape",
        shape,
        "--space",
        space,
        "--replay",
        log,
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

fn log_rows(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join("tune/tune_log.csv"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn tuned(budget: usize, seed: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    evotune()
        .args(replay_args(&out, budget, seed))
        .assert()
        .success();
    (dir, out)
}

#[test]
fn a_replayed_run_writes_its_log_elites_and_manifest_and_shows_progress() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let assert = evotune().args(replay_args(&out, 128, 0)).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stderr.contains("generation 0: 16/128 trials, best"),
        "{stderr}"
    );
    assert!(stderr.contains("128/128 trials"), "{stderr}");
    assert!(stdout.contains("128 trials (0 from the log)"), "{stdout}");
    let rows = log_rows(&out);
    assert_eq!(rows.len(), 129, "a header and one row per trial");
    let configs: std::collections::HashSet<String> = rows[1..]
        .iter()
        .map(|r| r.split(',').skip(2).take(6).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(configs.len(), 128, "no config evaluated twice");
    let topk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tune/topk.json")).unwrap())
            .unwrap();
    let elites = topk["elites"].as_array().unwrap();
    assert_eq!(elites.len(), 6);
    let p50: Vec<f64> = elites
        .iter()
        .map(|e| e["record"]["p50_us"].as_f64().unwrap())
        .collect();
    assert!(p50.windows(2).all(|w| w[0] <= w[1]), "best first: {p50:?}");
    assert!(
        elites.iter().all(|e| e["confirmed"].is_null()),
        "a replayed run confirms nothing"
    );
    assert!(!stdout.contains("confirm"), "{stdout}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["evaluator"]
        .as_str()
        .unwrap()
        .starts_with("replay "));
    assert_eq!(manifest["search"]["budget"], 128);
    assert_eq!(manifest["build_commit"], evotune::BUILD_COMMIT);
    let version = evotune().arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout).contains(evotune::BUILD_COMMIT),
        "{version:?}"
    );
}

#[test]
fn the_same_seed_gives_the_same_trials_in_the_same_order() {
    let (_a, first) = tuned(64, 7);
    let (_b, again) = tuned(64, 7);
    let (_c, other) = tuned(64, 8);
    assert_eq!(log_rows(&first), log_rows(&again));
    assert_ne!(
        log_rows(&first),
        log_rows(&other),
        "another seed searches differently"
    );
}

/// Starts a slowed replayed run, kills it with SIGKILL once `after` rows are logged (plus a
/// little), then resumes it; the finished log must equal an uninterrupted run's, byte for byte.
fn kill_and_resume(after: usize, extra_ms: u64) {
    let budget = 48;
    let (_ref_dir, reference) = tuned(budget, 3);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let bin = assert_cmd::cargo::cargo_bin("evotune");
    let mut child = std::process::Command::new(bin)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(replay_args(&out, budget, 3))
        .args(["--replay-delay-ms", "15"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let log = out.join("tune/tune_log.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&log).map_or(0, |t| t.lines().count()) < after + 1 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the run never logged {after} rows"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(extra_ms));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let logged = log_rows(&out).len() - 1;
    assert!(
        logged < budget,
        "the kill came after the run ended ({logged} rows)"
    );
    evotune()
        .args(["--resume", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{budget} trials (")));
    assert_eq!(
        log_rows(&out),
        log_rows(&reference),
        "killed after {logged} rows"
    );
}

#[test]
fn a_run_killed_early_resumes_with_no_trial_lost_or_repeated() {
    kill_and_resume(1, 0);
}

#[test]
fn a_run_killed_mid_generation_resumes_with_no_trial_lost_or_repeated() {
    kill_and_resume(20, 7);
}

#[test]
fn a_run_killed_late_resumes_with_no_trial_lost_or_repeated() {
    kill_and_resume(40, 3);
}

#[test]
fn resume_cuts_a_torn_last_line_and_finishes_the_run() {
    let (_ref_dir, reference) = tuned(40, 5);
    let (_dir, out) = tuned(40, 5);
    let rows = log_rows(&out);
    let kept = rows[..25].join("\n") + "\n" + &rows[25][..rows[25].len() / 2];
    std::fs::write(out.join("tune/tune_log.csv"), kept).unwrap();
    evotune()
        .args(["--resume", out.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("24 trials already logged"));
    assert_eq!(log_rows(&out), log_rows(&reference));
}

#[test]
fn resume_can_raise_the_budget() {
    let (_ref_dir, reference) = tuned(64, 9);
    let (_dir, out) = tuned(32, 9);
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "64"])
        .assert()
        .success();
    assert_eq!(log_rows(&out), log_rows(&reference));
}

/// Regression: a run whose budget ended inside the first generation (8 < --population 16)
/// drew a smaller first sample, not the first 8 of a population's, so `--resume --budget 10`
/// asked other configs, appended 9 re-answered rows to the log and then failed, and every later
/// resume failed on the repeated trials. It now extends the search as a longer run would.
#[test]
fn a_run_stopped_inside_the_first_generation_resumes_with_a_larger_budget() {
    let (_ref_dir, reference) = tuned(20, 0);
    let (_dir, out) = tuned(8, 0);
    for budget in ["10", "20"] {
        evotune()
            .args(["--resume", out.to_str().unwrap(), "--budget", budget])
            .assert()
            .success();
    }
    assert_eq!(log_rows(&out), log_rows(&reference));
}

/// A log that does not follow from its manifest's settings (here: the seed changed) is refused
/// before the search writes anything, not after it has appended trials the search rejects.
#[test]
fn a_log_that_does_not_follow_its_settings_is_refused_and_changes_nothing() {
    let (_dir, out) = tuned(20, 0);
    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["search"]["seed"] = 1.into();
    std::fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let before = snapshot(&out);
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "40"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--resume")
                .and(predicate::str::contains("the run was left as it was")),
        );
    assert!(snapshot(&out) == before, "the run folder changed");
}

/// Runs tune with bad input into a fresh --out: exit 2, `expect` on stderr, nothing written.
fn refused(args: &[&str], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (log, space, shape) = LANDSCAPES[0];
    let mut full: Vec<&str> = vec!["--shape", shape, "--space", space, "--replay", log];
    full.extend(args);
    full.extend(["--out", out.to_str().unwrap()]);
    evotune()
        .args(&full)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(expect));
    assert!(!out.exists(), "nothing may be written for bad input");
}

#[test]
fn bad_search_settings_are_named() {
    refused(
        &["--elites", "16"],
        "--elites must be between 1 and --population − 1 (15), got 16",
    );
    refused(
        &["--population", "1"],
        "--population must be at least 2, got 1",
    );
    refused(&["--reps", "10"], "--reps must be at least 100");
    refused(
        &["--timing-seconds", "0"],
        "--timing-seconds must be a number of seconds > 0, got 0",
    );
    refused(
        &["--confirm-processes", "1"],
        "--confirm-processes must be at least 2",
    );
    refused(
        &["--search", "generational", "--window", "4"],
        "--window applies to the steady search only",
    );
    refused(
        &["--confirm-top", "7"],
        "--confirm-top at most --elites (6): only the elites are kept, got 7",
    );
}

#[test]
fn one_confirmation_process_is_accepted_when_the_stage_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut args = replay_args(&out, 16, 0);
    args.extend(["--confirm-top", "0", "--confirm-processes", "1"].map(String::from));
    evotune().args(args).assert().success();
}

#[test]
fn a_missing_replay_log_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    evotune()
        .args([
            "--shape",
            "2,8,512,64",
            "--replay",
            "no/such.csv",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--replay file no/such.csv does not exist",
        ));
    assert!(!out.exists());
    // A folder is named as one (it said "does not exist").
    evotune()
        .args(["--shape", "2,8,512,64", "--replay"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a folder, not a log file"));
}

#[test]
fn a_folder_that_holds_a_run_is_not_overwritten() {
    let (_dir, out) = tuned(16, 0);
    let before = log_rows(&out);
    let (log, space, shape) = LANDSCAPES[0];
    evotune()
        .args([
            "--shape",
            shape,
            "--space",
            space,
            "--replay",
            log,
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already holds a run: continue it with --resume",
        ));
    assert_eq!(log_rows(&out), before);
}

#[test]
fn resuming_a_folder_that_is_not_a_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    evotune()
        .args(["--resume", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a tune run folder"));
}

#[test]
fn tuning_on_the_gpu_without_one_says_so_in_one_line_and_writes_nothing() {
    if Path::new("/dev/nvidia0").exists() {
        eprintln!(
            "SKIPPED LOUDLY: /dev/nvidia0 exists, so the no-GPU answer cannot be checked here"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = evotune()
        .args([
            "--shape",
            "2,8,512,64",
            "--budget",
            "8",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no NVIDIA GPU available ("), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn search_bench_prints_its_table() {
    let (log, space, shape) = LANDSCAPES[0];
    evotune()
        .args([
            "search-bench",
            "--replay",
            log,
            "--space",
            space,
            "--shape",
            shape,
        ])
        .args(["--budget", "32", "--seeds", "5"])
        .assert()
        .success()
        .stdout(predicate::str::contains("median regret"))
        .stdout(predicate::str::contains("ga "))
        .stdout(predicate::str::contains("random "))
        .stdout(predicate::str::contains("Mann–Whitney U on regrets"));
}

#[test]
fn search_bench_with_race_prints_the_timed_rows_and_what_racing_took() {
    let (log, space, shape) = LANDSCAPES[0];
    evotune()
        .args(["search-bench", "--replay", log, "--space", space])
        .args(["--shape", shape, "--budget", "32", "--seeds", "3", "--race"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ga+noise "))
        .stdout(predicate::str::contains("ga+race "))
        .stdout(predicate::str::contains(
            "ga+race vs ga+noise (two-sided): p = ",
        ))
        .stdout(predicate::str::contains("of the timed trials raced out"));
}

/// Racing, simulated with the noise of recorded samples, must leave the GA's regrets where
/// timing every trial in full on the same samples puts them, for far fewer samples.
#[test]
fn racing_keeps_the_regrets_of_timing_in_full_on_a_recorded_landscape() {
    let (log, space, shape) = LANDSCAPES[0];
    let out = evotune()
        .args(["search-bench", "--replay", log, "--space", space])
        .args([
            "--shape", shape, "--budget", "64", "--seeds", "20", "--race", "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let regrets = |i: usize| -> Vec<f64> {
        let row = &r["rows"][i];
        let v = row["regrets"].as_array().unwrap();
        v.iter().map(|x| x.as_f64().unwrap()).collect()
    };
    assert_eq!(r["rows"][2]["method"], "ga+noise");
    assert_eq!(r["rows"][3]["method"], "ga+race");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    let (full, raced) = (median(regrets(2)), median(regrets(3)));
    let p = r["p_value_race"].as_f64().unwrap();
    assert!(
        raced <= full + 0.005 && (raced <= full || p > 0.05),
        "median regret racing {raced}, in full {full}, p {p}"
    );
    let t = &r["race_tally"];
    let share = t["samples"].as_f64().unwrap() / t["full_samples"].as_f64().unwrap();
    assert!(share < 0.5, "racing took {share} of the samples: {t}");
    assert!(t["raced_out"].as_u64().unwrap() > 0, "{t}");
}

#[test]
fn the_ga_beats_random_search_on_every_recorded_landscape() {
    for (log, space, shape) in LANDSCAPES {
        let out = evotune()
            .args([
                "search-bench",
                "--replay",
                log,
                "--space",
                space,
                "--shape",
                shape,
            ])
            .args(["--budget", "64", "--seeds", "50", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let median = |row: &serde_json::Value| {
            let mut v: Vec<f64> = row["regrets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
        };
        let (ga, random) = (median(&r["rows"][0]), median(&r["rows"][1]));
        let p = r["p_value"].as_f64().unwrap();
        assert!(
            ga < random && p < 0.05,
            "{log}: GA median regret {ga}, random {random}, p {p}"
        );
    }
}

/// The files of a run folder, byte for byte, to show that a refused command changed nothing.
fn snapshot(out: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["manifest.json", "tune/tune_log.csv", "tune/topk.json"]
        .iter()
        .map(|f| (out.join(f), std::fs::read(out.join(f)).unwrap()))
        .collect()
}

/// Regression: `--resume RUN --budget 10` on a run of 40 trials was refused only after it had
/// rewritten manifest.json with budget 10. A refused command changes nothing.
#[test]
fn a_resume_below_the_logged_trials_is_refused_and_changes_nothing() {
    let (_dir, out) = tuned(40, 3);
    let before = snapshot(&out);
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--budget 10 is below the 40 trials the run already holds",
        ));
    assert!(snapshot(&out) == before, "the run folder changed");
}

/// A run stopped with trials in flight may have logged trial 19 but not 18: a budget of 19
/// would end the search before the logged trial 19, so it is refused, changing nothing.
#[test]
fn a_resume_budget_below_the_last_logged_trial_is_refused_and_changes_nothing() {
    let (_dir, out) = tuned(20, 3);
    let rows = log_rows(&out);
    let kept: Vec<&String> = rows.iter().filter(|r| !r.starts_with("18,")).collect();
    let text: String = kept.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(out.join("tune/tune_log.csv"), text).unwrap();
    let before = snapshot(&out);
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "19"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--budget 19 ends the search before trial 19, which the run already logged",
        ));
    assert!(snapshot(&out) == before, "the run folder changed");
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "20"])
        .assert()
        .success()
        .stderr(predicate::str::contains("19 trials already logged"));
}

/// Regression: --resume silently ignored --seed, --population, --space, --atol and --devices
/// (the run's own come from its manifest); they are refused, and the run is left as it was.
#[test]
fn resume_refuses_the_settings_it_would_ignore() {
    let (_dir, out) = tuned(16, 0);
    let before = snapshot(&out);
    let flags: [&[&str]; 8] = [
        &["--seed", "1"],
        &["--population", "8"],
        &["--elites", "2"],
        &["--space", "search_spaces/sdpa_fp8.toml"],
        &["--atol", "0.1"],
        &["--rtol", "0.1"],
        &["--devices", "1"],
        &["--arch", "sm_90a"],
    ];
    for flag in flags {
        let output = evotune()
            .args(["--resume", out.to_str().unwrap()])
            .args(flag)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("'--resume <DIR>' cannot be used with") && stderr.contains(flag[0]),
            "{flag:?}: {stderr}"
        );
    }
    assert!(snapshot(&out) == before, "the run folder changed");
}

/// Regression: --devices was ignored by a replayed run.
#[test]
fn devices_with_replay_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = replay_args(&dir.path().join("run"), 16, 0);
    args.extend(["--devices", "0,1"].map(String::from));
    evotune()
        .args(args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    assert!(!dir.path().join("run").exists());
}

/// Regression: a header-only log was accepted by tune (every answer `absent`) and refused by
/// search-bench with another message; both refuse it with the same one.
#[test]
fn a_header_only_replay_log_is_refused_alike_by_tune_and_search_bench() {
    let dir = tempfile::tempdir().unwrap();
    let (log, space, shape) = LANDSCAPES[0];
    let header = std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, header + "\n").unwrap();
    // The header of the landscape at 2,8,512,64, declared as of that problem (as record does).
    std::fs::copy(
        format!("{log}.problem.json"),
        dir.path().join("empty.csv.problem.json"),
    )
    .unwrap();
    let expect = format!(
        "--replay {} holds no trials (only a header)",
        empty.display()
    );
    let out = dir.path().join("run");
    let common = [
        "--space",
        space,
        "--shape",
        shape,
        "--replay",
        empty.to_str().unwrap(),
    ];
    evotune()
        .args(common)
        .args(["--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(&expect));
    assert!(!out.exists(), "nothing may be written");
    evotune()
        .arg("search-bench")
        .args(common)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(&expect));
}

/// An --out that cannot be written is bad input, refused before the search: exit 2, naming
/// the flag.
#[test]
fn an_out_that_cannot_be_written_is_named_before_the_search() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    evotune()
        .args(replay_args(&file.join("run"), 16, 0))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out "))
        .stderr(predicate::str::contains("is not a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// Regression: a log recorded at 2,8,512,64 replayed at `--shape 2,8,1024,64` was accepted, and
/// its times were reported as TFLOP/s at 2,8,1024,64. tune and search-bench refuse it, naming
/// both flags and both problems; tune writes nothing.
#[test]
fn a_log_recorded_on_another_problem_is_refused_by_tune_and_search_bench() {
    let dir = tempfile::tempdir().unwrap();
    let (log, space, _) = LANDSCAPES[0];
    let out = dir.path().join("run");
    let common = ["--space", space, "--shape", "2,8,1024,64", "--replay", log];
    let expect = format!(
        "--replay {log} was recorded on 2,8,512,64, not on the problem asked for (2,8,1024,64)"
    );
    evotune()
        .args(common)
        .args(["--budget", "8", "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(&expect));
    assert!(!out.exists(), "nothing may be written");
    evotune()
        .arg("search-bench")
        .args(common)
        .args(["--budget", "8", "--seeds", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(&expect));
    let causal = ["--space", space, "--shape", "2,8,512,64", "--causal"];
    evotune()
        .args(causal)
        .args(["--replay", log, "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "was recorded on 2,8,512,64, not on the problem asked for (2,8,512,64,causal)",
        ));
    assert!(!out.exists(), "nothing may be written");
}

/// A log that does not say its problem is refused, saying where to declare it; declared, the
/// same log runs.
#[test]
fn a_log_without_its_problem_is_refused_until_it_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let (log, space, shape) = LANDSCAPES[0];
    let copy = dir.path().join("land.csv");
    std::fs::copy(log, &copy).unwrap();
    let out = dir.path().join("run");
    let common = [
        "--space",
        space,
        "--shape",
        shape,
        "--replay",
        copy.to_str().unwrap(),
    ];
    let expect = format!(
        "--replay {} does not say which problem it was recorded on",
        copy.display()
    );
    let declare = format!(
        "declare it in {}.problem.json (`evotune record` writes that file), e.g. \
         {{\"shape\":{{\"b\":2,\"h\":8,\"s\":512,\"d\":64}}}}",
        copy.display()
    );
    let tune = |out: &Path| {
        let mut cmd = evotune();
        cmd.args(common)
            .args(["--budget", "8", "--out", out.to_str().unwrap()]);
        cmd
    };
    tune(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(&expect))
        .stderr(predicate::str::contains(&declare));
    assert!(!out.exists(), "nothing may be written");
    evotune()
        .arg("search-bench")
        .args(common)
        .args(["--budget", "8", "--seeds", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(&expect));
    std::fs::write(
        dir.path().join("land.csv.problem.json"),
        r#"{"shape": {"b": 2, "h": 8, "s": 512, "d": 64}}"#,
    )
    .unwrap();
    tune(&out).assert().success();
    assert_eq!(log_rows(&out).len(), 9, "the header and 8 trials");
}

/// A tune run's own log says its problem through the run's manifest: it replays at that
/// problem and is refused at another.
#[test]
fn a_tune_runs_own_log_replays_at_its_problem() {
    let (dir, run) = tuned(16, 0);
    let (_, space, shape) = LANDSCAPES[0];
    let log = run.join("tune/tune_log.csv");
    let again = dir.path().join("again");
    let args = |shape: &str, out: &Path| {
        let mut cmd = evotune();
        cmd.args(["--space", space, "--shape", shape, "--replay"])
            .arg(&log)
            .args(["--budget", "8", "--out", out.to_str().unwrap()]);
        cmd
    };
    args(shape, &again).assert().success();
    let other = dir.path().join("other");
    args("1,8,512,64", &other)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("was recorded on 2,8,512,64"));
    assert!(!other.exists());
}
