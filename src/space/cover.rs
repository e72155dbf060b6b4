//! Covering samples: a few valid points that between them hold every value of every parameter
//! and every pair of values of two parameters that any valid point holds (all-pairs coverage,
//! restricted to the valid points).

use super::{DeviceLimits, Point, SearchSpace};
use crate::error::Result;
use crate::op::Problem;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

impl SearchSpace {
    /// A pairwise covering sample of the valid points for `shape` on `limits`, in enumeration
    /// order: every (parameter, value) and every pair of values of two parameters that some valid
    /// point holds is held by at least one point of the sample (see [`pairwise_cover`]).
    pub fn covering_sample<P: Problem>(
        &self,
        shape: &P,
        limits: &DeviceLimits,
    ) -> Result<Vec<Point>> {
        let rows = self.valid_digits(shape, limits)?;
        let sizes: Vec<usize> = self.params.iter().map(|p| p.domain.len()).collect();
        let picked: Vec<Vec<usize>> = pairwise_cover(&rows, &sizes)
            .into_iter()
            .map(|i| rows[i].clone())
            .collect();
        self.points_of_digits(&picked, shape, limits)
    }

    /// The position of each parameter's value in its domain, in parameter order (the tests'
    /// own reading of a point, apart from the walk's digits).
    #[cfg(test)]
    fn value_indices(&self, point: &Point) -> Vec<usize> {
        self.params
            .iter()
            .map(|p| {
                let v = point
                    .config
                    .get(&p.name)
                    .expect("a point sets every parameter");
                p.domain
                    .index_of(v)
                    .expect("a point's value is in its domain")
            })
            .collect()
    }
}

/// Indices (ascending) of rows that together hold every value and every pair of values that
/// any row holds. `rows[i][k]` is row i's value index for parameter k, below `sizes[k]`.
///
/// Greedy set cover (Johnson 1974; the AETG heuristic of Cohen et al. 1997 for pairwise test
/// suites): take the row holding the most slots not yet held, until none is left. Gains only
/// fall as rows are taken, so a row's stale gain bounds its true one ("lazy greedy", Minoux
/// 1978): pop the largest, recompute, and take it if it still beats the next. Ties go to the
/// lowest index, so the sample is deterministic.
pub fn pairwise_cover(rows: &[Vec<usize>], sizes: &[usize]) -> Vec<usize> {
    let slots = Slots::new(sizes);
    let mut held = vec![false; slots.len];
    let mut heap: BinaryHeap<(usize, Reverse<usize>)> = (0..rows.len())
        .map(|i| (slots.count(&rows[i], &held), Reverse(i)))
        .collect();
    let mut picked = Vec::new();
    while let Some((_, Reverse(i))) = heap.pop() {
        let gain = slots.count(&rows[i], &held);
        if gain == 0 {
            continue;
        }
        if heap.peek().is_some_and(|&(next, _)| next > gain) {
            heap.push((gain, Reverse(i)));
            continue;
        }
        slots.mark(&rows[i], &mut held);
        picked.push(i);
    }
    picked.sort_unstable();
    picked
}

/// Numbering of the slots a row can hold: one per (parameter, value), then one per pair of
/// values of parameters k < l.
struct Slots {
    /// First slot of each parameter's values.
    single: Vec<usize>,
    /// First slot of each pair (k, l), k < l, at `pair[k][l]`.
    pair: Vec<Vec<usize>>,
    sizes: Vec<usize>,
    len: usize,
}

impl Slots {
    fn new(sizes: &[usize]) -> Self {
        let mut len = 0;
        let mut single = Vec::with_capacity(sizes.len());
        for &n in sizes {
            single.push(len);
            len += n;
        }
        let mut pair = vec![vec![0; sizes.len()]; sizes.len()];
        for k in 0..sizes.len() {
            for l in k + 1..sizes.len() {
                pair[k][l] = len;
                len += sizes[k] * sizes[l];
            }
        }
        Slots {
            single,
            pair,
            sizes: sizes.to_vec(),
            len,
        }
    }

