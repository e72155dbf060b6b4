//! Tests of the optimizer: operators stay in the space, the GA is reproducible, never repeats,
//! respects the budget, and beats random search on a synthetic landscape.

use super::*;
use crate::shape::Shape;
use crate::space::{parse, DeviceLimits};
use proptest::prelude::*;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// A test space: five ordered parameters and a choice, with constraints that cut holes.
pub(super) const SPACE: &str = r#"
name = "synthetic"
template = "none.cu.tera"
kernel = "k"
constraints = ["PA + PB <= 10", "PC * 2 != PD", "FAMILY == \"x\" || PE >= 2"]
[params.PA]
values = [0, 1, 2, 3, 4, 5, 6, 7]
[params.PB]
values = [0, 1, 2, 3, 4, 5, 6, 7]
[params.PC]
values = [0, 1, 2, 3, 4, 5]
[params.PD]
values = [0, 1, 2, 3, 4, 5]
[params.PE]
values = [0, 1, 2, 3]
[params.FAMILY]
values = ["x", "y"]
[default]
PA = 0
PB = 0
PC = 0
PD = 1
PE = 2
FAMILY = "x"
"#;

/// The synthetic space's index, built once (enumerating it is the slow part of these tests).
pub(super) fn index() -> Arc<SpaceIndex> {
    static INDEX: std::sync::OnceLock<Arc<SpaceIndex>> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| index_of(SPACE)).clone()
}

pub(super) fn index_of(text: &str) -> Arc<SpaceIndex> {
    let space = parse(Path::new("synthetic.toml"), text).unwrap();
    let shape = Shape::parse("1,1,64,64").unwrap();
    Arc::new(SpaceIndex::new(&space, &shape, &DeviceLimits::hopper()).unwrap())
}

/// The index the walk's index vectors give holds the genomes of the listed points, in order.
#[test]
fn the_index_of_the_walk_is_the_index_of_the_listed_points() {
    let space = parse(Path::new("synthetic.toml"), SPACE).unwrap();
    let shape = Shape::parse("1,1,64,64").unwrap();
    let points = space.valid_points(&shape, &DeviceLimits::hopper()).unwrap();
    let listed = SpaceIndex::of_points(&space, &points);
    assert!(!listed.valid().is_empty());
    assert_eq!(index().valid(), listed.valid());
}

/// A smooth bowl with its minimum at PA=5, PB=2, PC=4, PD=1, PE=3, FAMILY=y (a synthetic
/// landscape for tests, not a measurement); a tenth of the points "fail".
pub(super) fn fitness(g: &Genome) -> Option<f64> {
    let target = [5, 2, 4, 1, 3, 1];
    let d: f64 = g
        .iter()
        .zip(target)
        .map(|(&x, t)| (x as f64 - t as f64).powi(2))
        .sum();
    let fails = (g[0] * 7 + g[1] * 3 + g[2]) % 10 == 9 && d > 0.0;
    (!fails).then_some(10.0 + d)
}

fn run(opt: &mut dyn Optimizer, budget: usize) -> Vec<(Genome, Option<f64>)> {
    let mut trials = Vec::new();
    while trials.len() < budget {
        let batch = opt.ask(budget - trials.len());
        if batch.is_empty() {
            break;
        }
        for g in batch {
            let f = fitness(&g);
            opt.tell(&g, f);
            trials.push((g, f));
        }
    }
    trials
}

