//! Which search a tune runs: the generational GA, or the steady-state GA with a window of
//! candidates in flight.

use serde::{Deserialize, Serialize};

/// Candidates in flight in a steady search unless said: the largest window tried whose regrets
/// held against the generational GA on all four recorded landscapes (BENCHMARKS.md,
/// 2026-12-05). Keeping one GPU busy at about 1.2 s of compile and 0.12 s of GPU per candidate
/// would take about 11.
pub const DEFAULT_WINDOW: usize = 8;

/// The search a tune runs, as its manifest records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SearchMode {
    /// Generations of a population: each asked at once, bred when all of the one before are
    /// answered.
    #[default]
    Generational,
    /// One candidate asked as each answer arrives, `window` in flight.
    Steady {
        /// Candidates in flight.
        window: usize,
    },
}

impl SearchMode {
    /// "generational", or "steady (window 16)".
    pub fn describe(&self) -> String {
        match self {
            SearchMode::Generational => "generational".into(),
            SearchMode::Steady { window } => format!("steady (window {window})"),
        }
    }
}
