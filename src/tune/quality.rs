//! Search quality on a recorded landscape: the GA against random search at the same budget over
//! many seeds (median regret, trials to within 5% of the true best, a Mann–Whitney test), and
//! on request the GA timed with simulated samples, in full against racing (`simulate`).

use super::evaluator::Evaluated;
use super::quality_steady::{steady_rows, wall_estimate, SteadyPlan, SteadyTest, WallEstimate};
use super::replay::ReplayEvaluator;
use super::search::{search, SearchEvents};
use super::simulate::{Noise, SampleTally, SimulatedTiming};
use crate::error::{Error, Result};
use crate::eval::RaceSettings;
use crate::evolve::{Ga, GaSettings, Genome, Optimizer, RandomSearch, SpaceIndex};
use crate::space::Config;
use crate::stats::{mann_whitney_u, median, percentile};
use serde::Serialize;
use std::sync::Arc;

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

/// The comparison.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    /// Points of the landscape the search runs over (recorded and valid).
    pub points: usize,
    /// Of them, timed ok.
    pub timed: usize,
    /// The best kernel time on the landscape, µs.
    pub true_best_us: f64,
    /// Its config.
    pub true_best: String,
    /// Trials per run.
    pub budget: usize,
    /// Seeds per method.
    pub seeds: usize,
    /// GA, then random search.
    pub rows: Vec<QualityRow>,
    /// Two-sided Mann–Whitney p-value of the GA's regrets against random search's.
    pub p_value: Option<f64>,
    /// With warm-start seeds: two-sided Mann–Whitney p-value of ga+warm against the GA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value_warm: Option<f64>,
    /// With simulated samples: two-sided Mann–Whitney p-value of ga+race against ga+noise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value_race: Option<f64>,
    /// With simulated samples: what ga+race took over all seeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race_tally: Option<SampleTally>,
    /// With steady windows: each steady row's test against the generational GA.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steady_tests: Vec<SteadyTest>,
    /// With steady windows: the modelled wall of both searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall: Option<WallEstimate>,
}

/// What runs beside the GA and random search.
#[derive(Debug, Clone, Copy)]
pub struct Methods<'a> {
    /// Warm seeds: "ga+warm", the GA whose first generation opens with them (none: no row).
    pub warm: &'a [Genome],
    /// "ga+noise" and "ga+race": the GA timed with simulated samples, in full and racing.
    pub race: bool,
    /// Steady-state GA rows, one per window (none: no rows); racing too with `race`.
    pub steady: &'a [usize],
    /// The order the steady rows meet their answers in, and the machine their wall is modelled on.
    pub order: super::quality_steady::AnswerOrder,
    /// The machine the wall is modelled on.
    pub model: super::WallModel,
}

pub(super) fn row(method: &str) -> QualityRow {
    QualityRow {
        method: method.into(),
        regrets: vec![],
        trials_to_near: vec![],
    }
}

