//! How an exported GEMM kernel's launch follows the problem: its grid and split-K buffers from
//! M, N, K and the device's SM count, by the formulas of the GEMM contract
//! (kernel_templates/gemm_fp8_wgmma.cu.tera) and the space's derived GRID_X, WORKSPACE_FLOATS
//! and COUNTERS.
//!
//! The contract says the kernel's source does not depend on the problem: M, N and K are launch
//! arguments, ragged tiles and K's tail read zeros, a cluster partner past the matrix stores
//! nothing, and splits past K's slices are skipped. So one kernel runs any M, N, K. Before a
//! kernel is offered for other problems, [`GemmRule::verify`] checks this against the space at
//! probe problems around the tuned one: the template renders byte-identical source, and the
//! space launches the grid and asks for the buffers the rule computes with the same block,
//! shared memory, cluster and boxes. The space's constraints that depend on the problem (a
//! cluster or a split only where it pays, GROUP_M no larger than the block rows) choose what to
//! tune; they do not bound what a kernel runs, and are not checked at the probes.

use crate::eval::{KernelArgs, Launch};
use crate::kernel::Kernels;
use crate::op::Gemm;
use crate::space::{Point, Value};
use serde::{Deserialize, Serialize};

/// The parameters a GEMM kernel's grid and split-K buffers follow, and whether it serves
/// problems other than its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GemmRule {
    /// Output rows per tile.
    pub block_m: u32,
    /// Output columns per tile.
    pub block_n: u32,
    /// CTAs of a cluster along M.
    pub cluster_m: u32,
    /// CTAs of a cluster along N.
    pub cluster_n: u32,
    /// CTAs (or units) sharing one tile's K.
    pub split_k: u32,
    /// A persistent grid: at most the device's SMs, whole clusters.
    pub persistent: bool,
    /// Consumer warpgroups (counters per tile).
    pub consumers: u32,
    /// Whether it serves problems other than its own (the rule held at every probe).
    pub reuse: bool,
    /// Why it does not, when it does not; empty otherwise.
    pub note: String,
}

impl GemmRule {
    /// The rule of `point`, before it is verified.
    pub fn of(point: &Point) -> Result<GemmRule, String> {
        let int = |name: &str| -> Result<u32, String> {
            let v = point.config.int(name).or_else(|| {
                point
                    .derived
                    .get(name)
                    .and_then(crate::space::Value::as_int)
            });
            v.and_then(|v| u32::try_from(v).ok())
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("the space gives no positive integer {name}"))
        };
        Ok(GemmRule {
            block_m: int("BLOCK_M")?,
            block_n: int("BLOCK_N")?,
            cluster_m: int("CLUSTER_M")?,
            cluster_n: int("CLUSTER_N")?,
            split_k: int("SPLIT_K")?,
            persistent: point.config.get("PERSISTENT") == Some(&Value::Bool(true)),
            consumers: int("CONSUMERS")?,
            reuse: false,
            note: "not verified".into(),
        })
    }

    /// CTAs per cluster.
    pub fn cluster(&self) -> u32 {
        self.cluster_m * self.cluster_n
    }

    /// Output tiles of `g`: ceil(M / BLOCK_M) · ceil(N / BLOCK_N).
    pub fn tiles(&self, g: &Gemm) -> u64 {
        let m_tiles = g.m.div_ceil(self.block_m as usize) as u64;
        m_tiles * g.n.div_ceil(self.block_n as usize) as u64
    }

    /// The grid for `g` on a device of `sm_count` SMs: CLUSTER · UNITS CTAs, or with a
    /// persistent grid CLUSTER · min(SMs / CLUSTER, UNITS).
    pub fn grid(&self, g: &Gemm, sm_count: u32) -> [u32; 3] {
        let m_tiles = g.m.div_ceil(self.block_m as usize) as u64;
        let n_tiles = g.n.div_ceil(self.block_n as usize) as u64;
        let blocks = m_tiles.div_ceil(u64::from(self.cluster_m))
            * n_tiles.div_ceil(u64::from(self.cluster_n));
        let units = blocks * u64::from(self.split_k);
        let cluster = u64::from(self.cluster());
        let clusters = if self.persistent {
            (u64::from(sm_count) / cluster).min(units)
        } else {
            units
        };
        [(cluster * clusters) as u32, 1, 1]
    }

    /// Floats of the split-K workspace at `g` (0 without a split).
    pub fn workspace_floats(&self, g: &Gemm) -> u64 {
        if self.split_k <= 1 {
            return 0;
        }
        let tile = u64::from(self.block_m) * u64::from(self.block_n);
        u64::from(self.split_k) * self.tiles(g) * tile
    }

    /// Unsigned counters of the split at `g`, zero before the first launch (0 without a split).
    pub fn counters(&self, g: &Gemm) -> u64 {
        if self.split_k <= 1 {
            return 0;
        }
        self.tiles(g) * u64::from(self.consumers)
    }

    /// Checks the rule against the space at the tuned problem and at probe problems around it,
    /// and sets `reuse` and `note` from what it finds.
    pub fn verify(&mut self, tuned: &TunedGemm) {
        let outcome = std::iter::once(tuned.problem)
            .chain(probes(&tuned.problem))
            .try_for_each(|p| self.verify_at(tuned, &p));
        (self.reuse, self.note) = match outcome {
            Ok(()) => (true, String::new()),
            Err(why) => (false, why),
        };
    }

    /// At `p`: the template renders the tuned source and the space launches the rule's grid
    /// with the rule's buffers, everything else as tuned.
    fn verify_at(&self, t: &TunedGemm, p: &Gemm) -> Result<(), String> {
        let at = |why: String| format!("at gemm {p}: {why}");
        let point = t
            .space
            .evaluate(t.config, p, t.limits)
            .map_err(|e| at(e.to_string()))?;
        let kernel = Kernels::new(t.space, t.template, p, t.limits)
            .kernel(&point)
            .map_err(|e| at(e.to_string()))?;
        let expected = self.launch_at(t.launch, p, t.limits.sm_count as u32)?;
        if kernel.launch != expected {
            return Err(at(format!(
                "the space launches {:?}, the rule {expected:?}",
                kernel.launch
            )));
        }
        if kernel.job.source != t.source {
            return Err(at("the template renders other source".into()));
        }
        Ok(())
    }

    /// The tuned launch with the grid and buffers the rule computes at `p`.
    fn launch_at(&self, tuned: &Launch, p: &Gemm, sm_count: u32) -> Result<Launch, String> {
        let KernelArgs::GemmMaps {
            swizzle,
            a_rows,
            b_rows,
            ..
        } = tuned.args
        else {
            return Err(format!("the kernel takes {:?}, not GEMM maps", tuned.args));
        };
        let size = |v: u64| u32::try_from(v).map_err(|_| format!("{v} is over 32 bits"));
        Ok(Launch {
            grid: self.grid(p, sm_count),
            args: KernelArgs::GemmMaps {
                swizzle,
                a_rows,
                b_rows,
                workspace_floats: size(self.workspace_floats(p))?,
                counters: size(self.counters(p))?,
            },
            ..*tuned
        })
    }
}

