//! Tests of the database's two operations and of its upgrade: GEMM rows beside SDPA rows, a
//! version-1 file (made with version 1's own DDL) upgraded in place with every row as it was,
//! and SDPA fingerprints that did not change (a merge of an old database adds nothing twice).

use super::tests::row;
use super::*;
use crate::matmul::Gemm;
use rusqlite::{params, Connection};
use std::path::Path;

/// The DDL of version 1 as it was released (kept verbatim: an old database is made with it).
const V1_TABLES: &str = "
CREATE TABLE tunings (
    id                 INTEGER PRIMARY KEY,
    fingerprint        TEXT NOT NULL UNIQUE,
    created_utc        TEXT NOT NULL,
    batch              INTEGER NOT NULL,
    heads              INTEGER NOT NULL,
    seq_len            INTEGER NOT NULL,
    head_dim           INTEGER NOT NULL,
    causal             INTEGER NOT NULL DEFAULT 0,
    kv_heads           INTEGER NOT NULL,
    kv_len             INTEGER NOT NULL,
    gpu                TEXT NOT NULL,
    compute_capability TEXT NOT NULL,
    arch               TEXT NOT NULL,
    driver             TEXT,
    cuda               TEXT,
    nvrtc              TEXT,
    host               TEXT,
    space_path         TEXT NOT NULL,
    space_hash         TEXT NOT NULL,
    template_path      TEXT NOT NULL,
    template_hash      TEXT NOT NULL,
    overrides          TEXT NOT NULL,
    build_commit       TEXT,
    evaluator          TEXT NOT NULL,
    config             TEXT NOT NULL,
    kernel_p50_us      REAL NOT NULL,
    ci_lo_us           REAL,
    ci_hi_us           REAL,
    call_p50_us        REAL,
    confirmed_lo_us    REAL,
    confirmed_hi_us    REAL,
    confirmed_mean_us  REAL,
    max_abs            REAL,
    rel_l2             REAL,
    rel_l2_vs_full     REAL,
    trials             INTEGER NOT NULL,
    failures           INTEGER NOT NULL,
    run_dir            TEXT NOT NULL
);
CREATE INDEX tunings_problem
    ON tunings (gpu, batch, heads, seq_len, head_dim, causal, kv_heads, kv_len);
CREATE TABLE tuning_baselines (
    tuning_id     INTEGER NOT NULL REFERENCES tunings (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    kernel_p50_us REAL,
    call_p50_us   REAL,
    PRIMARY KEY (tuning_id, name)
);
PRAGMA user_version = 1;
";

/// A GEMM row of `dir`'s space and template.
fn gemm_row(dir: &Path, (m, n, k): (usize, usize, usize), p50: f64) -> TuningRow {
    let mut r = row(dir, (1, 1, 1, 1), p50, "20260201-000000");
    r.problem = Problem::Gemm(Gemm { m, n, k });
    r.baselines[0].name = "cublaslt_fp8".into();
    r
}

/// Writes `rows` into a new version-1 database at `path` the way version 1 did: its DDL, its
/// columns, the fingerprint each row had then.
fn v1_database(path: &Path, rows: &[TuningRow]) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(V1_TABLES).unwrap();
    for r in rows {
        let p = r.problem.sdpa().unwrap();
        conn.execute(
            "INSERT INTO tunings (fingerprint, created_utc, batch, heads, seq_len, head_dim, \
             causal, kv_heads, kv_len, gpu, compute_capability, arch, driver, cuda, nvrtc, host, \
             space_path, space_hash, template_path, template_hash, overrides, build_commit, \
             evaluator, config, kernel_p50_us, ci_lo_us, ci_hi_us, call_p50_us, confirmed_lo_us, \
             confirmed_hi_us, confirmed_mean_us, max_abs, rel_l2, rel_l2_vs_full, trials, \
             failures, run_dir) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
             ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, \
             ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37)",
            rusqlite::params_from_iter([
                &r.fingerprint() as &dyn rusqlite::ToSql,
                &r.created_utc,
                &(p.batch as i64),
                &(p.heads as i64),
                &(p.seq_len as i64),
                &(p.head_dim as i64),
                &p.causal,
                &(p.kv_heads as i64),
                &(p.kv_len as i64),
                &r.gpu,
                &r.compute_capability,
                &r.arch,
                &r.driver,
                &r.cuda,
                &r.nvrtc,
                &r.host,
                &r.space_path,
                &r.space_hash,
                &r.template_path,
                &r.template_hash,
                &r.overrides,
                &r.build_commit,
                &r.evaluator,
                &r.config,
                &r.kernel_p50_us,
                &r.ci_lo_us,
                &r.ci_hi_us,
                &r.call_p50_us,
                &r.confirmed_lo_us,
                &r.confirmed_hi_us,
                &r.confirmed_mean_us,
                &r.max_abs,
                &r.rel_l2,
                &r.rel_l2_vs_full,
                &(r.trials as i64),
                &(r.failures as i64),
                &r.run_dir,
            ]),
        )
        .unwrap();
        let id = conn.last_insert_rowid();
        for b in &r.baselines {
            conn.execute(
                "INSERT INTO tuning_baselines VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, b.name, b.status, b.kernel_p50_us, b.call_p50_us],
            )
            .unwrap();
        }
    }
}

