//! Parsing, checking and counting of problems.

use super::*;
use crate::op::Problem;

#[test]
fn parses_four_positive_integers() {
    let s = Shape::parse("2,8,512,64").unwrap();
    assert_eq!((s.b, s.h, s.s, s.d), (2, 8, 512, 64));
    assert!(s.is_dense());
    assert_eq!(s.to_string(), "2,8,512,64");
}

#[test]
fn rejects_wrong_count_zero_and_text() {
    for bad in [
        "2,8,512",
        "2,8,512,64,1",
        "0,8,512,64",
        "a,8,512,64",
        "",
        "2,-8,512,64",
        "2,8,512,64,causa",
        "2,8,512,64,kv_heads=0",
        "2,8,512,64,kv_len=x",
    ] {
        let msg = Shape::parse(bad).unwrap_err().to_string();
        assert!(msg.starts_with("shape "), "{msg}");
        assert!(msg.contains(bad), "{msg}");
    }
}

#[test]
fn rejects_head_dim_over_256() {
    let msg = Shape::parse("1,1,16,257").unwrap_err().to_string();
    assert!(msg.contains("D=257") && msg.contains("256"), "{msg}");
    assert!(Shape::parse("1,1,16,256").is_ok());
}

#[test]
fn flops_match_the_design_formula() {
    let s = Shape::parse("2,8,512,64").unwrap();
    assert_eq!(s.flops(), 4.0 * 16.0 * 512.0 * 512.0 * 64.0);
}

#[test]
fn the_extra_items_round_trip_through_text_and_json() {
    let s = Shape::parse("1,32,8192,128,causal,kv_heads=8,kv_len=16384").unwrap();
    assert_eq!((s.hk(), s.skv(), s.group()), (8, 16384, 4));
    assert!(s.causal && !s.is_dense());
    assert_eq!(Shape::parse(&s.to_string()).unwrap(), s);
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Shape>(&json).unwrap(), s);
}

#[test]
fn a_plain_problem_serializes_as_before() {
    let s = Shape::parse("2,8,512,64,kv_heads=8,kv_len=512").unwrap();
    assert!(
        s.is_dense(),
        "kv_heads = H and kv_len = S are the plain problem"
    );
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(json, r#"{"b":2,"h":8,"s":512,"d":64}"#);
    assert_eq!(serde_json::from_str::<Shape>(&json).unwrap(), s);
}

#[test]
fn kv_heads_must_divide_the_query_heads() {
    let msg = Shape::parse("1,32,64,64,kv_heads=5")
        .unwrap_err()
        .to_string();
    // From the shape's text, so the shape (--shape) is named, not --kv-heads.
    assert!(
        msg.starts_with("shape kv_heads=5") && msg.contains("32"),
        "{msg}"
    );
    assert_eq!(Shape::parse("1,32,64,64,kv_heads=1").unwrap().group(), 32);
}

/// Regression: `--shape 2,8,512,64,kv_heads=2 --kv-heads 4` ran with 4 heads, silently.
#[test]
fn a_flag_that_contradicts_the_shape_text_is_refused() {
    let msg = Shape::parse("2,8,512,64,kv_heads=2")
        .unwrap()
        .refined(false, Some(4), None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("kv_heads 4 contradicts kv_heads=2"),
        "{msg}"
    );
    let same = Shape::parse("2,8,512,64,kv_len=600").unwrap();
    assert_eq!(
        same.refined(false, None, Some(600)).unwrap().to_string(),
        "2,8,512,64,kv_len=600"
    );
    let msg = same
        .refined(false, None, Some(700))
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("kv_len 700 contradicts kv_len=600"),
        "{msg}"
    );
}

#[test]
fn a_causal_row_without_keys_is_rejected() {
    let msg = Shape::parse("1,1,100,64,causal,kv_len=99")
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("shape kv_len=99") && msg.contains("see no key"),
        "{msg}"
    );
    // Without the mask a shorter key sequence is plain cross-attention.
    assert_eq!(Shape::parse("1,1,100,64,kv_len=99").unwrap().skv(), 99);
}

#[test]
fn the_causal_mask_is_aligned_bottom_right() {
    let square = Shape::parse("1,1,4,16,causal").unwrap();
    assert_eq!(square.keys_of_row(0), 1, "the first row sees one key");
    assert_eq!(square.keys_of_row(3), 4);
    let longer = Shape::parse("1,1,2,16,causal,kv_len=5").unwrap();
    assert_eq!((longer.keys_of_row(0), longer.keys_of_row(1)), (4, 5));
    let decode = Shape::parse("1,1,1,16,causal,kv_len=7").unwrap();
    assert_eq!(decode.keys_of_row(0), 7, "a decode step sees every key");
}

#[test]
fn causal_flops_count_the_pairs_on_and_below_the_diagonal() {
    let s = Shape::parse("1,1,4,16,causal").unwrap();
    assert_eq!(s.pairs_per_head(), 10.0);
    assert_eq!(s.flops(), 4.0 * 10.0 * 16.0);
    let pairs: usize = (0..2)
        .map(|r| {
            Shape::parse("1,1,2,16,causal,kv_len=5")
                .unwrap()
                .keys_of_row(r)
        })
        .sum();
    assert_eq!(
        Shape::parse("1,1,2,16,causal,kv_len=5")
            .unwrap()
            .pairs_per_head(),
        pairs as f64
    );
}

#[test]
fn flags_refine_a_parsed_shape() {
    let s = Shape::parse("1,32,512,128")
        .unwrap()
        .refined(true, Some(8), Some(1024))
        .unwrap();
    assert_eq!(s.to_string(), "1,32,512,128,causal,kv_heads=8,kv_len=1024");
    let msg = Shape::parse("1,32,512,128")
        .unwrap()
        .refined(false, Some(3), None)
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("kv_heads "), "{msg}");
}
