//! Tests of the steady search loop with the formula test double: the opening is asked at once
//! and each later answer arrives with the window's other candidates in flight, an interrupted
//! run resumes into the same run, a foreign log is refused, and dropped answers are an error.

use super::super::tests::{index, FormulaEvaluator, Quiet};
use super::*;
use crate::evolve::{GaSettings, Genome, SteadyGa};

const WINDOW: Window = Window {
    in_flight: 8,
    report_every: 16,
};

fn run(seed: u64, budget: usize, prior: Vec<Evaluated>) -> (Result<SearchOutcome>, usize) {
    let idx = index();
    let mut opt = SteadyGa::new(idx.clone(), GaSettings::default(), seed);
    let mut ev = FormulaEvaluator { drop_every: None };
    let mut events = Quiet(0);
    let out = search_steady(&mut opt, &idx, &mut ev, budget, WINDOW, prior, &mut events);
    (out, events.0)
}

/// A steady GA that notes how many answers it had heard at each ask.
struct Noting {
    inner: SteadyGa,
    told: usize,
    heard_at_ask: Vec<usize>,
}

impl StreamOptimizer for Noting {
    fn ask_one(&mut self) -> Option<Genome> {
        self.heard_at_ask.push(self.told);
        self.inner.ask_one()
    }
    fn tell(&mut self, genome: &Genome, fitness: Option<f64>) {
        self.told += 1;
        self.inner.tell(genome, fitness);
    }
    fn generation(&self) -> usize {
        self.inner.generation()
    }
    fn decided_asks(&self) -> usize {
        self.inner.decided_asks()
    }
}

#[test]
fn each_answer_arrives_with_the_window_in_flight_and_asks_the_next() {
    let idx = index();
    let mut opt = Noting {
        inner: SteadyGa::new(idx.clone(), GaSettings::default(), 1),
        told: 0,
        heard_at_ask: Vec::new(),
    };
    let mut ev = FormulaEvaluator { drop_every: None };
    let out = search_steady(&mut opt, &idx, &mut ev, 40, WINDOW, vec![], &mut Quiet(0)).unwrap();
    let trials: Vec<usize> = out.trials.iter().map(|e| e.record.trial).collect();
    assert_eq!(trials, (0..40).collect::<Vec<_>>(), "first in, first out");
    // The opening (the first 16, decided by the seed) is asked at once; after it, trial t is
    // asked with t − 7 answers in, as with the window alone.
    let expected: Vec<usize> = (0..40usize)
        .map(|t| if t < 16 { 0 } else { t - 7 })
        .collect();
    assert_eq!(opt.heard_at_ask, expected);
    let generations: Vec<usize> = out.trials.iter().map(|e| e.record.generation).collect();
    assert_eq!(
        generations[15..17],
        [0, 1],
        "a nominal generation per 16 asked"
    );
}

#[test]
fn every_prefix_of_a_steady_run_resumes_into_the_same_run() {
    let (full, _) = run(4, 40, vec![]);
    let full = full.unwrap().trials;
    for cut in [0, 1, 7, 8, 9, 33, 39, 40] {
        let (resumed, evaluated) = run(4, 40, full[..cut].to_vec());
        let resumed = resumed.unwrap();
        assert_eq!(resumed.resumed, cut);
        assert_eq!(evaluated, 40 - cut, "only the missing trials are evaluated");
        assert_eq!(resumed.trials, full, "cut at {cut}");
    }
}

#[test]
fn a_steady_log_from_another_seed_is_refused() {
    let (other, _) = run(5, 30, vec![]);
    let (resumed, _) = run(4, 30, other.unwrap().trials[..20].to_vec());
    let err = resumed.unwrap_err().to_string();
    assert!(err.contains("another seed, settings"), "{err}");
}

#[test]
fn an_evaluator_that_drops_answers_is_an_error_in_a_steady_search() {
    let idx = index();
    let mut opt = SteadyGa::new(idx.clone(), GaSettings::default(), 0);
    let mut ev = FormulaEvaluator {
        drop_every: Some(1),
    };
    let err = search_steady(&mut opt, &idx, &mut ev, 20, WINDOW, vec![], &mut Quiet(0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("answered 0 of 16"), "{err}");
}

/// Asking the opening at once changes when its candidates start, never what is asked: with
/// answers first in, first out, the trials are those of the window alone, config for config.
#[test]
fn the_opening_asked_at_once_asks_what_the_window_alone_asks() {
    struct WindowOnly(SteadyGa);
    impl StreamOptimizer for WindowOnly {
        fn ask_one(&mut self) -> Option<Genome> {
            self.0.ask_one()
        }
        fn tell(&mut self, genome: &Genome, fitness: Option<f64>) {
            self.0.tell(genome, fitness);
        }
        fn generation(&self) -> usize {
            self.0.generation()
        }
    }
    let idx = index();
    let configs = |opt: &mut dyn StreamOptimizer| {
        let mut ev = FormulaEvaluator { drop_every: None };
        let out = search_steady(opt, &idx, &mut ev, 60, WINDOW, vec![], &mut Quiet(0));
        let trials = out.unwrap().trials;
        trials
            .into_iter()
            .map(|e| e.record.config)
            .collect::<Vec<_>>()
    };
    for seed in 0..4 {
        let mut burst = SteadyGa::new(idx.clone(), GaSettings::default(), seed);
        let mut alone = WindowOnly(SteadyGa::new(idx.clone(), GaSettings::default(), seed));
        assert_eq!(configs(&mut burst), configs(&mut alone), "seed {seed}");
    }
}
