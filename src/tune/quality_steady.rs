//! The steady-state GA on a recorded landscape: one row per window (answers arriving first in,
//! first out with the window in flight, or in the order a modelled pipeline gives them), each
//! tested against the generational GA seed by seed; and the modelled wall of both searches.

use super::pipelined::Pipelined;
use super::quality_row::{row, QualityRow};
use super::replay::ReplayEvaluator;
use super::search::Quiet;
use super::simulate::{Noise, SimulatedTiming};
use super::steady::{search_steady, Window};
use super::wall_model::{generation_sizes, WallModel};
use super::Evaluator;
use crate::error::Result;
use crate::eval::RaceSettings;
use crate::evolve::{GaSettings, SpaceIndex, SteadyGa};
use crate::stats::{mann_whitney_u, median};
use serde::Serialize;
use std::sync::Arc;

/// The order a simulated steady search meets its answers in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum AnswerOrder {
    /// First in, first out: each answer arrives with the window's other candidates in flight.
    Fifo,
    /// As the modelled machine gives them (compile times spread as it says).
    Pipeline(WallModel),
}

/// A steady row's test against the generational GA's row.
#[derive(Debug, Clone, Serialize)]
pub struct SteadyTest {
    /// The steady row, e.g. "steady16" or "steady16+race".
    pub method: String,
    /// The generational row it is tested against ("ga" or "ga+race").
    pub against: String,
    /// Two-sided Mann–Whitney p-value of their regrets.
    pub p_value: Option<f64>,
}

/// The modelled wall of each search (medians over the seeds' compile times).
#[derive(Debug, Clone, Serialize)]
pub struct WallEstimate {
    /// The machine modelled.
    pub model: WallModel,
    /// The generational GA, seconds.
    pub generational_s: f64,
    /// Each window and its steady search, seconds.
    pub steady_s: Vec<(usize, f64)>,
}

/// What to run: the windows, the order, whether racing is simulated too.
#[derive(Debug, Clone, Copy)]
pub struct SteadyPlan<'a> {
    /// Windows to try.
    pub windows: &'a [usize],
    /// The order answers arrive in.
    pub order: AnswerOrder,
    /// Also each window racing on simulated samples (against "ga+race").
    pub race: bool,
}

/// The steady rows over `seeds` seeds, and each one's test against `rows` ("ga", "ga+race").
pub(super) fn steady_rows(
    replay: &ReplayEvaluator,
    index: &Arc<SpaceIndex>,
    (budget, seeds, ga): (usize, usize, GaSettings),
    plan: SteadyPlan,
    rows: &[QualityRow],
    true_best_us: f64,
) -> Result<(Vec<QualityRow>, Vec<SteadyTest>)> {
    let (mut out, mut tests) = (Vec::new(), Vec::new());
    let races: &[bool] = if plan.race { &[false, true] } else { &[false] };
    for &window in plan.windows {
        for &race in races {
            let name = format!("steady{window}{}", if race { "+race" } else { "" });
            let mut r = row(&name);
            for seed in 0..seeds as u64 {
                let run = Run {
                    index,
                    ga,
                    budget,
                    window,
                    seed,
                };
                r.push(&run.trials(replay, race, plan.order)?, true_best_us, replay);
            }
            let against = if race { "ga+race" } else { "ga" };
            let base = rows.iter().find(|r| r.method == against);
            let p_value = base
                .and_then(|b| mann_whitney_u(&r.regrets, &b.regrets))
                .map(|m| m.p_value);
            tests.push(SteadyTest {
                method: name,
                against: against.into(),
                p_value,
            });
            out.push(r);
        }
    }
    Ok((out, tests))
}

/// The replayed answers, through a shared reference.
struct Recorded<'a>(&'a ReplayEvaluator);

impl Evaluator for Recorded<'_> {
    fn evaluate(
        &mut self,
        batch: &[super::Candidate],
        done: &mut dyn FnMut(super::Evaluated) -> Result<()>,
    ) -> Result<()> {
        for c in batch {
            done(super::Evaluated::from_record(self.0.answer(c)))?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// One seed's steady search.
struct Run<'a> {
    index: &'a Arc<SpaceIndex>,
    ga: GaSettings,
    budget: usize,
    window: usize,
    seed: u64,
}

impl Run<'_> {
    fn trials(
        &self,
        replay: &ReplayEvaluator,
        race: bool,
        order: AnswerOrder,
    ) -> Result<Vec<super::Evaluated>> {
        let settings = race.then(|| RaceSettings::new(self.ga.elites));
        let mut timing = SimulatedTiming::new(replay, Noise::default(), settings, self.seed);
        let mut plain = Recorded(replay);
        let inner: &mut dyn Evaluator = if race { &mut timing } else { &mut plain };
        match order {
            AnswerOrder::Fifo => self.search(inner),
            AnswerOrder::Pipeline(m) => self.search(&mut Pipelined::new(inner, m, self.seed)),
        }
    }

    fn search(&self, evaluator: &mut dyn Evaluator) -> Result<Vec<super::Evaluated>> {
        let mut opt = SteadyGa::new(self.index.clone(), self.ga, self.seed);
        let window = Window {
            in_flight: self.window,
            report_every: self.ga.population,
        };
        let out = search_steady(
            &mut opt,
            self.index,
            evaluator,
            self.budget,
            window,
            vec![],
            &mut Quiet,
        )?;
        Ok(out.trials)
    }
}

/// The modelled wall of the GA's generations and of each window, medians over `seeds` draws of
/// the compile times.
pub(super) fn wall_estimate(
    model: WallModel,
    (budget, seeds, ga): (usize, usize, GaSettings),
    windows: &[usize],
) -> WallEstimate {
    let sizes = generation_sizes(budget, ga.population, ga.elites);
    let over_seeds = |f: &dyn Fn(u64) -> f64| {
        let xs: Vec<f64> = (0..seeds.max(1) as u64).map(f).collect();
        median(&xs)
    };
    WallEstimate {
        model,
        generational_s: over_seeds(&|s| model.generational(&sizes, s)),
        steady_s: windows
            .iter()
            .map(|&w| {
                (
                    w,
                    over_seeds(&|s| model.steady(budget, w, ga.population, s)),
                )
            })
            .collect(),
    }
}
