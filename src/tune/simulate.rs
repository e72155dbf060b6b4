//! Timing samples simulated over a recorded landscape, so that racing can be tried on the search
//! without a GPU: each timed point's recorded median, times noise over the samples the
//! screening would take, raced against the elite cutoff so far (or taken in full).
//!
//! The noise, relative to the recorded median, is what the elites' samples in
//! `data/runs/*/tune/topk.json` show at 2,8,512,64 (about 2,000 samples in 0.1 s; p10 and p90
//! some 3 % either side; the first 64 samples' median up to 1.8 % high; medians of 256 in a row
//! within 2.2 %): a per-trial offset (sd 0.5 %: sessions differ), a slow drift (AR(1), sd 0.5 %,
//! correlation 0.995 from one sample to the next), a start 1 % slow fading over about 50
//! samples, and independent scatter (sd 2 %). The same seed and config give the same samples,
//! so a search timed in full and one that races see the same measurements, as far as each goes.

use super::evaluator::{Candidate, Evaluated, Evaluator};
use super::replay::ReplayEvaluator;
use crate::eval::{sample_racing, Cutoff, RaceSettings, RACE_CHUNK};
use crate::space::Config;
use crate::stats::median;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use serde::Serialize;

/// How the simulated samples of one timed trial spread, relative to its recorded median.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Samples the screening takes of a trial timed in full.
    pub samples: usize,
    /// Sd of the trial's offset from its recorded median.
    pub offset: f64,
    /// Stationary sd of the slow drift.
    pub drift: f64,
    /// Correlation of the drift from one sample to the next.
    pub drift_corr: f64,
    /// How much slower the first sample is (fading exponentially).
    pub start: f64,
    /// Samples over which the slow start fades by 1/e.
    pub start_len: f64,
    /// Sd of each sample's independent scatter.
    pub scatter: f64,
}

impl Default for Noise {
    fn default() -> Self {
        Noise {
            samples: 2000,
            offset: 0.005,
            drift: 0.005,
            drift_corr: 0.995,
            start: 0.01,
            start_len: 50.0,
            scatter: 0.02,
        }
    }
}

/// How many samples a simulated search took, against timing every trial in full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SampleTally {
    /// Trials timed (passed and recorded with a time).
    pub timed: usize,
    /// Of them, raced out (no per-call time).
    pub raced_out: usize,
    /// Kernel-only samples taken.
    pub samples: usize,
    /// Kernel-only samples that timing every trial in full takes.
    pub full_samples: usize,
}

impl SampleTally {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &SampleTally) {
        self.timed += other.timed;
        self.raced_out += other.raced_out;
        self.samples += other.samples;
        self.full_samples += other.full_samples;
    }
}

/// Answers from a replayed log with simulated samples, racing them when `race` is set.
pub struct SimulatedTiming<'a> {
    replay: &'a ReplayEvaluator,
    noise: Noise,
    race: Option<RaceSettings>,
    cutoff: Cutoff,
    seed: u64,
    /// What the answers so far took.
    pub tally: SampleTally,
}

impl<'a> SimulatedTiming<'a> {
    /// Simulates `replay`'s points with `noise` drawn from `seed`, racing against the best
    /// `race.elites` so far when `race` is set.
    pub fn new(
        replay: &'a ReplayEvaluator,
        noise: Noise,
        race: Option<RaceSettings>,
        seed: u64,
    ) -> Self {
        SimulatedTiming {
            replay,
            noise,
            race,
            cutoff: Cutoff::new(race.map_or(0, |r| r.elites)),
            seed,
            tally: SampleTally::default(),
        }
    }

    /// The answer for `c`: the recorded row, its time replaced by the median of the samples
    /// simulated for it (as many as the race let through).
    fn answer(&mut self, c: &Candidate) -> Evaluated {
        let mut record = self.replay.answer(c);
        let Some(recorded) = record.fitness() else {
            return Evaluated::from_record(record);
        };
        let mut stream = Samples::new(&self.noise, recorded, stream_seed(self.seed, &c.config));
        let bound = self.race.and_then(|r| r.bound(&self.cutoff));
        let taken = sample_racing(self.noise.samples, RACE_CHUNK, bound.as_ref(), |n| {
            Ok::<_, std::convert::Infallible>(stream.take(n))
        });
        let taken = taken.unwrap_or_else(|never| match never {});
        let p50 = median(&taken.samples);
        self.cutoff.add(p50);
        self.tally.add(&SampleTally {
            timed: 1,
            raced_out: usize::from(taken.out),
            samples: taken.samples.len(),
            full_samples: self.noise.samples,
        });
        record.p50_us = Some(p50);
        (record.ci_lo_us, record.ci_hi_us) = (None, None);
        record.samples = Some(taken.samples.len() as u32);
        record.raced_out = Some(taken.out);
        if taken.out {
            record.call_p50_us = None;
        }
        Evaluated::from_record(record)
    }
}

impl Evaluator for SimulatedTiming<'_> {
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> crate::Result<()>,
    ) -> crate::Result<()> {
        for c in batch {
            let e = self.answer(c);
            done(e)?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("simulated samples over {}", self.replay.describe())
    }
}

/// One trial's stream of simulated samples.
struct Samples {
    rng: StdRng,
    noise: Noise,
    level: f64,
    drift: f64,
    taken: usize,
}

impl Samples {
    fn new(noise: &Noise, recorded_us: f64, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let offset = noise.offset * standard(&mut rng);
        let drift = noise.drift * standard(&mut rng);
        Samples {
            rng,
            noise: *noise,
            level: recorded_us * (1.0 + offset),
            drift,
            taken: 0,
        }
    }

    /// The next `n` samples, µs.
    fn take(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next_sample()).collect()
    }

    fn next_sample(&mut self) -> f64 {
        let Noise {
            drift,
            drift_corr: rho,
            start,
            start_len,
            scatter,
            ..
        } = self.noise;
        let innovation = drift * (1.0 - rho * rho).sqrt() * standard(&mut self.rng);
        self.drift = rho * self.drift + innovation;
        let slow_start = start * (-(self.taken as f64) / start_len).exp();
        self.taken += 1;
        let scatter = scatter * standard(&mut self.rng);
        self.level * (1.0 + self.drift + slow_start + scatter)
    }
}

fn standard(rng: &mut StdRng) -> f64 {
    Normal::new(0.0, 1.0).expect("a unit normal").sample(rng)
}

/// The seed of `config`'s samples in the search seeded `seed` (FNV-1a of its text, mixed with
/// the seed): the same in every method compared.
fn stream_seed(seed: u64, config: &Config) -> u64 {
    let fnv = config
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    fnv ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[cfg(test)]
#[path = "simulate_tests.rs"]
mod tests;
