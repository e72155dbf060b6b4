//! The gate's checks on the fixture run folder.

use super::*;
use crate::artifacts::BaselineRecord;
use crate::eval::{FlushMode, Timing, TimingProtocol};
use crate::op::sdpa::{CUDNN_FP8, FLOOR};
use crate::op::REGISTRY;
use std::path::Path;

const COLD: TimingProtocol = TimingProtocol::Cold;
const WARM: TimingProtocol = TimingProtocol::Warm;

/// The comparison `--vs name` asks for.
fn vs(name: &str) -> Comparison {
    REGISTRY.comparison(name).unwrap()
}

fn fixture() -> RunData {
    RunData::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run_fixture"))
}

fn stored(p50: f64) -> StoredBest {
    StoredBest {
        origin: "old.json".into(),
        shape: crate::shape::Shape::parse("2,8,512,64").unwrap().into(),
        p50_us: p50,
        samples: Vec::new(),
    }
}

#[test]
fn the_speedup_check_uses_the_lower_bound_and_says_by_how_much_it_missed() {
    let run = fixture();
    let pass = speedup_check(&run, &vs("baseline_a"), 2.5, COLD).unwrap();
    assert!(pass.passed, "{}", pass.line);
    let fail = speedup_check(&run, &vs("baseline_a"), 15.0, COLD).unwrap();
    assert!(!fail.passed);
    assert!(
        fail.line.contains("< 15× required, missed by 12.4"),
        "{}",
        fail.line
    );
    let b = speedup_check(&run, &vs("baseline_b"), 1.0, COLD).unwrap();
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
    let pass = speedup_check(&run, &vs("cudnn_fp8"), 0.95, COLD).unwrap();
    assert!(pass.passed, "{}", pass.line);
    assert!(
        pass.line
            .starts_with("cold speedup vs cuDNN FP8 (cudnn_fp8) 0.98×"),
        "{}",
        pass.line
    );
    let fail = speedup_check(&run, &vs("cudnn_fp8"), 1.0, COLD).unwrap();
    assert!(!fail.passed, "{}", fail.line);
}

#[test]
fn a_gate_against_a_missing_cudnn_fp8_cannot_judge_and_says_why() {
    let mut run = fixture();
    let why = "bench/baseline_cudnn_fp8.json is missing".to_string();
    run.baselines.retain(|(n, _)| n != CUDNN_FP8);
    run.baselines.push((CUDNN_FP8.into(), Err(why)));
    let err = speedup_check(&run, &vs("cudnn_fp8"), 1.0, COLD).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cuDNN FP8 is missing: bench/baseline_cudnn_fp8.json is missing (this run has \
         measured: math, flash, cudnn, floor)"
    );
}

#[test]
fn the_gate_names_every_baseline_by_its_record() {
    let run = fixture();
    for record in ["flash", "cudnn", FLOOR] {
        let check = speedup_check(&run, &vs(record), 1.0, COLD).unwrap();
        assert!(
            check
                .line
                .starts_with(&format!("cold speedup vs {record} ({record}) ")),
            "{}",
            check.line
        );
    }
    // The floor does no attention: every candidate is slower than it.
    assert!(!speedup_check(&run, &vs("floor"), 1.0, COLD).unwrap().passed);
    // The fixture has no torch_math record: the error lists what the run has.
    assert_eq!(
        speedup_check(&run, &vs("torch_math"), 15.0, COLD)
            .unwrap_err()
            .to_string(),
        "torch_math is missing: bench/baseline_torch_math.json is missing (this run has \
         measured: math, flash, cudnn, cudnn_fp8, floor)"
    );
    // Aliases: math is baseline A, best_fused baseline B.
    assert_eq!(vs("math"), vs("baseline_a"));
    assert_eq!(vs("best_fused"), vs("baseline_b"));
}

