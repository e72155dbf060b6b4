//! Tests of `--set` overrides: typing and errors, restricted domains, conditional parameters,
//! the repaired default, and that every restricted point is a point of the original space.

use super::*;
use crate::shape::Shape;
use crate::space::{parse, DeviceLimits};
use std::path::Path;

/// Two families, each with a parameter that matters only for it.
const FAMILIES: &str = r#"
name = "families"
template = "k_{FAMILY}.cu.tera"
kernel = "k"
constraints = ["BLOCK % (16 * WARPS) == 0"]

[params.FAMILY]
values = ["a", "b"]
[params.BLOCK]
values = [16, 32, 64, 128]
[params.WARPS]
values = [1, 2, 4]
when = "FAMILY == \"a\""
[params.SWIZZLE]
values = [128, 64, 32]
when = "FAMILY == \"b\""
[params.FAST]
values = [true, false]

[default]
FAMILY = "a"
BLOCK = 64
WARPS = 4
SWIZZLE = 128
FAST = true
"#;

fn space() -> SearchSpace {
    parse(Path::new("spaces/families.toml"), FAMILIES).unwrap()
}

fn sets(space: &SearchSpace, texts: &[&str]) -> Result<Overrides, String> {
    let texts: Vec<String> = texts.iter().map(|s| s.to_string()).collect();
    space.overrides_from_sets(&texts)
}

fn restricted(texts: &[&str]) -> SearchSpace {
    let s = space();
    s.restrict(&sets(&s, texts).unwrap()).unwrap()
}

fn valid_labels(s: &SearchSpace) -> Vec<String> {
    let shape = Shape::parse("1,1,128,64").unwrap();
    s.valid_points(&shape, &DeviceLimits::hopper())
        .unwrap()
        .into_iter()
        .map(|p| p.config.to_string())
        .collect()
}

#[test]
fn sets_are_typed_against_the_space_and_deduplicated() {
    let o = sets(&space(), &["BLOCK=128,32,128", "FAMILY=b"]).unwrap();
    assert_eq!(o.0["BLOCK"], vec![Value::Int(128), Value::Int(32)]);
    assert_eq!(o.0["FAMILY"], vec![Value::Choice("b".into())]);
    assert_eq!(o.to_string(), "BLOCK=128,32 FAMILY=b");
    assert_eq!(o.to_set_args(), vec!["BLOCK=128,32", "FAMILY=b"]);
}

#[test]
fn bad_sets_name_the_parameter_and_what_it_may_take() {
    let s = space();
    let err = |t: &[&str]| sets(&s, t).unwrap_err();
    assert_eq!(
        err(&["BLOCK=100"]),
        "BLOCK=100 is not one of [16, 32, 64, 128]"
    );
    assert!(err(&["TILE=1"])
        .contains("unknown parameter 'TILE' (parameters of spaces/families.toml: FAMILY, BLOCK"));
    assert!(err(&["BLOCK"]).contains("expects NAME=V1,V2,..."));
    assert!(err(&["BLOCK="]).contains("expects NAME=V1,V2,..."));
    assert!(err(&["FAST=yes"]).contains("FAST=yes is not one of [true, false]"));
    assert!(err(&["BLOCK=16", "BLOCK=32"]).contains("sets BLOCK twice"));
}

#[test]
fn a_restricted_space_holds_exactly_the_original_points_that_obey_the_overrides() {
    let all = valid_labels(&space());
    let small = valid_labels(&restricted(&["BLOCK=32,128", "FAST=false"]));
    let expected: Vec<String> = all
        .iter()
        .filter(|l| {
            (l.contains("BLOCK=32,") || l.contains("BLOCK=128,")) && l.contains("FAST=false")
        })
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(small, expected);
}

