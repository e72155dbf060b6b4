//! The flags of `evotune db ...`, and the `--db`/`--no-db` pair that tune and sweep share.

use clap::{Args, Subcommand};
use std::path::PathBuf;

const AFTER: &str =
    "The database is SQLite, one row per tuned problem and device: the operation (sdpa or
gemm) and its problem (attention: B,H,S,D with causal, kv_heads and kv_len; GEMM: M,N,K),
GPU, compute capability, driver, CUDA,
NVRTC, sha256 of the space file and of the template the best config renders, the build commit,
the best config with its kernel-only p50, CI and confirmed interval, validation errors, the
baselines of the run folder, the run folder and the time. New tunings add rows (history).
A row whose space or template file has changed since is stale: listed as stale, never served
as a best config.

Default file: $EVOTUNE_DB, else $XDG_DATA_HOME/evotune/tuning.db, else
~/.local/share/evotune/tuning.db. tune and sweep record their results there at the end
(--no-db skips; a replayed run is recorded only into a database named with --db or
$EVOTUNE_DB; --resume keeps the run's or sweep's --no-db or --db FILE unless given again). A
database of an older evotune is upgraded in place when it is first written.

Examples:
  evotune db list                              every row: `2,8,512,64`, `gemm 8192,8192,8192`
  evotune db show --gemm 8192,8192,8192        a GEMM's best fresh row and its history
  evotune db show --shape 2,8,512,64 --gpu H200
  evotune db merge /shared/sweep/shards        gather a Slurm sweep's shards";

/// `evotune db ...`
#[derive(Debug, Args)]
#[command(after_help = AFTER)]
pub struct DbArgs {
    /// The database file [default: $EVOTUNE_DB, else ~/.local/share/evotune/tuning.db].
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// The database subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Every row, oldest first, with whether it is fresh or stale.
    List(ListArgs),
    /// One row in full (by id), or a problem's best fresh row and its history (--shape or
    /// --gemm).
    Show(ShowArgs),
    /// Record finished run folders (what tune does at its end; for runs made with --no-db).
    Add(AddArgs),
    /// Add the rows of databases from other hosts; rows already present are skipped.
    Merge(MergeArgs),
    /// Remove stale rows, or history beyond the newest N rows of each problem and device.
    Prune(PruneArgs),
}

/// `evotune db list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only rows whose GPU name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub gpu: Option<String>,
    /// Print the rows as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `evotune db show`
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The row's id (from `db list`).
    #[arg(
        value_name = "ID",
        required_unless_present_any = ["shape", "gemm"],
        conflicts_with_all = ["shape", "gemm"]
    )]
    pub id: Option<i64>,
    /// An attention problem B,H,S,D: its best fresh row and every row of its history.
    #[arg(long, value_name = "B,H,S,D", group = "problem")]
    pub shape: Option<String>,
    /// A GEMM M,N,K: its best fresh row and every row of its history, e.g.
    /// `db show --gemm 8192,8192,8192`.
    #[arg(long, value_name = "M,N,K", group = "problem")]
    pub gemm: Option<String>,
    /// With --shape or --gemm: only rows whose GPU name contains TEXT.
    #[arg(long, value_name = "TEXT", requires = "problem")]
    pub gpu: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `evotune db add`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Run folders (each with manifest.json and tune/topk.json).
    #[arg(value_name = "RUN", required = true)]
    pub runs: Vec<PathBuf>,
}

/// `evotune db merge`
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Database files to merge in (read only); a folder stands for the *.db files in it, a
    /// sweep folder for its shards/ (one database per Slurm task).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// `evotune db prune`
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove rows whose space or template file changed (or is gone).
    #[arg(long)]
    pub stale: bool,
    /// Keep only the newest N rows (N at least 1) of each problem and device.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_latest: Option<u64>,
    /// Say what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Where tune and sweep record their results.
#[derive(Debug, Args, Clone, Default)]
pub struct DbFlags {
    /// The tuning database to record the result in [default: $EVOTUNE_DB, else
    /// ~/.local/share/evotune/tuning.db; `evotune db --help` says what a row holds].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Do not record the result in the tuning database.
    #[arg(long, conflicts_with = "db")]
    pub no_db: bool,
}