#[test]
fn the_regression_check_allows_the_stated_slowdown_only() {
    let run = fixture();
    assert!(regression_check(&run, &stored(13.0), 5.0).unwrap().passed());
    let fail = regression_check(&run, &stored(12.0), 5.0).unwrap();
    assert!(!fail.passed());
    assert_eq!(format!("{:+.1}", fail.slower_pct), "+9.3", "{fail:?}");
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
        regression_check(&run, &s, 0.0).unwrap().passed(),
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
    let floor = BaselineRecord::measured(FLOOR, "x", shape, Some(timing), None);
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
    let fail = speedup_check(&run, &vs("baseline_a"), 15.0, COLD).unwrap();
    assert!(!fail.passed);
    let needed = format!("15× needs ≤ {:.2} µs", a_p50 / 15.0);
    assert!(fail.line.contains(&needed), "{}", fail.line);
    assert!(fail.line.contains("no kernel can pass"), "{}", fail.line);
    // 5× needs a_p50 / 5, above the floor: it fails here, but a faster kernel could pass.
    let reachable = speedup_check(&run, &vs("baseline_a"), 5.0, COLD).unwrap();
    assert!(!reachable.passed);
    assert!(!reachable.line.contains("no kernel"), "{}", reachable.line);
}

/// 50 samples within 0.4 % above `p50`, summarized.
fn spread(p50: f64) -> Timing {
    let samples = (0..50)
        .map(|i| p50 * (1.0 + f64::from(i % 5) * 0.001))
        .collect();
    crate::gpu::timing::summarize_samples("kernel-only: 20 back-to-back launches".into(), samples)
}

/// The fixture's record `name`, changed by `f`.
fn change_baseline(run: &mut RunData, name: &str, f: impl FnOnce(&mut BaselineRecord)) {
    let (_, record) = run.baselines.iter_mut().find(|(n, _)| n == name).unwrap();
    f(record.as_mut().unwrap());
}

/// The fixture with warm times: `a_us` for baseline A, `best_us` for the best elite (from a
/// confirmation in three processes).
fn with_warm(a_us: f64, best_us: f64) -> RunData {
    let mut run = fixture();
    change_baseline(&mut run, "math", |r| {
        r.warm_kernel_time = Some(spread(a_us))
    });
    let topk = run.topk.as_mut().unwrap();
    let mut timed = crate::eval::EvalResponse::failed(1, crate::eval::Outcome::Ok);
    timed.kernel_time = Some(spread(13.0));
    timed.warm_kernel_time = Some(spread(best_us));
    let plan = crate::eval::TimingPlan::new(100, FlushMode::Memset, 0.3).and_warm();
    let responses = [timed.clone(), timed.clone(), timed];
    topk.elites[0].confirmed = Some(crate::tune::confirmation(3, plan, &responses));
    run
}

#[test]
fn the_warm_gate_compares_warm_times_on_both_sides() {
    // Cold: baseline A over the best is 2.6×. Warm: 30 µs over 2 µs, 15×.
    let run = with_warm(30.0, 2.0);
    assert!(
        !speedup_check(&run, &vs("baseline_a"), 10.0, COLD)
            .unwrap()
            .passed
    );
    let warm = speedup_check(&run, &vs("baseline_a"), 10.0, WARM).unwrap();
    assert!(warm.passed, "{}", warm.line);
    assert!(
        warm.line
            .starts_with("warm speedup vs baseline A (math) 15.0"),
        "{}",
        warm.line
    );
    // Warm times that favour the baseline fail where cold passes.
    let run = with_warm(10.0, 8.0);
    assert!(
        speedup_check(&run, &vs("baseline_a"), 2.0, COLD)
            .unwrap()
            .passed
    );
    let warm = speedup_check(&run, &vs("baseline_a"), 2.0, WARM).unwrap();
    assert!(
        !warm.passed && warm.line.contains("< 2× required"),
        "{}",
        warm.line
    );
}

#[test]
fn a_warm_gate_without_warm_times_says_which_side_lacks_them_and_how_to_get_them() {
    let err = speedup_check(&fixture(), &vs("baseline_a"), 2.0, WARM).unwrap_err();
    let Unjudged::NoTimes(why) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        why.to_string(),
        "warm needs warm kernel-only times on both sides, and baseline A (math) has none: its \
         record was written before baselines were timed both ways"
    );
    // Baselines with warm times, an elite without: the elite is named, and why.
    let mut run = with_warm(30.0, 2.0);
    run.topk.as_mut().unwrap().elites[0].confirmed = None;
    let err = speedup_check(&run, &vs("baseline_a"), 2.0, WARM).unwrap_err();
    assert!(
        matches!(&err, Unjudged::NoTimes(w) if w.side.to_string().starts_with("the best candidate #1 ")
            && w.gap == Gap::NotConfirmed),
        "{err:?}"
    );
}