#[test]
fn a_conditional_parameter_keeps_its_pinned_value_where_it_does_not_matter() {
    // SWIZZLE=64 drops SWIZZLE's first value (128), the one family a pins it to.
    let s = restricted(&["SWIZZLE=64"]);
    let labels = valid_labels(&s);
    assert!(labels
        .iter()
        .any(|l| l.contains("FAMILY=a") && l.contains("SWIZZLE=128")));
    assert!(labels
        .iter()
        .filter(|l| l.contains("FAMILY=b"))
        .all(|l| l.contains("SWIZZLE=64")));
    let all = valid_labels(&space());
    assert!(
        labels.iter().all(|l| all.contains(l)),
        "no new point appears"
    );
    let expected = all
        .iter()
        .filter(|l| l.contains("FAMILY=a") || l.contains("SWIZZLE=64"))
        .count();
    assert_eq!(labels.len(), expected);
}

#[test]
fn the_templates_follow_the_restricted_family() {
    let s = restricted(&["FAMILY=b"]);
    assert_eq!(
        s.template_paths(),
        vec![std::path::PathBuf::from("spaces/k_b.cu.tera")]
    );
    assert_eq!(space().template_paths().len(), 2);
}

#[test]
fn the_default_is_repaired_into_the_restricted_space() {
    // Kept where allowed.
    assert_eq!(restricted(&["BLOCK=64,128"]).default, space().default);
    // An excluded value becomes the first allowed one in the space's order.
    let d = restricted(&["BLOCK=128,32"]).default;
    assert_eq!(d.get("BLOCK"), Some(&Value::Int(32)));
    // A family switch pins what no longer matters and frees what now does.
    let d = restricted(&["FAMILY=b", "SWIZZLE=32"]).default;
    assert_eq!(
        d.to_string(),
        "BLOCK=64,FAMILY=b,FAST=true,SWIZZLE=32,WARPS=1"
    );
}

#[test]
fn overrides_replace_not_stack_and_the_original_stays_reachable() {
    let s = restricted(&["BLOCK=16"]);
    let again = s.restrict(&sets(&s, &["BLOCK=64"]).unwrap()).unwrap();
    assert_eq!(again.param("BLOCK").unwrap().domain, Domain::Ints(vec![64]));
    assert_eq!(again.unrestricted().param("BLOCK").unwrap().domain.len(), 4);
    assert!(space().overrides().is_empty());
    assert_eq!(again.overrides().to_string(), "BLOCK=64");
    let merged = sets(&s, &["BLOCK=16", "FAST=true"])
        .unwrap()
        .merged(&sets(&s, &["BLOCK=32"]).unwrap());
    assert_eq!(merged.to_string(), "BLOCK=32 FAST=true");
}

#[test]
fn overrides_round_trip_through_json_as_the_manifest_keeps_them() {
    let o = sets(&space(), &["FAMILY=b", "BLOCK=32,64", "FAST=false"]).unwrap();
    let json = serde_json::to_string(&o).unwrap();
    assert_eq!(json, r#"{"BLOCK":[32,64],"FAMILY":["b"],"FAST":[false]}"#);
    assert_eq!(serde_json::from_str::<Overrides>(&json).unwrap(), o);
}

#[test]
fn the_real_space_restricted_to_wgmma_renders_only_the_wgmma_template() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = crate::space::load(&root.join("search_spaces/sdpa_fp8.toml")).unwrap();
    let r = s
        .restrict(&sets(&s, &["FAMILY=wgmma", "BLOCK_N=128,192"]).unwrap())
        .unwrap();
    assert_eq!(
        r.param("BLOCK_N").unwrap().domain,
        Domain::Ints(vec![128, 192])
    );
    let templates = r.template_paths();
    assert_eq!(templates.len(), 1);
    assert!(
        templates[0].ends_with("sdpa_fp8_wgmma.cu.tera"),
        "{templates:?}"
    );
    // The repaired default is a wgmma point that the mma-only parameters no longer vary.
    let d = &r.default;
    assert_eq!(d.get("FAMILY"), Some(&Value::Choice("wgmma".into())));
    for p in r
        .params
        .iter()
        .filter(|p| p.when.as_ref().is_some_and(|w| w.text.contains("mma\"")))
    {
        if !p.when.as_ref().unwrap().text.contains("wgmma") {
            assert_eq!(d.get(&p.name), Some(&p.domain.value(0)), "{}", p.name);
        }
    }
}
