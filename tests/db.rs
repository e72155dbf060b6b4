//! Integration tests of the tuning database through the binary: tune and sweep record their
//! results, `db list|show|add|merge|prune`, stale rows after a template edit, bad input.

mod common;

use common::{
    db_cmd, evotune, json, own_space, stand_in_log, tune, tune_with, LOG, SPACE, TEMPLATE,
};
use predicates::prelude::*;
use std::path::Path;

#[test]
fn tune_records_its_best_config_and_db_show_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = tune(
        Path::new(SPACE),
        &dir.path().join("run"),
        &db,
        "2,8,512,64",
        24,
    );
    assert!(
        out.contains(&format!("database: recorded as row 1 of {}", db.display())),
        "{out}"
    );
    let list = db_cmd(&db, &["list"]);
    assert!(
        list.contains("2,8,512,64") && list.contains("replay") && list.contains("fresh"),
        "{list}"
    );
    let show = db_cmd(&db, &["show", "--shape", "2,8,512,64"]);
    assert!(show.starts_with("row 1 (fresh)"), "{show}");
    assert!(show.contains("best        BLOCK_M="), "{show}");
    assert!(
        show.contains("template    data/landscapes/../../kernel_templates/sdpa_fp8_mma.cu.tera")
    );
    let json: serde_json::Value =
        serde_json::from_str(&db_cmd(&db, &["show", "1", "--json"])).unwrap();
    assert_eq!(json["row"]["trials"], 24);
    assert_eq!(json["row"]["problem"]["kv_heads"], 8);
    assert_eq!(json["row"]["problem"]["causal"], false);
    assert_eq!(json["row"]["build_commit"], evotune::BUILD_COMMIT);
    assert_eq!(json["row"]["space_hash"].as_str().unwrap().len(), 64);
}

#[test]
fn a_row_is_stale_once_its_template_changes_and_is_no_longer_served() {
    let dir = tempfile::tempdir().unwrap();
    let space = own_space(dir.path());
    let db = dir.path().join("t.db");
    tune(&space, &dir.path().join("run"), &db, "2,8,512,64", 16);
    assert!(db_cmd(&db, &["list"]).contains("  fresh"));
    let template = dir.path().join(TEMPLATE);
    let mut text = std::fs::read_to_string(&template).unwrap();
    text.push_str("\n// edited\n");
    std::fs::write(&template, text).unwrap();
    let list = db_cmd(&db, &["list"]);
    assert!(
        list.contains("stale: template") && list.contains("sdpa_fp8_mma.cu.tera changed"),
        "{list}"
    );
    let show = db_cmd(&db, &["show", "--shape", "2,8,512,64"]);
    assert!(show.starts_with("no fresh row for 2,8,512,64"), "{show}");
    assert!(db_cmd(&db, &["prune", "--stale", "--dry-run"]).contains("would remove 1 of 1 rows"));
    assert!(db_cmd(&db, &["prune", "--stale"]).contains("removed 1 of 1 rows"));
    assert!(db_cmd(&db, &["list"]).contains("0 rows in"));
    let nothing = db_cmd(&db, &["prune", "--stale", "--dry-run"]);
    assert_eq!(nothing.trim(), "would remove 0 of 0 rows", "{nothing}");
}

