//! The gate's checks on the fixture run folder.

use super::*;
use crate::report::FLOOR;
use std::path::Path;

fn fixture() -> RunData {
    RunData::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run_fixture"))
}

fn stored(p50: f64) -> StoredBest {
    StoredBest {
        origin: "old.json".into(),
        shape: crate::shape::Shape::parse("2,8,512,64").unwrap(),
        p50_us: p50,
        samples: Vec::new(),
    }
}

#[test]
fn the_speedup_check_uses_the_lower_bound_and_says_by_how_much_it_missed() {
    let run = fixture();
    let pass = speedup_check(&run, Versus::A, 2.5).unwrap();
    assert!(pass.passed, "{}", pass.line);
    let fail = speedup_check(&run, Versus::A, 15.0).unwrap();
    assert!(!fail.passed);
    assert!(
        fail.line.contains("< 15× required, missed by 12.4"),
        "{}",
        fail.line
    );
    let b = speedup_check(&run, Versus::B, 1.0).unwrap();
    assert!(
        !b.passed && b.line.contains("baseline B (cudnn)"),
        "{}",
        b.line
    );
}

#[test]
fn the_speedup_check_against_cudnn_fp8_uses_its_record() {
    let run = fixture();
    // cudnn_fp8 12.80 µs, the best candidate 13.12 µs: 0.98×.
    let pass = speedup_check(&run, Versus::CudnnFp8, 0.95).unwrap();
    assert!(pass.passed, "{}", pass.line);
    assert!(
        pass.line
            .starts_with("speedup vs cuDNN FP8 (cudnn_fp8) 0.98×"),
        "{}",
        pass.line
    );
    let fail = speedup_check(&run, Versus::CudnnFp8, 1.0).unwrap();
    assert!(!fail.passed, "{}", fail.line);
}

#[test]
fn a_gate_against_a_missing_cudnn_fp8_cannot_judge_and_says_why() {
    let mut run = fixture();
    let why = "bench/baseline_cudnn_fp8.json is missing".to_string();
    run.baselines.retain(|(n, _)| n != crate::report::CUDNN_FP8);
    run.baselines
        .push((crate::report::CUDNN_FP8.into(), Err(why)));
    let err = speedup_check(&run, Versus::CudnnFp8, 1.0).unwrap_err();
    assert_eq!(
        err,
        "cuDNN FP8 is missing: bench/baseline_cudnn_fp8.json is missing (this run has \
         measured: math, flash, cudnn, floor)"
    );
}

#[test]
fn the_gate_names_every_baseline_by_its_record() {
    let run = fixture();
    for (vs, record) in [
        (Versus::Flash, "flash"),
        (Versus::Cudnn, "cudnn"),
        (Versus::Floor, FLOOR),
    ] {
        let check = speedup_check(&run, vs, 1.0).unwrap();
        assert!(
            check
                .line
                .starts_with(&format!("speedup vs {record} ({record}) ")),
            "{}",
            check.line
        );
    }
    // The floor does no attention: every candidate is slower than it.
    assert!(!speedup_check(&run, Versus::Floor, 1.0).unwrap().passed);
    // The fixture has no torch_math record: the error lists what the run has.
    assert_eq!(
        speedup_check(&run, Versus::TorchMath, 15.0).unwrap_err(),
        "torch_math is missing: bench/baseline_torch_math.json is missing (this run has \
         measured: math, flash, cudnn, cudnn_fp8, floor)"
    );
    // Aliases: math is baseline A, best_fused baseline B.
    use clap::ValueEnum;
    assert_eq!(Versus::from_str("math", false), Ok(Versus::A));
    assert_eq!(Versus::from_str("best_fused", false), Ok(Versus::B));
}

#[test]
fn the_regression_check_allows_the_stated_slowdown_only() {
    let run = fixture();
    assert!(regression_check(&run, &stored(13.0), 5.0).unwrap().passed);
    let fail = regression_check(&run, &stored(12.0), 5.0).unwrap();
    assert!(!fail.passed);
    assert!(
        fail.line
            .contains("+9.3 %, over --max-regression 5 % by 4.3 points"),
        "{}",
        fail.line
    );
}

#[test]
fn a_gate_result_reads_back_as_the_stored_best() {
    let run = fixture();
    let g = GateResult::of(&run).unwrap();
    let versus: Vec<&str> = g.speedups.iter().map(|s| s.versus.as_str()).collect();
    assert_eq!(
        versus,
        [
            "baseline A (math)",
            "baseline B (cudnn)",
            "cuDNN FP8 (cudnn_fp8)"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gate.json");
    std::fs::write(&path, serde_json::to_string(&g).unwrap()).unwrap();
    let s = StoredBest::read(&path).unwrap();
    assert_eq!(s.p50_us, g.best_p50_us);
    assert!(
        regression_check(&run, &s, 0.0).unwrap().passed,
        "same run, no regression"
    );
    let topk = run.paths.topk();
    assert_eq!(StoredBest::read(&topk).unwrap().p50_us, g.best_p50_us);
}

/// The fixture run with a floor whose kernel-only median is `p50` µs.
fn with_floor(p50: f64) -> RunData {
    let mut run = fixture();
    let shape = crate::shape::Shape::parse("2,8,512,64").unwrap();
    let timing = crate::eval::Timing {
        method: "kernel-only".into(),
        p50_us: p50,
        p10_us: p50,
        p90_us: p50,
        ci_lo_us: p50,
        ci_hi_us: p50,
        samples_us: vec![p50],
    };
    let floor = crate::baseline::BaselineRecord::measured(FLOOR, "x", &shape, Some(timing), None);
    run.baselines.retain(|(n, _)| n != FLOOR);
    run.baselines.push((FLOOR.into(), Ok(floor)));
    run
}

#[test]
fn a_gate_that_asks_for_less_than_the_floor_says_no_kernel_can_pass() {
    let a_p50 = Times::of_baseline(fixture().baseline("math").unwrap())
        .unwrap()
        .p50_us;
    let run = with_floor(a_p50 / 10.0);
    let fail = speedup_check(&run, Versus::A, 15.0).unwrap();
    assert!(!fail.passed);
    let needed = format!("15× needs ≤ {:.2} µs", a_p50 / 15.0);
    assert!(fail.line.contains(&needed), "{}", fail.line);
    assert!(fail.line.contains("no kernel can pass"), "{}", fail.line);
    // 5× needs a_p50 / 5, above the floor: it fails here, but a faster kernel could pass.
    let reachable = speedup_check(&run, Versus::A, 5.0).unwrap();
    assert!(!reachable.passed);
    assert!(!reachable.line.contains("no kernel"), "{}", reachable.line);
}
