//! The tune command (`evotune --shape B,H,S,D --budget N`): check every input, then search,
//! logging each trial as it ends, and on the GPU confirm the best elites in fresh worker
//! processes; `--resume DIR` continues a stopped run from its log.

mod confirm;
mod plan;
mod session;
mod warm;

use super::args::TuneArgs;
use anyhow::Context;
pub(crate) use plan::{check_flags, ReplayRule, TunePlan};
pub(crate) use session::run as run_plan;

/// Validates every input before anything is written, then runs (or resumes) the search.
pub fn run(args: &TuneArgs) -> anyhow::Result<()> {
    let plan = TunePlan::resolve(args)?;
    session::run(&plan)?;
    let recorded = super::db::record_run(&plan.run.root, &args.db).with_context(|| {
        format!(
            "the run in {0} is complete, but recording it in the tuning database failed \
             (`evotune db add {0}` tries again)",
            plan.run.root.display()
        )
    })?;
    if let Some(line) = recorded {
        println!("{line}");
    }
    Ok(())
}
