//! Tests of the tuning database: schema, insert and read back, history, merge with
//! de-duplication, stale rows, prune, and that a failed write leaves nothing behind.

use super::*;
use std::path::Path;

/// A space and a template file in `dir`, and a row that names them with their current hashes.
pub(crate) fn row(
    dir: &Path,
    shape: (usize, usize, usize, usize),
    p50: f64,
    when: &str,
) -> TuningRow {
    let space = dir.join("space.toml");
    let template = dir.join("k.cu.tera");
    if !space.exists() {
        std::fs::write(&space, "name = \"s\"\n").unwrap();
        std::fs::write(&template, "__global__ void k() {}\n").unwrap();
    }
    let (batch, heads, seq_len, head_dim) = shape;
    TuningRow {
        id: None,
        created_utc: when.into(),
        problem: Problem::Sdpa(Attention {
            batch,
            heads,
            seq_len,
            head_dim,
            causal: false,
            kv_heads: heads,
            kv_len: seq_len,
        }),
        gpu: "NVIDIA H200".into(),
        compute_capability: "9.0".into(),
        arch: "sm_90a".into(),
        driver: Some("580.1".into()),
        cuda: Some("13.0".into()),
        nvrtc: Some("13.0".into()),
        host: Some("h1".into()),
        space_path: space.display().to_string(),
        space_hash: file_hash(&space).unwrap(),
        template_path: template.display().to_string(),
        template_hash: file_hash(&template).unwrap(),
        overrides: "{}".into(),
        build_commit: Some("abc123".into()),
        evaluator: "gpu".into(),
        config: format!("BLOCK_M=64,P50={p50}"),
        kernel_p50_us: p50,
        ci_lo_us: Some(p50 - 0.1),
        ci_hi_us: Some(p50 + 0.1),
        call_p50_us: Some(p50 + 5.0),
        confirmed_lo_us: Some(p50 - 0.2),
        confirmed_hi_us: Some(p50 + 0.2),
        confirmed_mean_us: Some(p50),
        max_abs: Some(0.01),
        rel_l2: Some(0.02),
        rel_l2_vs_full: None,
        trials: 64,
        failures: 3,
        run_dir: "artifacts/run".into(),
        baselines: vec![
            BaselineTime {
                name: "cudnn_fp8".into(),
                status: "unavailable".into(),
                kernel_p50_us: None,
                call_p50_us: None,
            },
            BaselineTime {
                name: "math".into(),
                status: "ok".into(),
                kernel_p50_us: Some(33.9),
                call_p50_us: Some(40.0),
            },
        ],
    }
}

fn db(dir: &Path, name: &str) -> Db {
    Db::open(&dir.join(name)).unwrap()
}

#[test]
fn a_new_database_gets_the_schema_and_an_existing_one_opens_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/folder/tuning.db");
    let d = Db::open(&path).unwrap();
    assert_eq!(d.all().unwrap(), vec![]);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    drop(d);
    assert!(Db::open(&path).is_ok(), "opening twice migrates nothing");
    std::fs::write(
        dir.path().join("junk.db"),
        "not a database at all, just text",
    )
    .unwrap();
    let e = Db::open(&dir.path().join("junk.db")).err().unwrap();
    assert!(e.contains("not a database"), "{e}");
}

#[test]
fn a_row_reads_back_as_written_with_its_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = db(dir.path(), "t.db");
    let r = row(dir.path(), (2, 8, 512, 64), 8.25, "20260101-000000");
    let id = d.insert(&r).unwrap().unwrap();
    let back = d.get(id).unwrap().unwrap();
    assert_eq!(
        back,
        TuningRow {
            id: Some(id),
            ..r.clone()
        }
    );
    assert_eq!(back.baselines.len(), 2);
    assert_eq!(
        d.insert(&r).unwrap(),
        None,
        "the same content is not added twice"
    );
    assert_eq!(d.all().unwrap().len(), 1);
}

#[test]
fn history_is_kept_and_the_best_fresh_row_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = db(dir.path(), "t.db");
    let shape = (2, 8, 512, 64);
    for (p50, when) in [
        (9.0, "20260101-000000"),
        (8.0, "20260102-000000"),
        (8.5, "20260103-000000"),
    ] {
        d.insert(&row(dir.path(), shape, p50, when)).unwrap();
    }
    d.insert(&row(
        dir.path(),
        (4, 32, 2048, 128),
        400.0,
        "20260101-000000",
    ))
    .unwrap();
    let problem = d.all().unwrap()[0].problem;
    let history = d.history(&problem, Some("NVIDIA H200")).unwrap();
    assert_eq!(history.len(), 3);
    assert!(d.history(&problem, Some("NVIDIA H100")).unwrap().is_empty());
    let mut check = FreshnessCheck::new();
    assert_eq!(best_fresh(&history, &mut check).unwrap().kernel_p50_us, 8.0);
}

