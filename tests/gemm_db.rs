//! Integration tests of GEMM problems in the tuning database through the binary: a GEMM tune
//! is recorded, `db list` and `db show --gemm` serve it in its own form, and `--warm-start`
//! draws on it (tests/export.rs exports GEMM rows). The landscapes are synthetic
//! (tests/common/gemm.rs): nothing here is a measurement.

mod common;

use common::gemm::{gemm_landscape, GEMM_SPACE};
use common::{db_cmd, evotune, json, tune, SPACE};
use std::path::Path;

const PROBLEM: &str = "1024,1024,512";

/// A replayed GEMM tune of `budget` trials into `out`, recorded into `db`, with `extra` flags;
/// its standard output.
fn gemm_tune(log: &Path, out: &Path, db: &Path, budget: usize, extra: &[&str]) -> String {
    let assert = evotune()
        .args(["--gemm", PROBLEM, "--replay", log.to_str().unwrap()])
        .args(["--budget", &budget.to_string(), "--population", "8"])
        .args(["--out", out.to_str().unwrap(), "--db", db.to_str().unwrap()])
        .args(extra)
        .assert()
        .success();
    String::from_utf8_lossy(&assert.get_output().stdout).to_string()
}

#[test]
fn a_gemm_tune_is_recorded_and_db_list_and_show_serve_it_in_its_own_form() {
    let dir = tempfile::tempdir().unwrap();
    let log = gemm_landscape(&dir.path().join("g.csv"), PROBLEM, 20.0);
    let db = dir.path().join("t.db");
    let out = gemm_tune(&log, &dir.path().join("run"), &db, 16, &[]);
    assert!(
        out.contains(&format!("database: recorded as row 1 of {}", db.display())),
        "{out}"
    );
    tune(
        Path::new(SPACE),
        &dir.path().join("sdpa"),
        &db,
        "2,8,512,64",
        8,
    );
    let list = db_cmd(&db, &["list"]);
    assert!(list.contains("gemm 1024,1024,512"), "{list}");
    assert!(list.contains("2,8,512,64"), "{list}");
    assert!(
        list.ends_with(&format!("2 rows in {}\n", db.display())),
        "{list}"
    );
    let show = db_cmd(&db, &["show", "--gemm", PROBLEM]);
    assert!(show.starts_with("row 1 (fresh)"), "{show}");
    assert!(show.contains("problem     gemm 1024,1024,512"), "{show}");
    assert!(
        show.contains(&format!("space       {GEMM_SPACE}")),
        "{show}"
    );
    assert!(show.contains("history (1 rows)"), "{show}");
    let row: serde_json::Value =
        serde_json::from_str(&db_cmd(&db, &["show", "1", "--json"])).unwrap();
    assert_eq!(
        row["row"]["problem"],
        serde_json::json!({"m": 1024, "n": 1024, "k": 512})
    );
    assert_eq!(row["row"]["trials"], 16);
    let none = db_cmd(&db, &["show", "--gemm", "1024,1024,256"]);
    assert!(none.starts_with("no fresh row for 1024,1024,256"), "{none}");
}

#[test]
fn db_show_names_the_flag_of_a_bad_gemm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let refused = |args: &[&str], expect: &str| {
        evotune()
            .args(["db", "--db", db.to_str().unwrap(), "show"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(expect));
    };
    refused(&["--gemm", "1024,0,512"], "--gemm N = 0");
    refused(&["--gemm", "1,1,1", "--shape", "1,1,64,64"], "--shape");
    refused(&["3", "--gemm", "1,1,1"], "--gemm");
    assert!(!db.exists(), "a refused command creates no database");
}

#[test]
fn a_gemm_tune_warm_starts_from_the_gemms_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let log = gemm_landscape(&dir.path().join("g.csv"), PROBLEM, 20.0);
    let db = dir.path().join("t.db");
    gemm_tune(&log, &dir.path().join("first"), &db, 16, &[]);
    tune(
        Path::new(SPACE),
        &dir.path().join("sdpa"),
        &db,
        "2,8,512,64",
        8,
    );
    let second = dir.path().join("second");
    gemm_tune(&log, &second, &db, 8, &["--warm-start"]);
    let manifest = json(&second.join("manifest.json"));
    let seeds = manifest["search"]["warm_start"].as_array().unwrap();
    assert_eq!(
        seeds.len(),
        1,
        "one GEMM in the database; the SDPA row is no neighbour"
    );
    let from = seeds[0]["from"].as_str().unwrap();
    assert!(from.starts_with("row 1: gemm 1024,1024,512"), "{from}");
    let best = json(&dir.path().join("first/tune/topk.json"))["elites"][0]["label"].clone();
    assert_eq!(
        seeds[0]["config"], best,
        "the first run's best opens the second"
    );
}