/// A GEMM kernel as tuned: what [`GemmRule::verify`] compares the probes with.
pub type TunedGemm<'a> = super::rule::Tuned<'a, Gemm>;

/// Problems around `g` a kernel may be asked to run: one row or column, M, N and K off every
/// tile, K not a multiple of 16 (1, 107, 333), K shorter than a slice, and each dimension
/// halved and doubled off the tiles.
pub fn probes(g: &Gemm) -> Vec<Gemm> {
    let gemm = |m: usize, n: usize, k: usize| Gemm {
        m: m.max(1),
        n: n.max(1),
        k: k.max(1),
    };
    let mut out: Vec<Gemm> = [
        (1, 64, 16),
        (1, 200, 128),
        (1, 64, 1),
        (100, 96, 107),
        (129, 257, 333),
        (4097, 130, 528),
    ]
    .into_iter()
    .map(|(m, n, k)| gemm(m, n, k))
    .collect();
    out.push(gemm(g.m / 2 + 13, g.n, g.k));
    out.push(gemm(g.m, 2 * g.n + 7, g.k));
    out.push(gemm(g.m, g.n, g.k / 2 + 5));
    out.push(gemm(2 * g.m + 1, g.n / 2 + 3, 2 * g.k + 9));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(persistent: bool, cluster: (u32, u32), split_k: u32) -> GemmRule {
        GemmRule {
            block_m: 128,
            block_n: 192,
            cluster_m: cluster.0,
            cluster_n: cluster.1,
            split_k,
            persistent,
            consumers: 2,
            reuse: true,
            note: String::new(),
        }
    }

    fn gemm(m: usize, n: usize, k: usize) -> Gemm {
        Gemm { m, n, k }
    }

    #[test]
    fn the_grid_is_whole_clusters_of_units_or_of_the_sms() {
        // 33 tile rows by 2 tile columns.
        let g = gemm(4097, 300, 528);
        assert_eq!(rule(false, (1, 1), 1).grid(&g, 132), [66, 1, 1]);
        assert_eq!(rule(false, (2, 1), 1).grid(&g, 132), [2 * 17 * 2, 1, 1]);
        assert_eq!(rule(false, (1, 2), 4).grid(&g, 132), [2 * 33 * 4, 1, 1]);
        assert_eq!(rule(true, (1, 1), 1).grid(&g, 132), [66, 1, 1]);
        assert_eq!(rule(true, (2, 1), 2).grid(&g, 132), [132, 1, 1]);
        assert_eq!(rule(true, (1, 2), 1).grid(&g, 131), [2 * 33, 1, 1]);
        assert_eq!(rule(true, (1, 2), 4).grid(&g, 131), [130, 1, 1]);
    }

    #[test]
    fn split_buffers_follow_the_tiles() {
        let g = gemm(129, 193, 1000);
        assert_eq!(rule(false, (1, 1), 1).workspace_floats(&g), 0);
        assert_eq!(rule(false, (1, 1), 1).counters(&g), 0);
        assert_eq!(
            rule(false, (1, 1), 4).workspace_floats(&g),
            4 * 4 * 128 * 192
        );
        assert_eq!(rule(false, (1, 1), 4).counters(&g), 4 * 2);
    }

    #[test]
    fn probes_are_ragged_and_positive() {
        let probes = probes(&gemm(1, 1, 1));
        assert!(probes.iter().all(|p| p.m > 0 && p.n > 0 && p.k > 0));
        assert!(probes.iter().any(|p| p.k % 16 != 0 && p.m % 64 != 0));
    }
}
