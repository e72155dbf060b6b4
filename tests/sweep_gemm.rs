//! Integration tests of sweeps of GEMM problems with the replay evaluator (no GPU): listed
//! GEMMs and the product of --m/--n/--k, a campaign of GEMMs, replay dirs of `<M-N-K>.csv`
//! logs, resume and status, the database, and the refusal to mix GEMMs with attention shapes.
//! The landscapes are synthetic (tests/common/gemm.rs): nothing here is a measurement.

mod common;

use common::gemm::{gemm_landscape, GEMM_SPACE};
use common::{db_cmd, evotune, json, SPACE};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// A replay dir with a synthetic log for each GEMM of `problems`, its best at `best_us`.
fn replay_dir(root: &Path, problems: &[(&str, f64)]) -> PathBuf {
    let dir = root.join("logs");
    std::fs::create_dir_all(&dir).unwrap();
    for (problem, best_us) in problems {
        let name = format!("{}.csv", problem.replace(',', "-"));
        gemm_landscape(&dir.join(name), problem, *best_us);
    }
    dir
}

fn sweep(out: &Path, logs: &Path, db: &Path) -> Vec<String> {
    [
        "sweep",
        "--budget",
        "12",
        "--population",
        "6",
        "--elites",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--replay-dir",
        logs.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn a_gemm_sweep_tunes_listed_and_product_problems_and_resumes_the_one_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let products = [
        ("1024,1024,64", 4.0),
        ("1024,1024,96", 5.0),
        ("1024,1024,128", 6.0),
    ];
    let logs = replay_dir(dir.path(), &products);
    let (out, db) = (dir.path().join("sweep"), dir.path().join("t.db"));
    let assert = evotune()
        .args(sweep(&out, &logs, &db))
        .args(["--gemms", "2048,2048,128"])
        .args(["--m", "1024", "--n", "1024", "--k", "64..96:32,128"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "1 of 4 problems failed (2048-2048-128)",
        ));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("[1/4] 2048-2048-128 failed: --replay-dir")
            && stderr.contains("has no log for 2048,2048,128 (2048-2048-128.csv or"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[4/4] 1024-1024-128 done: best 6."),
        "{stderr}"
    );
    let ix = json(&out.join("sweep.json"));
    assert_eq!(
        ix["settings"]["space"], GEMM_SPACE,
        "the GEMM space by default"
    );
    let problems = ix["problems"].as_array().unwrap();
    let names: Vec<&str> = problems
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "2048-2048-128",
            "1024-1024-64",
            "1024-1024-96",
            "1024-1024-128"
        ]
    );
    assert!(problems.iter().all(|p| p["operation"] == "gemm"));
    assert_eq!(problems[1]["shape"], "1024,1024,64");
    let manifest = json(&out.join("1024-1024-96/manifest.json"));
    assert_eq!(
        manifest["shape"],
        serde_json::json!({"m": 1024, "n": 1024, "k": 96})
    );
    let list = db_cmd(&db, &["list"]);
    for (p, _) in products {
        assert!(list.contains(&format!("gemm {p} ")), "{list}");
    }

    let status = evotune()
        .args(["sweep", "--status", out.to_str().unwrap()])
        .assert()
        .success();
    let status = String::from_utf8_lossy(&status.get_output().stdout).to_string();
    assert!(
        status.contains("4 problems: 3 done, 0 running, 1 failed, 0 pending"),
        "{status}"
    );

    replay_dir(dir.path(), &[("2048,2048,128", 30.0)]);
    let before = std::fs::read(out.join("1024-1024-64/tune/tune_log.csv")).unwrap();
    evotune()
        .args(["sweep", "--resume", out.to_str().unwrap()])
        .args(["--db", db.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("3 done before, 1 to tune"))
        .stderr(predicate::str::contains("2048-2048-128 done: best 3"));
    let after = std::fs::read(out.join("1024-1024-64/tune/tune_log.csv")).unwrap();
    assert_eq!(before, after, "a finished problem is not tuned again");
    assert!(db_cmd(&db, &["list"]).contains("gemm 2048,2048,128"));
}

#[test]
fn a_campaign_of_gemms_gives_each_its_own_budget() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(dir.path(), &[("512,512,64", 2.0), ("512,512,256", 3.0)]);
    let campaign = dir.path().join("c.toml");
    std::fs::write(
        &campaign,
        "budget = 6\n[[problem]]\ngemm = \"512,512,64\"\n[[problem]]\ngemm = \"512,512,256\"\n\
         budget = 9\n",
    )
    .unwrap();
    let out = dir.path().join("sweep");
    evotune()
        .args(sweep(&out, &logs, &dir.path().join("t.db")))
        .args(["--campaign", campaign.to_str().unwrap()])
        .assert()
        .success();
    let ix = json(&out.join("sweep.json"));
    let trials: Vec<u64> = ix["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["trials"].as_u64().unwrap())
        .collect();
    assert_eq!(trials, [6, 9]);
}

