//! Random search over the valid points, the baseline the GA must beat.

use super::genome::{Genome, SpaceIndex};
use super::Optimizer;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::sync::Arc;

/// Evaluates valid points in a seeded random order, without repeats.
pub struct RandomSearch {
    order: Vec<Genome>,
    next: usize,
    batch: usize,
    asked: usize,
}

impl RandomSearch {
    /// Random search over `index`, `batch` points per ask.
    pub fn new(index: Arc<SpaceIndex>, batch: usize, seed: u64) -> Self {
        let mut order = index.valid().to_vec();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        RandomSearch {
            order,
            next: 0,
            batch: batch.max(1),
            asked: 0,
        }
    }
}

impl Optimizer for RandomSearch {
    fn ask(&mut self, room: usize) -> Vec<Genome> {
        let end = (self.next + self.batch.min(room)).min(self.order.len());
        let out = self.order[self.next..end].to_vec();
        self.next = end;
        self.asked += usize::from(!out.is_empty());
        out
    }

    fn tell(&mut self, _genome: &Genome, _fitness: Option<f64>) {}

    fn generation(&self) -> usize {
        self.asked
    }
}
