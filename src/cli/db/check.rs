//! Before a tune or sweep does its work: whether the tuning database it will record its result
//! in can be written, so that a bad `--db` is refused up front, not after the search.

use super::args::DbFlags;
use super::db_error;
use crate::cli::run_dir::nearest_existing;
use crate::db::{self, Db};
use crate::error::Result;
use std::path::Path;

/// Checks that the database the result would go to can be written: nothing to check with
/// --no-db, for a run whose answers stand in for another problem, or for a replayed run
/// without a database named explicitly (none of them is recorded). Leaves nothing behind.
pub fn check_recordable(flags: &DbFlags, replayed: bool, stand_in: bool) -> Result<()> {
    let explicit = flags.db.is_some() || std::env::var_os("EVOTUNE_DB").is_some();
    if flags.no_db || stand_in || (replayed && !explicit) {
        return Ok(());
    }
    check_writable(&flags.db.clone().unwrap_or_else(db::default_path))
}

/// An existing file must be a database this user may write; a new one must be creatable (its
/// nearest existing folder writable). The folder must be writable either way: SQLite writes
/// its journal beside the file. Errors name `--db` and the file.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.exists() {
        if !path.is_file() {
            return Err(db_error(path, "is not a file"));
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| db_error(path, format!("cannot be written: {e}")))?;
        if path.metadata().is_ok_and(|m| m.len() > 0) {
            Db::open_read_only(path).map_err(|e| db_error(path, e))?;
        }
    }
    let folder = nearest_existing(path.parent().unwrap_or(Path::new("")));
    tempfile::Builder::new()
        .prefix(".evotune-db-check")
        .tempfile_in(folder)
        .map(drop)
        .map_err(|e| {
            // The kind only: the error's own text names the probe's random file name.
            let why = format!(
                "cannot be written: no file can be created in {} ({})",
                folder.display(),
                e.kind()
            );
            db_error(path, why)
        })
}
