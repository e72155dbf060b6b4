//! The tune command (`evotune --shape B,H,S,D --budget N`, or `evotune --gemm M,N,K` for a
//! matrix product): check every input, then search, logging each trial as it ends, and on the
//! GPU confirm the best elites in fresh worker processes; `--resume DIR` continues a stopped run
//! from its log.

mod confirm;
mod follows;
mod plan;
mod session;
mod warm;

use super::args::TuneArgs;
use super::db::DbFlags;
use super::target::CliProblem;
use crate::op::{Gemm, Operation};
use crate::shape::Shape;
use anyhow::Context;
pub(crate) use plan::{check_flags, devices, ReplayRule, TunePlan};
pub(crate) use session::run as run_plan;
use std::path::PathBuf;

/// Validates every input before anything is written, then runs (or resumes) the search of the
/// operation the flags (or the resumed run) name.
pub fn run(args: &TuneArgs) -> anyhow::Result<()> {
    let (root, db) = match plan::operation_of(args) {
        Operation::Sdpa => search::<Shape>(args)?,
        Operation::Gemm => search::<Gemm>(args)?,
    };
    let recorded = super::db::record_run(&root, &db).with_context(|| {
        format!(
            "the run in {0} is complete, but recording it in the tuning database failed \
             (`evotune db add {0}` tries again)",
            root.display()
        )
    })?;
    if let Some(line) = recorded {
        println!("{line}");
    }
    Ok(())
}

/// Resolves and runs the search of a problem of type `P`; returns its run folder and where
/// its result is to be recorded.
fn search<P: CliProblem>(args: &TuneArgs) -> crate::error::Result<(PathBuf, DbFlags)> {
    let plan = TunePlan::<P>::resolve(args)?;
    let replayed = matches!(plan.source, plan::Source::Replay { .. });
    super::db::check_recordable(&plan.db, replayed, plan.stand_in.is_some())?;
    session::run(&plan)?;
    Ok((plan.run.root, plan.db))
}
