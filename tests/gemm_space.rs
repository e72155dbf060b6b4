//! The FP8 GEMM space's clusters and K splits without a GPU: every valid point renders a
//! distinct kernel, launches describe their clusters and split-K buffers as the kernel contract
//! says, the constraints keep the new parameters where they can matter, and the covering sample
//! the compile test and the GPU test draw holds every value of them and their pairs.

use evotune::eval::{launch_for, KernelArgs, Launch, NO_CLUSTER};
use evotune::op::Gemm;
use evotune::space::{self, DeviceLimits, Point, SearchSpace};
use evotune::template::Template;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;

fn space() -> SearchSpace {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    space::load(&root.join("search_spaces/gemm_fp8.toml")).unwrap()
}

fn gemm(text: &str) -> Gemm {
    text.parse().unwrap()
}

/// `config` (`default,K=V,...`) at `problem`, valid, and its launch.
fn launch_of(sp: &SearchSpace, config: &str, problem: &str) -> (Point, Launch) {
    let point = sp
        .evaluate(
            &sp.parse_config(config).unwrap(),
            &gemm(problem),
            &DeviceLimits::hopper(),
        )
        .unwrap();
    assert!(
        point.is_valid(),
        "{config} at {problem}: {:?}",
        point.violated
    );
    let launch = launch_for(sp, &point).unwrap();
    (point, launch)
}

fn int(point: &Point, name: &str) -> u32 {
    let v = point
        .config
        .int(name)
        .or_else(|| point.derived[name].as_int());
    v.unwrap() as u32
}

/// At a ragged problem where every cluster shape and split is valid (2 × 3 tiles of 128, 3 or 6
/// K slices), no two valid points render the same source: the new parameters each change the
/// kernel, and CLUSTER_N is pinned where CLUSTER_M is 2.
#[test]
fn every_valid_gemm_fp8_point_renders_a_distinct_kernel() {
    let sp = space();
    let g = gemm("129,257,384");
    let limits = DeviceLimits::hopper();
    let template = Template::for_space(&sp).unwrap();
    let points = sp.valid_points(&g, &limits).unwrap();
    assert!(points.len() > 3_000, "{} valid points", points.len());
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for (i, point) in points.iter().enumerate() {
        let source = template.render(&sp, point, &g, &limits).unwrap();
        let mut hasher = DefaultHasher::new();
        source.hash(&mut hasher);
        if let Some(j) = seen.insert(hasher.finish(), i) {
            panic!(
                "two valid points render one kernel:\n{:?}\n{:?}",
                points[j].config, point.config
            );
        }
    }
}

/// The default launches as before clusters and splits existed: no cluster, no workspace, a
/// persistent grid of min(SMs, tiles), full tiles per TMA box.
#[test]
fn the_default_launch_has_no_cluster_and_no_split_buffers() {
    let sp = space();
    let (_, launch) = launch_of(&sp, "default", "4096,4096,4096");
    assert_eq!(launch.cluster, NO_CLUSTER);
    assert_eq!(launch.grid, [132, 1, 1]);
    assert_eq!(
        launch.args,
        KernelArgs::GemmMaps {
            swizzle: 128,
            a_rows: 128,
            b_rows: 128,
            workspace_floats: 0,
            counters: 0,
        }
    );
    let (_, small) = launch_of(&sp, "default", "129,257,384");
    assert_eq!(small.grid, [6, 1, 1], "2 × 3 tiles");
}

/// A cluster of two: the cluster dimension set, a whole number of clusters in the grid (one per
/// block of two tiles, the odd tile column's block included), the shared operand's box halved.
#[test]
fn a_cluster_launch_sets_its_dimension_and_halves_the_shared_box() {
    let sp = space();
    // 2 × 3 tiles: CLUSTER_N = 2 takes blocks of 1 × 2 tiles, 2 × 2 of them.
    let (_, n) = launch_of(&sp, "default,CLUSTER_N=2", "129,257,384");
    assert_eq!((n.cluster, n.grid), ([2, 1, 1], [8, 1, 1]));
    assert!(matches!(
        n.args,
        KernelArgs::GemmMaps {
            a_rows: 64,
            b_rows: 128,
            ..
        }
    ));
    let (_, m) = launch_of(&sp, "default,CLUSTER_M=2", "129,257,384");
    assert_eq!((m.cluster, m.grid), ([2, 1, 1], [6, 1, 1]));
    assert!(matches!(
        m.args,
        KernelArgs::GemmMaps {
            a_rows: 128,
            b_rows: 64,
            ..
        }
    ));
    // At most the SMs, in whole clusters.
    let (_, p) = launch_of(&sp, "default,CLUSTER_M=2", "4096,4096,4096");
    assert_eq!((p.cluster, p.grid), ([2, 1, 1], [132, 1, 1]));
    assert!(p.has_cluster());
}

/// Split K: SPLIT_K units per tile in the grid, the workspace and counters the contract names
/// (SPLIT_K · TILES · BLOCK_M · BLOCK_N floats, TILES · CONSUMERS counters), 16 bytes of shared
/// memory more than the unsplit kernel.
#[test]
fn a_split_launch_carries_its_workspace_and_counters() {
    let sp = space();
    let (point, split) = launch_of(&sp, "default,SPLIT_K=2", "129,257,384");
    let (_, whole) = launch_of(&sp, "default", "129,257,384");
    assert_eq!(split.grid, [12, 1, 1], "6 tiles, 2 splits each");
    assert_eq!(split.smem_bytes, whole.smem_bytes + 16);
    let tiles = 6;
    assert_eq!(int(&point, "TILES"), tiles);
    assert_eq!(
        split.args,
        KernelArgs::GemmMaps {
            swizzle: 128,
            a_rows: 128,
            b_rows: 128,
            workspace_floats: 2 * tiles * 128 * 128,
            counters: tiles * 2,
        }
    );
    let (_, both) = launch_of(&sp, "default,SPLIT_K=2,CLUSTER_N=2", "129,257,384");
    assert_eq!((both.cluster, both.grid), ([2, 1, 1], [16, 1, 1]));
}