/// Regression: `db prune --keep-latest 0` removed every row of every problem, unasked.
#[test]
fn prune_keeps_at_least_the_latest_row() {
    let dir = tempfile::tempdir().unwrap();
    evotune()
        .args(["db", "--db"])
        .arg(dir.path().join("t.db"))
        .args(["prune", "--keep-latest", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--keep-latest"));
}

#[test]
fn merge_brings_rows_from_other_hosts_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    tune(
        Path::new(SPACE),
        &dir.path().join("r1"),
        &a,
        "2,8,512,64",
        16,
    );
    tune_with(
        Path::new(SPACE),
        stand_in_log(dir.path(), "1,8,512,64").to_str().unwrap(),
        &[],
        &dir.path().join("r2"),
        &b,
        "1,8,512,64",
        16,
    );
    db_cmd(&b, &["add", dir.path().join("r1").to_str().unwrap()]);
    let merged = db_cmd(&a, &["merge", b.to_str().unwrap()]);
    assert!(
        merged.contains("1 rows added, 1 already present"),
        "{merged}"
    );
    let again = db_cmd(&a, &["merge", b.to_str().unwrap()]);
    assert!(again.contains("0 rows added"), "{again}");
    let rows = db_cmd(&a, &["list"]);
    assert!(
        rows.contains("1,8,512,64") && rows.contains("2,8,512,64"),
        "{rows}"
    );
}

#[test]
fn prune_keeps_the_newest_history_of_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    for (i, budget) in [12, 16, 20].iter().enumerate() {
        tune(
            Path::new(SPACE),
            &dir.path().join(format!("r{i}")),
            &db,
            "2,8,512,64",
            *budget,
        );
    }
    assert!(db_cmd(&db, &["prune", "--keep-latest", "1"]).contains("removed 2 of 3 rows"));
    let json: serde_json::Value = serde_json::from_str(&db_cmd(&db, &["list", "--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["row"]["trials"], 20, "the newest row stays");
}

/// A sweep records each problem it measured; a problem answered by a log recorded on another
/// (a stand-in) is not recorded (regression: it went in as a fresh row of its problem), its
/// line says so, and the sweep's report marks it.
#[test]
fn a_sweep_records_each_problem_and_no_db_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = dir.path().join("sweep");
    evotune()
        .args([
            "sweep",
            "--shapes",
            "2,8,512,64",
            "1,8,512,64",
            "--replay",
            LOG,
        ])
        .args([
            "--space",
            SPACE,
            "--budget",
            "12",
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--db", db.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("database: recorded as row 1"))
        .stderr(predicate::str::contains(
            "1-8-512-64 done: best 14.56 µs in 12 trials (0 failed), answers recorded on \
             2,8,512,64\n      database: not recorded: its answers were recorded on 2,8,512,64, \
             standing in for 1,8,512,64, and are no measurements of it",
        ))
        .stderr(predicate::str::contains(format!(
            "answers: every problem from {LOG}, recorded on 2,8,512,64; for 1-8-512-64 they \
             stand in"
        )));
    let list = db_cmd(&db, &["list"]);
    assert!(
        list.contains("1 rows in") && !list.contains("1,8,512,64"),
        "{list}"
    );
    let report = dir.path().join("sweep.md");
    evotune()
        .args(["report", "--sweep", out.to_str().unwrap(), "--out"])
        .arg(&report)
        .assert()
        .success();
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(
        md.contains("| 1,8,512,64 | *stand-in*: 14.56 measured at 2,8,512,64, not here |"),
        "{md}"
    );
    evotune()
        .args([
            "--shape",
            "2,8,512,64",
            "--replay",
            LOG,
            "--space",
            SPACE,
            "--budget",
            "8",
        ])
        .args([
            "--out",
            dir.path().join("quiet").to_str().unwrap(),
            "--no-db",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("database").not());
    evotune()
        .args([
            "--shape",
            "2,8,512,64",
            "--replay",
            LOG,
            "--space",
            SPACE,
            "--budget",
            "8",
        ])
        .args(["--out", dir.path().join("default").to_str().unwrap()])
        .env("HOME", dir.path())
        .env_remove("XDG_DATA_HOME")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "a replayed run is recorded only into a database named",
        ));
    assert!(
        !dir.path().join(".local").exists(),
        "nothing went into the default database"
    );
}

/// Regression: `--resume` of a run started with --no-db recorded it in the database (the
/// manifest did not keep the choice). A resumed run keeps its database choice, `--no-db` or
/// `--db FILE`; `--db` given again on resume records it there.
#[test]
fn a_resumed_run_keeps_its_database_choice() {
    let dir = tempfile::tempdir().unwrap();
    let default_db = dir.path().join("default.db");
    let named = dir.path().join("named.db");
    let (quiet, kept) = (dir.path().join("quiet"), dir.path().join("kept"));
    let tune = |args: &[&str]| {
        let assert = evotune()
            .args(args)
            .env("EVOTUNE_DB", &default_db)
            .assert()
            .success();
        String::from_utf8_lossy(&assert.get_output().stdout).to_string()
    };
    let fresh = |out: &Path, db: &[&str]| {
        let args = ["--shape", "2,8,512,64", "--replay", LOG, "--space", SPACE];
        let out = ["--budget", "8", "--out", out.to_str().unwrap()];
        tune(&[&args[..], &out, db].concat())
    };
    let resume = |out: &Path, budget: &str, db: &[&str]| {
        tune(
            &[
                &["--resume", out.to_str().unwrap(), "--budget", budget][..],
                db,
            ]
            .concat(),
        )
    };
    fresh(&quiet, &["--no-db"]);
    assert_eq!(
        json(&quiet.join("manifest.json"))["search"]["database"],
        "none"
    );
    let out = resume(&quiet, "12", &[]);
    assert!(!out.contains("database"), "{out}");
    assert!(
        !default_db.exists(),
        "the --no-db run stayed out of the database"
    );
    let named_text = named.to_str().unwrap();
    fresh(&kept, &["--db", named_text]);
    let out = resume(&kept, "12", &[]);
    let row = |n: usize| format!("database: recorded as row {n} of {named_text}");
    assert!(out.contains(&row(2)), "{out}");
    assert!(!default_db.exists(), "the run kept its --db");
    let out = resume(&quiet, "16", &["--db", named_text]);
    assert!(out.contains(&row(3)), "{out}");
    let again = resume(&quiet, "20", &[]);
    assert!(
        again.contains(&row(4)),
        "--db given on resume is kept: {again}"
    );
}

/// Regression: a --db that could not be written was found out only after the whole search had
/// run ("recording it in the tuning database failed"). Tune and sweep now refuse it before
/// anything is tuned or written (exit 2, naming --db and the file), leaving no file behind.
#[test]
fn a_database_that_cannot_be_written_is_refused_before_the_search() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "text").unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        "this is not a database, just some text of some length",
    )
    .unwrap();
    let mut cases = vec![
        (
            file.join("t.db"),
            "cannot be written: no file can be created in",
        ),
        (junk.clone(), "not an evotune database"),
        (dir.path().to_path_buf(), "is not a file"),
    ];
    let read_only = dir.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
    match std::fs::write(read_only.join("probe"), "") {
        Ok(()) => eprintln!("read-only folder not tried: this user may write it anyway (root)"),
        Err(_) => cases.push((read_only.join("t.db"), "no file can be created in")),
    }
    let (run, sweep) = (dir.path().join("run"), dir.path().join("sweep"));
    let problem = ["--replay", LOG, "--space", SPACE, "--budget", "8"];
    for (db, why) in &cases {
        let db_flag = ["--db", db.to_str().unwrap()];
        let named = format!("--db {}: ", db.display());
        let tune = ["--shape", "2,8,512,64", "--out", run.to_str().unwrap()];
        let sweep_args = [
            "sweep",
            "--shapes",
            "2,8,512,64",
            "--out",
            sweep.to_str().unwrap(),
        ];
        for args in [&tune[..], &sweep_args[..]] {
            evotune()
                .args(args)
                .args(problem)
                .args(db_flag)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(&named).and(predicate::str::contains(*why)));
        }
        assert!(
            !run.exists() && !sweep.exists(),
            "{why}: nothing tuned or written"
        );
    }
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["a-file", "junk.db", "read-only"],
        "no file left behind"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"text");
}

