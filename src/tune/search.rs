//! The search loop: ask, evaluate (answers logged as they arrive), tell in trial order, repeat
//! until the budget of distinct configs is spent; answers already logged are replayed, not re-run.

use super::evaluator::{Candidate, Evaluated, Evaluator};
use crate::error::{Error, Result};
use crate::evolve::{Optimizer, SpaceIndex};
use crate::space::Config;
use std::collections::{HashMap, HashSet};

/// What the loop tells its caller as it goes.
pub trait SearchEvents {
    /// A trial ended (called as each answer arrives, in any order): log it, show progress.
    fn trial(&mut self, answer: &Evaluated) -> Result<()>;
    /// A generation ended; `so_far` holds every trial yet, in trial order.
    fn generation_done(&mut self, so_far: &[Evaluated]) -> Result<()>;
}

/// Search events that go nowhere: a search whose trials nobody logs or shows (a landscape
/// comparison, a dry run over a resumed log).
pub struct Quiet;

impl SearchEvents for Quiet {
    fn trial(&mut self, _: &Evaluated) -> Result<()> {
        Ok(())
    }
    fn generation_done(&mut self, _: &[Evaluated]) -> Result<()> {
        Ok(())
    }
}

/// What a search produced.
#[derive(Debug, Default)]
pub struct SearchOutcome {
    /// Every trial, in trial order (a steady search's: in the order told).
    pub trials: Vec<Evaluated>,
    /// How many of them came from the log of an earlier, interrupted run.
    pub resumed: usize,
}

/// Runs `optimizer` until `budget` distinct configs are evaluated (or the space is exhausted).
/// `prior` holds the trials of an interrupted run of the same search: each is told again in
/// its place instead of being evaluated, and it is an error if they do not follow from it.
pub fn search(
    optimizer: &mut dyn Optimizer,
    index: &SpaceIndex,
    evaluator: &mut dyn Evaluator,
    budget: usize,
    prior: Vec<Evaluated>,
    events: &mut dyn SearchEvents,
) -> Result<SearchOutcome> {
    let mut prior: HashMap<Config, Evaluated> = prior
        .into_iter()
        .map(|e| (e.record.config.clone(), e))
        .collect();
    let mut out = SearchOutcome::default();
    let mut seen: HashSet<Config> = HashSet::new();
    while out.trials.len() < budget {
        let asked = optimizer.ask(budget - out.trials.len());
        if asked.is_empty() {
            break;
        }
        let generation = optimizer.generation().saturating_sub(1);
        let batch = candidates(index, asked, out.trials.len(), generation, &mut seen)?;
        let (known, todo): (Vec<_>, Vec<_>) =
            batch.iter().partition(|c| prior.contains_key(&c.config));
        let mut answers = Vec::with_capacity(batch.len());
        for c in known {
            let e = prior.remove(&c.config).expect("partitioned on presence");
            check_follows(&e, c)?;
            evaluator.known(&e);
            answers.push(e);
        }
        out.resumed += answers.len();
        if !todo.is_empty() {
            // A logged run asked nothing after an unfinished generation: new trials come only
            // once every logged one is told, so a log the search rejects gets no new rows.
            require_all_told(&prior)?;
        }
        let todo: Vec<Candidate> = todo.into_iter().cloned().collect();
        evaluator.evaluate(&todo, &mut |e| {
            events.trial(&e)?;
            answers.push(e);
            Ok(())
        })?;
        if answers.len() != batch.len() {
            return Err(Error::Other(format!(
                "the evaluator answered {} of {} candidates",
                answers.len(),
                batch.len()
            )));
        }
        answers.sort_by_key(|e| e.record.trial);
        for (c, e) in batch.iter().zip(&answers) {
            optimizer.tell(&c.genome, e.record.fitness());
        }
        out.trials.extend(answers);
        events.generation_done(&out.trials)?;
    }
    require_all_told(&prior)?;
    Ok(out)
}

/// Fails when logged trials are left that the search has not asked for.
fn require_all_told(prior: &HashMap<Config, Evaluated>) -> Result<()> {
    match prior.values().map(|e| e.record.trial).min() {
        None => Ok(()),
        Some(left) => Err(Error::Other(format!(
            "the log holds trials this search never asked for (first: trial {left}); it was \
             written with other settings or another space"
        ))),
    }
}

fn candidates(
    index: &SpaceIndex,
    asked: Vec<crate::evolve::Genome>,
    first_trial: usize,
    generation: usize,
    seen: &mut HashSet<Config>,
) -> Result<Vec<Candidate>> {
    asked
        .into_iter()
        .enumerate()
        .map(|(i, genome)| {
            let config = index.config(&genome);
            if !seen.insert(config.clone()) {
                return Err(Error::Other(format!(
                    "the optimizer asked for {config} twice"
                )));
            }
            Ok(Candidate {
                trial: first_trial + i,
                generation,
                genome,
                config,
            })
        })
        .collect()
}

/// A logged trial must sit where the resumed search asks for its config.
pub(super) fn check_follows(e: &Evaluated, c: &Candidate) -> Result<()> {
    if e.record.trial == c.trial && e.record.generation == c.generation {
        return Ok(());
    }
    Err(Error::Other(format!(
        "the log has {} as trial {} (generation {}), but this search asks for it as trial {} \
         (generation {}): the log was written with another seed, settings or space",
        c.config, e.record.trial, e.record.generation, c.trial, c.generation
    )))
}