/// The constraints keep the new parameters where they can matter: no split where the tiles fill
/// the SMs (4096³) or where K has fewer slices than splits (K = 16), no cluster along a
/// dimension of one tile (M = 1); the default stays valid everywhere.
#[test]
fn clusters_and_splits_apply_only_where_they_can_matter() {
    let sp = space();
    let limits = DeviceLimits::hopper();
    let values = |problem: &str, name: &str| -> HashSet<i64> {
        sp.valid_points(&gemm(problem), &limits)
            .unwrap()
            .iter()
            .map(|p| p.config.int(name).unwrap())
            .collect()
    };
    assert_eq!(values("4096,4096,4096", "SPLIT_K"), HashSet::from([1]));
    assert_eq!(values("4096,4096,4096", "CLUSTER_N"), HashSet::from([1, 2]));
    assert_eq!(values("1,200,16", "SPLIT_K"), HashSet::from([1]));
    assert_eq!(values("1,200,16", "CLUSTER_M"), HashSet::from([1]));
    assert_eq!(values("1,200,128", "SPLIT_K"), HashSet::from([1, 2]));
    assert_eq!(values("129,257,384", "SPLIT_K"), HashSet::from([1, 2, 4]));
    for problem in ["1,64,16", "4096,4096,4096", "129,257,384"] {
        launch_of(&sp, "default", problem);
    }
}

/// The covering sample of the compile test (tests/cli.rs, at 1000,1000,1024) holds each pair of
/// values of CLUSTER_M, CLUSTER_N and SPLIT_K that a valid point holds, and each of their values
/// beside every value a valid point pairs it with among the parameters they work with (the
/// schedule, the consumers, promotion, the slice width, the tile order, the wait).
#[test]
fn the_covering_sample_holds_every_cluster_and_split_pair() {
    let sp = space();
    let (g, limits) = (gemm("1000,1000,1024"), DeviceLimits::hopper());
    let sample = sp.covering_sample(&g, &limits).unwrap();
    let valid = sp.valid_points(&g, &limits).unwrap();
    let held = |points: &[Point], a: &str, b: &str| -> HashSet<(String, String)> {
        points
            .iter()
            .map(|p| {
                (
                    p.config.get(a).unwrap().to_string(),
                    p.config.get(b).unwrap().to_string(),
                )
            })
            .collect()
    };
    let others = [
        "PERSISTENT",
        "CONSUMERS",
        "PROMOTE",
        "BLOCK_K",
        "GROUP_M",
        "WAIT",
    ];
    for new in ["CLUSTER_M", "CLUSTER_N", "SPLIT_K"] {
        let pairs = others
            .iter()
            .chain(["CLUSTER_M", "CLUSTER_N", "SPLIT_K"].iter())
            .filter(|&&other| other != new);
        for other in pairs {
            let in_space = held(&valid, new, other);
            assert!(in_space.len() >= 2, "{new} × {other}: {in_space:?}");
            assert_eq!(
                held(&sample, new, other),
                in_space,
                "{new} × {other}: the sample misses a pair"
            );
        }
    }
    // The constraints leave each split and cluster beside the rest as they say.
    assert_eq!(held(&valid, "CLUSTER_M", "SPLIT_K").len(), 6);
    assert_eq!(held(&valid, "CLUSTER_M", "CLUSTER_N").len(), 3);
    assert_eq!(
        held(&valid, "CLUSTER_M", "CONSUMERS"),
        HashSet::from([
            ("1".into(), "1".into()),
            ("1".into(), "2".into()),
            ("2".into(), "2".into())
        ])
    );
}

#[path = "gemm_ragged/mod.rs"]
mod gemm_ragged;

/// The GPU validation test's cluster and split-K configurations (tests/gemm_ragged) parse, each
/// applies at one ragged problem at least, and between them they reach the edges: a split kernel
/// run where K has fewer slices than splits, and a cluster whose second CTA lies past the matrix
/// (an odd number of tiles along the cluster).
#[test]
fn the_gpu_validation_configs_parse_apply_and_reach_the_edges() {
    let sp = space();
    let limits = DeviceLimits::hopper();
    let (mut short_k, mut idle_partner) = (false, false);
    let mut applied = HashSet::new();
    for text in gemm_ragged::PROBLEMS {
        let g = gemm(text);
        for point in gemm_ragged::config_points(&sp, &g, &limits) {
            applied.insert(point.config.to_string());
            let at_g = int(&point, "BLOCK_K") as usize;
            let slices = g.k.div_ceil(at_g);
            short_k |= slices < int(&point, "SPLIT_K") as usize;
            let tiles = |dim: usize, block: &str| dim.div_ceil(int(&point, block) as usize);
            idle_partner |= int(&point, "CLUSTER_M") == 2 && tiles(g.m, "BLOCK_M") % 2 == 1;
            idle_partner |= int(&point, "CLUSTER_N") == 2 && tiles(g.n, "BLOCK_N") % 2 == 1;
        }
    }
    assert_eq!(
        applied.len(),
        gemm_ragged::CONFIGS.len(),
        "a configuration applies at none of the problems: {applied:?}"
    );
    assert!(
        short_k,
        "no split kernel runs where K has fewer slices than splits"
    );
    assert!(idle_partner, "no cluster has a CTA past the matrix");
}
