//! The multi-shape report of GEMMs on constructed problems (synthetic figures, not
//! measurements): cliffs along K, M or N, the speed ratio over the GEMM's own vendor kernel,
//! the sections of attention left out, and a report of both operations.

use super::gemm_cliffs::{gemm_cliffs, GEMM_CLIFF_FALL};
use super::*;
use crate::op::{Gemm, ProblemSpec};

/// A GEMM whose evotune best reaches `tflops` (CI ±0.5 %), with cuBLASLt FP8 at `vendor`
/// TFLOP/s (or why it has none).
fn gemm(text: &str, tflops: f64, vendor: Result<f64, &str>) -> ProblemResult {
    let problem: ProblemSpec = text.parse::<Gemm>().unwrap().into();
    let time = |t: f64| {
        let us = problem.flops() / t / 1e6;
        Time {
            p50_us: us,
            ci_us: Some((us * 0.995, us * 1.005)),
            samples: vec![us * 0.99, us, us, us * 1.01],
        }
    };
    ProblemResult {
        problem,
        tuned: Tuned::Best(Best {
            time: time(tflops),
            config: "BLOCK_M=128,BLOCK_N=128,STAGES=4".into(),
            family: Some("wgmma".into()),
            stand_in: None,
        }),
        baselines: vec![BaselineResult {
            name: "cublaslt_fp8".into(),
            time: vendor.map(time).map_err(str::to_string),
        }],
    }
}

/// K from 64 to 192 at 8192,8192 with a dip at K = 96 (31 % below its lower neighbour), a
/// small dip at K = 160 (10 %: no cliff) and a fall at the end (K = 192: an end, no cliff); M
/// at two values (a group too short to hold a cliff).
fn gemms() -> Vec<ProblemResult> {
    let no_vendor = Err("unavailable: cuBLASLt has no FP8 matmul for this layout");
    vec![
        gemm("8192,8192,64", 400.0, Ok(380.0)),
        gemm("8192,8192,96", 300.0, Ok(420.0)),
        gemm("8192,8192,128", 435.0, Ok(450.0)),
        gemm("8192,8192,160", 450.0, no_vendor),
        gemm("8192,8192,176", 500.0, Ok(470.0)),
        gemm("8192,8192,192", 200.0, Ok(480.0)),
        gemm("16384,8192,64", 600.0, Ok(590.0)),
    ]
}

fn options() -> MultiOptions {
    MultiOptions {
        source: vec!["Synthetic problems constructed by this test (not measurements).".into()],
        stem: "gemm".into(),
    }
}

#[test]
fn a_gemm_below_both_neighbours_by_more_than_the_fall_is_a_cliff_and_only_it() {
    let found = gemm_cliffs(&gemms());
    assert_eq!(GEMM_CLIFF_FALL, 0.15);
    assert_eq!(found.len(), 1, "{found:?}");
    let c = &found[0];
    assert_eq!(c.problem, "8192,8192,96");
    assert_eq!(c.group, "8192,8192,K");
    assert_eq!((c.before.0, c.at.0, c.after.0), (64, 96, 128));
    assert!((c.fall() - 0.25).abs() < 1e-9, "{}", c.fall());
    let just_over = [
        gemm("64,64,64", 100.0, Ok(1.0)),
        gemm("64,64,80", 84.9, Ok(1.0)),
        gemm("64,64,96", 100.0, Ok(1.0)),
    ];
    assert_eq!(gemm_cliffs(&just_over).len(), 1, "15.1 % below is a cliff");
    let just_under = [
        gemm("64,64,64", 100.0, Ok(1.0)),
        gemm("64,64,80", 85.1, Ok(1.0)),
        gemm("64,64,96", 100.0, Ok(1.0)),
    ];
    assert!(gemm_cliffs(&just_under).is_empty(), "14.9 % below is not");
}

#[test]
fn groups_of_gemms_vary_one_dimension_and_attention_problems_join_none() {
    let ps = gemms();
    let by_k = groups(&ps, Varying::K);
    assert_eq!(by_k.len(), 1);
    assert_eq!(by_k[0].members.len(), 6);
    let by_m = groups(&ps, Varying::M);
    assert_eq!(by_m[0].label, "M,8192,64");
    assert!(groups(&ps, Varying::HeadDim).is_empty());
    let attention = [ProblemResult::missing(
        crate::shape::Shape::dense(2, 8, 512, 64).into(),
        "pending",
    )];
    assert!(groups(&attention, Varying::K).is_empty());
}

#[test]
fn the_gemm_report_marks_its_cliff_and_compares_with_cublaslt_fp8() {
    let r = render(&gemms(), &options()).unwrap();
    let md = &r.markdown;
    for expected in [
        "| 8192,8192,96 **cliff** | ",
        "vs cublaslt_fp8 |",
        "| 8192,8192,160 | ",
        "— (none of cublaslt_fp8, cublas_fp16 measured)",
        "## Cliffs along M, N or K",
        "falls more than 15 % below both of its",
        "| 8192,8192,96 | 8192,8192,K | 300.0 | K = 64: 400.0; K = 128: 435.0 | −25.0 % |",
        "- 8192,8192,96 (K = 96 in 8192,8192,K): evotune's best reaches 300.0 TFLOP/s, 25.0 % \
         below the lower of K = 64 and K = 128 on either side",
        "2·M·N·K for a GEMM M,N,K",
    ] {
        assert!(md.contains(expected), "{expected} missing:\n{md}");
    }
    for absent in ["head dim", "Padding D = 107", "8192,8192,192 **cliff**"] {
        assert!(!md.contains(absent), "{absent} present:\n{md}");
    }
    assert!(r.files.is_empty(), "no attention plots for GEMMs");
    insta::assert_snapshot!("gemm_report", r.markdown);
}

#[test]
fn a_report_of_both_operations_keeps_each_operations_sections() {
    let mut ps = gemms();
    let attention = crate::shape::Shape::dense(2, 8, 512, 64);
    ps.push(ProblemResult::failed(attention.into(), "synthetic failure"));
    let md = render(&ps, &options()).unwrap().markdown;
    for expected in [
        "## TFLOP/s against head dim",
        "## Cliffs along M, N or K",
        "## Padding D = 107",
        "| 2,8,512,64 | **failed**: synthetic failure |",
    ] {
        assert!(md.contains(expected), "{expected} missing:\n{md}");
    }
    let few = [
        gemm("64,64,64", 1.0, Ok(1.0)),
        gemm("64,64,80", 1.0, Ok(1.0)),
    ];
    let md = render(&few, &options()).unwrap().markdown;
    assert!(
        md.contains("None looked for: no three GEMMs differ only in one of M, N and K."),
        "{md}"
    );
}
