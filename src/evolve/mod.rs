//! The search: an elite-preserving genetic algorithm and random search, both ask/tell, and a
//! steady-state GA asked for one config at a time.

mod breed;
mod ga;
mod genome;
mod mode;
mod operators;
mod random;
mod settings;
mod steady;

pub use ga::Ga;
pub use genome::{Genome, SpaceIndex};
pub use mode::{SearchMode, DEFAULT_WINDOW};
pub use operators::{crossover, mutate, tournament};
pub use random::RandomSearch;
pub use settings::GaSettings;
pub use steady::SteadyGa;

use std::cmp::Ordering;
use std::collections::HashMap;

/// An optimizer proposes configs (`ask`) and learns their fitness (`tell`).
pub trait Optimizer {
    /// The next configs to evaluate, at most `room` (the budget left), none seen before.
    /// Empty when the space is exhausted.
    fn ask(&mut self, room: usize) -> Vec<Genome>;
    /// The fitness of an evaluated config: kernel time in µs (lower is better), `None` if it failed.
    fn tell(&mut self, genome: &Genome, fitness: Option<f64>);
    /// How many batches were asked so far (the generation of the last batch is this minus 1).
    fn generation(&self) -> usize;
}

/// An optimizer asked for one config at a time while others are still being evaluated.
pub trait StreamOptimizer {
    /// The next config to evaluate, none asked before (answered or still in flight); `None`
    /// when every valid point was asked.
    fn ask_one(&mut self) -> Option<Genome>;
    /// The fitness of an asked config, as [`Optimizer::tell`], in the order answers arrive.
    fn tell(&mut self, genome: &Genome, fitness: Option<f64>);
    /// The nominal generation of the last config asked: the asks before it ÷ the population.
    fn generation(&self) -> usize;
    /// How many of the next asks are already decided, whatever answers arrive before them
    /// (an opening drawn from the seed alone): they can be asked at once at no cost in what
    /// the search knows when it breeds.
    fn decided_asks(&self) -> usize {
        0
    }
}

/// Every evaluated config with its fitness; failures rank after every success.
#[derive(Debug, Default, Clone)]
pub struct Ranking {
    fitness: HashMap<Genome, Option<f64>>,
    order: Vec<Genome>,
}

impl Ranking {
    /// Records one evaluation (the first one counts if a config is told twice).
    pub fn record(&mut self, g: &Genome, fitness: Option<f64>) {
        if !self.fitness.contains_key(g) {
            self.fitness
                .insert(g.clone(), fitness.filter(|f| f.is_finite()));
            self.order.push(g.clone());
        }
    }

    /// Whether `g` was recorded.
    pub fn contains(&self, g: &Genome) -> bool {
        self.fitness.contains_key(g)
    }

    /// Best first: lower time first, failures last, ties by evaluation order.
    pub fn compare(&self, a: &Genome, b: &Genome) -> Ordering {
        let key = |g: &Genome| self.fitness.get(g).copied().flatten();
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }

    /// The `k` best successful configs.
    pub fn best(&self, k: usize) -> Vec<Genome> {
        let mut ok: Vec<&Genome> = self
            .order
            .iter()
            .filter(|g| self.fitness[*g].is_some())
            .collect();
        ok.sort_by(|a, b| self.compare(a, b));
        ok.into_iter().take(k).cloned().collect()
    }
}

#[cfg(test)]
mod tests;