/// Runs both methods `seeds` times on `replay`'s landscape, restricted to `index`; with
/// warm seeds, a third method: the GA whose first generation opens with them; with racing,
/// two more: the GA timed with simulated samples, in full and racing; with steady windows, the
/// steady-state GA at each (and racing, with racing).
pub fn compare_on_landscape(
    replay: &mut ReplayEvaluator,
    index: Arc<SpaceIndex>,
    budget: usize,
    seeds: usize,
    ga: GaSettings,
    methods: Methods,
) -> Result<QualityReport> {
    let Methods { warm, race, .. } = methods;
    let (true_best_us, true_best, timed) = landscape_best(replay, &index)?;
    let mut rows = vec![row("ga"), row("random")];
    if !warm.is_empty() {
        rows.push(row("ga+warm"));
    }
    for seed in 0..seeds as u64 {
        let mut methods: Vec<Box<dyn Optimizer>> = vec![
            Box::new(Ga::new(index.clone(), ga, seed)),
            Box::new(RandomSearch::new(index.clone(), ga.population, seed)),
        ];
        if !warm.is_empty() {
            methods.push(Box::new(Ga::new(index.clone(), ga, seed).with_seeds(warm)));
        }
        for (row, opt) in rows.iter_mut().zip(methods.iter_mut()) {
            let out = search(opt.as_mut(), &index, replay, budget, vec![], &mut Quiet)?;
            row.push(&out.trials, true_best_us, replay);
        }
    }
    let p_value = mann_whitney_u(&rows[0].regrets, &rows[1].regrets).map(|m| m.p_value);
    let p_value_warm = rows
        .get(2)
        .and_then(|w| mann_whitney_u(&w.regrets, &rows[0].regrets))
        .map(|m| m.p_value);
    let (mut p_value_race, mut race_tally) = (None, None);
    if race {
        let (timed, tally) = timed_rows(replay, &index, budget, seeds, ga, true_best_us)?;
        p_value_race = mann_whitney_u(&timed[1].regrets, &timed[0].regrets).map(|m| m.p_value);
        race_tally = Some(tally);
        rows.extend(timed);
    }
    let (mut steady_tests, mut wall) = (Vec::new(), None);
    if !methods.steady.is_empty() {
        let plan = SteadyPlan {
            windows: methods.steady,
            order: methods.order,
            race,
        };
        let sizes = (budget, seeds, ga);
        let (steady, tests) = steady_rows(replay, &index, sizes, plan, &rows, true_best_us)?;
        rows.extend(steady);
        steady_tests = tests;
        wall = Some(wall_estimate(methods.model, sizes, methods.steady));
    }
    Ok(QualityReport {
        points: index.valid().len(),
        timed,
        true_best_us,
        true_best,
        budget,
        seeds,
        rows,
        p_value,
        p_value_warm,
        p_value_race,
        race_tally,
        steady_tests,
        wall,
    })
}

/// The GA timed with simulated samples over `seeds` seeds, in full ("ga+noise") and racing
/// ("ga+race"), seed by seed on the same samples; and what racing took.
fn timed_rows(
    replay: &ReplayEvaluator,
    index: &Arc<SpaceIndex>,
    budget: usize,
    seeds: usize,
    ga: GaSettings,
    true_best_us: f64,
) -> Result<([QualityRow; 2], SampleTally)> {
    let mut rows = [row("ga+noise"), row("ga+race")];
    let mut tally = SampleTally::default();
    let races = [None, Some(RaceSettings::new(ga.elites))];
    for seed in 0..seeds as u64 {
        for (row, race) in rows.iter_mut().zip(races) {
            let mut timing = SimulatedTiming::new(replay, Noise::default(), race, seed);
            let mut opt = Ga::new(index.clone(), ga, seed);
            let out = search(&mut opt, index, &mut timing, budget, vec![], &mut Quiet)?;
            row.push(&out.trials, true_best_us, replay);
            if race.is_some() {
                tally.add(&timing.tally);
            }
        }
    }
    Ok((rows, tally))
}

/// The landscape's own time of `config`.
fn recorded(replay: &ReplayEvaluator, config: &Config) -> Option<f64> {
    replay.answers().get(config).and_then(|r| r.fitness())
}

/// The best time among the landscape's points in `index`, its config, and how many are timed.
fn landscape_best(replay: &ReplayEvaluator, index: &SpaceIndex) -> Result<(f64, String, usize)> {
    let timed: Vec<(f64, String)> = replay
        .answers()
        .values()
        .filter(|r| {
            index
                .genome_of(&r.config)
                .is_some_and(|g| index.is_valid(&g))
        })
        .filter_map(|r| r.fitness().map(|f| (f, r.config.to_string())))
        .collect();
    let best = timed
        .iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .cloned()
        .ok_or_else(|| Error::Other("the landscape has no timed ok point".into()))?;
    Ok((best.0, best.1, timed.len()))
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

/// Search events that go nowhere (the comparison keeps no log).
pub(super) struct Quiet;

impl SearchEvents for Quiet {
    fn trial(&mut self, _: &Evaluated) -> Result<()> {
        Ok(())
    }
    fn generation_done(&mut self, _: &[Evaluated]) -> Result<()> {
        Ok(())
    }
}
