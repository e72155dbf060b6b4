//! The census of a space at one problem: how many points it has, how many are valid, and how
//! many each constraint rejects. A full walk of the product (every point, in `PointIter`'s
//! order) that checks each constraint once per prefix that decides it, not once per point.

use super::pruned::{Levels, Walk};
use super::{DeviceLimits, SearchSpace};
use crate::error::Result;
use crate::op::Problem;
use rayon::iter::{IntoParallelRefIterator, ParallelIterator};

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

/// The counts of one part of the walk.
#[derive(Default)]
struct Tally {
    raw: u128,
    valid: usize,
    rejected: Vec<usize>,
}

impl Tally {
    fn new(constraints: usize) -> Self {
        Tally {
            rejected: vec![0; constraints],
            ..Tally::default()
        }
    }

    fn add(mut self, other: Tally) -> Tally {
        self.raw += other.raw;
        self.valid += other.valid;
        for (a, b) in self.rejected.iter_mut().zip(other.rejected) {
            *a += b;
        }
        self
    }
}

impl SearchSpace {
    /// Counts raw and valid points, and which constraints reject how many. The prefixes of the
    /// first parameters are walked on all cores.
    pub fn census<P: Problem>(&self, shape: &P, limits: &DeviceLimits) -> Result<Census> {
        let levels = Levels::of(self);
        let n = self.constraints.len();
        let depth = self.params.len().min(4);
        let mut prefixes = Vec::new();
        let mut walk = Walk::new(self, &levels, shape, limits);
        walk.start_noting(&mut Vec::new())?;
        every_prefix(&mut walk, 0, depth, &mut Vec::new(), &mut prefixes)?;
        let tally = prefixes
            .par_iter()
            .map(|prefix: &Vec<usize>| {
                let mut walk = Walk::new(self, &levels, shape, limits);
                let mut broken = Vec::new();
                walk.start_noting(&mut broken)?;
                for (level, &i) in prefix.iter().enumerate() {
                    walk.set_noting(level, i, &mut broken)?;
                }
                let mut tally = Tally::new(n);
                count_below(&mut walk, prefix.len(), &mut broken, &mut tally)?;
                Ok(tally)
            })
            .try_reduce(|| Tally::new(n), |a, b| Ok(a.add(b)))?;
        Ok(Census {
            raw: tally.raw,
            valid: tally.valid,
            rejected_by: self
                .constraints
                .iter()
                .zip(tally.rejected)
                .map(|(c, count)| (c.text.clone(), count))
                .collect(),
        })
    }
}

/// Every prefix of the first `depth` parameters under the walk's path from `level` (broken or
/// not), in order.
fn every_prefix(
    walk: &mut Walk,
    level: usize,
    depth: usize,
    path: &mut Vec<usize>,
    out: &mut Vec<Vec<usize>>,
) -> Result<()> {
    if level == depth {
        out.push(path.clone());
        return Ok(());
    }
    for i in 0..walk.values_at(level) {
        walk.set_noting(level, i, &mut Vec::new())?;
        path.push(i);
        every_prefix(walk, level + 1, depth, path, out)?;
        path.pop();
    }
    Ok(())
}

/// Counts every point under the walk's path from parameter `level` down into `tally`;
/// `broken` holds the constraints the path has broken so far.
fn count_below(
    walk: &mut Walk,
    level: usize,
    broken: &mut Vec<usize>,
    tally: &mut Tally,
) -> Result<()> {
    if level == walk.params() {
        tally.raw += 1;
        tally.valid += usize::from(broken.is_empty());
        for &c in broken.iter() {
            tally.rejected[c] += 1;
        }
        return Ok(());
    }
    for i in 0..walk.values_at(level) {
        let mark = broken.len();
        walk.set_noting(level, i, broken)?;
        count_below(walk, level + 1, broken, tally)?;
        broken.truncate(mark);
    }
    Ok(())
}
