//! Reading and writing rows. Every write is one transaction: a process killed part-way (or a
//! write that fails) leaves the database as it was before the write began.

use super::columns::{insert_row, read_row, COLUMNS, PROBLEM_COLUMNS};
use super::result::{err, DbResult};
use super::row::{BaselineTime, Problem, TuningRow};
use super::schema;
use rusqlite::{params, Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's transaction to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open tuning database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// The schema version of the file (a read-only source may be older than [`schema::VERSION`]).
    version: i64,
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
        let version = schema::version_of(&conn)?;
        schema::check_not_newer(version)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
            version,
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
        let rows = match problem {
            Problem::Sdpa(p) => self.select(
                &format!(
                    "WHERE {}batch = ?1 AND heads = ?2 AND seq_len = ?3 AND head_dim = ?4 \
                     AND causal = ?5 AND kv_heads = ?6 AND kv_len = ?7 ORDER BY id",
                    self.sdpa_only()
                ),
                params![
                    p.batch as i64,
                    p.heads as i64,
                    p.seq_len as i64,
                    p.head_dim as i64,
                    p.causal,
                    p.kv_heads as i64,
                    p.kv_len as i64
                ],
            )?,
            Problem::Gemm(_) if self.version < 2 => Vec::new(),
            Problem::Gemm(g) => self.select(
                "WHERE operation = 'gemm' AND m = ?1 AND n = ?2 AND k = ?3 ORDER BY id",
                params![g.m as i64, g.n as i64, g.k as i64],
            )?,
        };
        Ok(rows
            .into_iter()
            .filter(|r| gpu.is_none_or(|g| r.gpu == g))
            .collect())
    }

    /// The condition that keeps SDPA rows (every row of a version-1 file is one).
    fn sdpa_only(&self) -> &'static str {
        match self.version {
            1 => "",
            _ => "operation = 'sdpa' AND ",
        }
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
        let sql = format!("SELECT {} FROM tunings {tail}", self.columns());
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

    /// What `select` reads: [`COLUMNS`], with a version-1 source's missing columns read as
    /// an SDPA row's (`sdpa` and no GEMM dimensions).
    fn columns(&self) -> String {
        match self.version {
            1 => COLUMNS.replace(PROBLEM_COLUMNS, "'sdpa', NULL, NULL, NULL"),
            _ => COLUMNS.to_string(),
        }
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
