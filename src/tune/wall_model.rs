//! A model of a search's wall time on one GPU: each candidate compiles on one of `cores` cores
//! (as soon as it is asked and a core is free), then the GPU times the compiled candidates one
//! at a time, in the order they finished compiling. The generational search asks a generation
//! and waits for all of its answers before it asks the next; the steady one asks a new
//! candidate as each answer arrives, keeping a window in flight.

use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use serde::Serialize;

/// The machine the model stands for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WallModel {
    /// Compiles that run at once.
    pub cores: usize,
    /// Median compile time per candidate, seconds.
    pub compile_s: f64,
    /// Spread of the compile times: σ of their logarithm (0: every compile takes `compile_s`).
    pub compile_spread: f64,
    /// GPU time per candidate (validation and timing), seconds.
    pub gpu_s: f64,
}

impl Default for WallModel {
    /// The default tune on the H200 machine: 16 cores, about 1.2 s of NVRTC per candidate,
    /// about 0.12 s of GPU per candidate.
    fn default() -> Self {
        WallModel {
            cores: 16,
            compile_s: 1.2,
            compile_spread: 0.0,
            gpu_s: 0.12,
        }
    }
}

/// The compile cores and the GPU, as candidates go through them.
pub(super) struct Pipeline {
    model: WallModel,
    rng: StdRng,
    cores_free: Vec<f64>,
    /// Compiled or compiling, not yet timed: (when its compile ends, ask number).
    waiting: Vec<(f64, usize)>,
    gpu_free: f64,
    /// Candidates asked so far.
    pub asked: usize,
}

impl Pipeline {
    /// An idle machine as `model` says, its compile times drawn with `seed`.
    pub fn new(model: WallModel, seed: u64) -> Self {
        Pipeline {
            model,
            rng: StdRng::seed_from_u64(seed),
            cores_free: vec![0.0; model.cores.max(1)],
            waiting: Vec::new(),
            gpu_free: 0.0,
            asked: 0,
        }
    }

    /// Asks the next candidate at time `t`: it compiles on the first core free. Returns its
    /// ask number.
    pub fn ask(&mut self, t: f64) -> usize {
        let core = (0..self.cores_free.len())
            .min_by(|&a, &b| self.cores_free[a].total_cmp(&self.cores_free[b]))
            .expect("at least one core");
        let end = self.cores_free[core].max(t) + self.compile_time();
        self.cores_free[core] = end;
        self.waiting.push((end, self.asked));
        self.asked += 1;
        self.asked - 1
    }

    /// Times the candidate that finished compiling first: when its answer arrives, and its
    /// ask number.
    pub fn answer_next(&mut self) -> Option<(f64, usize)> {
        let next = (0..self.waiting.len()).min_by(|&a, &b| {
            let (x, y) = (self.waiting[a], self.waiting[b]);
            x.0.total_cmp(&y.0).then(x.1.cmp(&y.1))
        })?;
        let (compiled, asked) = self.waiting.swap_remove(next);
        self.gpu_free = self.gpu_free.max(compiled) + self.model.gpu_s;
        Some((self.gpu_free, asked))
    }

    fn compile_time(&mut self) -> f64 {
        let m = &self.model;
        if m.compile_spread <= 0.0 {
            return m.compile_s;
        }
        let dist = LogNormal::new(m.compile_s.ln(), m.compile_spread).expect("a spread > 0");
        dist.sample(&mut self.rng)
    }
}

impl WallModel {
    /// The wall of a generational search asking `generations` (each one's size) in turn, the
    /// compile times drawn with `seed`.
    pub fn generational(&self, generations: &[usize], seed: u64) -> f64 {
        let mut p = Pipeline::new(*self, seed);
        let mut t = 0.0;
        for &n in generations {
            (0..n).for_each(|_| _ = p.ask(t));
            for _ in 0..n {
                t = p.answer_next().expect("asked").0;
            }
        }
        t
    }

    /// The wall of a steady search of `budget` candidates with `window` in flight, its first
    /// `opening` asks (decided before any answer) made at once.
    pub fn steady(&self, budget: usize, window: usize, opening: usize, seed: u64) -> f64 {
        let mut p = Pipeline::new(*self, seed);
        let window = window.max(1);
        (0..window.max(opening).min(budget)).for_each(|_| _ = p.ask(0.0));
        let (mut t, mut in_flight) = (0.0, p.asked);
        while let Some((answered, _)) = p.answer_next() {
            t = answered;
            in_flight -= 1;
            while in_flight < window && p.asked < budget {
                p.ask(t);
                in_flight += 1;
            }
        }
        t
    }
}

/// The generations of the GA: `population`, then `population − elites` each, to `budget`.
pub fn generation_sizes(budget: usize, population: usize, elites: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut left = budget;
    let mut next = population;
    while left > 0 {
        let n = next.min(left).max(1);
        sizes.push(n);
        left -= n;
        next = population.saturating_sub(elites).max(1);
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generation_waits_for_its_compiles_and_then_for_the_gpu() {
        let m = WallModel::default();
        // 16 compile at once (1.2 s), then the GPU times 16 × 0.12 s.
        assert!((m.generational(&[16], 0) - (1.2 + 16.0 * 0.12)).abs() < 1e-9);
        // Two generations: the second compiles only after the first is timed.
        let two = m.generational(&[16, 10], 0);
        assert!((two - (1.2 + 1.92 + 1.2 + 1.2)).abs() < 1e-9, "{two}");
    }

    #[test]
    fn a_window_that_covers_the_compile_keeps_the_gpu_busy() {
        let m = WallModel::default();
        // 16 in flight: the GPU waits only for the first compile.
        let steady = m.steady(128, 16, 16, 0);
        assert!((steady - (1.2 + 128.0 * 0.12)).abs() < 1e-9, "{steady}");
        // One in flight: every candidate waits for its own compile.
        let serial = m.steady(10, 1, 0, 0);
        assert!((serial - 10.0 * (1.2 + 0.12)).abs() < 1e-9, "{serial}");
        let generational = m.generational(&generation_sizes(128, 16, 6), 0);
        assert!(steady < generational - 10.0, "{steady} vs {generational}");
    }

    #[test]
    fn an_opening_asked_at_once_saves_a_compile_wait_at_the_start() {
        let m = WallModel::default();
        // Window 8 alone: asks 9..16 wait for the first answers before they compile, and the
        // GPU idles 0.36 s after the first eight (1.2 + 8 · 0.12 < 1.32 + 1.2).
        let window_only = m.steady(128, 8, 0, 0);
        let with_opening = m.steady(128, 8, 16, 0);
        assert!(
            with_opening <= window_only - 0.3,
            "{with_opening} vs {window_only}"
        );
    }

    #[test]
    fn the_generations_fill_the_budget() {
        assert_eq!(
            generation_sizes(128, 16, 6),
            [16, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2]
        );
        assert_eq!(generation_sizes(5, 16, 6), [5]);
    }
}
