//! Tests of the steady-state GA: asked with answers outstanding, it never asks a config twice
//! (answered or in flight), keeps the elites among the parents, opens as the generational GA
//! does, is reproducible given its seed and the order of answers, and beats random search.

use super::super::tests::{fitness, index, index_of, SPACE};
use super::super::{Ga, GaSettings, Genome, Optimizer, RandomSearch, StreamOptimizer};
use super::SteadyGa;
use std::collections::{HashSet, VecDeque};

/// Answers in the order a window of `window` in flight gives them: first in, first out, or
/// (with `lifo`) the newest first.
fn run_window(
    opt: &mut SteadyGa,
    budget: usize,
    window: usize,
    lifo: bool,
    mut check: impl FnMut(&SteadyGa, &Genome, &HashSet<Genome>),
) -> Vec<(Genome, Option<f64>)> {
    let mut in_flight: VecDeque<Genome> = VecDeque::new();
    let (mut asked, mut trials) = (0, Vec::new());
    let mut ask = |opt: &mut SteadyGa, in_flight: &mut VecDeque<Genome>, asked: &mut usize| {
        if *asked < budget {
            if let Some(g) = opt.ask_one() {
                let set: HashSet<Genome> = in_flight.iter().cloned().collect();
                check(opt, &g, &set);
                in_flight.push_back(g);
                *asked += 1;
            }
        }
    };
    for _ in 0..window {
        ask(opt, &mut in_flight, &mut asked);
    }
    while let Some(g) = if lifo {
        in_flight.pop_back()
    } else {
        in_flight.pop_front()
    } {
        let f = fitness(&g);
        opt.tell(&g, f);
        trials.push((g, f));
        ask(opt, &mut in_flight, &mut asked);
    }
    trials
}

fn steady(seed: u64) -> SteadyGa {
    SteadyGa::new(index(), GaSettings::default(), seed)
}

#[test]
fn it_never_asks_a_config_twice_nor_one_in_flight() {
    let idx = index();
    for (window, lifo) in [(1, false), (8, false), (16, true), (24, false)] {
        let mut every: HashSet<Genome> = HashSet::new();
        let trials = run_window(&mut steady(3), 150, window, lifo, |_, g, in_flight| {
            assert!(!in_flight.contains(g), "asked {g:?} while in flight");
            assert!(every.insert(g.clone()), "asked {g:?} twice");
            assert!(idx.is_valid(g));
        });
        assert_eq!(trials.len(), 150, "window {window}");
    }
}

#[test]
fn a_budget_beyond_the_space_asks_every_point_once_then_nothing() {
    let small = SPACE
        .replace("values = [0, 1, 2, 3, 4, 5, 6, 7]", "values = [0, 3, 5]")
        .replace("values = [0, 1, 2, 3, 4, 5]", "values = [0, 1, 2]");
    let idx = index_of(&small);
    let n = idx.valid().len();
    let mut opt = SteadyGa::new(idx, GaSettings::default(), 5);
    let trials = run_window(&mut opt, n + 40, 8, false, |_, _, _| {});
    assert_eq!(trials.len(), n);
    let distinct: HashSet<&Genome> = trials.iter().map(|t| &t.0).collect();
    assert_eq!(distinct.len(), n);
}

#[test]
fn the_elites_are_always_among_the_parents() {
    let settings = GaSettings::default();
    let mut told: Vec<(Genome, f64)> = Vec::new();
    let mut checked = 0;
    run_window(&mut steady(9), 120, 8, false, |opt, _, _| {
        told = opt
            .answered
            .iter()
            .filter_map(|g| fitness(g).map(|f| (g.clone(), f)))
            .collect();
        told.sort_by(|a, b| a.1.total_cmp(&b.1));
        let pool = opt.pool();
        for (g, _) in told.iter().take(settings.elites) {
            assert!(pool.contains(g), "elite {g:?} missing from {pool:?}");
        }
        checked += usize::from(told.len() >= settings.elites);
    });
    assert!(
        checked > 90,
        "the check ran with a full set of elites: {checked}"
    );
}

#[test]
fn the_same_seed_and_answer_order_give_the_same_asks() {
    let a = run_window(&mut steady(42), 100, 8, false, |_, _, _| {});
    let b = run_window(&mut steady(42), 100, 8, false, |_, _, _| {});
    let other_seed = run_window(&mut steady(43), 100, 8, false, |_, _, _| {});
    let other_order = run_window(&mut steady(42), 100, 8, true, |_, _, _| {});
    assert_eq!(a, b);
    assert_ne!(a, other_seed);
    let asked = |t: &[(Genome, Option<f64>)]| -> HashSet<Genome> {
        t.iter().map(|x| x.0.clone()).collect()
    };
    assert_ne!(
        asked(&a),
        asked(&other_order),
        "the order of answers steers it"
    );
}

#[test]
fn it_opens_with_the_generational_gas_first_generation_seeds_first() {
    let idx = index();
    let seeds = vec![idx.valid()[3].clone(), idx.valid()[7].clone()];
    let population = GaSettings::default().population;
    let mut ga = Ga::new(idx.clone(), GaSettings::default(), 11).with_seeds(&seeds);
    let mut st = steady(11).with_seeds(&seeds);
    let opening: Vec<Genome> = (0..population).map(|_| st.ask_one().unwrap()).collect();
    assert_eq!(opening, ga.ask(100));
    assert_eq!(opening[..2], seeds[..]);
    assert_eq!(st.generation(), 0);
    st.ask_one().unwrap();
    assert_eq!(
        st.generation(),
        1,
        "a nominal generation per population asked"
    );
}

#[test]
fn it_beats_random_search_on_a_synthetic_landscape() {
    let idx = index();
    let (mut wins, mut steady_sum, mut random_sum) = (0, 0.0, 0.0);
    for seed in 0..30 {
        let trials = run_window(&mut steady(seed), 80, 8, false, |_, _, _| {});
        let s = best(&trials);
        let mut rs = RandomSearch::new(idx.clone(), 16, seed);
        let mut r = f64::INFINITY;
        let mut n = 0;
        while n < 80 {
            for g in rs.ask(80 - n) {
                r = r.min(fitness(&g).unwrap_or(f64::INFINITY));
                n += 1;
            }
        }
        wins += usize::from(s < r);
        steady_sum += s;
        random_sum += r;
    }
    assert!(
        steady_sum < random_sum,
        "steady {steady_sum} vs random {random_sum}"
    );
    assert!(wins >= 15, "steady better in only {wins} of 30 seeds");
}

fn best(trials: &[(Genome, Option<f64>)]) -> f64 {
    trials
        .iter()
        .filter_map(|t| t.1)
        .fold(f64::INFINITY, f64::min)
}
