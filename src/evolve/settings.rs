//! The GA's knobs, shared by the generational and the steady-state GA and their breeding.

use serde::{Deserialize, Serialize};

/// The GA's knobs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GaSettings {
    /// Members per generation (elites included).
    pub population: usize,
    /// Best configs carried unchanged into every generation.
    pub elites: usize,
    /// Tournament size for parent selection.
    pub tournament: usize,
    /// Probability that each parameter of a child mutates (one always does).
    pub mutation_rate: f64,
    /// Probability that a child is a crossover of two parents (else a copy of one), before mutation.
    pub crossover_rate: f64,
    /// Mutation step, in positions of an ordered domain (σ of a normal step).
    pub mutation_sigma: f64,
}

impl Default for GaSettings {
    fn default() -> Self {
        GaSettings {
            population: 16,
            elites: 6,
            tournament: 3,
            mutation_rate: 0.2,
            crossover_rate: 0.7,
            mutation_sigma: 1.0,
        }
    }
}
