//! The database's tables, created (or brought up to date) when a database is opened.
//!
//! `tunings` holds one row per tuned problem and device, never updated: a new tuning of the
//! same problem is a new row (history). Its `operation` column says whose problem a row is:
//! `sdpa` rows fill the attention columns (`batch` .. `kv_len`), `gemm` rows `m`, `n`, `k`; the
//! other operation's columns are NULL (a CHECK keeps it so). `tuning_baselines` holds the
//! baselines timed in the same run folder. `fingerprint` is a hash of a row's content, so that
//! merging databases from other hosts skips rows it already holds.
//!
//! Version 1 had the attention columns only, NOT NULL; opening such a database rebuilds its
//! table as version 2 in one transaction (SQLite cannot drop NOT NULL in place).

use rusqlite::Connection;

/// The schema version, kept in `PRAGMA user_version`.
pub const VERSION: i64 = 2;

/// `tunings` of version 2, under the name `{table}`.
const TUNINGS: &str = "
CREATE TABLE {table} (
    id                 INTEGER PRIMARY KEY,
    fingerprint        TEXT NOT NULL UNIQUE,
    created_utc        TEXT NOT NULL,
    operation          TEXT NOT NULL DEFAULT 'sdpa' CHECK (operation IN ('sdpa', 'gemm')),
    batch              INTEGER,
    heads              INTEGER,
    seq_len            INTEGER,
    head_dim           INTEGER,
    causal             INTEGER,
    kv_heads           INTEGER,
    kv_len             INTEGER,
    m                  INTEGER,
    n                  INTEGER,
    k                  INTEGER,
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
    run_dir            TEXT NOT NULL,
    CHECK ((operation = 'sdpa'
            AND batch IS NOT NULL AND heads IS NOT NULL AND seq_len IS NOT NULL
            AND head_dim IS NOT NULL AND causal IS NOT NULL AND kv_heads IS NOT NULL
            AND kv_len IS NOT NULL AND m IS NULL AND n IS NULL AND k IS NULL)
        OR (operation = 'gemm'
            AND m IS NOT NULL AND n IS NOT NULL AND k IS NOT NULL
            AND batch IS NULL AND heads IS NULL AND seq_len IS NULL AND head_dim IS NULL
            AND causal IS NULL AND kv_heads IS NULL AND kv_len IS NULL))
);
";

/// The indexes of `tunings` and the baselines' table (both versions' names).
const INDEXES_AND_BASELINES: &str = "
CREATE INDEX IF NOT EXISTS tunings_problem
    ON tunings (gpu, batch, heads, seq_len, head_dim, causal, kv_heads, kv_len);
CREATE INDEX IF NOT EXISTS tunings_gemm ON tunings (gpu, m, n, k);
CREATE TABLE IF NOT EXISTS tuning_baselines (
    tuning_id     INTEGER NOT NULL REFERENCES tunings (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    kernel_p50_us REAL,
    call_p50_us   REAL,
    PRIMARY KEY (tuning_id, name)
);
";

/// The columns version 1 and version 2 share, in table order (a v1 row is copied by them).
const V1_COLUMNS: &str = "id, fingerprint, created_utc, batch, heads, seq_len, head_dim, \
    causal, kv_heads, kv_len, gpu, compute_capability, arch, driver, cuda, nvrtc, host, \
    space_path, space_hash, template_path, template_hash, overrides, build_commit, evaluator, \
    config, kernel_p50_us, ci_lo_us, ci_hi_us, call_p50_us, confirmed_lo_us, confirmed_hi_us, \
    confirmed_mean_us, max_abs, rel_l2, rel_l2_vs_full, trials, failures, run_dir";

/// The schema version of the database on `conn` (0: a new, empty file).
pub fn version_of(conn: &Connection) -> Result<i64, String> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| e.to_string())
}

/// Fails when the database is newer than this evotune reads.
pub fn check_not_newer(version: i64) -> Result<(), String> {
    if version > VERSION {
        return Err(format!(
            "it has schema version {version}, newer than this evotune's {VERSION}"
        ));
    }
    Ok(())
}

/// Creates the tables of a new database, or brings an existing one to [`VERSION`]; all of it
/// in one transaction, so that a failure leaves the file as it was.
pub fn migrate(conn: &Connection) -> Result<(), String> {
    let version = version_of(conn)?;
    check_not_newer(version)?;
    if version == VERSION {
        return Ok(());
    }
    let e = |e: rusqlite::Error| e.to_string();
    // The rebuild drops `tunings`; with foreign keys on, that would delete every baseline.
    // The pragma is a no-op inside a transaction, so it is set around it.
    conn.pragma_update(None, "foreign_keys", false).map_err(e)?;
    let result = rebuild(conn, version);
    conn.pragma_update(None, "foreign_keys", true).map_err(e)?;
    result
}

/// Version `from` (0 or 1) to [`VERSION`], in one transaction.
fn rebuild(conn: &Connection, from: i64) -> Result<(), String> {
    let e = |e: rusqlite::Error| e.to_string();
    let tx = conn.unchecked_transaction().map_err(e)?;
    if from == 1 {
        tx.execute_batch(&TUNINGS.replace("{table}", "tunings_v2"))
            .map_err(e)?;
        tx.execute_batch(&format!(
            "INSERT INTO tunings_v2 (operation, {V1_COLUMNS}) \
             SELECT 'sdpa', {V1_COLUMNS} FROM tunings;
             DROP TABLE tunings;
             ALTER TABLE tunings_v2 RENAME TO tunings;"
        ))
        .map_err(e)?;
    } else {
        tx.execute_batch(&TUNINGS.replace("{table}", "tunings"))
            .map_err(e)?;
    }
    tx.execute_batch(INDEXES_AND_BASELINES).map_err(e)?;
    dangling_baselines(&tx)?;
    tx.pragma_update(None, "user_version", VERSION).map_err(e)?;
    tx.commit().map_err(e)
}

/// Fails when a baseline names a row that is not there (the rebuild lost one).
fn dangling_baselines(conn: &Connection) -> Result<(), String> {
    let n: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .map_err(|e| e.to_string())?;
    match n {
        0 => Ok(()),
        n => Err(format!("{n} baselines name no row after the upgrade")),
    }
}