fn user_version(path: &Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn sdpa_rows(dir: &Path) -> Vec<TuningRow> {
    let mut causal = row(dir, (1, 32, 8192, 128), 900.5, "20260103-000000");
    if let Problem::Sdpa(p) = &mut causal.problem {
        (p.causal, p.kv_heads, p.kv_len) = (true, 8, 16384);
    }
    causal.rel_l2_vs_full = Some(0.04);
    causal.baselines.clear();
    vec![
        row(dir, (2, 8, 512, 64), 8.25, "20260101-000000"),
        row(dir, (2, 8, 512, 64), 7.75, "20260102-000000"),
        causal,
    ]
}

#[test]
fn a_gemm_row_reads_back_as_written_beside_sdpa_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut d = Db::open(&path).unwrap();
    let sdpa = row(dir.path(), (2, 8, 512, 64), 8.25, "20260101-000000");
    let gemm = gemm_row(dir.path(), (8192, 8192, 8192), 1020.0);
    d.insert(&sdpa).unwrap();
    let id = d.insert(&gemm).unwrap().unwrap();
    assert_eq!(
        d.get(id).unwrap().unwrap(),
        TuningRow {
            id: Some(id),
            ..gemm.clone()
        }
    );
    assert_eq!(d.history(&gemm.problem, None).unwrap().len(), 1);
    assert_eq!(d.history(&sdpa.problem, None).unwrap().len(), 1);
    let other = Problem::Gemm(Gemm {
        m: 8192,
        n: 8192,
        k: 4096,
    });
    assert!(d.history(&other, None).unwrap().is_empty());
    assert_eq!(gemm.problem.label(), "gemm 8192,8192,8192");
    assert_eq!(sdpa.problem.label(), "2,8,512,64");
    let columns: (String, Option<i64>, Option<i64>, Option<i64>) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT operation, m, k, batch FROM tunings WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(columns, ("gemm".into(), Some(8192), Some(8192), None));
}

#[test]
fn a_row_with_the_other_operations_columns_is_refused_by_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut d = Db::open(&path).unwrap();
    d.insert(&gemm_row(dir.path(), (64, 64, 64), 1.0)).unwrap();
    let conn = Connection::open(&path).unwrap();
    let e = conn
        .execute("UPDATE tunings SET batch = 2", [])
        .unwrap_err()
        .to_string();
    assert!(e.contains("CHECK constraint failed"), "{e}");
}

#[test]
fn a_version_1_database_is_upgraded_in_place_and_every_row_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let rows = sdpa_rows(dir.path());
    v1_database(&path, &rows);
    assert_eq!(user_version(&path), 1);
    let old = Db::open_read_only(&path).unwrap();
    let before = old.all().unwrap();
    assert_eq!(old.history(&rows[0].problem, None).unwrap().len(), 2);
    let gemm = Problem::Gemm(Gemm { m: 1, n: 1, k: 1 });
    assert!(old.history(&gemm, None).unwrap().is_empty());
    drop(old);
    assert_eq!(user_version(&path), 1, "a read-only open upgrades nothing");
    let mut d = Db::open(&path).unwrap();
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let after = d.all().unwrap();
    assert_eq!(after, before);
    for (got, want) in after.iter().zip(&rows) {
        assert_eq!(
            *got,
            TuningRow {
                id: got.id,
                ..want.clone()
            }
        );
    }
    assert_eq!(after[2].baselines, vec![]);
    assert_eq!(
        after[0].baselines.len(),
        2,
        "the baselines survived the rebuild"
    );
    assert_eq!(d.integrity().unwrap(), "ok");
    let again = d.insert(&rows[1]).unwrap();
    assert_eq!(
        again, None,
        "an old row's fingerprint is the one it is recorded with now"
    );
    d.insert(&gemm_row(dir.path(), (4096, 4096, 128), 40.0))
        .unwrap()
        .expect("the upgraded table takes GEMM rows");
    assert_eq!(d.delete(&[after[0].id.unwrap()]).unwrap(), 1);
    let baselines: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM tuning_baselines", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        baselines,
        2 + 2,
        "row 2's and the GEMM's; row 1's went with it"
    );
}

