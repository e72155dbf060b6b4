//! Tests of warm starts: the distance, the choice of neighbours (same device, fresh, best per
//! problem, nearest first) and the repair of a config into another space.

use super::*;
use crate::db::{file_hash, BaselineTime};
use crate::shape::Shape;
use crate::space::{parse, DeviceLimits};
use std::path::Path;
use std::sync::Arc;

const SPACE: &str = r#"
name = "toy"
template = "k.cu.tera"
kernel = "k"
constraints = ["BLOCK_M % (16 * WARPS) == 0"]
[params.BLOCK_M]
values = [16, 32, 64, 128]
[params.WARPS]
values = [1, 2, 4]
[params.FAST]
values = [true, false]
[default]
BLOCK_M = 64
WARPS = 2
FAST = true
"#;

fn problem(b: usize, h: usize, s: usize, d: usize) -> Problem {
    Problem::of_shape(&Shape::dense(b, h, s, d))
}

fn row(dir: &Path, id: i64, p: Problem, gpu: &str, p50: f64, config: &str) -> TuningRow {
    let file = dir.join("space.toml");
    if !file.exists() {
        std::fs::write(&file, SPACE).unwrap();
    }
    let hash = file_hash(&file).unwrap();
    TuningRow {
        id: Some(id),
        created_utc: "20260101-000000".into(),
        problem: p,
        gpu: gpu.into(),
        compute_capability: "9.0".into(),
        arch: "sm_90a".into(),
        driver: None,
        cuda: None,
        nvrtc: None,
        host: None,
        space_path: file.display().to_string(),
        space_hash: hash.clone(),
        template_path: file.display().to_string(),
        template_hash: hash,
        overrides: "{}".into(),
        build_commit: None,
        evaluator: "gpu".into(),
        config: config.into(),
        kernel_p50_us: p50,
        ci_lo_us: None,
        ci_hi_us: None,
        call_p50_us: None,
        confirmed_lo_us: None,
        confirmed_hi_us: None,
        confirmed_mean_us: None,
        max_abs: None,
        rel_l2: None,
        rel_l2_vs_full: None,
        trials: 1,
        failures: 0,
        run_dir: "r".into(),
        baselines: Vec::<BaselineTime>::new(),
    }
}

fn space_and_index() -> (SearchSpace, Arc<SpaceIndex>) {
    let space = parse(Path::new("toy.toml"), SPACE).unwrap();
    let shape = Shape::parse("1,1,64,64").unwrap();
    let index = Arc::new(SpaceIndex::new(&space, &shape, &DeviceLimits::hopper()).unwrap());
    (space, index)
}

#[test]
fn distance_weighs_head_dim_double_and_separates_causal() {
    let a = problem(2, 8, 512, 64);
    assert_eq!(distance(&a, &a), 0.0);
    assert_eq!(distance(&a, &problem(4, 8, 512, 64)), 1.0);
    assert_eq!(
        distance(&a, &problem(1, 16, 512, 64)),
        0.0,
        "B·H is what counts"
    );
    assert_eq!(
        distance(&a, &problem(2, 8, 1024, 64)),
        2.0,
        "S and kv_len both double"
    );
    assert_eq!(distance(&a, &problem(2, 8, 512, 128)), 2.0);
    let mut causal = *a.sdpa().unwrap();
    causal.causal = true;
    assert!(distance(&a, &Problem::Sdpa(causal)).is_infinite());
}

