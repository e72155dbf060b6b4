//! The tune command (`evotune --shape B,H,S,D --budget N`): check every input, then search,
//! logging each trial as it ends, and on the GPU confirm the best elites in fresh worker
//! processes; `--resume DIR` continues a stopped run from its log.

mod confirm;
mod plan;
mod session;

use super::args::TuneArgs;
use plan::TunePlan;

/// Validates every input before anything is written, then runs (or resumes) the search.
pub fn run(args: &TuneArgs) -> anyhow::Result<()> {
    let plan = TunePlan::resolve(args)?;
    session::run(plan)?;
    Ok(())
}
