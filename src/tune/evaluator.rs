//! What the search asks of an evaluator: a batch of candidates in, one answer per candidate out;
//! or a stream, each answer submitting the next candidate.

use crate::eval::Timing;
use crate::evolve::Genome;
use crate::space::Config;
use crate::tunelog::TrialRecord;
use std::collections::VecDeque;

/// One config to evaluate, numbered in the order the search asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Trial number, from 0.
    pub trial: usize,
    /// The search generation that asked for it.
    pub generation: usize,
    /// The optimizer's form of the config.
    pub genome: Genome,
    /// The config.
    pub config: Config,
}

/// An evaluator's answer for one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The tune log's row.
    pub record: TrialRecord,
    /// Kernel-only timing with its samples (absent when replayed or failed).
    pub kernel_time: Option<Timing>,
    /// Per-call timing with its samples.
    pub call_time: Option<Timing>,
    /// The short compile-cache key naming its source in the run folder (`kernels/<hash>.cu`),
    /// when the candidate was compiled there.
    pub source_hash: Option<String>,
}

impl Evaluated {
    /// An answer with only a log row.
    pub fn from_record(record: TrialRecord) -> Self {
        Evaluated {
            record,
            kernel_time: None,
            call_time: None,
            source_hash: None,
        }
    }
}

/// Answers batches of candidates.
pub trait Evaluator {
    /// Evaluates `batch`, calling `done` once per candidate as soon as its answer is known (in
    /// any order). An error from `done` stops the batch and is returned.
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> crate::Result<()>,
    ) -> crate::Result<()>;

    /// Evaluates `start`, then each candidate `next` returns, as a stream: `next` hears of each
    /// answer as it arrives and returns the candidates to submit after it (none, or a new one
    /// for the one answered); returns when no candidate is left in flight. By default the
    /// candidates are evaluated one at a time in the order submitted, so with `start` holding
    /// W candidates each answer arrives with W − 1 others in flight (first in, first out).
    fn evaluate_stream(
        &mut self,
        start: Vec<Candidate>,
        next: &mut dyn FnMut(Evaluated) -> crate::Result<Vec<Candidate>>,
    ) -> crate::Result<()> {
        let mut queue: VecDeque<Candidate> = start.into();
        while let Some(c) = queue.pop_front() {
            let mut answers = Vec::new();
            self.evaluate(std::slice::from_ref(&c), &mut |e| {
                answers.push(e);
                Ok(())
            })?;
            for e in answers {
                queue.extend(next(e)?);
            }
        }
        Ok(())
    }

    /// Hears of an answer it did not give (a trial logged by an interrupted run), so that it
    /// knows every trial of the search so far; an evaluator that races keeps its elite cutoff
    /// from these and from its own answers.
    fn known(&mut self, _answer: &Evaluated) {}

    /// Where the answers come from, e.g. "gpu 0 (NVIDIA H100 80GB HBM3)" or "replay of FILE".
    fn describe(&self) -> String;
}
