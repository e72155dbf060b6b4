//! One child bred from a ranked pool: tournament parents, crossover, mutation, repair to the
//! nearest valid point, never a config already taken (both GAs breed with it).

use super::genome::{Genome, SpaceIndex};
use super::operators::{crossover, mutate, tournament};
use super::settings::GaSettings;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::Rng;

/// Tries at a fresh, valid, untaken child before falling back to a random untaken point.
const CHILD_TRIES: usize = 64;

/// A child of `pool` (ranked best first) that `taken` refuses not, or a random valid point it
/// refuses not when breeding keeps finding taken ones; `None` when every valid point is taken.
pub(super) fn child(
    index: &SpaceIndex,
    settings: &GaSettings,
    rng: &mut StdRng,
    pool: &[Genome],
    taken: impl Fn(&Genome) -> bool,
) -> Option<Genome> {
    for _ in 0..CHILD_TRIES {
        let candidate = breed(index, settings, rng, pool);
        let repaired = repair(index, candidate);
        if !taken(&repaired) {
            return Some(repaired);
        }
    }
    random_untaken(index, rng, taken)
}

/// The opening of a search: up to `n` configs, the seeds (a warm start) first, the rest a random
/// sample of the valid points without repeats (both GAs open with it).
pub(super) fn opening(
    index: &SpaceIndex,
    rng: &mut StdRng,
    seeds: &[Genome],
    n: usize,
) -> Vec<Genome> {
    let valid = index.valid();
    let n = n.min(valid.len());
    let mut batch: Vec<Genome> = seeds.iter().take(n).cloned().collect();
    let drawn = sample(rng, valid.len(), n).into_iter();
    let fill: Vec<Genome> = drawn
        .map(|i| valid[i].clone())
        .filter(|g| !batch.contains(g))
        .take(n - batch.len())
        .collect();
    batch.extend(fill);
    batch
}

/// A valid point `taken` refuses not, drawn at random; `None` when there is none.
pub(super) fn random_untaken(
    index: &SpaceIndex,
    rng: &mut StdRng,
    taken: impl Fn(&Genome) -> bool,
) -> Option<Genome> {
    let untaken: Vec<&Genome> = index.valid().iter().filter(|g| !taken(g)).collect();
    (!untaken.is_empty()).then(|| untaken[rng.random_range(0..untaken.len())].clone())
}

fn breed(index: &SpaceIndex, s: &GaSettings, rng: &mut StdRng, pool: &[Genome]) -> Genome {
    let a = tournament(pool, s.tournament, rng).clone();
    let base = if rng.random_bool(s.crossover_rate) {
        let b = tournament(pool, s.tournament, rng).clone();
        crossover(&a, &b, rng)
    } else {
        a
    };
    mutate(&base, index, s.mutation_rate, s.mutation_sigma, rng)
}

/// A child that breaks a constraint becomes the nearest valid point.
fn repair(index: &SpaceIndex, g: Genome) -> Genome {
    if index.is_valid(&g) {
        return g;
    }
    index.nearest_valid(&g).cloned().unwrap_or(g)
}