    /// Every slot `row` holds.
    fn of<'a>(&'a self, row: &'a [usize]) -> impl Iterator<Item = usize> + 'a {
        let singles = row.iter().enumerate().map(|(k, &v)| self.single[k] + v);
        let pairs = (0..row.len()).flat_map(move |k| {
            (k + 1..row.len()).map(move |l| self.pair[k][l] + row[k] * self.sizes[l] + row[l])
        });
        singles.chain(pairs)
    }

    fn count(&self, row: &[usize], held: &[bool]) -> usize {
        self.of(row).filter(|&s| !held[s]).count()
    }

    fn mark(&self, row: &[usize], held: &mut [bool]) {
        for s in self.of(row) {
            held[s] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// Every value and pair of values some row holds, as (k, value) and (k, a, l, b).
    fn combos(rows: &[Vec<usize>]) -> (HashSet<(usize, usize)>, HashSet<[usize; 4]>) {
        let mut singles = HashSet::new();
        let mut pairs = HashSet::new();
        for r in rows {
            for k in 0..r.len() {
                singles.insert((k, r[k]));
                for l in k + 1..r.len() {
                    pairs.insert([k, r[k], l, r[l]]);
                }
            }
        }
        (singles, pairs)
    }

    fn assert_covers(rows: &[Vec<usize>], picked: &[usize]) {
        let chosen: Vec<Vec<usize>> = picked.iter().map(|&i| rows[i].clone()).collect();
        assert_eq!(combos(rows), combos(&chosen), "a value or pair is missing");
        assert!(picked.windows(2).all(|w| w[0] < w[1]), "{picked:?}");
    }

    /// Every row of a full 3×3×2 grid: 9 rows are needed for the 3×3 pairs (and suffice); greedy
    /// may take one more, far fewer than the 18 rows.
    #[test]
    fn a_full_grid_is_covered_by_few_rows() {
        let mut rows = Vec::new();
        for a in 0..3 {
            for b in 0..3 {
                for c in 0..2 {
                    rows.push(vec![a, b, c]);
                }
            }
        }
        let picked = pairwise_cover(&rows, &[3, 3, 2]);
        assert_covers(&rows, &picked);
        assert!((9..=10).contains(&picked.len()), "{picked:?}");
        assert_eq!(picked, pairwise_cover(&rows, &[3, 3, 2]), "deterministic");
    }

    /// A pair no row holds (a constraint forbids it) is not asked for: the cover still ends.
    #[test]
    fn pairs_no_valid_row_holds_are_not_required() {
        let rows = vec![vec![0, 0], vec![1, 1], vec![0, 1]];
        let picked = pairwise_cover(&rows, &[2, 2]);
        assert_covers(&rows, &picked);
        assert_eq!(picked, vec![0, 1, 2]);
    }

    /// The toy space of the space tests, under its constraints: every valid value and pair.
    #[test]
    fn a_covering_sample_of_a_space_holds_every_valid_pair() {
        let space = super::super::tests::toy();
        let shape = super::super::tests::shape();
        let limits = DeviceLimits::hopper();
        let all = space.valid_points(&shape, &limits).unwrap();
        let sample = space.covering_sample(&shape, &limits).unwrap();
        let rows: Vec<Vec<usize>> = all.iter().map(|p| space.value_indices(p)).collect();
        let chosen: Vec<Vec<usize>> = sample.iter().map(|p| space.value_indices(p)).collect();
        assert_eq!(combos(&rows), combos(&chosen));
        assert!(
            sample.len() < all.len(),
            "{} of {}",
            sample.len(),
            all.len()
        );
        assert!(sample.iter().all(Point::is_valid));
    }

    proptest! {
        /// Any set of rows is covered, with no more rows than it has.
        #[test]
        fn any_rows_are_covered(
            rows in prop::collection::vec(prop::collection::vec(0usize..4, 4), 1..60)
        ) {
            let picked = pairwise_cover(&rows, &[4, 4, 4, 4]);
            prop_assert!(picked.len() <= rows.len());
            assert_covers(&rows, &picked);
        }
    }
}
