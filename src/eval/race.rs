//! Racing: a candidate's timing stops once its samples show it cannot enter the elites.
//!
//! The tuner sends each candidate the elite cutoff, the k-th best kernel-only median so far
//! (k = the GA's elites). The worker takes kernel-only samples in chunks and, from
//! [`RACE_MIN_SAMPLES`] on, stops when a one-sided 99% distribution-free lower bound of the
//! median ([`crate::stats::median_lower_bound`]) lies more than [`RACE_MARGIN`] above the
//! cutoff: such a candidate would not be an elite had it been timed in full. A raced-out
//! candidate skips the per-call method; the median of its fewer samples is its fitness, which is
//! above the cutoff, so it never displaces an elite.
//!
//! The margin stands for what the bound does not see: samples are not independent over time.
//! In the elites' samples of the recorded runs (`data/runs/*/tune/topk.json`), the median of
//! the first 64 samples strays from the whole run's by up to 1.8 %, and of any 256 in a row by up
//! to 2.2 % (once, 4 % over 64 in a row); the margin is 2 % on top of the 99% bound.

use crate::stats::median_lower_bound;
use serde::{Deserialize, Serialize};

/// The one-sided confidence of the bound, as a standard normal quantile (99%).
pub const RACE_Z: f64 = 2.326;
/// Fewest kernel-only samples before a candidate can be raced out.
pub const RACE_MIN_SAMPLES: u32 = 64;
/// How far above the cutoff, relative to it, the bound must lie.
pub const RACE_MARGIN: f64 = 0.02;
/// Samples taken between two looks at the race.
pub const RACE_CHUNK: usize = 64;

/// What a worker races one candidate against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RaceBound {
    /// The elite cutoff: the k-th best kernel-only median so far, µs.
    pub cutoff_us: f64,
    /// Fewest samples before the candidate can be stopped.
    pub min_samples: u32,
    /// How far above the cutoff, relative to it, the median's lower bound must lie.
    pub margin: f64,
}

impl RaceBound {
    /// Whether `samples` show the candidate out of the race: at least `min_samples` of them,
    /// and the 99% lower bound of their median above [`RaceBound::bar_us`].
    pub fn is_out(&self, samples: &[f64]) -> bool {
        samples.len() >= self.min_samples as usize
            && median_lower_bound(samples, RACE_Z) > self.bar_us()
    }

    /// The time the median's lower bound must exceed: the cutoff plus the margin, µs.
    pub fn bar_us(&self) -> f64 {
        self.cutoff_us * (1.0 + self.margin)
    }
}

/// How a tune run races its candidates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RaceSettings {
    /// How many of the best so far make the elite set (the GA's elites).
    pub elites: usize,
    /// Fewest kernel-only samples before a candidate can be raced out.
    pub min_samples: u32,
    /// How far above the cutoff, relative to it, the median's lower bound must lie.
    pub margin: f64,
}

impl RaceSettings {
    /// Racing against the best `elites` so far, with the default sample floor and margin.
    pub fn new(elites: usize) -> Self {
        RaceSettings {
            elites,
            min_samples: RACE_MIN_SAMPLES,
            margin: RACE_MARGIN,
        }
    }

    /// The bound for the next candidate; `None` while fewer than `elites` trials are timed.
    pub fn bound(&self, cutoff: &Cutoff) -> Option<RaceBound> {
        cutoff.value().map(|cutoff_us| RaceBound {
            cutoff_us,
            min_samples: self.min_samples,
            margin: self.margin,
        })
    }
}

/// The `k` best kernel-only medians heard so far; the worst of them is the elite cutoff.
#[derive(Debug, Clone, PartialEq)]
pub struct Cutoff {
    k: usize,
    best: Vec<f64>,
}

impl Cutoff {
    /// An empty set of the `k` best.
    pub fn new(k: usize) -> Self {
        Cutoff {
            k,
            best: Vec::with_capacity(k + 1),
        }
    }

    /// Hears of one timed trial's median, µs (a non-finite one is ignored).
    pub fn add(&mut self, us: f64) {
        if !us.is_finite() {
            return;
        }
        let at = self.best.partition_point(|&b| b <= us);
        self.best.insert(at, us);
        self.best.truncate(self.k);
    }

    /// The k-th best median, once `k` trials are timed.
    pub fn value(&self) -> Option<f64> {
        (self.k > 0 && self.best.len() == self.k).then(|| self.best[self.k - 1])
    }
}

/// Samples taken under a race: all that were asked for, or fewer when the candidate lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Raced {
    /// The samples, in the order taken.
    pub samples: Vec<f64>,
    /// Whether the race stopped the sampling early.
    pub out: bool,
}

/// Takes `reps` samples from `take(n)` (`n` ≤ `chunk` more each call), looking at the race after
/// each chunk and stopping as soon as `race` says the candidate is out. Without a race, every
/// sample is taken.
pub fn sample_racing<E>(
    reps: usize,
    chunk: usize,
    race: Option<&RaceBound>,
    mut take: impl FnMut(usize) -> Result<Vec<f64>, E>,
) -> Result<Raced, E> {
    let chunk = chunk.max(1);
    let mut samples = Vec::with_capacity(reps);
    while samples.len() < reps {
        let n = (reps - samples.len()).min(chunk);
        let got = take(n)?;
        if got.is_empty() {
            break;
        }
        samples.extend(got);
        if race.is_some_and(|r| r.is_out(&samples)) {
            return Ok(Raced { samples, out: true });
        }
    }
    Ok(Raced {
        samples,
        out: false,
    })
}

#[cfg(test)]
#[path = "race_tests.rs"]
mod tests;