#[test]
fn neighbours_are_the_best_fresh_row_of_each_problem_on_the_same_gpu_nearest_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = vec![
        row(
            d,
            1,
            problem(2, 8, 1024, 64),
            "H200",
            9.0,
            "BLOCK_M=64,WARPS=2,FAST=true",
        ),
        row(
            d,
            2,
            problem(2, 8, 1024, 64),
            "H200",
            8.0,
            "BLOCK_M=32,WARPS=2,FAST=true",
        ),
        row(
            d,
            3,
            problem(2, 8, 512, 128),
            "H200",
            5.0,
            "BLOCK_M=128,WARPS=4,FAST=false",
        ),
        row(
            d,
            4,
            problem(2, 8, 512, 64),
            "H100",
            1.0,
            "BLOCK_M=16,WARPS=1,FAST=true",
        ),
        row(
            d,
            5,
            problem(16, 8, 512, 64),
            "H200",
            4.0,
            "BLOCK_M=16,WARPS=1,FAST=false",
        ),
    ];
    let mut stale = row(
        d,
        6,
        problem(2, 8, 512, 64),
        "H200",
        0.5,
        "BLOCK_M=16,WARPS=1,FAST=true",
    );
    stale.template_hash = "0".repeat(64);
    let mut all = rows.clone();
    all.push(stale);
    let target = problem(2, 8, 512, 64);
    let got: Vec<(i64, f64)> = nearest(&all, &target, "H200", &mut FreshnessCheck::new())
        .iter()
        .map(|(r, d)| (r.id.unwrap(), *d))
        .collect();
    assert_eq!(
        got,
        vec![(3, 2.0), (2, 2.0), (5, 3.0)],
        "ties go to the faster row"
    );
    let (space, index) = space_and_index();
    let seeds = warm_seeds(&all, &target, "H200", &space, &index, 2);
    assert_eq!(seeds.len(), 2);
    assert_eq!(seeds[0].config, "BLOCK_M=128,FAST=false,WARPS=4");
    assert_eq!(seeds[0].from, "row 3: 2,8,512,128, 5.000 µs, distance 2.00");
    let genomes = seed_genomes(&seeds, &space, &index);
    assert_eq!(genomes.len(), 2);
}

#[test]
fn a_config_from_another_space_is_moved_to_the_nearest_valid_point() {
    let (space, index) = space_and_index();
    let label = |text: &str| {
        index
            .config(&repair_config(text, &space, &index).unwrap())
            .to_string()
    };
    assert_eq!(
        label("BLOCK_M=32,WARPS=2,FAST=false"),
        "BLOCK_M=32,FAST=false,WARPS=2"
    );
    // 96 is no value of BLOCK_M: the nearest (64, the smaller on a tie with 128) is taken;
    // a parameter the row lacks takes the default's; one the space lacks is dropped.
    assert_eq!(
        label("BLOCK_M=96,WARPS=4,OLD=1"),
        "BLOCK_M=64,FAST=true,WARPS=4"
    );
    // BLOCK_M=16 with 4 warps breaks a constraint: the nearest valid point is taken.
    let fixed = label("BLOCK_M=16,WARPS=4,FAST=true");
    assert!(fixed != "BLOCK_M=16,FAST=true,WARPS=4", "{fixed}");
    assert!(repair_config("not a config", &space, &index).is_none());
}

#[test]
fn seeds_are_one_per_neighbour_and_never_more_than_half_the_population() {
    assert_eq!(seed_count(NEIGHBOURS, 16), 3);
    assert_eq!(seed_count(12, 16), 8);
    assert_eq!(seed_count(3, 4), 2);
    assert_eq!(seed_count(3, 1), 1, "at least one");
}

#[test]
fn a_neighbour_whose_config_repairs_onto_an_earlier_seed_gives_way_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 96 repairs to 64: the second problem's config becomes the first's.
    let rows: Vec<TuningRow> = [
        (1, 2, "BLOCK_M=64,WARPS=2,FAST=true"),
        (2, 4, "BLOCK_M=96,WARPS=2,FAST=true"),
        (3, 8, "BLOCK_M=32,WARPS=1,FAST=true"),
    ]
    .into_iter()
    .map(|(id, b, config)| row(d, id, problem(b, 8, 1024, 64), "H200", 9.0, config))
    .collect();
    let (space, index) = space_and_index();
    let seeds = warm_seeds(&rows, &problem(2, 8, 512, 64), "H200", &space, &index, 2);
    let from: Vec<&str> = seeds.iter().map(|s| &s.from[..5]).collect();
    assert_eq!(from, ["row 1", "row 3"]);
}
