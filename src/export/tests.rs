//! Tests of the export: the entries prepared from rows of the sdpa_fp8 space (geometry, argument
//! style, the rule of what else each kernel runs, verified against the space), rules that do not
//! hold for a space, kernel ids, and the files written.

use super::*;
use crate::db::{Attention, Problem, TuningRow};
use crate::eval::launch_for;
use crate::space::{self, DeviceLimits};
use crate::template::Template;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The wgmma family's reference configuration (two consumer warpgroups, 128-key tiles).
const WGMMA: &str = "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=128,STAGES=2,NUM_WARPS=1,\
NUM_PRODUCER_WARPS=0,Q_IN_REGS=true,SWIZZLE=64,VT_SWIZZLE=128,VT_STAGES=2,OVERLAP=false,\
ARRIVE=thread,PINGPONG=false,PRODUCER_REGS=40,KV_SPLITS=1,KEY_WARPGROUPS=1,TRANSPOSE=bytes,\
WAIT=spin,PERSISTENT=false,RESCALE=always";

fn problem(text: &str) -> Attention {
    Attention::of_shape(&crate::shape::Shape::parse(text).unwrap())
}

/// A row of `config` of the sdpa_fp8 space at `shape`, naming the space by its absolute path.
fn row(dir: &Path, config: &str, shape: &str) -> TuningRow {
    let mut r = crate::db::tests::row(dir, (1, 1, 1, 1), 12.5, "20270101-000000");
    r.space_path = root()
        .join("search_spaces/sdpa_fp8.toml")
        .display()
        .to_string();
    r.config = config.into();
    r.problem = Problem::Sdpa(problem(shape));
    r.id = Some(7);
    r
}

fn prepared(config: &str, shape: &str) -> Prepared {
    let dir = tempfile::tempdir().unwrap();
    let r = row(dir.path(), config, shape);
    match prepare(&r, &DeviceLimits::hopper(), &mut Spaces::new()).unwrap() {
        PreparedRow::Attention(p) => p,
        PreparedRow::Gemm(p) => panic!("an attention row prepared as {}", p.entry.id),
    }
}

fn mma_default() -> String {
    let space = space::load(&root().join("search_spaces/sdpa_fp8.toml")).unwrap();
    space.default.to_string()
}

/// The tuned row's fields are written inline, after the launch's, in their order; the entry
/// reads back equal.
#[test]
fn an_entry_writes_its_tuned_row_inline_and_reads_back() {
    let e = prepared(&mma_default(), "2,8,512,64").entry;
    let text = serde_json::to_string(&e).unwrap();
    let at = |key: &str| {
        text.find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key}"))
    };
    let order = [
        "accepts",
        "kernel_p50_us",
        "ci_us",
        "registers",
        "spill_bytes",
        "config",
    ];
    let tail = ["row_id", "recorded_utc", "run_dir"];
    let keys: Vec<usize> = order.iter().chain(&tail).map(|k| at(k)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(!text.contains("\"tuned\""), "{text}");
    assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), e);
}

#[test]
fn the_mma_default_serves_plain_problems_of_its_head_dim_and_load_width() {
    let p = prepared(&mma_default(), "2,8,512,64");
    let e = &p.entry;
    assert_eq!(
        (e.id.as_str(), e.family.as_str()),
        ("b2_h8_s512_d64", "mma")
    );
    assert_eq!((e.args.as_str(), e.tma), ("pointers", None));
    assert_eq!((e.grid, e.block[0]), ([8, 16, 1], 128));
    assert_eq!(
        (e.cubin.as_str(), e.tuned.row_id),
        ("kernels/b2_h8_s512_d64.cubin", Some(7))
    );
    let a = &e.accepts;
    assert!(a.reuse, "{}", a.note);
    assert_eq!((a.d_pad, a.d_load_bytes, a.plain_only), (64, 16, true));
    assert!(a.check(&problem("4,16,1000,48")).is_ok());
    for (other, why) in [
        ("2,8,512,128", "pads to 128"),
        ("2,8,512,56", "not a multiple of 16"),
        ("2,8,512,64,causal", "plain problems only"),
        ("2,8,512,64,kv_heads=2", "plain problems only"),
    ] {
        let err = a.check(&problem(other)).unwrap_err();
        assert!(err.contains(why), "{other}: {err}");
    }
    assert_eq!(a.grid(&problem("4,16,1000,48"), 132), [16, 64, 1]);
    assert!(p.source.contains("sdpa_fp8_fwd"));
    let narrow = prepared(&mma_default(), "2,8,512,100").entry.accepts;
    assert!(narrow.reuse, "{}", narrow.note);
    assert!(narrow.check(&problem("2,8,512,124")).is_ok());
    let err = narrow.check(&problem("2,8,512,112")).unwrap_err();
    assert!(
        err.contains("loads 16 bytes at a time, the kernel 4"),
        "{err}"
    );
}

