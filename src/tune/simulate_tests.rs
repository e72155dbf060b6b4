//! Tests of the simulated samples: reproducible, centred on the recorded medians, and raced as
//! the worker races them.

use super::*;
use crate::evolve::Genome;
use std::path::Path;

fn landscape() -> ReplayEvaluator {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = crate::space::load(&root.join("data/landscapes/sdpa_fp8_mma.toml")).unwrap();
    let log = root.join("data/landscapes/h100_sdpa_fp8_2-8-512-64.csv");
    ReplayEvaluator::load(&log, &space).unwrap()
}

/// The landscape's timed points, fastest first, as candidates numbered in that order.
fn timed_points(replay: &ReplayEvaluator) -> Vec<(Candidate, f64)> {
    let mut points: Vec<(Config, f64)> = replay
        .answers()
        .iter()
        .filter_map(|(c, r)| Some((c.clone(), r.fitness()?)))
        .collect();
    points.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then(a.0.to_string().cmp(&b.0.to_string()))
    });
    let candidate = |trial, config| Candidate {
        trial,
        generation: 0,
        genome: Genome::default(),
        config,
    };
    points
        .into_iter()
        .enumerate()
        .map(|(i, (c, us))| (candidate(i, c), us))
        .collect()
}

fn answers(timing: &mut SimulatedTiming, batch: &[Candidate]) -> Vec<Evaluated> {
    let mut out = Vec::new();
    timing
        .evaluate(batch, &mut |e| {
            out.push(e);
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn timed_in_full_the_medians_stay_near_the_recorded_ones_and_repeat() {
    let replay = landscape();
    let points = timed_points(&replay);
    let batch: Vec<Candidate> = points.iter().take(40).map(|p| p.0.clone()).collect();
    let mut a = SimulatedTiming::new(&replay, Noise::default(), None, 7);
    let first = answers(&mut a, &batch);
    for (e, (_, recorded)) in first.iter().zip(&points) {
        let r = &e.record;
        assert_eq!((r.samples, r.raced_out), (Some(2000), Some(false)));
        let off = r.p50_us.unwrap() / recorded - 1.0;
        assert!(off.abs() < 0.03, "{off} off {recorded}");
    }
    let again = answers(
        &mut SimulatedTiming::new(&replay, Noise::default(), None, 7),
        &batch,
    );
    assert_eq!(first, again, "the same seed gives the same samples");
    let other = answers(
        &mut SimulatedTiming::new(&replay, Noise::default(), None, 8),
        &batch,
    );
    assert_ne!(first, other);
    assert_eq!(a.tally.samples, 40 * 2000);
    assert_eq!(a.tally.full_samples, a.tally.samples);
}

#[test]
fn racing_stops_the_slow_points_once_the_elites_are_timed() {
    let replay = landscape();
    let points = timed_points(&replay);
    // The six fastest first (they set the cutoff), then the slowest six.
    let batch: Vec<Candidate> = points[..6]
        .iter()
        .chain(&points[points.len() - 6..])
        .map(|p| p.0.clone())
        .collect();
    let mut timing = SimulatedTiming::new(&replay, Noise::default(), Some(RaceSettings::new(6)), 3);
    let got = answers(&mut timing, &batch);
    let raced: Vec<Option<bool>> = got.iter().map(|e| e.record.raced_out).collect();
    assert_eq!(raced, [[Some(false); 6], [Some(true); 6]].concat());
    assert!(got[6..]
        .iter()
        .all(|e| e.record.samples == Some(64) && e.record.call_p50_us.is_none()));
    let t = timing.tally;
    assert_eq!((t.timed, t.raced_out), (12, 6));
    assert_eq!((t.samples, t.full_samples), (6 * 2000 + 6 * 64, 12 * 2000));
}

#[test]
fn a_point_without_a_time_is_answered_as_recorded() {
    let replay = landscape();
    let absent = Candidate {
        trial: 0,
        generation: 0,
        genome: Genome::default(),
        config: Config::default(),
    };
    let mut timing = SimulatedTiming::new(&replay, Noise::default(), Some(RaceSettings::new(6)), 0);
    let got = answers(&mut timing, &[absent]);
    assert_eq!(got[0].record.outcome, crate::tune::ABSENT);
    assert_eq!(
        (got[0].record.samples, got[0].record.raced_out),
        (None, None)
    );
    assert_eq!(timing.tally, SampleTally::default());
}
