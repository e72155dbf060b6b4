//! Tests of the search loop with a test-double evaluator (a formula standing in for the GPU):
//! resumed prefixes give the same run, foreign logs are refused, short answers are errors.

use super::*;
use crate::evolve::{Ga, GaSettings, SpaceIndex};
use crate::shape::Shape;
use crate::space::{parse, DeviceLimits};
use crate::tunelog::TrialRecord;
use std::path::Path;
use std::sync::Arc;

const SPACE: &str = r#"
name = "toy"
template = "none.cu.tera"
kernel = "k"
constraints = ["X + Y <= 9"]
[params.X]
values = [0, 1, 2, 3, 4, 5, 6, 7]
[params.Y]
values = [0, 1, 2, 3, 4, 5, 6, 7]
[params.Z]
values = [0, 1, 2, 3]
[default]
X = 0
Y = 0
Z = 0
"#;

pub(super) fn index() -> Arc<SpaceIndex> {
    let space = parse(Path::new("toy.toml"), SPACE).unwrap();
    let shape = Shape::parse("1,1,64,64").unwrap();
    Arc::new(SpaceIndex::new(&space, &shape, &DeviceLimits::hopper()).unwrap())
}

/// Test double: answers with a formula of the config instead of a measurement, and can be
/// told to drop answers.
pub(super) struct FormulaEvaluator {
    pub(super) drop_every: Option<usize>,
}

impl Evaluator for FormulaEvaluator {
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> crate::Result<()>,
    ) -> crate::Result<()> {
        for (i, c) in batch.iter().enumerate() {
            if self.drop_every.is_some_and(|n| i % n == n - 1) {
                continue;
            }
            let x = |k: &str| c.config.int(k).unwrap() as f64;
            let us = 10.0 + (x("X") - 5.0).powi(2) + (x("Y") - 2.0).powi(2) + x("Z");
            done(Evaluated::from_record(record(c, us)))?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        "formula (test double)".into()
    }
}

fn record(c: &Candidate, us: f64) -> TrialRecord {
    let mut r = TrialRecord::unmeasured(&c.config, "ok", String::new());
    r.trial = c.trial;
    r.generation = c.generation;
    r.p50_us = Some(us);
    r
}

pub(super) struct Quiet(pub(super) usize);

impl SearchEvents for Quiet {
    fn trial(&mut self, _: &Evaluated) -> crate::Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn generation_done(&mut self, _: &[Evaluated]) -> crate::Result<()> {
        Ok(())
    }
}

fn run(seed: u64, budget: usize, prior: Vec<Evaluated>) -> (crate::Result<SearchOutcome>, usize) {
    let idx = index();
    let mut ga = Ga::new(idx.clone(), GaSettings::default(), seed);
    let mut ev = FormulaEvaluator { drop_every: None };
    let mut events = Quiet(0);
    let out = search(&mut ga, &idx, &mut ev, budget, prior, &mut events);
    (out, events.0)
}

#[test]
fn every_prefix_of_a_run_resumes_into_the_same_run() {
    let (full, _) = run(4, 40, vec![]);
    let full = full.unwrap().trials;
    for cut in [0, 1, 15, 16, 17, 39, 40] {
        let (resumed, evaluated) = run(4, 40, full[..cut].to_vec());
        let resumed = resumed.unwrap();
        assert_eq!(resumed.resumed, cut);
        assert_eq!(evaluated, 40 - cut, "only the missing trials are evaluated");
        assert_eq!(resumed.trials, full, "cut at {cut}");
    }
}

#[test]
fn a_log_from_another_seed_is_refused() {
    let (other, _) = run(5, 30, vec![]);
    let (resumed, _) = run(4, 30, other.unwrap().trials[..20].to_vec());
    let err = resumed.unwrap_err().to_string();
    assert!(
        err.contains("another seed, settings or space") || err.contains("never asked for"),
        "{err}"
    );
}

/// Regression: a log the search does not ask for was refused only at the end, after the
/// search had evaluated (and the tune command logged) every trial of its budget.
#[test]
fn a_log_the_search_rejects_gets_no_new_trials() {
    let (own, _) = run(4, 30, vec![]);
    let asked: Vec<_> = own
        .unwrap()
        .trials
        .into_iter()
        .map(|e| e.record.config)
        .collect();
    let (other, _) = run(5, 30, vec![]);
    let foreign: Vec<Evaluated> = other
        .unwrap()
        .trials
        .into_iter()
        .filter(|e| !asked.contains(&e.record.config))
        .take(3)
        .enumerate()
        .map(|(i, mut e)| {
            (e.record.trial, e.record.generation) = (i, 0);
            e
        })
        .collect();
    assert_eq!(foreign.len(), 3);
    let (resumed, evaluated) = run(4, 30, foreign);
    let err = resumed.unwrap_err().to_string();
    assert!(err.contains("never asked for (first: trial 0)"), "{err}");
    assert_eq!(evaluated, 0, "nothing evaluated");
}

#[test]
fn an_evaluator_that_drops_answers_is_an_error() {
    let idx = index();
    let mut ga = Ga::new(idx.clone(), GaSettings::default(), 0);
    let mut ev = FormulaEvaluator {
        drop_every: Some(3),
    };
    let err = search(&mut ga, &idx, &mut ev, 20, vec![], &mut Quiet(0)).unwrap_err();
    assert!(err.to_string().contains("answered"), "{err}");
}
