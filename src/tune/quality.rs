//! Search quality on a recorded landscape: the GA against random search at the same budget over
//! many seeds (median regret, trials to within 5% of the true best, a Mann–Whitney test), and
//! on request the GA timed with simulated samples, in full against racing (`simulate`).

use super::quality_row::{row, QualityRow};
use super::quality_steady::{steady_rows, wall_estimate, SteadyPlan, SteadyTest, WallEstimate};
use super::replay::ReplayEvaluator;
use super::search::{search, Quiet};
use super::simulate::{Noise, SampleTally, SimulatedTiming};
use crate::error::{Error, Result};
use crate::eval::RaceSettings;
use crate::evolve::{Ga, GaSettings, Genome, Optimizer, RandomSearch, SpaceIndex};
use crate::stats::mann_whitney_u;
use serde::Serialize;
use std::sync::Arc;

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