#[test]
fn bad_database_input_names_the_flag_or_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        "this is not a database, just some text of some length",
    )
    .unwrap();
    evotune()
        .args(["db", "--db", junk.to_str().unwrap(), "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "--db {}: not an evotune database: file is not a database",
            junk.display()
        )));
    let db = dir.path().join("t.db");
    evotune()
        .args([
            "db",
            "--db",
            db.to_str().unwrap(),
            "merge",
            junk.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "db merge {}:",
            junk.display()
        )));
    evotune()
        .args(["db", "--db", db.to_str().unwrap(), "prune"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("db prune needs --stale"));
    evotune()
        .args(["db", "--db", db.to_str().unwrap(), "show", "7"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("db show 7: no such row"));
}

/// `db list` and `db show` only read: a missing database is an error naming --db that creates
/// nothing, and a bad --shape is refused before the database is opened, leaving it as it was.
#[test]
fn reading_the_database_changes_nothing_and_a_missing_one_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none/t.db");
    for command in [&["list"][..], &["show", "--shape", "2,8,512,64"][..]] {
        evotune()
            .args(["db", "--db", missing.to_str().unwrap()])
            .args(command)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--db {}: no such file",
                missing.display()
            )));
    }
    assert!(!missing.parent().unwrap().exists());
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    evotune()
        .args([
            "db",
            "--db",
            junk.to_str().unwrap(),
            "show",
            "--shape",
            "2,8,x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2,8,x"));
    assert_eq!(std::fs::read(&junk).unwrap(), b"not a database");
}

