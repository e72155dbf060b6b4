//! Walking every point of a space (the cartesian product) and sampling valid points; the valid
//! points themselves are listed by the pruned walk (`pruned`), the census counted by `census`.

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

impl SearchSpace {
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
