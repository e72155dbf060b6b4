//! An evaluator that answers in the order a modelled machine would (`WallModel`: compiles on
//! many cores, one GPU taking the compiled candidates in the order they finish compiling), and
//! keeps the modelled clock: a simulated search then meets answers out of order, as a live one
//! does, and says how long it would have taken.

use super::evaluator::{Candidate, Evaluated, Evaluator};
use super::wall_model::{Pipeline, WallModel};
use crate::error::Result;
use std::collections::HashMap;

/// Answers from `inner`, ordered and timed by a modelled pipeline.
pub struct Pipelined<'e> {
    inner: &'e mut dyn Evaluator,
    pipeline: Pipeline,
    /// The modelled time of the last answer, seconds from the first ask.
    pub clock: f64,
}

impl<'e> Pipelined<'e> {
    /// `inner`'s answers through `model`, its compile times drawn with `seed`.
    pub fn new(inner: &'e mut dyn Evaluator, model: WallModel, seed: u64) -> Self {
        Pipelined {
            inner,
            pipeline: Pipeline::new(model, seed),
            clock: 0.0,
        }
    }

    /// Asks `c` of the pipeline now.
    fn submit(&mut self, c: Candidate, asked: &mut HashMap<usize, Candidate>) {
        let n = self.pipeline.ask(self.clock);
        asked.insert(n, c);
    }

    /// The next answer the pipeline gives, from `inner`; moves the clock to it.
    fn next_answers(&mut self, asked: &mut HashMap<usize, Candidate>) -> Result<Vec<Evaluated>> {
        let Some((t, n)) = self.pipeline.answer_next() else {
            return Ok(Vec::new());
        };
        self.clock = t;
        let c = asked.remove(&n).expect("asked through the pipeline");
        let mut answers = Vec::new();
        self.inner.evaluate(std::slice::from_ref(&c), &mut |e| {
            answers.push(e);
            Ok(())
        })?;
        Ok(answers)
    }
}

impl Evaluator for Pipelined<'_> {
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> Result<()>,
    ) -> Result<()> {
        let mut asked = HashMap::new();
        for c in batch {
            self.submit(c.clone(), &mut asked);
        }
        while !asked.is_empty() {
            for e in self.next_answers(&mut asked)? {
                done(e)?;
            }
        }
        Ok(())
    }

    fn evaluate_stream(
        &mut self,
        start: Vec<Candidate>,
        next: &mut dyn FnMut(Evaluated) -> Result<Vec<Candidate>>,
    ) -> Result<()> {
        let mut asked = HashMap::new();
        for c in start {
            self.submit(c, &mut asked);
        }
        while !asked.is_empty() {
            for e in self.next_answers(&mut asked)? {
                for c in next(e)? {
                    self.submit(c, &mut asked);
                }
            }
        }
        Ok(())
    }

    fn known(&mut self, answer: &Evaluated) {
        self.inner.known(answer);
    }

    fn describe(&self) -> String {
        format!("{} in a modelled pipeline", self.inner.describe())
    }
}