#[test]
fn warm_start_opens_with_the_nearest_problems_best_config_and_resume_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    tune(
        Path::new(SPACE),
        &dir.path().join("near"),
        &db,
        "2,8,512,64",
        48,
    );
    let best = serde_json::from_str::<serde_json::Value>(&db_cmd(&db, &["show", "1", "--json"]))
        .unwrap()["row"]["config"]
        .as_str()
        .unwrap()
        .to_string();
    let out = dir.path().join("warm");
    let log = stand_in_log(dir.path(), "2,8,1024,64");
    evotune()
        .args(["--shape", "2,8,1024,64", "--replay", log.to_str().unwrap()])
        .args(["--space", SPACE, "--budget", "20"])
        .args([
            "--out",
            out.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--warm-start",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warm start: 1 configs open the first generation; the nearest: row 1: 2,8,512,64",
        ));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let seeded = manifest["search"]["warm_start"][0]["config"]
        .as_str()
        .unwrap();
    assert_eq!(
        seeded, best,
        "the same space: the neighbour's config as it is"
    );
    let log = std::fs::read_to_string(out.join("tune/tune_log.csv")).unwrap();
    let mut lines = log.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    let params = header.len() - evotune::tunelog::COLUMNS.len();
    let mut pairs: Vec<String> = header[2..params]
        .iter()
        .zip(&first[2..])
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    pairs.sort();
    assert_eq!(pairs.join(","), best, "the seed is trial 0");
    evotune()
        .args(["--resume", out.to_str().unwrap(), "--budget", "30"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warm start: 1 configs"));
}

#[test]
fn search_bench_compares_a_warm_started_ga_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    tune(
        Path::new(SPACE),
        &dir.path().join("self"),
        &db,
        "2,8,512,64",
        32,
    );
    // The landscape's own problem never seeds it: its best would be the answer.
    let bench = |db: &Path| {
        let mut cmd = evotune();
        cmd.args(["search-bench", "--replay", LOG, "--space", SPACE])
            .args(["--budget", "16", "--seeds", "4", "--warm-start"])
            .args(["--db", db.to_str().unwrap()]);
        cmd
    };
    bench(&db).assert().code(2).stderr(predicate::str::contains(
        "holds no fresh replay row of another problem",
    ));
    let log = stand_in_log(dir.path(), "2,8,1024,64");
    tune_with(
        Path::new(SPACE),
        log.to_str().unwrap(),
        &[],
        &dir.path().join("near"),
        &db,
        "2,8,1024,64",
        32,
    );
    let assert = bench(&db).assert().success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(out.contains("\nga+warm "), "{out}");
    assert!(out.contains("ga+warm vs GA (two-sided)"), "{out}");
    assert!(
        out.contains("warm seeds (other problems' best configs")
            && out.contains("row 2: 2,8,1024,64"),
        "{out}"
    );
    assert!(!out.contains("row 1: 2,8,512,64"), "{out}");
    let empty = dir.path().join("empty.db");
    bench(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "does not exist (--warm-start reads",
        ));
    evotune::db::Db::open(&empty).unwrap(); // an empty database, schema only
    bench(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no fresh replay row"));
}

/// Regression: `db add` of a missing path or a sweep's folder exited 1 with "cannot read
/// .../manifest.json"; it is input to fix (exit 2), named, and no database is created.
#[test]
fn db_add_names_a_path_that_is_not_a_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let sweep = dir.path().join("sweep");
    std::fs::create_dir_all(sweep.join("2-8-512-64")).unwrap();
    std::fs::write(sweep.join("2-8-512-64/manifest.json"), "{}").unwrap();
    for (path, why) in [
        (dir.path().join("nope"), "is not a folder"),
        (sweep, "holds run folders, not a run"),
    ] {
        evotune()
            .args(["db", "--db"])
            .arg(&db)
            .arg("add")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(why));
    }
    assert!(!db.exists());
}