#[test]
fn a_baseline_timed_warm_only_has_no_cold_time_and_its_warm_time_is_its_own() {
    let mut run = fixture();
    change_baseline(&mut run, "math", |r| r.flush = Some(FlushMode::None));
    let err = speedup_check(&run, &vs("baseline_a"), 2.0, COLD).unwrap_err();
    assert!(
        matches!(&err, Unjudged::NoTimes(w) if w.gap == Gap::WarmOnly),
        "{err:?}"
    );
    let math = run.baseline("math").unwrap();
    assert_eq!(math.kernel_time_in(WARM), math.kernel_time.as_ref());
    // Older records say so in their method only.
    let mut run = fixture();
    change_baseline(&mut run, "math", |r| {
        r.kernel_time.as_mut().unwrap().method = "kernel-only: ...; L2 not flushed; ...".into()
    });
    assert!(run.baseline("math").unwrap().kernel_time_in(COLD).is_none());
}

#[test]
fn baseline_b_under_warm_is_the_faster_warm_one() {
    // Cold, cuDNN is baseline B; warm, flash is faster.
    let mut run = fixture();
    change_baseline(&mut run, "flash", |r| {
        r.warm_kernel_time = Some(spread(5.0))
    });
    change_baseline(&mut run, "cudnn", |r| {
        r.warm_kernel_time = Some(spread(6.0))
    });
    let b = |p| Baselines::in_protocol(&run, p).b.unwrap().baseline.clone();
    assert_eq!(
        (b(COLD), b(WARM)),
        ("cudnn".to_string(), "flash".to_string())
    );
}

#[test]
fn the_floor_note_compares_the_floor_under_the_same_protocol() {
    // Warm: A at 30 µs, the floor at 1.8 µs; 20× needs 1.5 µs, under it.
    let mut run = with_warm(30.0, 2.0);
    change_baseline(&mut run, FLOOR, |r| r.warm_kernel_time = Some(spread(1.8)));
    let fail = speedup_check(&run, &vs("baseline_a"), 20.0, WARM).unwrap();
    assert!(
        fail.line
            .contains("20× needs ≤ 1.50 µs, under the floor of 1.80 µs"),
        "{}",
        fail.line
    );
}

/// The fixture with its best elite confirmed in three fresh processes at `process_us` each.
fn confirmed_at(process_us: f64) -> RunData {
    let mut run = fixture();
    let mut timed = crate::eval::EvalResponse::failed(1, crate::eval::Outcome::Ok);
    timed.kernel_time = Some(spread(process_us));
    let plan = crate::eval::TimingPlan::new(100, FlushMode::Memset, 0.3);
    let responses = [timed.clone(), timed.clone(), timed];
    let topk = run.topk.as_mut().unwrap();
    topk.elites[0].confirmed = Some(crate::tune::confirmation(3, plan, &responses));
    run
}

#[test]
fn a_cold_gate_adds_the_fresh_processes_speedup_when_they_were_slower_than_the_search() {
    let searched = fixture().topk.unwrap().elites[0].record.p50_us.unwrap();
    let plain = speedup_check(&fixture(), &vs("baseline_a"), 2.5, COLD).unwrap();
    // Fresh processes as fast as the search: nothing added.
    let same = speedup_check(&confirmed_at(searched), &vs("baseline_a"), 2.5, COLD).unwrap();
    assert_eq!(same.line, plain.line);
    // 20 % slower in fresh processes: the verdict stands on the search's interval, and the line
    // gives the speedup on the fresh processes' median beside it.
    let slow = speedup_check(&confirmed_at(searched * 1.2), &vs("baseline_a"), 2.5, COLD);
    let slow = slow.unwrap();
    assert_eq!(slow.passed, plain.passed);
    assert!(slow.line.starts_with(&plain.line), "{}", slow.line);
    assert!(
        slow.line.contains("its median in 3 fresh processes"),
        "{}",
        slow.line
    );
    // Never under the warm protocol, whose times come from the confirmation already.
    let warm = speedup_check(&with_warm(30.0, 2.0), &vs("baseline_a"), 2.0, WARM).unwrap();
    assert!(!warm.line.contains("fresh processes"), "{}", warm.line);
}
