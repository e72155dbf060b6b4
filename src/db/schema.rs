//! The database's tables, created (or checked) when a database is opened.
//!
//! `tunings` holds one row per tuned problem and device, never updated: a new tuning of the
//! same problem is a new row (history). `tuning_baselines` holds the baselines timed in the same
//! run folder. `fingerprint` is a hash of a row's content, so that merging databases from other
//! hosts skips rows it already holds.

use rusqlite::Connection;

/// The schema version, kept in `PRAGMA user_version`.
pub const VERSION: i64 = 1;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS tunings (
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
CREATE INDEX IF NOT EXISTS tunings_problem
    ON tunings (gpu, batch, heads, seq_len, head_dim, causal, kv_heads, kv_len);
CREATE TABLE IF NOT EXISTS tuning_baselines (
    tuning_id     INTEGER NOT NULL REFERENCES tunings (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    kernel_p50_us REAL,
    call_p50_us   REAL,
    PRIMARY KEY (tuning_id, name)
);
";

/// Creates the tables of a new database, or checks the version of an existing one.
pub fn migrate(conn: &Connection) -> Result<(), String> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if version > VERSION {
        return Err(format!(
            "it has schema version {version}, newer than this evotune's {VERSION}"
        ));
    }
    let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
    tx.execute_batch(TABLES).map_err(|e| e.to_string())?;
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())
}
