//! `--warm-start`: the seeds of a new run from the tuning database (see `crate::warm`).

use super::super::target::{CliProblem, Target};
use crate::artifacts::WarmSeed;
use crate::db::{self, Problem};
use crate::error::Result;
use crate::evolve::SpaceIndex;
use crate::op::ProblemSpec;
use crate::warm::{seed_count, warm_seeds, NEIGHBOURS};
use std::path::PathBuf;

/// The database's best configs (the database at `db`, or the default one) for the problems
/// nearest to the target's, on device `gpu` (its name, or `replay`): the [`NEIGHBOURS`]
/// nearest, at most half of a `population`; none when there is no database yet or it holds no
/// neighbour (a GEMM's neighbours are GEMMs, an attention problem's attention problems).
pub fn seeds_for<P: CliProblem>(
    db: Option<PathBuf>,
    gpu: &str,
    target: &Target<P>,
    index: &SpaceIndex,
    population: usize,
) -> Result<Vec<WarmSeed>> {
    let spec: ProblemSpec = target.shape.into();
    let path = db.unwrap_or_else(db::default_path);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let rows = crate::cli::db::open(&path)?
        .all()
        .map_err(crate::cli::db::failed(&path))?;
    let problem = Problem::of_spec(&spec);
    Ok(warm_seeds(
        &rows,
        &problem,
        gpu,
        &target.space,
        index,
        seed_count(NEIGHBOURS, population),
    ))
}
