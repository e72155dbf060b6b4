//! The steady-state GA: asked for one config at a time while others are still being evaluated,
//! each bred from the answers in so far. No generations, so no wait at a generation's end.

use super::breed::{self, child, random_untaken};
use super::genome::{Genome, SpaceIndex};
use super::settings::GaSettings;
use super::{Ranking, StreamOptimizer};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// The GA's operators without generations: the first `population` asks are the generational
/// GA's first generation (warm seeds, then a random sample); after them, a random valid point
/// until `elites` answers are in, then a child bred by tournament from the best `elites`
/// answered so far and the last `population − elites` answered (failures ranking last), the
/// way a generation breeds from the elites and the generation before. Configs still in flight
/// are not in the pool and are never asked again. Seeded: the same answers, told in the same
/// order between the same asks, give the same asks.
pub struct SteadyGa {
    index: Arc<SpaceIndex>,
    settings: GaSettings,
    rng: StdRng,
    ranking: Ranking,
    /// Every config asked, answered or still in flight.
    asked: HashSet<Genome>,
    /// The answered configs, in the order told.
    answered: Vec<Genome>,
    /// The first asks (drawn at the first ask), not yet asked.
    opening: VecDeque<Genome>,
    seeds: Vec<Genome>,
    asks: usize,
}

impl SteadyGa {
    /// A steady-state GA over `index` seeded with `seed`.
    pub fn new(index: Arc<SpaceIndex>, settings: GaSettings, seed: u64) -> Self {
        SteadyGa {
            index,
            settings,
            rng: StdRng::seed_from_u64(seed),
            ranking: Ranking::default(),
            asked: HashSet::new(),
            answered: Vec::new(),
            opening: VecDeque::new(),
            seeds: Vec::new(),
            asks: 0,
        }
    }

    /// The same GA with `seeds` first among its opening asks (valid ones, each once), as
    /// [`super::Ga::with_seeds`] opens a first generation.
    pub fn with_seeds(mut self, seeds: &[Genome]) -> Self {
        for g in seeds {
            if self.index.is_valid(g) && !self.seeds.contains(g) {
                self.seeds.push(g.clone());
            }
        }
        self
    }

    /// The opening: what the generational GA's first generation is with room for a population.
    fn draw_opening(&mut self) -> VecDeque<Genome> {
        let n = self.settings.population;
        breed::opening(&self.index, &mut self.rng, &self.seeds, n).into()
    }

    /// The parents: the best `elites` answered and the last `population − elites` answered,
    /// ranked best first.
    pub(super) fn pool(&self) -> Vec<Genome> {
        let s = self.settings;
        let mut pool = self.ranking.best(s.elites);
        let recent = s.population.saturating_sub(s.elites).max(1);
        for g in self.answered.iter().rev().take(recent) {
            if !pool.contains(g) {
                pool.push(g.clone());
            }
        }
        pool.sort_by(|a, b| self.ranking.compare(a, b));
        pool
    }

    fn next(&mut self) -> Option<Genome> {
        if let Some(g) = self.opening.pop_front() {
            return Some(g);
        }
        let asked = &self.asked;
        if self.answered.len() < self.settings.elites.max(1) {
            return random_untaken(&self.index, &mut self.rng, |g| asked.contains(g));
        }
        let pool = self.pool();
        let asked = &self.asked;
        child(&self.index, &self.settings, &mut self.rng, &pool, |g| {
            asked.contains(g)
        })
    }
}

impl StreamOptimizer for SteadyGa {
    fn ask_one(&mut self) -> Option<Genome> {
        if self.asks == 0 {
            self.opening = self.draw_opening();
        }
        let g = self.next()?;
        self.asked.insert(g.clone());
        self.asks += 1;
        Some(g)
    }

    fn tell(&mut self, genome: &Genome, fitness: Option<f64>) {
        if !self.ranking.contains(genome) {
            self.answered.push(genome.clone());
        }
        self.asked.insert(genome.clone());
        self.ranking.record(genome, fitness);
    }

    fn generation(&self) -> usize {
        self.asks.saturating_sub(1) / self.settings.population.max(1)
    }

    /// The opening's asks not yet made (all of them before the first ask).
    fn decided_asks(&self) -> usize {
        if self.asks == 0 {
            self.settings.population
        } else {
            self.opening.len()
        }
    }
}

#[cfg(test)]
#[path = "steady_tests.rs"]
mod tests;
