//! The steady-state search loop: a window of candidates in flight (the optimizer's opening all
//! at once); as each answer arrives it is logged, told, and new candidates are asked and
//! submitted while fewer than the window are in flight, until the budget is asked.
//! Answers already logged by an interrupted run are told again in the order they were logged
//! (the order they arrived), which asks again what the run asked.

use super::evaluator::{Candidate, Evaluated, Evaluator};
use super::search::{check_follows, SearchEvents, SearchOutcome};
use crate::error::{Error, Result};
use crate::evolve::{SpaceIndex, StreamOptimizer};
use crate::space::Config;
use std::collections::{HashMap, HashSet};

/// The window and how often the caller hears that a stretch of trials ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Candidates in flight at once (compiling, waiting for a GPU, or on one).
    pub in_flight: usize,
    /// `generation_done` is called after every this many answers (a nominal generation).
    pub report_every: usize,
}

/// The asking side of the loop: the optimizer, the budget and what was asked.
struct Asker<'a> {
    optimizer: &'a mut dyn StreamOptimizer,
    index: &'a SpaceIndex,
    budget: usize,
    asked: usize,
    seen: HashSet<Config>,
    in_flight: HashMap<Config, Candidate>,
}

impl Asker<'_> {
    /// The next candidate, or `None` once the budget is asked or the space exhausted.
    fn ask(&mut self) -> Result<Option<Candidate>> {
        if self.asked >= self.budget {
            return Ok(None);
        }
        let Some(genome) = self.optimizer.ask_one() else {
            return Ok(None);
        };
        let config = self.index.config(&genome);
        if !self.seen.insert(config.clone()) {
            return Err(Error::Other(format!(
                "the optimizer asked for {config} twice"
            )));
        }
        let c = Candidate {
            trial: self.asked,
            generation: self.optimizer.generation(),
            genome,
            config: config.clone(),
        };
        self.asked += 1;
        self.in_flight.insert(config, c.clone());
        Ok(Some(c))
    }

    /// Asks until `in_flight` candidates are in flight (or nothing is left to ask).
    fn refill(&mut self, in_flight: usize) -> Result<Vec<Candidate>> {
        let mut asked = Vec::new();
        while self.in_flight.len() < in_flight {
            match self.ask()? {
                Some(c) => asked.push(c),
                None => break,
            }
        }
        Ok(asked)
    }

    /// Takes `e`'s candidate out of the window and tells the optimizer its fitness.
    fn answered(&mut self, e: &Evaluated) -> Result<Candidate> {
        let c = self.in_flight.remove(&e.record.config).ok_or_else(|| {
            Error::Other(format!(
                "an answer for {}, which is not in flight (trial {})",
                e.record.config, e.record.trial
            ))
        })?;
        self.optimizer.tell(&c.genome, e.record.fitness());
        Ok(c)
    }
}

/// Runs `optimizer` with `window.in_flight` candidates in flight until `budget` distinct
/// configs are answered (or the space is exhausted). `prior` holds the trials of an interrupted
/// run of the same search in the order its log holds them; it is an error if they do not
/// follow from it. The outcome's trials are in the order they were told.
pub fn search_steady(
    optimizer: &mut dyn StreamOptimizer,
    index: &SpaceIndex,
    evaluator: &mut dyn Evaluator,
    budget: usize,
    window: Window,
    prior: Vec<Evaluated>,
    events: &mut dyn SearchEvents,
) -> Result<SearchOutcome> {
    let mut asker = Asker {
        optimizer,
        index,
        budget,
        asked: 0,
        seen: HashSet::new(),
        in_flight: HashMap::new(),
    };
    let mut out = SearchOutcome::default();
    let in_flight = window.in_flight.max(1);
    // The opening is decided before any answer: all of it is asked at once (more than the
    // window when it is larger), and then one is asked whenever fewer than the window are in
    // flight. Every ask is bred from the same answers as with the window alone; only the
    // opening's compiles start sooner.
    let opening = in_flight.max(asker.optimizer.decided_asks());
    let mut pending = asker.refill(opening)?;
    for e in prior {
        let c = asker.answered(&e).map_err(|_| never_asked(&e))?;
        check_follows(&e, &c)?;
        evaluator.known(&e);
        pending.retain(|p: &Candidate| p.trial != c.trial);
        out.trials.push(e);
        out.resumed += 1;
        report(&out.trials, window, events)?;
        pending.extend(asker.refill(in_flight)?);
    }
    pending.sort_by_key(|c| c.trial);
    evaluator.evaluate_stream(pending, &mut |e| {
        events.trial(&e)?;
        asker.answered(&e)?;
        out.trials.push(e);
        report(&out.trials, window, events)?;
        asker.refill(in_flight)
    })?;
    if let Some(c) = asker.in_flight.values().min_by_key(|c| c.trial) {
        return Err(Error::Other(format!(
            "the evaluator answered {} of {} candidates (none for trial {})",
            out.trials.len(),
            asker.asked,
            c.trial
        )));
    }
    Ok(out)
}

/// Tells the caller a nominal generation ended, every `report_every` answers.
fn report(so_far: &[Evaluated], window: Window, events: &mut dyn SearchEvents) -> Result<()> {
    if so_far.len().is_multiple_of(window.report_every.max(1)) {
        events.generation_done(so_far)?;
    }
    Ok(())
}

fn never_asked(e: &Evaluated) -> Error {
    Error::Other(format!(
        "the log has {} as trial {}, which this search does not ask for at that point: the \
         log was written with another seed, settings, search or space",
        e.record.config, e.record.trial
    ))
}

#[cfg(test)]
#[path = "steady_tests.rs"]
mod tests;