#[test]
fn a_row_whose_template_or_space_changed_is_stale_and_never_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = db(dir.path(), "t.db");
    let old = row(dir.path(), (2, 8, 512, 64), 7.0, "20260101-000000");
    d.insert(&old).unwrap();
    std::fs::write(
        dir.path().join("k.cu.tera"),
        "__global__ void k() { /* v2 */ }\n",
    )
    .unwrap();
    let new = row(dir.path(), (2, 8, 512, 64), 9.0, "20260102-000000");
    d.insert(&new).unwrap();
    let rows = d.all().unwrap();
    let mut check = FreshnessCheck::new();
    let stale = check.of(&rows[0]);
    assert!(stale.label().starts_with("stale: template"), "{stale:?}");
    assert!(stale.label().ends_with("k.cu.tera changed"));
    assert!(check.of(&rows[1]).is_fresh());
    let best = best_fresh(&rows, &mut check).unwrap();
    assert_eq!(
        best.kernel_p50_us, 9.0,
        "the faster stale row is not served"
    );
    std::fs::remove_file(dir.path().join("space.toml")).unwrap();
    let gone = FreshnessCheck::new().of(&rows[1]);
    assert!(gone.label().contains("space.toml is gone"), "{gone:?}");
}

#[test]
fn merge_adds_what_is_missing_and_skips_identical_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = db(dir.path(), "a.db");
    let mut b = db(dir.path(), "b.db");
    let shared = row(dir.path(), (2, 8, 512, 64), 8.0, "20260101-000000");
    a.insert(&shared).unwrap();
    b.insert(&shared).unwrap();
    let mut again = shared.clone();
    again.created_utc = "20260109-000000".into();
    assert_eq!(
        again.fingerprint(),
        shared.fingerprint(),
        "recorded twice, one result"
    );
    let mut only_b = row(dir.path(), (2, 8, 512, 64), 7.5, "20260105-000000");
    only_b.host = Some("h2".into());
    b.insert(&only_b).unwrap();
    let source = Db::open_read_only(&dir.path().join("b.db")).unwrap();
    assert_eq!(
        a.merge_from(&source).unwrap(),
        MergeCount {
            added: 1,
            present: 1
        }
    );
    assert_eq!(
        a.merge_from(&source).unwrap(),
        MergeCount {
            added: 0,
            present: 2
        }
    );
    let rows = a.all().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].baselines, only_b.baselines, "baselines come along");
    let e = Db::open_read_only(&dir.path().join("missing.db"))
        .err()
        .unwrap();
    assert_eq!(e, "no such file");
}

#[test]
fn prune_removes_stale_rows_or_old_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = db(dir.path(), "t.db");
    for (p50, when) in [
        (9.0, "20260101-000000"),
        (8.0, "20260102-000000"),
        (8.5, "20260103-000000"),
    ] {
        d.insert(&row(dir.path(), (2, 8, 512, 64), p50, when))
            .unwrap();
    }
    d.insert(&row(dir.path(), (1, 8, 512, 64), 5.0, "20260101-000000"))
        .unwrap();
    let rows = d.all().unwrap();
    let mut check = FreshnessCheck::new();
    let keep_one = PruneRule {
        stale: false,
        keep_latest: Some(1),
    };
    assert_eq!(prune_ids(&rows, keep_one, &mut check), vec![1, 2]);
    let stale_only = PruneRule {
        stale: true,
        keep_latest: None,
    };
    assert!(prune_ids(&rows, stale_only, &mut check).is_empty());
    assert_eq!(d.delete(&[1, 2]).unwrap(), 2);
    let left: Vec<i64> = d.all().unwrap().iter().map(|r| r.id.unwrap()).collect();
    assert_eq!(left, vec![3, 4]);
    let baselines: i64 = rusqlite::Connection::open(dir.path().join("t.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM tuning_baselines", [], |r| r.get(0))
        .unwrap();
    assert_eq!(baselines, 4, "the pruned rows' baselines went with them");
}

/// A write that fails part-way (here: after its first row and that row's baselines are
/// written) leaves the database exactly as it was.
#[test]
fn a_write_that_fails_mid_transaction_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = db(dir.path(), "t.db");
    d.insert(&row(dir.path(), (1, 1, 64, 64), 1.0, "20260101-000000"))
        .unwrap();
    let rows: Vec<TuningRow> = (0..3)
        .map(|i| {
            row(
                dir.path(),
                (2, 8, 512, 64),
                8.0 + i as f64,
                "20260102-000000",
            )
        })
        .collect();
    let err = d
        .insert_all(&rows, |i| {
            if i == 1 {
                Err("injected failure".into())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert_eq!(err, "injected failure");
    assert_eq!(
        d.all().unwrap().len(),
        1,
        "no row of the failed write remains"
    );
    let fresh = Db::open(&dir.path().join("t.db")).unwrap();
    assert_eq!(fresh.all().unwrap().len(), 1);
    assert_eq!(fresh.integrity().unwrap(), "ok");
    let baselines: i64 = rusqlite::Connection::open(dir.path().join("t.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM tuning_baselines", [], |r| r.get(0))
        .unwrap();
    assert_eq!(baselines, 2, "only the first write's baselines");
}
