//! Reading and writing rows. Every write is one transaction: a process killed part-way (or a
//! write that fails) leaves the database as it was before the write began.

use super::row::{BaselineTime, Problem, TuningRow};
use super::schema;
use rusqlite::{params, Connection, OpenFlags, Row, Transaction};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's transaction to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open tuning database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

/// What a database error is about; the caller names the flag or file.
pub type DbResult<T> = std::result::Result<T, String>;

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

impl Db {
    /// Opens (creating it and its folder when missing) the database at `path`.
    pub fn open(path: &Path) -> DbResult<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let conn = Connection::open(path).map_err(err)?;
        Db::setup(conn, path, true)
    }

    /// Opens an existing database read-only (a merge's source).
    pub fn open_read_only(path: &Path) -> DbResult<Db> {
        if !path.is_file() {
            return Err("no such file".into());
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        Db::setup(conn, path, false)
    }

    fn setup(conn: Connection, path: &Path, writable: bool) -> DbResult<Db> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        if writable {
            schema::migrate(&conn)?;
        } else {
            conn.query_row("SELECT count(*) FROM tunings", [], |r| r.get::<_, i64>(0))
                .map_err(|e| format!("not an evotune database: {e}"))?;
        }
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `row` (with its baselines) as a new row and returns its id; a row with the same
    /// content already present is not added again (`None`).
    pub fn insert(&mut self, row: &TuningRow) -> DbResult<Option<i64>> {
        let ids = self.insert_all(std::slice::from_ref(row), |_| Ok(()))?;
        Ok(ids[0])
    }

    /// Adds every row in one transaction; `after_row(i)` runs after row i is written, inside
    /// the transaction (an error from it, or from any write, rolls back every row).
    pub fn insert_all(
        &mut self,
        rows: &[TuningRow],
        mut after_row: impl FnMut(usize) -> DbResult<()>,
    ) -> DbResult<Vec<Option<i64>>> {
        let tx = self.conn.transaction().map_err(err)?;
        let mut ids = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            ids.push(insert_row(&tx, row)?);
            after_row(i)?;
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Every row, oldest first.
    pub fn all(&self) -> DbResult<Vec<TuningRow>> {
        self.select("ORDER BY id", params![])
    }

    /// The row with `id`.
    pub fn get(&self, id: i64) -> DbResult<Option<TuningRow>> {
        Ok(self.select("WHERE id = ?1", params![id])?.pop())
    }

    /// The rows of `problem` (on `gpu`, when given), oldest first.
    pub fn history(&self, problem: &Problem, gpu: Option<&str>) -> DbResult<Vec<TuningRow>> {
        let rows = self.select(
            "WHERE batch = ?1 AND heads = ?2 AND seq_len = ?3 AND head_dim = ?4 AND causal = ?5 \
             AND kv_heads = ?6 AND kv_len = ?7 ORDER BY id",
            params![
                problem.batch as i64,
                problem.heads as i64,
                problem.seq_len as i64,
                problem.head_dim as i64,
                problem.causal,
                problem.kv_heads as i64,
                problem.kv_len as i64
            ],
        )?;
        Ok(rows
            .into_iter()
            .filter(|r| gpu.is_none_or(|g| r.gpu == g))
            .collect())
    }

    /// Deletes the rows with these ids (and their baselines) in one transaction.
    pub fn delete(&mut self, ids: &[i64]) -> DbResult<usize> {
        let tx = self.conn.transaction().map_err(err)?;
        let mut n = 0;
        for id in ids {
            n += tx
                .execute("DELETE FROM tunings WHERE id = ?1", params![id])
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(n)
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub fn integrity(&self) -> DbResult<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(err)
    }

    fn select(&self, tail: &str, args: &[&dyn rusqlite::ToSql]) -> DbResult<Vec<TuningRow>> {
        let sql = format!("SELECT {COLUMNS} FROM tunings {tail}");
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let rows = stmt
            .query_map(args, read_row)
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        rows.into_iter()
            .map(|mut r| {
                r.baselines = self.baselines_of(r.id.expect("a stored row has an id"))?;
                Ok(r)
            })
            .collect()
    }

    fn baselines_of(&self, id: i64) -> DbResult<Vec<BaselineTime>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, status, kernel_p50_us, call_p50_us FROM tuning_baselines \
                 WHERE tuning_id = ?1 ORDER BY name",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok(BaselineTime {
                    name: r.get(0)?,
                    status: r.get(1)?,
                    kernel_p50_us: r.get(2)?,
                    call_p50_us: r.get(3)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}

/// The columns of `tunings` after `id`, in the order `read_row` and `insert_row` use.
const COLUMNS: &str = "id, created_utc, batch, heads, seq_len, head_dim, causal, kv_heads, \
    kv_len, gpu, compute_capability, arch, driver, cuda, nvrtc, host, space_path, space_hash, \
    template_path, template_hash, overrides, build_commit, evaluator, config, kernel_p50_us, \
    ci_lo_us, ci_hi_us, call_p50_us, confirmed_lo_us, confirmed_hi_us, confirmed_mean_us, \
    max_abs, rel_l2, rel_l2_vs_full, trials, failures, run_dir";

fn insert_row(tx: &Transaction, row: &TuningRow) -> DbResult<Option<i64>> {
    let p = &row.problem;
    let sql = format!(
        "INSERT OR IGNORE INTO tunings (fingerprint, {}) VALUES (?1, {})",
        &COLUMNS[4..],
        (2..=37)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let added = tx
        .execute(
            &sql,
            rusqlite::params_from_iter([
                &row.fingerprint() as &dyn rusqlite::ToSql,
                &row.created_utc,
                &(p.batch as i64),
                &(p.heads as i64),
                &(p.seq_len as i64),
                &(p.head_dim as i64),
                &p.causal,
                &(p.kv_heads as i64),
                &(p.kv_len as i64),
                &row.gpu,
                &row.compute_capability,
                &row.arch,
                &row.driver,
                &row.cuda,
                &row.nvrtc,
                &row.host,
                &row.space_path,
                &row.space_hash,
                &row.template_path,
                &row.template_hash,
                &row.overrides,
                &row.build_commit,
                &row.evaluator,
                &row.config,
                &row.kernel_p50_us,
                &row.ci_lo_us,
                &row.ci_hi_us,
                &row.call_p50_us,
                &row.confirmed_lo_us,
                &row.confirmed_hi_us,
                &row.confirmed_mean_us,
                &row.max_abs,
                &row.rel_l2,
                &row.rel_l2_vs_full,
                &(row.trials as i64),
                &(row.failures as i64),
                &row.run_dir,
            ]),
        )
        .map_err(err)?;
    if added == 0 {
        return Ok(None);
    }
    let id = tx.last_insert_rowid();
    for b in &row.baselines {
        tx.execute(
            "INSERT INTO tuning_baselines (tuning_id, name, status, kernel_p50_us, call_p50_us) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, b.name, b.status, b.kernel_p50_us, b.call_p50_us],
        )
        .map_err(err)?;
    }
    Ok(Some(id))
}

fn read_row(r: &Row) -> rusqlite::Result<TuningRow> {
    let n = |i: usize| -> rusqlite::Result<usize> { Ok(r.get::<_, i64>(i)? as usize) };
    Ok(TuningRow {
        id: Some(r.get(0)?),
        created_utc: r.get(1)?,
        problem: Problem {
            batch: n(2)?,
            heads: n(3)?,
            seq_len: n(4)?,
            head_dim: n(5)?,
            causal: r.get(6)?,
            kv_heads: n(7)?,
            kv_len: n(8)?,
        },
        gpu: r.get(9)?,
        compute_capability: r.get(10)?,
        arch: r.get(11)?,
        driver: r.get(12)?,
        cuda: r.get(13)?,
        nvrtc: r.get(14)?,
        host: r.get(15)?,
        space_path: r.get(16)?,
        space_hash: r.get(17)?,
        template_path: r.get(18)?,
        template_hash: r.get(19)?,
        overrides: r.get(20)?,
        build_commit: r.get(21)?,
        evaluator: r.get(22)?,
        config: r.get(23)?,
        kernel_p50_us: r.get(24)?,
        ci_lo_us: r.get(25)?,
        ci_hi_us: r.get(26)?,
        call_p50_us: r.get(27)?,
        confirmed_lo_us: r.get(28)?,
        confirmed_hi_us: r.get(29)?,
        confirmed_mean_us: r.get(30)?,
        max_abs: r.get(31)?,
        rel_l2: r.get(32)?,
        rel_l2_vs_full: r.get(33)?,
        trials: n(34)?,
        failures: n(35)?,
        run_dir: r.get(36)?,
        baselines: Vec::new(),
    })
}
