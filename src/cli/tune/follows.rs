//! The search a plan names (generational or steady), and, before a resumed run touches its
//! folder, that search run on the logged answers alone, so that a log it would reject is refused
//! with nothing written.

use super::plan::TunePlan;
use crate::cli::target::CliProblem;
use crate::error::{Error, Result};
use crate::evolve::{Ga, Genome, SearchMode, SteadyGa};
use crate::tune::{
    search, search_steady, Candidate, Evaluated, Evaluator, Quiet, SearchEvents, SearchOutcome,
    Window,
};
use crate::tunelog::TrialRecord;

/// The search the plan names, to `budget` trials, from the `prior` trials of a resumed run.
pub(super) fn run_search<P: CliProblem>(
    plan: &TunePlan<P>,
    seeds: &[Genome],
    evaluator: &mut dyn Evaluator,
    budget: usize,
    prior: Vec<Evaluated>,
    session: &mut dyn SearchEvents,
) -> Result<SearchOutcome> {
    let index = &plan.index;
    match plan.mode {
        SearchMode::Generational => {
            let mut ga = Ga::new(index.clone(), plan.ga, plan.seed).with_seeds(seeds);
            search(&mut ga, index, evaluator, budget, prior, session)
        }
        SearchMode::Steady { window } => {
            let mut ga = SteadyGa::new(index.clone(), plan.ga, plan.seed).with_seeds(seeds);
            let window = Window {
                in_flight: window,
                report_every: plan.ga.population,
            };
            search_steady(&mut ga, index, evaluator, budget, window, prior, session)
        }
    }
}

/// Refuses (exit 2, nothing written) a resumed run whose log the search would reject: the
/// search is run on the logged answers alone, up to the last trial logged (a failure stands in
/// for each trial in flight when the run stopped), before the run folder is touched.
pub(super) fn check_log_follows<P: CliProblem>(
    plan: &TunePlan<P>,
    seeds: &[Genome],
    prior: &[Evaluated],
) -> Result<()> {
    let Some(last) = prior.iter().map(|e| e.record.trial).max() else {
        return Ok(());
    };
    let budget = (last + 1).min(plan.budget);
    let checked = run_search(
        plan,
        seeds,
        &mut Unlogged,
        budget,
        prior.to_vec(),
        &mut Quiet,
    );
    checked.map(|_| ()).map_err(|e| {
        Error::flag(
            "--resume",
            format!(
                "{}: {e}; the run was left as it was (start a new run with --out instead)",
                plan.run.tune_log().display()
            ),
        )
    })
}

/// The dry run's answer for a trial the log lacks: a failure, evaluating nothing.
struct Unlogged;

impl Evaluator for Unlogged {
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> Result<()>,
    ) -> Result<()> {
        for c in batch {
            let mut r = TrialRecord::unmeasured(&c.config, "unlogged", String::new());
            (r.trial, r.generation) = (c.trial, c.generation);
            done(Evaluated::from_record(r))?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        "the resumed log".into()
    }
}
