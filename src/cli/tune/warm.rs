//! `--warm-start`: the seeds of a new run from the tuning database (see `crate::warm`).

use super::super::args::TuneArgs;
use super::plan::{Source, TunePlan};
use crate::db::{self, Problem};
use crate::error::Result;
use crate::warm::{seed_count, warm_seeds, WarmSeed, NEIGHBOURS};

/// The database's best configs for the problems nearest to the plan's, on its device (the
/// [`NEIGHBOURS`] nearest, at most half the population); none when there is no database yet or
/// it holds no neighbour.
pub fn seeds_for(plan: &TunePlan, args: &TuneArgs) -> Result<Vec<WarmSeed>> {
    let path = args.db.db.clone().unwrap_or_else(db::default_path);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let rows = crate::cli::db::open(&path)?
        .all()
        .map_err(crate::cli::db::failed(&path))?;
    let gpu = device_name(&plan.source)?;
    let problem = Problem::of_shape(&plan.target.shape);
    Ok(warm_seeds(
        &rows,
        &problem,
        &gpu,
        &plan.target.space,
        &plan.index,
        seed_count(NEIGHBOURS, plan.ga.population),
    ))
}

/// The device rows must match: the GPU's name, or `replay` for a replayed run.
fn device_name(source: &Source) -> Result<String> {
    match source {
        Source::Replay { .. } => Ok("replay".into()),
        Source::Gpu { devices } => Ok(crate::gpu::detect(devices[0] as i32)?.name),
    }
}
