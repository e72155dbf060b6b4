//! `evotune db list|show|add|merge|prune`: the tuning database from the command line, and the
//! recording of a finished tune or sweep problem into it.

mod args;
mod check;
mod record;
mod show;

pub use args::{DbArgs, DbFlags};
pub use check::check_recordable;
pub use record::record_run;

use crate::artifacts::DatabaseChoice;
use crate::db::{self, Db, FreshnessCheck, PruneRule};
use crate::error::Error;
use args::{AddArgs, DbCommand, ListArgs, MergeArgs, PruneArgs};
use std::path::{Path, PathBuf};

/// Runs one `evotune db` subcommand.
pub fn run(args: &DbArgs) -> anyhow::Result<()> {
    let path = args.db.clone().unwrap_or_else(db::default_path);
    match &args.command {
        DbCommand::List(a) => list(&path, a),
        DbCommand::Show(a) => show::run(&path, a),
        DbCommand::Add(a) => add(&path, a),
        DbCommand::Merge(a) => merge(&path, a),
        DbCommand::Prune(a) => prune(&path, a),
    }
}

/// A failed read or write of the database at `path` (not bad input: exit 1).
pub fn failed(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Other(format!("database {}: {e}", path.display()))
}

/// Opens the database at `path`; an error names `--db` and the file.
pub fn open(path: &Path) -> crate::Result<Db> {
    Db::open(path).map_err(|e| db_error(path, e))
}

/// A database error as an error of `--db`, naming the file.
fn db_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::flag("--db", format!("{}: {e}", path.display()))
}

/// Opens the existing database at `path` for reading only (a read changes nothing, not even the
/// file's schema); a missing or foreign file is an error naming `--db` and the file.
pub fn open_to_read(path: &Path) -> crate::Result<Db> {
    if !path.is_file() {
        let why = if path.is_dir() {
            "is a folder, not a database file"
        } else {
            "no such file (a tune, a sweep or `evotune db add RUN` creates it)"
        };
        return Err(db_error(path, why));
    }
    Db::open_read_only(path).map_err(|e| db_error(path, e))
}

fn list(path: &Path, a: &ListArgs) -> anyhow::Result<()> {
    let d = open_to_read(path)?;
    let mut rows = d.all().map_err(failed(path))?;
    if let Some(gpu) = &a.gpu {
        rows.retain(|r| r.gpu.contains(gpu.as_str()));
    }
    let mut check = FreshnessCheck::new();
    let fresh: Vec<_> = rows.iter().map(|r| check.of(r)).collect();
    if a.json {
        let out: Vec<_> = rows
            .iter()
            .zip(&fresh)
            .map(|(r, f)| serde_json::json!({"row": r, "fresh": f.is_fresh(), "status": f.label()}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let columns = show::Columns::fitting(&rows);
    println!("{}", show::list_header(columns));
    for (r, f) in rows.iter().zip(&fresh) {
        println!("{}", show::list_line(r, f, columns));
    }
    println!("{} rows in {}", rows.len(), path.display());
    Ok(())
}

fn add(path: &Path, a: &AddArgs) -> anyhow::Result<()> {
    for run in &a.runs {
        check_run_folder(run)?;
    }
    for run in &a.runs {
        if let Some(line) = record_run(run, &DbFlags::at(path))? {
            println!("{line}");
        }
    }
    Ok(())
}

/// A run folder `db add` can read: a folder holding manifest.json (a sweep folder names its
/// problems' folders); anything else is an error naming the path, before anything is recorded.
fn check_run_folder(run: &Path) -> crate::Result<()> {
    let why = if !run.is_dir() {
        "is not a folder".to_string()
    } else if run.join("manifest.json").is_file() {
        return Ok(());
    } else if holds_runs(run) {
        format!(
            "holds run folders, not a run (a sweep's folder): add them ({}/*/)",
            run.display()
        )
    } else {
        "holds no manifest.json (not a run folder of a tune)".to_string()
    };
    Err(Error::flag("db add", format!("{} {why}", run.display())))
}

/// Whether a folder in `dir` holds a manifest.json.
fn holds_runs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(|e| e.ok())
            .any(|e| e.path().join("manifest.json").is_file())
    })
}

fn merge(path: &Path, a: &MergeArgs) -> anyhow::Result<()> {
    let mut d = open(path)?;
    for file in &merge_sources(&a.files)? {
        let source = Db::open_read_only(file)
            .map_err(|e| Error::flag("db merge", format!("{}: {e}", file.display())))?;
        let n = d.merge_from(&source).map_err(failed(path))?;
        println!(
            "merged {}: {} rows added, {} already present",
            file.display(),
            n.added,
            n.present
        );
    }
    Ok(())
}

/// The files to merge: each file as given; a folder stands for the `*.db` files in it, a
/// sweep folder for those of its `shards/` (one per Slurm task).
fn merge_sources(given: &[PathBuf]) -> crate::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in given {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let shards = path.join("shards");
        let dir = if shards.is_dir() {
            shards
        } else {
            path.clone()
        };
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("list", &dir, e))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "db") && p.is_file())
            .collect();
        if files.is_empty() {
            return Err(Error::flag(
                "db merge",
                format!("{} holds no .db files to merge", dir.display()),
            ));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

fn prune(path: &Path, a: &PruneArgs) -> anyhow::Result<()> {
    if !a.stale && a.keep_latest.is_none() {
        return Err(Error::flag(
            "db prune",
            "needs --stale (rows whose space or template changed) or --keep-latest N (older \
             history of each problem and device), or both",
        )
        .into());
    }
    let mut d = open(path)?;
    let rows = d.all().map_err(failed(path))?;
    let rule = PruneRule {
        stale: a.stale,
        keep_latest: a.keep_latest.map(|n| n as usize),
    };
    let ids = db::prune_ids(&rows, rule, &mut FreshnessCheck::new());
    if a.dry_run {
        let listed = if ids.is_empty() {
            String::new()
        } else {
            format!(": rows {}", join_ids(&ids))
        };
        println!("would remove {} of {} rows{listed}", ids.len(), rows.len());
        return Ok(());
    }
    let n = d.delete(&ids).map_err(failed(path))?;
    println!("removed {n} of {} rows from {}", rows.len(), path.display());
    Ok(())
}

/// "3, 7, 12".
fn join_ids(ids: &[i64]) -> String {
    let text: Vec<String> = ids.iter().map(i64::to_string).collect();
    text.join(", ")
}

impl DbFlags {
    /// Flags naming the database at `path` explicitly.
    pub fn at(path: &Path) -> Self {
        DbFlags {
            db: Some(PathBuf::from(path)),
            no_db: false,
        }
    }

    /// The choice a manifest (or a sweep's index) keeps: `None` for the default database.
    pub fn choice(&self) -> Option<DatabaseChoice> {
        match (&self.db, self.no_db) {
            (_, true) => Some(DatabaseChoice::None),
            (Some(path), false) => Some(DatabaseChoice::File(path.clone())),
            (None, false) => None,
        }
    }

    /// The flags of a resumed run: those given now when they name a database or none, else
    /// the `recorded` choice of the run being resumed.
    pub fn resumed(&self, recorded: Option<&DatabaseChoice>) -> Self {
        if self.db.is_some() || self.no_db {
            return self.clone();
        }
        match recorded {
            Some(DatabaseChoice::None) => DbFlags {
                db: None,
                no_db: true,
            },
            Some(DatabaseChoice::File(path)) => DbFlags::at(path),
            None => DbFlags::default(),
        }
    }
}
