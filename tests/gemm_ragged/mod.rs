//! The ragged problems and the cluster and split-K configurations of the GEMM GPU validation
//! test (tests/gpu.rs), in a module of their own so that a CPU test (tests/gemm_space.rs) checks
//! that every configuration still parses and applies: one that stops doing so fails there, on
//! every commit, not first on a GPU machine.
#![allow(dead_code)]

use evotune::op::Gemm;
use evotune::space::{DeviceLimits, Point, SearchSpace};

/// Problems of the GEMM tests: one row of A, M, N and K off every tile, K not a multiple of 16
/// (rows stored 16-byte aligned, K's tail read as zeros: K = 1, 107, 333), a square one of a
/// thousand, a large one (the float32 GPU reference) and a tall narrow one.
pub const PROBLEMS: [&str; 10] = [
    "1,64,16",
    "1,200,128",
    "1,64,1",
    "100,96,272",
    "100,96,107",
    "129,257,384",
    "129,257,333",
    "1000,1000,1024",
    "2048,3072,4096",
    "4097,130,528",
];

/// Cluster and split-K configurations validated at every problem of [`PROBLEMS`] beside the
/// covering sample: clusters of two along M and along N (TMA multicast, a partner CTA past the
/// matrix at odd tile counts), K split in two and in four (one consumer and two, both slice
/// widths, both waits), and both together, each on a kernel the space's constraints allow.
pub const CONFIGS: [&str; 9] = [
    "default,CLUSTER_M=2",
    "default,CLUSTER_N=2,WAIT=spin",
    "default,CLUSTER_N=2,BLOCK_M=256,BLOCK_N=96,BLOCK_K=64,GROUP_M=8,STAGES=6",
    "default,SPLIT_K=2",
    "default,SPLIT_K=4,WAIT=spin",
    "default,SPLIT_K=4,BLOCK_K=64,CONSUMERS=1,BLOCK_N=64",
    "default,CLUSTER_M=2,SPLIT_K=2,GROUP_M=8",
    "default,CLUSTER_N=2,SPLIT_K=4,BLOCK_K=64,BLOCK_N=64",
    "default,CLUSTER_M=2,SPLIT_K=4,WAIT=spin",
];

/// Each of [`CONFIGS`] that is valid at `g`, or else at `g` with K = 1024 (a split kernel run
/// where K has fewer slices than splits: the source does not depend on the problem and the grid
/// not on K, so the point's kernel and launch are the ones for `g`).
pub fn config_points(sp: &SearchSpace, g: &Gemm, limits: &DeviceLimits) -> Vec<Point> {
    let long_k = Gemm {
        k: g.k.max(1024),
        ..*g
    };
    CONFIGS
        .iter()
        .filter_map(|text| {
            let config = sp.parse_config(text).unwrap();
            [g, &long_k]
                .into_iter()
                .map(|at| sp.evaluate(&config, at, limits).unwrap())
                .find(Point::is_valid)
        })
        .collect()
}
