//! Tests of space parsing, evaluation, enumeration and the errors a bad file gets.

use super::*;
use crate::shape::Shape;
use std::path::{Path, PathBuf};

const TOY: &str = r#"
name = "toy"
template = "toy.cu.tera"
kernel = "toy"
constraints = [
  "BLOCK_M % (16 * WARPS) == 0",
  "SMEM <= MAX_SMEM_PER_BLOCK",
  "FAMILY == \"a\" || ARCH_SPECIFIC",
]

[params.BLOCK_M]
values = [16, 32, 64]
doc = "rows per block"
[params.WARPS]
values = [1, 2, 4]
[params.FAST]
values = [true, false]
[params.FAMILY]
values = ["a", "b"]

[derived]
THREADS = "WARPS * 32"
SMEM = "BLOCK_M * D * 2"


[default]
BLOCK_M = 32
WARPS = 2
FAST = true
FAMILY = "a"
"#;

pub(super) fn toy() -> SearchSpace {
    parse(Path::new("spaces/toy.toml"), TOY).unwrap()
}

pub(super) fn shape() -> Shape {
    Shape::parse("1,1,128,64").unwrap()
}

#[test]
fn reads_params_derived_constraints_and_default() {
    let s = toy();
    assert_eq!(s.params.len(), 4);
    assert_eq!(s.param("FAMILY").unwrap().domain.len(), 2);
    assert_eq!(s.template, Path::new("spaces/toy.cu.tera"));
    assert_eq!(
        s.default.to_string(),
        "BLOCK_M=32,FAMILY=a,FAST=true,WARPS=2"
    );
    assert_eq!(s.raw_size(), 36);
}

#[test]
fn census_counts_points_that_satisfy_every_constraint() {
    let s = toy();
    let census = s.census(&shape(), &DeviceLimits::hopper()).unwrap();
    // BLOCK_M % (16*WARPS): 16->{1}, 32->{1,2}, 64->{1,2,4} = 6 pairs, x2 FAST x2 FAMILY.
    assert_eq!(census.valid, 24);
    let plain = DeviceLimits::for_arch("sm_90").unwrap();
    assert_eq!(s.census(&shape(), &plain).unwrap().valid, 12);
}

#[test]
fn derived_values_and_violations_are_reported() {
    let s = toy();
    let c = s
        .parse_config("BLOCK_M=16,WARPS=4,FAST=false,FAMILY=b")
        .unwrap();
    let p = s.evaluate(&c, &shape(), &DeviceLimits::hopper()).unwrap();
    assert_eq!(p.derived["THREADS"], Value::Int(128));
    assert_eq!(p.derived["SMEM"], Value::Int(16 * 64 * 2));
    assert_eq!(p.violated, vec!["BLOCK_M % (16 * WARPS) == 0".to_string()]);
}

#[test]
fn config_errors_name_the_key() {
    let s = toy();
    let unknown = s.parse_config("BLOCK_M=16,WARPS=1,FAST=true,FAMILY=a,NOPE=1");
    assert!(unknown.unwrap_err().to_string().contains("'NOPE'"));
    let missing = s.parse_config("BLOCK_M=16,WARPS=1,FAST=true");
    assert!(missing.unwrap_err().to_string().contains("FAMILY"));
    let bad = s.parse_config("BLOCK_M=17,WARPS=1,FAST=true,FAMILY=a");
    assert!(bad.unwrap_err().to_string().contains("BLOCK_M=17"));
    assert_eq!(s.parse_config("default").unwrap(), s.default);
}