fn best(trials: &[(Genome, Option<f64>)]) -> f64 {
    trials
        .iter()
        .filter_map(|t| t.1)
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn same_seed_same_trials_in_the_same_order() {
    let a = run(&mut Ga::new(index(), GaSettings::default(), 42), 100);
    let b = run(&mut Ga::new(index(), GaSettings::default(), 42), 100);
    let c = run(&mut Ga::new(index(), GaSettings::default(), 43), 100);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn budget_counts_distinct_valid_configs_and_none_repeats() {
    let idx = index();
    let trials = run(&mut Ga::new(idx.clone(), GaSettings::default(), 1), 150);
    assert_eq!(trials.len(), 150);
    let distinct: HashSet<&Genome> = trials.iter().map(|t| &t.0).collect();
    assert_eq!(distinct.len(), 150);
    assert!(trials.iter().all(|t| idx.is_valid(&t.0)));
}

#[test]
fn a_budget_larger_than_the_space_evaluates_every_point_once() {
    let small = SPACE
        .replace("values = [0, 1, 2, 3, 4, 5, 6, 7]", "values = [0, 3, 5]")
        .replace("values = [0, 1, 2, 3, 4, 5]", "values = [0, 1, 2]");
    let idx = index_of(&small);
    let n = idx.valid().len();
    let trials = run(&mut Ga::new(idx.clone(), GaSettings::default(), 5), n + 50);
    assert_eq!(trials.len(), n);
    let distinct: HashSet<&Genome> = trials.iter().map(|t| &t.0).collect();
    assert_eq!(distinct.len(), n);
}

#[test]
fn ga_beats_random_search_on_a_synthetic_landscape() {
    let idx = index();
    let (mut ga_wins, mut ga_sum, mut rs_sum) = (0, 0.0, 0.0);
    for seed in 0..30 {
        let g = best(&run(
            &mut Ga::new(idx.clone(), GaSettings::default(), seed),
            80,
        ));
        let r = best(&run(&mut RandomSearch::new(idx.clone(), 16, seed), 80));
        ga_wins += usize::from(g < r);
        ga_sum += g;
        rs_sum += r;
    }
    assert!(ga_sum < rs_sum, "GA mean best {ga_sum} vs random {rs_sum}");
    assert!(ga_wins >= 15, "GA better in only {ga_wins} of 30 seeds");
}

#[test]
fn elites_are_kept_and_failures_rank_last() {
    let mut r = Ranking::default();
    r.record(&vec![0], Some(3.0));
    r.record(&vec![1], None);
    r.record(&vec![2], Some(1.0));
    r.record(&vec![3], Some(f64::NAN));
    assert_eq!(r.best(5), vec![vec![2], vec![0]]);
    assert_eq!(r.compare(&vec![1], &vec![0]), std::cmp::Ordering::Greater);
}

fn genome_strategy(idx: Arc<SpaceIndex>) -> impl Strategy<Value = Genome> {
    let n = idx.valid().len();
    (0..n).prop_map(move |i| idx.valid()[i].clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutation_then_repair_stays_valid(seed in any::<u64>(), rate in 0.0..1.0f64, sigma in 0.3..3.0f64) {
        let idx = index();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let parent = idx.valid()[(seed as usize) % idx.valid().len()].clone();
        let child = mutate(&parent, &idx, rate, sigma, &mut rng);
        prop_assert_eq!(child.len(), parent.len());
        for (i, &v) in child.iter().enumerate() {
            prop_assert!(v < idx.domain_len(i));
        }
        let repaired = if idx.is_valid(&child) { child } else { idx.nearest_valid(&child).unwrap().clone() };
        prop_assert!(idx.is_valid(&repaired));
    }

    #[test]
    fn crossover_takes_each_gene_from_a_parent(
        (a, b) in (genome_strategy(index()), genome_strategy(index())),
        seed in any::<u64>()
    ) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let child = crossover(&a, &b, &mut rng);
        for i in 0..a.len() {
            prop_assert!(child[i] == a[i] || child[i] == b[i]);
        }
    }

    #[test]
    fn every_ga_ask_is_valid_and_unseen(seed in any::<u64>(), pop in 2usize..24, elites in 0usize..8) {
        let idx = index();
        let settings = GaSettings { population: pop, elites, ..GaSettings::default() };
        let trials = run(&mut Ga::new(idx.clone(), settings, seed), 60);
        let mut seen = HashSet::new();
        for (g, _) in &trials {
            prop_assert!(idx.is_valid(g));
            prop_assert!(seen.insert(g.clone()));
        }
    }
}

use rand::SeedableRng;

#[test]
fn seeds_open_the_first_generation_and_the_rest_is_the_usual_sample() {
    let idx = index();
    let valid = idx.valid();
    let seeds = vec![
        valid[3].clone(),
        valid[7].clone(),
        valid[3].clone(),
        vec![99; 6],
    ];
    let mut ga = Ga::new(idx.clone(), GaSettings::default(), 42).with_seeds(&seeds);
    let first = ga.ask(100);
    assert_eq!(first.len(), GaSettings::default().population);
    assert_eq!(
        first[..2],
        [valid[3].clone(), valid[7].clone()],
        "valid seeds, each once, first"
    );
    let distinct: std::collections::HashSet<_> = first.iter().collect();
    assert_eq!(distinct.len(), first.len(), "no seed drawn again at random");
    let mut plain = Ga::new(idx.clone(), GaSettings::default(), 42).with_seeds(&[]);
    let mut reference = Ga::new(idx, GaSettings::default(), 42);
    assert_eq!(
        plain.ask(100),
        reference.ask(100),
        "no seeds, the same asks as before"
    );
}

/// Regression: a first generation cut short by the budget was drawn as a smaller sample, not
/// as the first members of the full one, so `--resume --budget` with a larger budget asked
/// other configs than the log held.
#[test]
fn a_budget_inside_the_first_generation_asks_a_prefix_of_a_longer_run() {
    let population = GaSettings::default().population;
    let long = run(
        &mut Ga::new(index(), GaSettings::default(), 7),
        population + 10,
    );
    for budget in [1, 8, population - 1, population] {
        let short = run(&mut Ga::new(index(), GaSettings::default(), 7), budget);
        assert_eq!(short[..], long[..budget], "budget {budget}");
    }
}
