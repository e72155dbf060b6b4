//! Tests of the GEMM part of the export: entries prepared from rows of the gemm_fp8 space (id,
//! geometry and boxes against the space's own evaluation, the rule of the grid and split-K
//! buffers verified at other problems), a rule that does not hold for a toy space, and the
//! table's JSON with and without GEMM kernels.

use super::*;
use crate::db::{Problem, TuningRow};
use crate::eval::{launch_for, KernelArgs};
use crate::op::Gemm;
use crate::space::{self, DeviceLimits};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn gemm(text: &str) -> Gemm {
    text.parse().unwrap()
}

/// A row of `config` of `space` at `problem`.
fn row(dir: &Path, space: &Path, config: &str, problem: &str) -> TuningRow {
    let mut r = crate::db::tests::row(dir, (1, 1, 1, 1), 30.5, "20270101-000000");
    r.space_path = space.display().to_string();
    r.config = config.into();
    r.problem = Problem::Gemm(gemm(problem));
    r.id = Some(9);
    r
}

fn gemm_space() -> std::path::PathBuf {
    root().join("search_spaces/gemm_fp8.toml")
}

fn prepared(config: &str, problem: &str) -> Result<Prepared<GemmEntry>, String> {
    let dir = tempfile::tempdir().unwrap();
    let r = row(dir.path(), &gemm_space(), config, problem);
    match prepare(&r, &DeviceLimits::hopper(), &mut Spaces::new())? {
        PreparedRow::Gemm(p) => Ok(p),
        PreparedRow::Attention(p) => panic!("a GEMM row prepared as {}", p.entry.id),
    }
}

/// The space's own launch of `config` at `problem` on Hopper.
fn space_launch(config: &str, problem: &str) -> crate::eval::Launch {
    let space = space::load(&gemm_space()).unwrap();
    let config = space.parse_config(config).unwrap();
    let point = space
        .evaluate(&config, &gemm(problem), &DeviceLimits::hopper())
        .unwrap();
    launch_for(&space, &point).unwrap()
}

#[test]
fn the_default_is_named_for_its_problem_and_launched_as_the_space_launches_it() {
    let config = space::load(&gemm_space()).unwrap().default.to_string();
    let p = prepared(&config, "4096,4096,128").unwrap();
    let e = &p.entry;
    assert_eq!(e.id, "gemm_m4096_n4096_k128");
    assert_eq!(gemm_id(&gemm("1,64,16")), "gemm_m1_n64_k16");
    assert_eq!(
        (e.label.as_str(), e.family.as_str(), e.entry_point.as_str()),
        ("gemm 4096,4096,128", "gemm_fp8_wgmma", "gemm_fp8")
    );
    assert_eq!(
        (e.cubin.as_str(), e.source.as_str(), e.tuned.row_id),
        (
            "kernels/gemm_m4096_n4096_k128.cubin",
            "kernels/gemm_m4096_n4096_k128.cu",
            Some(9)
        )
    );
    let launch = space_launch(&config, "4096,4096,128");
    assert_eq!(
        (e.grid, e.block, e.smem_bytes, e.cluster),
        (launch.grid, launch.block, launch.smem_bytes, launch.cluster)
    );
    // Persistent: min(132 SMs, 32 · 32 tiles) CTAs.
    assert_eq!(
        (e.grid, e.block[0], e.cluster),
        ([132, 1, 1], 384, [1, 1, 1])
    );
    assert_eq!(
        e.tma,
        GemmBoxes {
            swizzle: 128,
            a_rows: 128,
            b_rows: 128
        }
    );
    assert_eq!((e.workspace_floats, e.counters), (0, 0));
    let r = &e.rule;
    assert!(r.reuse, "{}", r.note);
    assert_eq!(r.grid(&gemm("4096,4096,128"), 132), e.grid);
    assert_eq!(r.grid(&gemm("100,96,107"), 132), [1, 1, 1]);
    assert!(p.source.contains("gemm_fp8("));
}

#[test]
fn a_cluster_and_split_kernel_gives_its_boxes_buffers_and_grid_at_any_problem() {
    let config = "default,CLUSTER_M=2,SPLIT_K=2";
    let p = prepared(config, "1024,1024,4096").unwrap();
    let e = &p.entry;
    let KernelArgs::GemmMaps {
        swizzle,
        a_rows,
        b_rows,
        workspace_floats,
        counters,
    } = space_launch(config, "1024,1024,4096").args
    else {
        panic!("the GEMM space's kernel takes GEMM maps");
    };
    assert_eq!(
        (e.tma.swizzle, e.tma.a_rows, e.tma.b_rows),
        (swizzle, a_rows, b_rows)
    );
    assert_eq!((e.tma.a_rows, e.tma.b_rows), (128, 64));
    assert_eq!(
        (e.workspace_floats, e.counters),
        (u64::from(workspace_floats), u64::from(counters))
    );
    assert_eq!(
        (e.workspace_floats, e.counters),
        (2 * 64 * 128 * 128, 64 * 2)
    );
    // 8 x 8 tiles in clusters of 2 along M: 32 blocks, 2 splits, 2 CTAs each.
    assert_eq!((e.grid, e.cluster), ([128, 1, 1], [2, 1, 1]));
    let r = &e.rule;
    assert!(r.reuse, "{}", r.note);
    assert_eq!(
        (
            r.cluster_m,
            r.cluster_n,
            r.split_k,
            r.persistent,
            r.consumers
        ),
        (2, 1, 2, true, 2)
    );
    // A ragged problem the space itself would not tune this config at (one tile row).
    let ragged = gemm("77,1001,333");
    let launch = space_launch(config, "77,1001,333");
    assert_eq!(r.grid(&ragged, 132), launch.grid);
    assert_eq!(r.grid(&ragged, 132), [2 * 8 * 2, 1, 1]);
    assert_eq!(r.counters(&ragged), 8 * 2);
}

