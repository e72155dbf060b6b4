//! The elite-preserving genetic algorithm, as an ask/tell optimizer.

use super::breed;
use super::genome::{Genome, SpaceIndex};
use super::settings::GaSettings;
use super::{Optimizer, Ranking};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashSet;
use std::sync::Arc;

/// An elite-preserving GA: generation 0 is a random sample; each later generation is the
/// top-`elites` configs so far (not re-evaluated) plus children bred from the previous
/// population by tournament selection, crossover and mutation, repaired to the nearest valid
/// point, never a config seen before. Seeded: the same answers give the same asks.
pub struct Ga {
    index: Arc<SpaceIndex>,
    settings: GaSettings,
    rng: StdRng,
    ranking: Ranking,
    seen: HashSet<Genome>,
    /// The last generation's members (elites and children), the parents of the next.
    parents: Vec<Genome>,
    generation: usize,
    /// Configs that open the first generation (a warm start), before the random sample.
    seeds: Vec<Genome>,
}

impl Ga {
    /// A GA over `index` seeded with `seed`.
    pub fn new(index: Arc<SpaceIndex>, settings: GaSettings, seed: u64) -> Self {
        Ga {
            index,
            settings,
            rng: StdRng::seed_from_u64(seed),
            ranking: Ranking::default(),
            seen: HashSet::new(),
            parents: Vec::new(),
            generation: 0,
            seeds: Vec::new(),
        }
    }

    /// The same GA with `seeds` opening its first generation (valid ones, each once, at most a
    /// population), the rest of it sampled at random as usual. Without seeds the GA asks
    /// exactly what [`Ga::new`]'s does.
    pub fn with_seeds(mut self, seeds: &[Genome]) -> Self {
        for g in seeds {
            if self.index.is_valid(g) && !self.seeds.contains(g) {
                self.seeds.push(g.clone());
            }
        }
        self
    }

    /// The first `room` of a whole population's opening: the sample is drawn at full size
    /// whatever the room (a smaller sample is another sample, not a prefix of it), so a run
    /// whose budget ends inside the first generation asks what a longer run asks first, and a
    /// resume with a larger budget follows from its log.
    fn first_generation(&mut self, room: usize) -> Vec<Genome> {
        let n = self.settings.population;
        let mut batch = breed::opening(&self.index, &mut self.rng, &self.seeds, n);
        batch.truncate(room);
        batch
    }

    fn next_generation(&mut self, room: usize) -> Vec<Genome> {
        let elites = self.ranking.best(self.settings.elites);
        let pool = self.ranked_parents(&elites);
        let wanted = self
            .settings
            .population
            .saturating_sub(elites.len())
            .max(1)
            .min(room);
        let mut children: Vec<Genome> = Vec::new();
        for _ in 0..wanted {
            match self.child(&pool, &children) {
                Some(c) => children.push(c),
                None => break,
            }
        }
        self.parents = elites.into_iter().chain(children.iter().cloned()).collect();
        children
    }

    /// Parents ranked best first: the elites and the last generation, failures last.
    fn ranked_parents(&self, elites: &[Genome]) -> Vec<Genome> {
        let mut pool: Vec<Genome> = elites.to_vec();
        for g in &self.parents {
            if !pool.contains(g) {
                pool.push(g.clone());
            }
        }
        pool.sort_by(|a, b| self.ranking.compare(a, b));
        pool
    }

    fn child(&mut self, pool: &[Genome], siblings: &[Genome]) -> Option<Genome> {
        let seen = &self.seen;
        let taken = |g: &Genome| seen.contains(g) || siblings.contains(g);
        breed::child(&self.index, &self.settings, &mut self.rng, pool, taken)
    }
}

impl Optimizer for Ga {
    fn ask(&mut self, room: usize) -> Vec<Genome> {
        if room == 0 {
            return Vec::new();
        }
        let batch = if self.generation == 0 {
            let first = self.first_generation(room);
            self.parents = first.clone();
            first
        } else {
            self.next_generation(room)
        };
        self.generation += 1;
        self.seen.extend(batch.iter().cloned());
        batch
    }

    fn tell(&mut self, genome: &Genome, fitness: Option<f64>) {
        self.seen.insert(genome.clone());
        self.ranking.record(genome, fitness);
    }

    fn generation(&self) -> usize {
        self.generation
    }
}