#[test]
fn a_causal_gqa_wgmma_kernel_runs_other_lengths_with_its_mask_only() {
    let p = prepared(WGMMA, "1,8,1024,128,causal,kv_heads=2,kv_len=2048");
    let e = &p.entry;
    assert_eq!(e.id, "b1_h8_s1024_d128_causal_kvh2_kvl2048");
    assert_eq!(e.args, "tensor_maps");
    assert_eq!(
        e.tma,
        Some(TmaBoxes {
            swizzle: 64,
            q_rows: 128,
            kv_rows: 128
        })
    );
    assert_eq!((e.grid, e.block[0]), ([8, 8, 1], 384));
    let a = &e.accepts;
    assert!(a.reuse, "{}", a.note);
    assert!((a.causal, a.d_multiple_of, a.plain_only) == (true, 16, false));
    assert!(a
        .check(&problem("3,32,333,112,causal,kv_heads=8,kv_len=999"))
        .is_ok());
    let err = a.check(&problem("1,8,1024,128,kv_heads=2")).unwrap_err();
    assert!(err.contains("non-causal, the kernel causal"), "{err}");
    let err = a.check(&problem("1,8,1024,120,causal")).unwrap_err();
    assert!(err.contains("not a multiple of 16"), "{err}");
}

#[test]
fn persistent_and_key_split_grids_follow_the_space() {
    let persistent = WGMMA.replace("PERSISTENT=false", "PERSISTENT=true,Q_RELEASE=item");
    let a = prepared(&persistent, "8,16,8192,128").entry.accepts;
    assert!(a.reuse && a.persistent, "{}", a.note);
    assert_eq!(a.grid(&problem("8,16,8192,128"), 132), [132, 1, 1]);
    assert_eq!(a.grid(&problem("1,1,200,128"), 132), [2, 1, 1]);
    let split = WGMMA
        .replace("BLOCK_M=128", "BLOCK_M=64")
        .replace("KV_SPLITS=1", "KV_SPLITS=2");
    let e = prepared(&split, "2,8,512,64").entry;
    assert!(e.accepts.reuse, "{}", e.accepts.note);
    assert_eq!(e.grid, [8, 16, 2]);
    let err = e.accepts.check(&problem("2,8,100,64")).unwrap_err();
    assert!(err.contains("2 key splits over 1 key tiles"), "{err}");
}

#[test]
fn probes_cover_every_head_dim_of_the_padding_and_ragged_lengths() {
    let p = problem("2,8,512,100,causal,kv_heads=2,kv_len=600");
    let probes = probes(&p, 128);
    let dims: Vec<usize> = probes.iter().map(|q| q.head_dim).collect();
    assert!((97..=128).all(|d| dims.contains(&d)), "{dims:?}");
    assert!(probes.iter().any(|q| q.seq_len == 65 && q.kv_len == 153));
    assert!(probes.iter().all(|q| q.heads % q.kv_heads == 0));
}

/// A toy space in `dir` whose template is `template` and whose grid's x is `grid_x`.
fn toy(dir: &Path, template: &str, grid_x: &str) -> (space::SearchSpace, Template) {
    std::fs::write(dir.join("t.cu.tera"), template).unwrap();
    let text = format!(
        "name = \"t\"\ntemplate = \"t.cu.tera\"\nkernel = \"k\"\n[params.BLOCK_M]\nvalues = \
         [64]\n[params.BLOCK_N]\nvalues = [64]\n[derived]\nD_PAD = \"((D + 31) / 32) * 32\"\n\
         LOAD_BYTES = \"if(D % 16 == 0, 16, 4)\"\nGRID_X = \"{grid_x}\"\nGRID_Y = \"B * H\"\n\
         THREADS = \"128\"\nSMEM_BYTES = \"BLOCK_M * D_PAD\"\n[default]\nBLOCK_M = 64\n\
         BLOCK_N = 64\n"
    );
    let path: PathBuf = dir.join("t.toml");
    std::fs::write(&path, text).unwrap();
    let space = space::load(&path).unwrap();
    let template = Template::for_space(&space).unwrap();
    (space, template)
}

