//! A space as the optimizer sees it: configs as index vectors, the valid set, and repair.

use crate::error::Result;
use crate::space::{Config, DeviceLimits, SearchSpace};
use std::collections::HashSet;

/// A config written as the index of each parameter's value in its domain, in space order.
pub type Genome = Vec<usize>;

/// The valid points of a space for one shape and device, indexed for the optimizer.
#[derive(Debug, Clone)]
pub struct SpaceIndex {
    names: Vec<String>,
    domains: Vec<Vec<crate::space::Value>>,
    /// Whether each parameter's values are ordered (integers), so "nearby" means something.
    ordered: Vec<bool>,
    valid: Vec<Genome>,
    valid_set: HashSet<Genome>,
}

impl SpaceIndex {
    /// Enumerates the valid points of `space` at the problem `shape` on `limits`.
    pub fn new<P: crate::op::Problem>(
        space: &SearchSpace,
        shape: &P,
        limits: &DeviceLimits,
    ) -> Result<Self> {
        Ok(Self::of_genomes(space, space.valid_digits(shape, limits)?))
    }

    /// The index of `points`, the valid points of `space` as [`SearchSpace::valid_points`] gave them.
    pub fn of_points(space: &SearchSpace, points: &[crate::space::Point]) -> Self {
        let empty = Self::of_genomes(space, Vec::new());
        let valid = points
            .iter()
            .map(|p| {
                empty
                    .genome_of(&p.config)
                    .expect("an enumerated point is in the space")
            })
            .collect();
        Self::of_genomes(space, valid)
    }

    /// The index of `valid`, the valid points of `space` written as genomes, in their order.
    fn of_genomes(space: &SearchSpace, valid: Vec<Genome>) -> Self {
        let names = space.params.iter().map(|p| p.name.clone()).collect();
        let domains: Vec<_> = space.params.iter().map(|p| p.domain.values()).collect();
        let ordered = space
            .params
            .iter()
            .map(|p| matches!(p.domain, crate::space::Domain::Ints(_)))
            .collect();
        SpaceIndex {
            names,
            domains,
            ordered,
            valid_set: valid.iter().cloned().collect(),
            valid,
        }
    }

    /// The same space with only the valid points `keep` accepts (e.g. those of a recorded
    /// landscape), in the same order.
    pub fn restricted_to(&self, keep: impl Fn(&Genome) -> bool) -> SpaceIndex {
        let valid: Vec<Genome> = self.valid.iter().filter(|g| keep(g)).cloned().collect();
        SpaceIndex {
            names: self.names.clone(),
            domains: self.domains.clone(),
            ordered: self.ordered.clone(),
            valid_set: valid.iter().cloned().collect(),
            valid,
        }
    }

    /// Number of parameters.
    pub fn dims(&self) -> usize {
        self.names.len()
    }

    /// Domain size of parameter `i`.
    pub fn domain_len(&self, i: usize) -> usize {
        self.domains[i].len()
    }

    /// Whether parameter `i` has ordered (integer) values.
    pub fn is_ordered(&self, i: usize) -> bool {
        self.ordered[i]
    }

    /// Every valid genome, in enumeration order.
    pub fn valid(&self) -> &[Genome] {
        &self.valid
    }

    /// Whether `g` satisfies the constraints.
    pub fn is_valid(&self, g: &Genome) -> bool {
        self.valid_set.contains(g)
    }

    /// The config a genome stands for.
    pub fn config(&self, g: &Genome) -> Config {
        let mut c = Config::default();
        for (i, &v) in g.iter().enumerate() {
            c.set(&self.names[i], self.domains[i][v].clone());
        }
        c
    }

    /// The genome of a config, if every value is in its domain.
    pub fn genome_of(&self, config: &Config) -> Option<Genome> {
        self.names
            .iter()
            .zip(&self.domains)
            .map(|(name, dom)| dom.iter().position(|v| Some(v) == config.get(name)))
            .collect()
    }

    /// The valid genome nearest to `g` (index distance; ordered parameters count the steps,
    /// unordered ones count 1 per difference), ties broken by enumeration order.
    pub fn nearest_valid(&self, g: &Genome) -> Option<&Genome> {
        self.valid.iter().min_by_key(|v| self.distance(g, v))
    }

    fn distance(&self, a: &Genome, b: &Genome) -> usize {
        a.iter()
            .zip(b)
            .enumerate()
            .map(|(i, (&x, &y))| {
                if self.ordered[i] {
                    x.abs_diff(y)
                } else {
                    usize::from(x != y)
                }
            })
            .sum()
    }
}
