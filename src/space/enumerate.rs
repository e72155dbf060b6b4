//! Walking every point of a space (the cartesian product), counting and sampling valid points;
//! the valid points themselves are listed by the pruned walk (`pruned`).

use super::conditional::is_active;
use super::{Config, DeviceLimits, Point, SearchSpace};
use crate::error::Result;
use crate::op::Problem;
use rand::seq::index::sample;
use rand::SeedableRng;

/// Iterates over every configuration of a space in odometer order (last parameter fastest),
/// holding each parameter whose `when` is false at its first value (the only valid one).
pub struct PointIter<'a> {
    space: &'a SearchSpace,
    digits: Vec<usize>,
    done: bool,
}

impl<'a> PointIter<'a> {
    /// Starts at the first value of every parameter.
    pub fn new(space: &'a SearchSpace) -> Self {
        PointIter {
            space,
            digits: vec![0; space.params.len()],
            done: space.params.iter().any(|p| p.domain.is_empty()),
        }
    }

    fn current(&self) -> Config {
        let mut config = Config::default();
        for (param, &i) in self.space.params.iter().zip(&self.digits) {
            config.set(&param.name, param.domain.value(i));
        }
        config
    }

    fn advance(&mut self) {
        let config = self.current();
        for i in (0..self.digits.len()).rev() {
            let param = &self.space.params[i];
            // Activity depends only on the parameters above i, which this step has not changed.
            if !is_active(param, &config) {
                continue;
            }
            self.digits[i] += 1;
            if self.digits[i] < param.domain.len() {
                return;
            }
            self.digits[i] = 0;
        }
        self.done = true;
    }
}

impl Iterator for PointIter<'_> {
    type Item = Config;

    fn next(&mut self) -> Option<Config> {
        if self.done {
            return None;
        }
        let config = self.current();
        self.advance();
        Some(config)
    }
}

/// How many points a space has, and how many satisfy its constraints, for one shape and device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Census {
    /// Points enumerated: the product of the domain sizes, less the copies that differ only in
    /// a parameter whose `when` is false (those are invalid by construction).
    pub raw: u128,
    /// Points that satisfy every constraint.
    pub valid: usize,
    /// For each constraint, how many points break it.
    pub rejected_by: Vec<(String, usize)>,
}

impl SearchSpace {
    /// Counts raw and valid points, and which constraints reject how many.
    pub fn census<P: Problem>(&self, shape: &P, limits: &DeviceLimits) -> Result<Census> {
        let mut rejected_by: Vec<(String, usize)> = self
            .constraints
            .iter()
            .map(|c| (c.text.clone(), 0))
            .collect();
        let mut valid = 0;
        let mut raw = 0;
        let mut env = self.base_env(shape, limits);
        for config in PointIter::new(self) {
            let point = self.evaluate_in(&mut env, &config)?;
            raw += 1;
            valid += usize::from(point.is_valid());
            for (text, count) in rejected_by.iter_mut() {
                *count += usize::from(point.violated.contains(text));
            }
        }
        Ok(Census {
            raw,
            valid,
            rejected_by,
        })
    }

    /// `n` valid points drawn without replacement with `seed`, or all of them if `n` is larger.
    pub fn sample_valid<P: Problem>(
        &self,
        shape: &P,
        limits: &DeviceLimits,
        n: usize,
        seed: u64,
    ) -> Result<Vec<Point>> {
        let picked = sample_points(self.valid_digits(shape, limits)?, n, seed);
        self.points_of_digits(&picked, shape, limits)
    }
}

/// `n` of `all` drawn without replacement with `seed`, in their order, or all of them if `n` is
/// larger.
pub fn sample_points<T: Clone>(all: Vec<T>, n: usize, seed: u64) -> Vec<T> {
    if n >= all.len() {
        return all;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut picked = sample(&mut rng, all.len(), n).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| all[i].clone()).collect()
}
