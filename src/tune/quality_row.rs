//! One search method's results on a recorded landscape (regret and trials to within 5 % of the
//! best, seed by seed), and the search events a comparison ignores: shared by the generational and
//! the steady comparisons.

use super::evaluator::Evaluated;
use super::replay::ReplayEvaluator;
use crate::space::Config;
use crate::stats::{median, percentile};
use serde::Serialize;

/// "Within 5% of the true best."
pub const NEAR_BEST: f64 = 1.05;

/// One method's results over all seeds.
#[derive(Debug, Clone, Serialize)]
pub struct QualityRow {
    /// "ga", "random", "ga+warm" (the GA opened with warm-start seeds), or the GA timed with
    /// simulated samples: "ga+noise" (every trial in full) and "ga+race" (racing).
    pub method: String,
    /// Regret of each seed's run: the landscape's time of the best found ÷ true best − 1 (∞ if
    /// nothing succeeded).
    pub regrets: Vec<f64>,
    /// Trials each seed needed to get within 5% of the true best (`None`: not within budget).
    pub trials_to_near: Vec<Option<usize>>,
}

impl QualityRow {
    /// Median regret.
    pub fn median_regret(&self) -> f64 {
        median(&self.regrets)
    }

    /// Regret quartiles (25th, 75th percentile).
    pub fn regret_quartiles(&self) -> (f64, f64) {
        (
            percentile(&self.regrets, 25.0),
            percentile(&self.regrets, 75.0),
        )
    }

    /// Seeds that got within 5% of the true best within the budget.
    pub fn reached(&self) -> usize {
        self.trials_to_near.iter().flatten().count()
    }

    /// Median trials to within 5%, counting a miss as budget + 1 (so `None` when over half missed).
    pub fn median_trials_to_near(&self, budget: usize) -> Option<f64> {
        let xs: Vec<f64> = self
            .trials_to_near
            .iter()
            .map(|t| t.map_or(budget as f64 + 1.0, |n| n as f64))
            .collect();
        let m = median(&xs);
        (m <= budget as f64).then_some(m)
    }
}

pub(super) fn row(method: &str) -> QualityRow {
    QualityRow {
        method: method.into(),
        regrets: vec![],
        trials_to_near: vec![],
    }
}

/// The landscape's own time of `config`.
fn recorded(replay: &ReplayEvaluator, config: &Config) -> Option<f64> {
    replay.answers().get(config).and_then(|r| r.fitness())
}

impl QualityRow {
    /// Adds one seed's run: its regret and its trials to within 5% of the true best.
    pub(super) fn push(
        &mut self,
        trials: &[Evaluated],
        true_best: f64,
        landscape: &ReplayEvaluator,
    ) {
        let (regret, near) = score(trials, true_best, landscape);
        self.regrets.push(regret);
        self.trials_to_near.push(near);
    }
}

/// Regret of the best trial found (by the times the search saw, judged by the `landscape`'s own
/// time of it), and the trial count at which that best-so-far came within 5%.
fn score(
    trials: &[Evaluated],
    true_best: f64,
    landscape: &ReplayEvaluator,
) -> (f64, Option<usize>) {
    let (mut seen, mut best) = (f64::INFINITY, f64::INFINITY);
    let mut near = None;
    for (i, e) in trials.iter().enumerate() {
        if let Some(f) = e.record.fitness().filter(|&f| f < seen) {
            seen = f;
            best = recorded(landscape, &e.record.config).unwrap_or(f);
        }
        if near.is_none() && best <= true_best * NEAR_BEST {
            near = Some(i + 1);
        }
    }
    (best / true_best - 1.0, near)
}