/// The rule of the toy space's default at 2,8,512,64, verified.
fn toy_rule(template: &str, grid_x: &str) -> Accepts {
    let dir = tempfile::tempdir().unwrap();
    let (space, t) = toy(dir.path(), template, grid_x);
    let limits = DeviceLimits::hopper();
    let p = problem("2,8,512,64");
    let point = space.evaluate(&space.default, &p.shape(), &limits).unwrap();
    let source = t.render(&space, &point, &p.shape(), &limits).unwrap();
    let launch = launch_for(&space, &point).unwrap();
    let mut a = Accepts::of(&point, &launch, &p).unwrap();
    a.verify(&Tuned {
        space: &space,
        template: &t,
        limits: &limits,
        config: &space.default,
        problem: p,
        source: &source,
        launch: &launch,
    });
    a
}

#[test]
fn a_kernel_whose_source_or_grid_depends_on_more_serves_its_own_problem_only() {
    let ok = toy_rule("k D_PAD={{ D_PAD }}", "(S + BLOCK_M - 1) / BLOCK_M");
    assert!(ok.reuse, "{}", ok.note);
    let source = toy_rule("k S={{ S }}", "(S + BLOCK_M - 1) / BLOCK_M");
    assert!(!source.reuse);
    assert!(
        source
            .note
            .starts_with("at 2,8,1,64: the template renders other source"),
        "{}",
        source.note
    );
    let grid = toy_rule("k", "S / BLOCK_M + 1");
    assert!(!grid.reuse);
    assert!(
        grid.note.starts_with("at 2,8,512,64: the space launches"),
        "{}",
        grid.note
    );
}

#[test]
fn an_invalid_or_unreadable_row_says_why_it_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut spaces = Spaces::new();
    let limits = DeviceLimits::hopper();
    let causal_mma = row(dir.path(), &mma_default(), "2,8,512,64,causal");
    let err = prepare(&causal_mma, &limits, &mut spaces).unwrap_err();
    assert!(
        err.contains("breaks the space's constraints on sm_90a"),
        "{err}"
    );
    let mut gone = causal_mma.clone();
    gone.space_path = dir.path().join("gone.toml").display().to_string();
    let err = prepare(&gone, &limits, &mut spaces).unwrap_err();
    assert!(err.contains("gone.toml"), "{err}");
}

#[test]
fn the_folder_holds_the_table_the_header_the_kernels_and_the_package() {
    let entry = prepared(&mma_default(), "2,8,512,64").entry;
    let table = DispatchTable {
        format: FORMAT.into(),
        version: VERSION,
        device: "NVIDIA H200 */".into(),
        arch: "sm_90a".into(),
        sm_count: 132,
        nvrtc: "13.0".into(),
        evotune_commit: "abc".into(),
        database: "t.db".into(),
        tolerance: DispatchTable::default_tolerance(),
        arguments: ARGUMENTS.iter().map(|a| a.to_string()).collect(),
        entries: vec![entry],
        gemm: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let kernel = KernelFiles {
        id: "b2_h8_s512_d64".into(),
        source: "// source".into(),
        cubin: Arc::new(vec![1, 2, 3]),
    };
    write_all(dir.path(), &table, &[kernel]).unwrap();
    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert_eq!(
        DispatchTable::read(&dir.path().join("dispatch.json")).unwrap(),
        table
    );
    let header = read("dispatch.h");
    assert!(header.contains("NVIDIA H200 * / (sm_90a)"), "{header}");
    assert!(header.contains("{ \"b2_h8_s512_d64\", \"kernels/b2_h8_s512_d64.cubin\", \"sdpa_fp8_fwd\", \"mma\", EVOTUNE_ARGS_POINTERS,"), "{header}");
    assert!(header.contains("{ 2, 8, 512, 64, 0, 8, 512 },"), "{header}");
    assert!(header.contains("{8, 16, 1}, {128, 1, 1},"), "{header}");
    assert_eq!(read("kernels/b2_h8_s512_d64.cu"), "// source");
    assert!(read("python/evotune_kernels/__init__.py").contains("def sdpa_fp8("));
    assert!(read("python/check.py").contains("scaled_dot_product_attention"));
}
