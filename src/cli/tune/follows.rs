//! Before a resumed run touches its folder: the search run on the logged answers alone, so that
//! a log the search would reject is refused with nothing written.

use super::plan::TunePlan;
use super::session::run_search;
use crate::cli::target::CliProblem;
use crate::error::{Error, Result};
use crate::evolve::Genome;
use crate::tune::{Candidate, Evaluated, Evaluator, SearchEvents};
use crate::tunelog::TrialRecord;

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
        &mut Silent,
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

/// The dry run's listener: hears nothing.
struct Silent;

impl SearchEvents for Silent {
    fn trial(&mut self, _: &Evaluated) -> Result<()> {
        Ok(())
    }

    fn generation_done(&mut self, _: &[Evaluated]) -> Result<()> {
        Ok(())
    }
}
