//! Tests of the racing rule: who is stopped, when, and who is timed in full.

use super::*;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// `n` kernel times around `median_us` with a 2 % spread, from `seed`.
fn times(median_us: f64, n: usize, seed: u64) -> Vec<f64> {
    let noise = Normal::new(median_us, 0.02 * median_us).unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| noise.sample(&mut rng)).collect()
}

/// Races `source` (2000 samples to take) against `cutoff_us` with the default settings.
fn race(source: &[f64], cutoff_us: f64) -> Raced {
    let bound = RaceSettings::new(6).bound(&full_cutoff(cutoff_us)).unwrap();
    race_with(source, Some(&bound), RACE_CHUNK)
}

fn race_with(source: &[f64], bound: Option<&RaceBound>, chunk: usize) -> Raced {
    let mut at = 0;
    let taken = sample_racing(source.len(), chunk, bound, |n| {
        at += n;
        Ok::<_, ()>(source[at - n..at].to_vec())
    });
    taken.unwrap()
}

/// A cutoff whose k-th best (k = 6) is `us`.
fn full_cutoff(us: f64) -> Cutoff {
    let mut c = Cutoff::new(6);
    for i in 0..6 {
        c.add(us - f64::from(i) * 0.1);
    }
    assert_eq!(c.value(), Some(us));
    c
}

#[test]
fn a_candidate_clearly_slower_than_the_cutoff_stops_at_the_minimum() {
    let slow = times(12.0, 2000, 1);
    let r = race(&slow, 10.0);
    assert!(r.out);
    assert_eq!(r.samples.len(), RACE_MIN_SAMPLES as usize);
    assert_eq!(r.samples, slow[..64], "the samples taken, in order");
}

#[test]
fn a_candidate_that_could_enter_is_timed_to_the_full_budget() {
    for (median, cutoff) in [(9.0, 10.0), (10.0, 10.0), (10.1, 10.0)] {
        let r = race(&times(median, 2000, 2), cutoff);
        assert!(!r.out, "{median} against {cutoff}");
        assert_eq!(r.samples.len(), 2000);
    }
}

#[test]
fn a_candidate_within_the_margin_above_the_cutoff_is_timed_in_full() {
    // 1 % slower than the cutoff: out of the elites, but not by more than the samples'
    // drift over time can explain.
    let r = race(&times(10.1, 2000, 3), 10.0);
    assert!(!r.out);
    // 5 % slower is out, a little after the minimum at most.
    let r = race(&times(10.5, 2000, 3), 10.0);
    assert!(r.out && r.samples.len() <= 128, "{}", r.samples.len());
}

#[test]
fn nothing_stops_before_the_minimum_whatever_the_chunk() {
    let hopeless = vec![100.0; 2000];
    let bound = RaceSettings::new(6).bound(&full_cutoff(10.0)).unwrap();
    for chunk in [1, 7, 16, 64, 100, 256] {
        let r = race_with(&hopeless, Some(&bound), chunk);
        assert!(r.out);
        let n = r.samples.len();
        assert!(
            (64..64 + chunk).contains(&n),
            "chunk {chunk}: stopped after {n}"
        );
    }
}

#[test]
fn without_a_race_every_sample_is_taken() {
    let r = race_with(&vec![100.0; 300], None, 64);
    assert_eq!((r.samples.len(), r.out), (300, false));
}

#[test]
fn a_source_that_runs_dry_ends_the_sampling() {
    let taken = sample_racing(100, 10, None, |_| Ok::<_, ()>(Vec::new())).unwrap();
    assert!(taken.samples.is_empty() && !taken.out);
}

#[test]
fn an_error_while_sampling_is_returned() {
    let taken = sample_racing(100, 10, None, |_| Err::<Vec<f64>, _>("cuda"));
    assert_eq!(taken, Err("cuda"));
}

#[test]
fn the_cutoff_is_the_kth_best_once_k_are_timed() {
    let mut c = Cutoff::new(3);
    for us in [12.0, 10.0] {
        c.add(us);
    }
    assert_eq!(c.value(), None, "two of three");
    assert_eq!(RaceSettings::new(3).bound(&c), None, "no race yet");
    c.add(f64::NAN);
    assert_eq!(c.value(), None, "a failed time does not count");
    c.add(11.0);
    assert_eq!(c.value(), Some(12.0));
    c.add(9.0);
    assert_eq!(c.value(), Some(11.0), "a better one pushes the cutoff down");
    c.add(20.0);
    assert_eq!(c.value(), Some(11.0), "a worse one changes nothing");
    assert_eq!(Cutoff::new(0).value(), None);
}

proptest! {
    #[test]
    fn the_cutoff_is_the_kth_smallest_of_all_heard(
        xs in prop::collection::vec(1.0f64..100.0, 0..40),
        k in 1usize..8,
    ) {
        let mut c = Cutoff::new(k);
        for &x in &xs {
            c.add(x);
        }
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        prop_assert_eq!(c.value(), sorted.get(k - 1).copied());
    }

    #[test]
    fn a_race_stops_only_past_the_minimum_and_only_when_out(
        median in 5.0f64..20.0,
        cutoff in 5.0f64..20.0,
        reps in 1usize..600,
        chunk in 1usize..300,
        seed in 0u64..1000,
    ) {
        let bound = RaceSettings::new(6).bound(&full_cutoff(cutoff)).unwrap();
        let r = race_with(&times(median, reps, seed), Some(&bound), chunk);
        if r.out {
            prop_assert!(r.samples.len() >= RACE_MIN_SAMPLES as usize);
            prop_assert!(bound.is_out(&r.samples));
        } else {
            prop_assert_eq!(r.samples.len(), reps);
        }
    }

    #[test]
    fn samples_at_or_below_the_cutoff_are_never_raced_out(
        xs in prop::collection::vec(1.0f64..10.0, 64..400),
    ) {
        let bound = RaceSettings::new(6).bound(&full_cutoff(10.0)).unwrap();
        prop_assert!(!race_with(&xs, Some(&bound), RACE_CHUNK).out);
    }
}
