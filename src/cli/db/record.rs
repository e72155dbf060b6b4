//! Recording a finished run folder in the tuning database (the end of tune, of each sweep
//! problem, and `evotune db add`).

use super::args::DbFlags;
use super::open;
use crate::artifacts::{read_json, Manifest, RunPaths};
use crate::cli::run_dir::utc_stamp;
use crate::db::{self, row_from_run};
use crate::error::Result;
use std::path::Path;

/// Records the run in `dir` as `flags` say; returns the line to print (`None` with --no-db).
/// A replayed run goes only into a database named explicitly (--db or $EVOTUNE_DB), so that
/// recorded landscapes never pass for measurements of this machine's default database; a run
/// answered from a log of another problem (a stand-in) goes into none: its times are not
/// measurements of its problem.
pub fn record_run(dir: &Path, flags: &DbFlags) -> Result<Option<String>> {
    if flags.no_db {
        return Ok(None);
    }
    let explicit = flags.db.is_some() || std::env::var_os("EVOTUNE_DB").is_some();
    let path = flags.db.clone().unwrap_or_else(db::default_path);
    let manifest: Manifest = read_json(&RunPaths::new(dir).manifest())?;
    if let Some(s) = &manifest.stand_in {
        return Ok(Some(format!(
            "database: not recorded: its answers were recorded on {}, standing in for {}, and \
             are no measurements of it",
            s.recorded_on, manifest.shape
        )));
    }
    if manifest.evaluator.starts_with("replay") && !explicit {
        return Ok(Some(
            "database: a replayed run is recorded only into a database named with --db (or \
             $EVOTUNE_DB)"
                .into(),
        ));
    }
    let Some(row) = row_from_run(dir, &utc_stamp(now_secs()))? else {
        return Ok(Some(format!(
            "database: nothing recorded for {}: no trial passed validation",
            dir.display()
        )));
    };
    let id = open(&path)?.insert(&row).map_err(super::failed(&path))?;
    Ok(Some(match id {
        Some(id) => format!("database: recorded as row {id} of {}", path.display()),
        None => format!("database: {} already holds this result", path.display()),
    }))
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