#[test]
fn a_constraint_naming_an_unknown_parameter_names_file_expression_and_name() {
    let text = TOY.replace("SMEM <= MAX_SMEM_PER_BLOCK", "SMEM <= MAX_SMEMS");
    let err = parse(Path::new("spaces/bad.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("spaces/bad.toml"), "{err}");
    assert!(err.contains("'SMEM <= MAX_SMEMS'"), "{err}");
    assert!(err.contains("'MAX_SMEMS'"), "{err}");
}

#[test]
fn a_derived_value_may_not_use_one_declared_below_it() {
    let text = TOY.replace("THREADS = \"WARPS * 32\"", "THREADS = \"SMEM / 2\"");
    let err = parse(Path::new("t.toml"), &text).unwrap_err().to_string();
    assert!(err.contains("unknown 'SMEM'"), "{err}");
}

#[test]
fn malformed_files_are_errors_naming_the_file() {
    for text in [
        "name = ",
        &TOY.replace("values = [1, 2, 4]", "values = [1, true]"),
        &TOY.replace("values = [1, 2, 4]", "values = []"),
        &TOY.replace("WARPS = 2\n", "WARPS = 3\n"),
    ] {
        let err = parse(Path::new("x/bad.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("x/bad.toml"), "{err}");
    }
}

#[test]
fn sampling_is_seeded_and_within_the_valid_set() {
    let s = toy();
    let limits = DeviceLimits::hopper();
    let a = s.sample_valid(&shape(), &limits, 5, 7).unwrap();
    let b = s.sample_valid(&shape(), &limits, 5, 7).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 5);
    assert!(a.iter().all(Point::is_valid));
    assert_eq!(
        s.sample_valid(&shape(), &limits, 1000, 7).unwrap().len(),
        24
    );
}

const FAMILIES: &str = r#"
name = "fam"
template = "k_{FAMILY}.cu.tera"
kernel = "k"
[params.FAMILY]
values = ["a", "b"]
[params.X]
values = [1, 2, 3]
when = "FAMILY == \"b\""
[params.Y]
values = [false, true]
when = "FAMILY == \"b\" && X > 1"
[default]
FAMILY = "a"
X = 1
Y = false
"#;

#[test]
fn a_conditional_parameter_is_pinned_where_its_when_is_false() {
    let s = parse(Path::new("d/fam.toml"), FAMILIES).unwrap();
    let limits = DeviceLimits::hopper();
    // a: X, Y pinned (1 point); b: X=1 with Y pinned, X=2 and 3 with both Y (1 + 4 points).
    let census = s.census(&shape(), &limits).unwrap();
    assert_eq!((census.raw, census.valid), (6, 6));
    assert_eq!(s.raw_size(), 12);
    let pinned = s.parse_config("FAMILY=a,X=2,Y=false").unwrap();
    let p = s.evaluate(&pinned, &shape(), &limits).unwrap();
    assert_eq!(p.violated, vec!["(FAMILY == \"b\") || X == 1".to_string()]);
    let configs: Vec<String> = PointIter::new(&s).map(|c| c.to_string()).collect();
    assert_eq!(configs[0], "FAMILY=a,X=1,Y=false");
    assert_eq!(configs[1], "FAMILY=b,X=1,Y=false");
    assert_eq!(configs.len(), 6);
}

/// The valid points as the full walk gives them, each point checked against every constraint:
/// what the pruned walk must reproduce, in order, with the same derived values. Its digits
/// (each value's index in its domain) must name the same points, in the same order, the walk
/// that stops at the first valid point must find one exactly when there is one, and the census
/// must count what checking every point counts.
fn checked_one_by_one(s: &SearchSpace, shape: &Shape, limits: &DeviceLimits) -> Vec<Point> {
    let points: Vec<Point> = PointIter::new(s)
        .map(|c| s.evaluate(&c, shape, limits).unwrap())
        .filter(Point::is_valid)
        .collect();
    let named: Vec<Config> = s
        .valid_digits(shape, limits)
        .unwrap()
        .iter()
        .map(|digits| s.config_of_digits(digits))
        .collect();
    let configs: Vec<Config> = points.iter().map(|p| p.config.clone()).collect();
    assert!(named == configs, "the digits name other points");
    assert_eq!(
        s.has_valid_point(shape, limits).unwrap(),
        !points.is_empty()
    );
    assert_eq!(
        s.census(shape, limits).unwrap(),
        census_one_by_one(s, shape, limits)
    );
    points
}

/// The census as the full walk counts it, every constraint checked at every point.
fn census_one_by_one(s: &SearchSpace, shape: &Shape, limits: &DeviceLimits) -> Census {
    let mut census = Census {
        raw: 0,
        valid: 0,
        rejected_by: s.constraints.iter().map(|c| (c.text.clone(), 0)).collect(),
    };
    for config in PointIter::new(s) {
        let point = s.evaluate(&config, shape, limits).unwrap();
        census.raw += 1;
        census.valid += usize::from(point.is_valid());
        for (text, count) in census.rejected_by.iter_mut() {
            *count += usize::from(point.violated.contains(text));
        }
    }
    census
}

#[test]
fn the_pruned_walk_gives_the_full_walks_valid_points_in_order() {
    let s = parse(Path::new("d/fam.toml"), FAMILIES).unwrap();
    let limits = DeviceLimits::hopper();
    let pruned = s.valid_points(&shape(), &limits).unwrap();
    assert_eq!(pruned, checked_one_by_one(&s, &shape(), &limits));
    assert_eq!(pruned.len(), 6);
}

/// The same on the project's space (narrowed to a few thousand raw points so that the full walk
/// stays quick), at problems whose constraints cut differently: head dims, causal, grouped heads.
#[test]
fn the_pruned_walk_matches_the_full_walk_on_the_sdpa_space() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("search_spaces/sdpa_fp8.toml");
    let s = load(&path).unwrap();
    let sets = [
        "BLOCK_N=64,192",
        "STAGES=2",
        "PRODUCER_REGS=40",
        "SWIZZLE=64,128",
        "VT_SWIZZLE=32,128",
        "WAIT=spin",
    ]
    .map(String::from);
    let narrow = s.restrict(&s.overrides_from_sets(&sets).unwrap()).unwrap();
    let hopper = DeviceLimits::hopper();
    for problem in [
        "2,8,512,64",
        "1,32,300,128,causal,kv_heads=8",
        "3,5,777,96",
        "1,4,63,256",
    ] {
        let shape = Shape::parse(problem).unwrap();
        let pruned = narrow.valid_points(&shape, &hopper).unwrap();
        assert!(!pruned.is_empty(), "{problem}");
        assert!(
            pruned == checked_one_by_one(&narrow, &shape, &hopper),
            "{problem}: the pruned walk differs from the full walk"
        );
    }
    // No valid point: TMA cannot stride D = 107, and only the wgmma family is left.
    let mut wgmma_sets = sets.to_vec();
    wgmma_sets.push("FAMILY=wgmma".into());
    let wgmma = s
        .restrict(&s.overrides_from_sets(&wgmma_sets).unwrap())
        .unwrap();
    let d107 = Shape::parse("1,2,300,107").unwrap();
    assert!(checked_one_by_one(&wgmma, &d107, &hopper).is_empty());
}

#[test]
fn a_when_may_name_only_parameters_declared_above() {
    let text = FAMILIES.replace("when = \"FAMILY == \\\"b\\\"\"", "when = \"Y\"");
    let err = parse(Path::new("d/fam.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a parameter declared above X"), "{err}");
}

#[test]
fn the_template_path_names_a_parameter_per_point() {
    let s = parse(Path::new("d/fam.toml"), FAMILIES).unwrap();
    let b = s.parse_config("FAMILY=b,X=2,Y=true").unwrap();
    assert_eq!(s.template_for(&b), Path::new("d/k_b.cu.tera"));
    assert_eq!(
        s.template_paths(),
        vec![
            PathBuf::from("d/k_a.cu.tera"),
            PathBuf::from("d/k_b.cu.tera")
        ]
    );
    let text = FAMILIES.replace("k_{FAMILY}", "k_{FAMLY}");
    let err = parse(Path::new("d/fam.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("'{FAMLY}', which is not a parameter"), "{err}");
}

/// The sdpa_fp8 space: both families valid on sm_90a, the wgmma family excluded elsewhere, and
/// every D of the contract served by one family or the other. Each family is its own restricted
/// space (`--set FAMILY=...`); "some point is valid" stops at the first one, so only the counts
/// and the "none" checks walk a family in full.
#[test]
fn sdpa_fp8_families_by_arch_and_head_dim() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("search_spaces/sdpa_fp8.toml");
    let s = load(&path).unwrap();
    let family = |name: &str| {
        let o = s.overrides_from_sets(&[format!("FAMILY={name}")]).unwrap();
        s.restrict(&o).unwrap()
    };
    let (mma, wgmma) = (family("mma"), family("wgmma"));
    let at = |shape: &str| Shape::parse(shape).unwrap();
    let hopper = DeviceLimits::for_arch("sm_90a").unwrap();
    let count = |f: &SearchSpace| f.valid_points(&at("2,8,512,64"), &hopper).unwrap().len();
    assert_eq!(count(&mma), 300);
    let n = count(&wgmma);
    assert!(n >= 3000, "{n}");
    let sm90 = DeviceLimits::for_arch("sm_90").unwrap();
    assert!(!wgmma.has_valid_point(&at("2,8,512,64"), &sm90).unwrap());
    let serves = |f: &SearchSpace, d: &str| {
        f.has_valid_point(&at(&format!("1,2,300,{d}")), &hopper)
            .unwrap()
    };
    for d in ["96", "256"] {
        assert!(serves(&mma, d) && serves(&wgmma, d), "D={d}");
    }
    // D not a multiple of 16: TMA cannot stride it, the mma family serves it.
    assert!(serves(&mma, "107") && !serves(&wgmma, "107"), "D=107");
}

/// `--config default,K=V`: the default with some parameters changed; a parameter the change
/// makes inactive takes its pinned value, so the point keeps the space's spelling.
#[test]
fn a_partial_config_takes_the_default_for_the_rest() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("search_spaces/sdpa_fp8.toml");
    let s = load(&path).unwrap();
    let c = s.parse_config("default, BLOCK_N=128").unwrap();
    let mut want = s.default.clone();
    want.set("BLOCK_N", Value::Int(128));
    assert_eq!(c, want);
    let w = s.parse_config("default,FAMILY=wgmma").unwrap();
    assert_eq!(w.int("NUM_WARPS"), Some(1), "pinned: {w}");
    assert_eq!(w.get("Q_IN_REGS"), Some(&Value::Bool(true)));
    let p = s
        .evaluate(
            &w,
            &Shape::parse("2,8,512,64").unwrap(),
            &DeviceLimits::hopper(),
        )
        .unwrap();
    // Pin constraints read "(when) || NAME == first"; none may be broken.
    assert!(
        p.violated.iter().all(|v| !v.starts_with('(')),
        "{:?}",
        p.violated
    );
    for (text, expect) in [
        ("default,BLOCK_N=7", "BLOCK_N=7 is not one of"),
        ("default,BLOCK_N=64,BLOCK_N=128", "'BLOCK_N' is given twice"),
        ("default,NOPE=1", "unknown parameter 'NOPE'"),
        ("BLOCK_N=64", "or start with `default,`"),
    ] {
        let err = s.parse_config(text).unwrap_err().to_string();
        assert!(
            err.starts_with("config ") && err.contains(expect),
            "{text}: {err}"
        );
    }
}

fn sdpa_fp8() -> SearchSpace {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("search_spaces/sdpa_fp8.toml")).unwrap()
}

/// The names a `K=V,...` text gives.
fn names_in(text: &str) -> Vec<String> {
    Config::split_pairs(text)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// Regression: a report row of a wgmma point listed the mma family's parameters too
/// (`NUM_WARPS`, `NUM_PRODUCER_WARPS`, `Q_IN_REGS`), and those whose own `when` is false. The
/// point's active text leaves them out, and it parses back to the same point.
#[test]
fn the_active_text_of_a_wgmma_point_leaves_out_inactive_parameters_and_parses_back() {
    let s = sdpa_fp8();
    let w = s.parse_config("default,FAMILY=wgmma,BLOCK_M=128").unwrap();
    let text = s.active_text(&w).unwrap();
    let names = names_in(&text);
    for gone in [
        "NUM_WARPS",
        "NUM_PRODUCER_WARPS",
        "Q_IN_REGS",
        "KV_SPLITS",
        "KEY_WARPGROUPS",
    ] {
        assert!(!names.iter().any(|n| n == gone), "{gone} in {text}");
    }
    for kept in [
        "FAMILY",
        "BLOCK_M",
        "SWIZZLE",
        "PINGPONG",
        "PERSISTENT",
        "PRODUCER_REGS",
    ] {
        assert!(names.iter().any(|n| n == kept), "{kept} not in {text}");
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "name order, as a config's Display");
    assert_eq!(s.parse_config(&text).unwrap(), w);
    let mma = s.active_text(&s.default).unwrap();
    assert!(!names_in(&mma).iter().any(|n| n == "SWIZZLE"), "{mma}");
    assert_eq!(s.parse_config(&mma).unwrap(), s.default);
}

/// Every point of a space with conditional parameters reads back from its active text; a
/// config that does not set exactly the space's parameters has none.
#[test]
fn every_point_reads_back_from_its_active_text() {
    let s = parse(Path::new("d/fam.toml"), FAMILIES).unwrap();
    for point in PointIter::new(&s) {
        let text = s.active_text(&point).unwrap();
        assert_eq!(s.parse_config(&text).unwrap(), point, "{text}");
    }
    let a = s.parse_config("FAMILY=a").unwrap();
    assert_eq!(a.to_string(), "FAMILY=a,X=1,Y=false");
    assert_eq!(s.active_text(&a).unwrap(), "FAMILY=a");
    let mut other = a.clone();
    other.set("Z", Value::Int(1));
    assert_eq!(s.active_text(&other), None);
    // An inactive parameter off its pinned value (not a valid point) stays in the text.
    let off = s.parse_config("FAMILY=a,X=2,Y=false").unwrap();
    assert_eq!(s.active_text(&off).unwrap(), "FAMILY=a,X=2");
}

/// Leaving a parameter out is allowed only where it is inactive: a text without an active one
/// is refused, naming it.
#[test]
fn a_text_without_an_active_parameter_is_refused_naming_it() {
    let s = sdpa_fp8();
    let w = s.parse_config("default,FAMILY=wgmma,BLOCK_M=128").unwrap();
    let text = s.active_text(&w).unwrap();
    let without: Vec<&str> = text
        .split(',')
        .filter(|kv| !kv.starts_with("PINGPONG="))
        .collect();
    let err = s.parse_config(&without.join(",")).unwrap_err().to_string();
    assert!(
        err.contains(
            "missing parameter(s): PINGPONG (TURN, PACK as well, where those make it apply);"
        ),
        "{err}"
    );
    let fam = parse(Path::new("d/fam.toml"), FAMILIES).unwrap();
    let err = fam.parse_config("FAMILY=b").unwrap_err().to_string();
    assert!(err.contains("missing parameter(s): X"), "{err}");
}
