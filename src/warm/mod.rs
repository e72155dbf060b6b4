//! Warm starts: a new problem's first generation opens with the best configs the tuning
//! database holds for the nearest problems tuned on the same device, each repaired into the
//! new space; the rest of the generation is random and the GA runs unchanged from there.
//!
//! Neighbours: the fresh rows (stale ones are never served) of the same GPU and the same
//! causal flag; for each other problem its best row (lowest kernel-only p50); ranked by
//! [`distance`], a sum of |log2| ratios of the attributes that decide which kernel wins:
//! - B·H, the grid's y dimension: with S, how many CTAs there are to fill the SMs, which decides
//!   between one and two consumer warpgroups and whether splitting the keys pays;
//! - S, the query tiles per head, and kv_len, the key tiles each query tile walks (the loop
//!   the pipeline depth and the split of the keys are chosen for);
//! - the query heads per KV head (grouped-query attention: how often a K, V tile is reused);
//! - twice that of D, the head dimension: it sets the tile shapes, the shared memory per stage
//!   and the registers each warpgroup needs, so it counts double.
//!
//! Causal and non-causal problems are never neighbours (their work per tile differs). Ties
//! go to the faster row. A GEMM's neighbours are the GEMMs tuned on the device, by |log2|
//! ratios of M, N and K; problems of two operations are never neighbours.
//!
//! Seeds: the best config of each of the [`NEIGHBOURS`] nearest problems (never more than half
//! the population), nearest first, distinct after the repair. The problem itself, tuned
//! before, is its own nearest neighbour (distance 0); `search-bench` leaves it out, since a
//! landscape's own best would hand the search its answer. Measured on the recorded H100
//! landscapes (BENCHMARKS.md, "warm start"): more configs per neighbour did no better on either,
//! and mutations of the neighbours' bests in place of the random members did worse at
//! 2,8,512,64 (where every neighbour's best is over 20 % slower than the best), so neither is
//! done.

mod neighbours;
mod repair;

pub use neighbours::{distance, nearest};
pub use repair::repair_config;

use crate::artifacts::WarmSeed;
use crate::db::{FreshnessCheck, Problem, TuningRow};
use crate::evolve::{Genome, SpaceIndex};
use crate::space::SearchSpace;

/// How many neighbours' best configs open a run by default: measured with three (the recorded
/// landscapes' other problems); each seed takes the place of a random member.
pub const NEIGHBOURS: usize = 3;

/// The seeds a first generation of `population` members takes from `neighbours` problems: at
/// least one, at most half the population (the rest stays random, for diversity).
pub fn seed_count(neighbours: usize, population: usize) -> usize {
    neighbours.min(population / 2).max(1)
}

/// The best configs of the `neighbours` nearest problems to `problem` on `gpu` in `rows`,
/// nearest first, each repaired into `space` (valid at the index's shape) and distinct (a
/// problem whose config repairs onto an earlier seed gives way to the next problem).
pub fn warm_seeds(
    rows: &[TuningRow],
    problem: &Problem,
    gpu: &str,
    space: &SearchSpace,
    index: &SpaceIndex,
    neighbours: usize,
) -> Vec<WarmSeed> {
    let mut check = FreshnessCheck::new();
    let mut seeds: Vec<WarmSeed> = Vec::new();
    let mut taken: Vec<Genome> = Vec::new();
    for (row, d) in nearest(rows, problem, gpu, &mut check) {
        if seeds.len() == neighbours {
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