#[test]
fn merging_an_old_database_into_a_new_one_adds_no_row_twice() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    let rows = sdpa_rows(dir.path());
    v1_database(&old, &rows);
    let mut new = Db::open(&dir.path().join("new.db")).unwrap();
    new.insert(&rows[0]).unwrap();
    new.insert(&gemm_row(dir.path(), (4096, 4096, 128), 40.0))
        .unwrap();
    let source = Db::open_read_only(&old).unwrap();
    let n = new.merge_from(&source).unwrap();
    assert_eq!(
        n,
        MergeCount {
            added: 2,
            present: 1
        }
    );
    assert_eq!(new.merge_from(&source).unwrap().added, 0);
    assert_eq!(new.all().unwrap().len(), 4);
    assert_eq!(user_version(&old), 1, "the source is read, never upgraded");
}

/// The fingerprint of an SDPA row is what version 1 computed: sha256 of the row's JSON with
/// the problem written in place as the old struct's fields. The hex was computed apart from
/// evotune (Python's json and hashlib over the same fields in the same order).
#[test]
fn an_sdpa_rows_fingerprint_is_the_one_version_1_gave_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = row(dir.path(), (2, 8, 512, 64), 8.25, "20260101-000000");
    r.space_path = "search_spaces/sdpa_fp8.toml".into();
    r.space_hash = "aa".into();
    r.template_path = "k.cu.tera".into();
    r.template_hash = "bb".into();
    r.config = "BLOCK_M=64".into();
    (r.ci_lo_us, r.ci_hi_us, r.call_p50_us) = (Some(8.0), Some(8.5), Some(13.25));
    (r.confirmed_lo_us, r.confirmed_hi_us) = (Some(8.0), Some(8.5));
    r.baselines.remove(0);
    r.baselines[0].kernel_p50_us = Some(33.5);
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        json.contains(
            r#""problem":{"batch":2,"heads":8,"seq_len":512,"head_dim":64,"causal":false,"kv_heads":8,"kv_len":512},"gpu""#
        ),
        "{json}"
    );
    assert_eq!(
        r.fingerprint(),
        "fe2f3408a9db3348d89159cff0159f6be1461e66e5866d564c39004316885189"
    );
}

#[test]
fn a_database_newer_than_this_evotune_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    Db::open(&path).unwrap();
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    for e in [
        Db::open(&path).err().unwrap(),
        Db::open_read_only(&path).err().unwrap(),
    ] {
        assert!(e.contains("newer than this evotune's"), "{e}");
    }
    assert_eq!(user_version(&path), SCHEMA_VERSION + 1);
}

#[test]
fn prune_and_best_of_each_keep_gemm_problems_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Db::open(&dir.path().join("t.db")).unwrap();
    d.insert(&gemm_row(dir.path(), (64, 64, 128), 3.0)).unwrap();
    d.insert(&gemm_row(dir.path(), (64, 64, 128), 2.0)).unwrap();
    d.insert(&gemm_row(dir.path(), (64, 64, 64), 1.0)).unwrap();
    d.insert(&row(dir.path(), (2, 8, 512, 64), 8.0, "20260101-000000"))
        .unwrap();
    let rows = d.all().unwrap();
    let keep_one = PruneRule {
        stale: false,
        keep_latest: Some(1),
    };
    assert_eq!(
        prune_ids(&rows, keep_one, &mut FreshnessCheck::new()),
        vec![1]
    );
    let best: Vec<String> = best_of_each(&rows, "NVIDIA H200")
        .iter()
        .map(|r| format!("{} {}", r.problem.label(), r.kernel_p50_us))
        .collect();
    assert_eq!(
        best,
        ["2,8,512,64 8", "gemm 64,64,64 1", "gemm 64,64,128 2"]
    );
}