#[test]
fn a_row_the_space_rejects_at_its_problem_says_why_it_is_skipped() {
    // A split where the problem has more tiles than SMs.
    let err = prepared("default,SPLIT_K=2", "4096,4096,4096").unwrap_err();
    assert!(
        err.contains("breaks the space's constraints on sm_90a") && err.contains("SPLIT_K"),
        "{err}"
    );
}

/// A toy GEMM space in `dir` rendering `template`, with the grid's x `grid_x`.
fn toy(dir: &Path, template: &str, grid_x: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("g.cu.tera"), template).unwrap();
    let mut text = String::from(
        "operation = \"gemm\"\nname = \"g\"\ntemplate = \"g.cu.tera\"\nkernel = \"k\"\n",
    );
    let params = [
        ("BLOCK_M", "64"),
        ("BLOCK_N", "64"),
        ("CLUSTER_M", "1"),
        ("CLUSTER_N", "1"),
        ("SPLIT_K", "1"),
        ("CONSUMERS", "1"),
        ("PERSISTENT", "false"),
    ];
    for (name, v) in params {
        text.push_str(&format!("[params.{name}]\nvalues = [{v}]\n"));
    }
    text.push_str("[default]\n");
    for (name, v) in params {
        text.push_str(&format!("{name} = {v}\n"));
    }
    text.push_str(&format!(
        "[derived]\nGRID_X = \"{grid_x}\"\nGRID_Y = \"1\"\nTHREADS = \"128\"\nSMEM_BYTES = \
         \"1024\"\nARGS = \"\\\"gemm_maps\\\"\"\nTMA_SWIZZLE = \"128\"\nTMA_A_ROWS = \
         \"BLOCK_M\"\nTMA_B_ROWS = \"BLOCK_N\"\n"
    ));
    let path = dir.join("g.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The verified rule of the toy space's only point at 1000,1000,256.
fn toy_rule(template: &str, grid_x: &str) -> GemmRule {
    let dir = tempfile::tempdir().unwrap();
    let space = toy(dir.path(), template, grid_x);
    let r = row(dir.path(), &space, "default", "1000,1000,256");
    match prepare(&r, &DeviceLimits::hopper(), &mut Spaces::new()) {
        Ok(PreparedRow::Gemm(p)) => p.entry.rule,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_kernel_whose_source_or_grid_follows_the_problem_otherwise_serves_its_own_only() {
    let tiles = "((M + BLOCK_M - 1) / BLOCK_M) * ((N + BLOCK_N - 1) / BLOCK_N)";
    let ok = toy_rule("k", tiles);
    assert!(ok.reuse, "{}", ok.note);
    let source = toy_rule("k M={{ M }}", tiles);
    assert!(!source.reuse);
    assert!(
        source
            .note
            .starts_with("at gemm 1,64,16: the template renders other source"),
        "{}",
        source.note
    );
    let grid = toy_rule("k", "M / BLOCK_M + 1");
    assert!(!grid.reuse);
    assert!(
        grid.note
            .starts_with("at gemm 1000,1000,256: the space launches"),
        "{}",
        grid.note
    );
}

fn table(gemm: Option<GemmTable>) -> DispatchTable {
    DispatchTable {
        format: FORMAT.into(),
        version: VERSION,
        device: "NVIDIA H200".into(),
        arch: "sm_90a".into(),
        sm_count: 132,
        nvrtc: "13.0".into(),
        evotune_commit: "abc".into(),
        database: "t.db".into(),
        tolerance: DispatchTable::default_tolerance(),
        arguments: ARGUMENTS.iter().map(|a| a.to_string()).collect(),
        entries: Vec::new(),
        gemm,
    }
}

#[test]
fn the_json_holds_a_gemm_list_only_when_there_are_gemm_kernels() {
    let without = serde_json::to_value(table(None)).unwrap();
    assert!(without.get("gemm").is_none(), "{without}");
    let mut old = without.clone();
    old.as_object_mut().unwrap().remove("gemm");
    let read: DispatchTable = serde_json::from_value(old).unwrap();
    assert_eq!(read.gemm_entries(), &[]);
    let config = "default,CLUSTER_N=2,SPLIT_K=2";
    let entry = prepared(config, "1024,1024,4096").unwrap().entry;
    let with = serde_json::to_value(table(Some(GemmTable::of(vec![entry.clone()])))).unwrap();
    let g = &with["gemm"];
    assert_eq!(g["arguments"][0], "a_map");
    assert_eq!(g["arguments"].as_array().unwrap().len(), 10);
    // The GEMM contract's tolerance, not attention's.
    assert_eq!(
        g["tolerance"],
        serde_json::json!({"atol": 0.03, "rtol": 0.015625})
    );
    let e = &g["entries"][0];
    assert_eq!(e["id"], "gemm_m1024_n1024_k4096");
    assert_eq!(
        e["problem"],
        serde_json::json!({"m": 1024, "n": 1024, "k": 4096})
    );
    assert_eq!(e["cluster"], serde_json::json!([2, 1, 1]));
    assert_eq!(
        e["tma"],
        serde_json::json!({"swizzle": 128, "a_rows": 64, "b_rows": 128})
    );
    for key in [
        "block_m",
        "block_n",
        "cluster_m",
        "cluster_n",
        "split_k",
        "persistent",
        "consumers",
        "reuse",
        "note",
    ] {
        assert!(e["rule"].get(key).is_some(), "rule.{key}: {e}");
    }
    let back: DispatchTable = serde_json::from_value(with).unwrap();
    assert_eq!(back.gemm_entries(), &[entry]);
}
