//! Every valid point of the sdpa_fp8 space renders, and no two render the same kernel source:
//! the compile test (tests/cli.rs) compiles a sample of the points; this covers all of them
//! without NVRTC.

use evotune::shape::Shape;
use evotune::space::{self, DeviceLimits};
use evotune::template::Template;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

/// The space and the recorded landscapes' spaces (which `--replay` and search-bench take).
const SDPA_SPACES: [&str; 5] = [
    "search_spaces/sdpa_fp8.toml",
    "data/landscapes/sdpa_fp8_mma.toml",
    "data/landscapes/sdpa_fp8_both.toml",
    "data/landscapes/sdpa_fp8_splits.toml",
    "data/landscapes/sdpa_fp8_wgmma64_keywgs.toml",
];

#[test]
fn every_valid_sdpa_fp8_point_renders_a_distinct_kernel() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = space::load(&root.join("search_spaces/sdpa_fp8.toml")).unwrap();
    let shape = Shape::parse("2,8,512,64").unwrap();
    let limits = DeviceLimits::hopper();
    let template = Template::for_space(&space).unwrap();
    let points = space.valid_points(&shape, &limits).unwrap();
    assert!(points.len() > 30_000, "{} valid points", points.len());
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for (i, point) in points.iter().enumerate() {
        let source = template
            .render(&space, point, &shape, &limits)
            .unwrap_or_else(|e| panic!("{:?}: {e}", point.config));
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

/// Below sm_90 only what compiles there is valid: at sm_89 the mma family without producer
/// warps (FP8 mma.sync needs sm_89, the producers' mbarrier try_wait sm_90), at sm_80 nothing.
#[test]
fn older_archs_admit_only_points_that_compile_there() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shape = Shape::parse("2,8,512,64").unwrap();
    let sm89 = DeviceLimits::for_arch("sm_89").unwrap();
    let sm80 = DeviceLimits::for_arch("sm_80").unwrap();
    for file in SDPA_SPACES {
        let space = space::load(&root.join(file)).unwrap();
        let points = space.valid_points(&shape, &sm89).unwrap();
        for point in &points {
            let get = |name: &str| point.config.get(name).map(|v| v.to_string());
            assert!(
                matches!(get("FAMILY").as_deref(), None | Some("mma")),
                "{file}: {:?}",
                point.config
            );
            assert_eq!(get("NUM_PRODUCER_WARPS").as_deref(), Some("0"), "{file}");
        }
        assert!(
            space.valid_points(&shape, &sm80).unwrap().is_empty(),
            "{file}"
        );
    }
}

/// Regression: the templates, the space files (the recorded landscapes' too) and the report
/// cited DESIGN.md and HOPPER_FP8.md, which the repository does not hold. Every `NAME.md` they
/// cite must exist at its root.
#[test]
fn the_templates_space_and_report_cite_only_documents_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let others = [
        "kernel_templates/sdpa_fp8_mma.cu.tera",
        "kernel_templates/sdpa_fp8_wgmma.cu.tera",
        "kernel_templates/gemm_fp8_wgmma.cu.tera",
        "search_spaces/gemm_fp8.toml",
        "src/report/roofline.rs",
    ];
    for file in others.into_iter().chain(SDPA_SPACES) {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for cited in cited_documents(&text) {
            assert!(root.join(&cited).is_file(), "{file} cites {cited}");
        }
    }
    assert_eq!(cited_documents("see DESIGN.md, x.md"), ["DESIGN.md"]);
}

/// Words like `README.md` or `BENCHMARKS.md`: capitals, digits and underscores before `.md`.
fn cited_documents(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .filter_map(|w| w.strip_suffix(".md"))
        .filter(|stem| {
            !stem.is_empty()
                && stem
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(|stem| format!("{stem}.md"))
        .collect()
}

/// A causal grouped-query problem with a longer key sequence: only the wgmma family is valid,
/// and its kernels are rendered for the mask (CAUSAL true), while the plain problem's are not.
#[test]
fn a_causal_gqa_problem_renders_the_masked_wgmma_kernel_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = space::load(&root.join("search_spaces/sdpa_fp8.toml")).unwrap();
    let limits = DeviceLimits::hopper();
    let template = Template::for_space(&space).unwrap();
    let causal = Shape::parse("1,32,777,128,causal,kv_heads=8,kv_len=1000").unwrap();
    let points = space.sample_valid(&causal, &limits, 40, 3).unwrap();
    assert_eq!(points.len(), 40);
    for point in &points {
        let family = point.config.0.get("FAMILY").unwrap().to_string();
        assert!(family.contains("wgmma"), "{:?}", point.config);
        let source = template.render(&space, point, &causal, &limits).unwrap();
        assert!(
            source.contains("constexpr bool CAUSAL = true;"),
            "{:?}",
            point.config
        );
        let plain = Shape::parse("1,32,777,128").unwrap();
        let source = template.render(&space, point, &plain, &limits).unwrap();
        assert!(source.contains("constexpr bool CAUSAL = false;"));
    }
}

#[path = "ragged/mod.rs"]
mod ragged;

/// The GPU validation test's configurations (tests/ragged) name every parameter that applies to
/// them, and each is a valid point at one of its problems at least: a space change that breaks
/// one fails here, without a GPU.
#[test]
fn the_gpu_validation_configs_parse_and_apply() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = space::load(&root.join("search_spaces/sdpa_fp8.toml")).unwrap();
    let limits = DeviceLimits::hopper();
    for config in ragged::configs() {
        let parsed = space
            .parse_config(&config)
            .unwrap_or_else(|e| panic!("{config}: {e}"));
        let valid = ragged::PROBLEMS.iter().filter(|text| {
            let shape = Shape::parse(text).unwrap();
            space.evaluate(&parsed, &shape, &limits).unwrap().is_valid()
        });
        assert!(
            valid.count() > 0,
            "{config} is valid at none of the problems"
        );
    }
}
