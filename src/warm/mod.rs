//! Warm starts: a new problem's first generation opens with the best configs the tuning
//! database holds for the nearest problems tuned on the same device, each repaired into the
//! new space.
//!
//! Neighbours: the fresh rows (stale ones are never served) of the same GPU and the same
//! causal flag; for each other problem its best row (lowest kernel-only p50); ranked by
//! [`distance`], the sum of |log2| ratios of B·H, S, kv_len and the query heads per KV head,
//! plus twice that of D (the head dimension sets the tile shapes, so it counts double); ties go
//! to the faster row.
//! The problem itself, tuned before, is its own nearest neighbour (distance 0).

mod neighbours;
mod repair;

pub use neighbours::{distance, nearest};
pub use repair::repair_config;

use crate::db::{FreshnessCheck, Problem, TuningRow};
use crate::evolve::{Genome, SpaceIndex};
use crate::space::SearchSpace;
use serde::{Deserialize, Serialize};

/// One config a warm start seeds, with where it came from (the manifest keeps these, and
/// `--resume` seeds the same ones whatever the database holds by then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmSeed {
    /// The repaired config, `K=V,...`, a valid point of the new space.
    pub config: String,
    /// The row it came from: `row <id>: <problem>, <p50> µs, distance <d>`.
    pub from: String,
}

/// Up to `max` seeds for `problem` on `gpu` from `rows`, nearest problems first, each repaired
/// into `space` (valid at the index's shape) and distinct.
pub fn warm_seeds(
    rows: &[TuningRow],
    problem: &Problem,
    gpu: &str,
    space: &SearchSpace,
    index: &SpaceIndex,
    max: usize,
) -> Vec<WarmSeed> {
    let mut check = FreshnessCheck::new();
    let mut seeds: Vec<WarmSeed> = Vec::new();
    let mut taken: Vec<Genome> = Vec::new();
    for (row, d) in nearest(rows, problem, gpu, &mut check) {
        if seeds.len() == max {
            break;
        }
        let Some(g) = repair_config(&row.config, space, index) else {
            continue;
        };
        if taken.contains(&g) {
            continue;
        }
        seeds.push(WarmSeed {
            config: index.config(&g).to_string(),
            from: format!(
                "row {}: {}, {:.3} µs, distance {d:.2}",
                row.id.unwrap_or(0),
                row.problem.label(),
                row.kernel_p50_us
            ),
        });
        taken.push(g);
    }
    seeds
}

/// The genomes of recorded seeds (those that are still valid points of `index`).
pub fn seed_genomes(seeds: &[WarmSeed], space: &SearchSpace, index: &SpaceIndex) -> Vec<Genome> {
    seeds
        .iter()
        .filter_map(|s| {
            let pairs = crate::space::Config::split_pairs(&s.config).ok()?;
            let config = space.config_from_pairs(&pairs).ok()?;
            index.genome_of(&config).filter(|g| index.is_valid(g))
        })
        .collect()
}

#[cfg(test)]
mod tests;
