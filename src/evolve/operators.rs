//! The genetic operators: tournament selection, per-parameter crossover, nearby mutation.

use super::genome::{Genome, SpaceIndex};
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Picks the best of `size` members drawn at random; `ranked` is sorted best first.
pub fn tournament<'a, R: Rng>(ranked: &'a [Genome], size: usize, rng: &mut R) -> &'a Genome {
    let best = (0..size.max(1))
        .map(|_| rng.random_range(0..ranked.len()))
        .min();
    &ranked[best.expect("size is at least one")]
}

/// Uniform crossover: each parameter from either parent with equal chance.
pub fn crossover<R: Rng>(a: &Genome, b: &Genome, rng: &mut R) -> Genome {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| if rng.random_bool(0.5) { x } else { y })
        .collect()
}

/// Moves each parameter with probability `rate` (at least one parameter moves): an ordered
/// parameter steps to a nearby value (a normal step of σ = `sigma` positions, rounded, never 0,
/// clamped to the domain); an unordered one takes another value at random.
pub fn mutate<R: Rng>(
    g: &Genome,
    index: &SpaceIndex,
    rate: f64,
    sigma: f64,
    rng: &mut R,
) -> Genome {
    let mut child = g.clone();
    let movable: Vec<usize> = (0..index.dims())
        .filter(|&i| index.domain_len(i) > 1)
        .collect();
    if movable.is_empty() {
        return child;
    }
    let forced = movable[rng.random_range(0..movable.len())];
    for &i in &movable {
        if i == forced || rng.random_bool(rate) {
            child[i] = moved(
                child[i],
                index.domain_len(i),
                index.is_ordered(i),
                sigma,
                rng,
            );
        }
    }
    child
}

fn moved<R: Rng>(at: usize, len: usize, ordered: bool, sigma: f64, rng: &mut R) -> usize {
    if !ordered {
        let other = rng.random_range(0..len - 1);
        return if other >= at { other + 1 } else { other };
    }
    let normal = Normal::new(0.0, sigma).expect("sigma is positive");
    let step = normal.sample(rng).round() as i64;
    let step = if step == 0 {
        if rng.random_bool(0.5) {
            1
        } else {
            -1
        }
    } else {
        step
    };
    (at as i64 + step).clamp(0, len as i64 - 1) as usize
}
