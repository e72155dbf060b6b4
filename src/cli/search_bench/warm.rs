//! search-bench's `--warm-start`: seeds from the tuning database's `replay` rows of the other
//! problems (never the landscape's own: its best would hand the search the answer), repaired
//! into the space at the landscape's shape, as a tune run repairs them. A seed the landscape did
//! not record is replaced by the nearest point it did (or, with `--warm-recorded-only`, left
//! out), and the table says so: such a stand-in's time is not the seed's.

use super::super::args::SearchBenchArgs;
use super::super::target::Target;
use crate::artifacts::WarmSeed;
use crate::db::{Problem, TuningRow};
use crate::error::{Error, Result};
use crate::evolve::{Genome, SpaceIndex};
use crate::tune::ReplayEvaluator;
use crate::warm::{seed_count, seed_genomes, warm_seeds};
use serde::Serialize;
use std::path::Path;

/// A warm seed as the landscape can answer it, and what it costs there.
#[derive(Debug, Clone, Serialize)]
pub struct SeedHere {
    /// The config the GA is seeded with: the seed, or the recorded point standing in for it.
    pub config: String,
    /// The row it came from (problem, time there, distance).
    pub from: String,
    /// The seed itself, when the landscape lacks it and `config` stands in for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stands_in_for: Option<String>,
    /// The recorded kernel time of `config` on this landscape, µs (`None`: it failed here).
    pub p50_us: Option<f64>,
    /// That time over the landscape's best: time ÷ best − 1.
    pub over_best: Option<f64>,
    /// The genome of `config` in the landscape.
    #[serde(skip)]
    pub genome: Genome,
}

/// The seeds of `--warm-start` (none without it), placed on the landscape `index` of `full`.
pub fn seeds(
    args: &SearchBenchArgs,
    t: &Target,
    full: &SpaceIndex,
    index: &SpaceIndex,
) -> Result<Vec<SeedHere>> {
    if !args.warm_start {
        return Ok(Vec::new());
    }
    let path = args.db.clone().unwrap_or_else(crate::db::default_path);
    let problem = Problem::of_shape(&t.shape);
    let rows = other_problems(&path, &problem)?;
    let n = seed_count(args.warm_neighbours, args.population);
    let seeds = warm_seeds(&rows, &problem, "replay", &t.space, full, n);
    if seeds.is_empty() {
        return Err(Error::flag(
            "--warm-start",
            format!(
                "{} holds no fresh replay row of another problem to start from",
                path.display()
            ),
        ));
    }
    let placed = seeds.iter().filter_map(|s| place(s, t, full, index));
    Ok(placed
        .filter(|s| s.stands_in_for.is_none() || !args.warm_recorded_only)
        .collect())
}

/// The database's rows, less those of `problem`.
fn other_problems(path: &Path, problem: &Problem) -> Result<Vec<TuningRow>> {
    if !path.is_file() {
        return Err(Error::flag(
            "--db",
            format!(
                "{} does not exist (--warm-start reads a tuning database)",
                path.display()
            ),
        ));
    }
    let mut rows = super::super::db::open(path)?
        .all()
        .map_err(super::super::db::failed(path))?;
    rows.retain(|r| r.problem != *problem);
    Ok(rows)
}

/// `seed` on the landscape: itself when recorded, else the nearest recorded point.
fn place(seed: &WarmSeed, t: &Target, full: &SpaceIndex, index: &SpaceIndex) -> Option<SeedHere> {
    let g = seed_genomes(std::slice::from_ref(seed), &t.space, full).pop()?;
    let (genome, stands_in_for) = if index.is_valid(&g) {
        (g, None)
    } else {
        (index.nearest_valid(&g)?.clone(), Some(seed.config.clone()))
    };
    Some(SeedHere {
        config: index.config(&genome).to_string(),
        from: seed.from.clone(),
        stands_in_for,
        p50_us: None,
        over_best: None,
        genome,
    })
}

/// Fills in each seed's recorded time on the landscape, against the landscape's best.
pub fn timed(seeds: &mut [SeedHere], index: &SpaceIndex, replay: &ReplayEvaluator, best_us: f64) {
    for s in seeds {
        let config = index.config(&s.genome);
        s.p50_us = replay.answers().get(&config).and_then(|r| r.fitness());
        s.over_best = s.p50_us.map(|t| t / best_us - 1.0);
    }
}