#[test]
fn a_sweep_of_gemms_and_shapes_is_refused_naming_the_flags_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("mixed.toml");
    std::fs::write(
        &mixed,
        "[[problem]]\ngemm = \"64,64,64\"\n[[problem]]\nshape = \"2,8,512,64\"\n",
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--shapes", "2,8,512,64", "--gemms", "64,64,64"],
            "--gemms and --m/--n/--k give GEMMs, and --shapes".into(),
        ),
        (
            vec![
                "--batch",
                "1",
                "--heads",
                "8",
                "--seq-lens",
                "512",
                "--head-dims",
                "64",
                "--k",
                "64",
                "--m",
                "64",
                "--n",
                "64",
            ],
            "a sweep tunes one operation".into(),
        ),
        (vec!["--m", "64", "--k", "64"], "--n is missing".into()),
        (vec!["--gemms", "64,64"], "--gemms expects M,N,K".into()),
        (
            vec!["--gemms", "64,64,64", "--space", SPACE],
            format!("--space {SPACE} is a sdpa space, and the sweep's problems are gemm problems"),
        ),
        (
            vec!["--shapes", "2,8,512,64", "--space", GEMM_SPACE],
            format!("--space {GEMM_SPACE} is a gemm space"),
        ),
        (
            vec!["--campaign", mixed.to_str().unwrap()],
            format!(
                "--campaign {}: problem 2 (2,8,512,64): a campaign's problems are of one \
                 operation, and problem 1 is a GEMM 64,64,64",
                mixed.display()
            ),
        ),
    ];
    for (flags, message) in cases {
        let out = dir.path().join("sweep");
        evotune()
            .args(["sweep", "--budget", "4", "--out", out.to_str().unwrap()])
            .args(&flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists(), "{flags:?} wrote {}", out.display());
    }
}

#[test]
fn one_gemm_log_stands_in_for_the_other_gemms_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let log = gemm_landscape(&dir.path().join("one.csv"), "1024,1024,512", 20.0);
    let out = dir.path().join("sweep");
    let assert = evotune()
        .args([
            "sweep",
            "--budget",
            "6",
            "--population",
            "4",
            "--elites",
            "1",
        ])
        .args(["--out", out.to_str().unwrap(), "--no-db"])
        .args(["--replay", log.to_str().unwrap()])
        .args(["--gemms", "1024,1024,512", "1024,1024,256"])
        .assert();
    let o = assert.get_output();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        stderr.contains("recorded on 1024,1024,512; for 1024-1024-256 they stand in"),
        "{stderr}"
    );
    let ix = json(&out.join("sweep.json"));
    let recorded = serde_json::json!({"m": 1024, "n": 1024, "k": 512});
    assert_eq!(ix["settings"]["replay_recorded_on"], recorded);
    assert_eq!(ix["problems"][1]["answers_recorded_on"], recorded);
    assert!(ix["problems"][0].get("answers_recorded_on").is_none());
}

/// K = 96 answered 3× slower than K = 64 and K = 128 per flop: the reports of the sweep and of
/// the database mark it as a cliff.
#[test]
fn the_report_of_a_gemm_sweep_and_of_its_database_marks_the_cliff() {
    let dir = tempfile::tempdir().unwrap();
    let logs = replay_dir(
        dir.path(),
        &[
            ("1024,1024,64", 4.0),
            ("1024,1024,96", 18.0),
            ("1024,1024,128", 8.0),
        ],
    );
    let (out, db) = (dir.path().join("sweep"), dir.path().join("t.db"));
    evotune()
        .args(sweep(&out, &logs, &db))
        .args(["--m", "1024", "--n", "1024", "--k", "64..128:32"])
        .assert()
        .success();
    evotune()
        .args(["report", "--sweep", out.to_str().unwrap()])
        .assert()
        .success();
    let from_db = dir.path().join("db.md");
    evotune()
        .args(["report", "--db", db.to_str().unwrap(), "--out"])
        .arg(&from_db)
        .assert()
        .success();
    for md in [out.join("report.md"), from_db] {
        let md = std::fs::read_to_string(md).unwrap();
        for expected in [
            "| 1024,1024,96 **cliff** | ",
            "| 1024,1024,64 | ",
            "## Cliffs along M, N or K",
            "- 1024,1024,96 (K = 96 in 1024,1024,K): evotune's best reaches",
        ] {
            assert!(md.contains(expected), "{expected} missing:\n{md}");
        }
        assert!(!md.contains("head dim"), "{md}");
    }
}
