//! The live evaluator with test-double workers (tests/fixtures/fake_worker.py, no GPU) and real
//! NVRTC compiles of a toy space: a batch's dispatch to two workers, racing against the cutoff,
//! and the confirmation stage in fresh workers.

use super::*;
use crate::compile::Cache;
use crate::eval::{fake_spec, Cutoff, FlushMode, RaceSettings};
use crate::evolve::SpaceIndex;
use std::collections::HashSet;
use std::path::Path;

/// A live evaluator over the dispatch space with one test-double worker per device, its
/// index and the folder it writes to.
fn fake_live(devices: &[u32]) -> (LiveEvaluator, SpaceIndex, tempfile::TempDir) {
    fake_live_racing(devices, None)
}

/// As `fake_live`, racing as `race` says.
fn fake_live_racing(
    devices: &[u32],
    race: Option<RaceSettings>,
) -> (LiveEvaluator, SpaceIndex, tempfile::TempDir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = crate::space::load(&root.join("tests/fixtures/dispatch.toml")).unwrap();
    let shape = Shape::parse("1,1,64,64").unwrap();
    let limits = DeviceLimits::hopper();
    let dir = tempfile::tempdir().unwrap();
    let factory = KernelFactory {
        shape,
        limits: limits.clone(),
        template: Template::for_space(&space).unwrap(),
        compiler: Compiler::new("sm_90a", Some(Cache::new(dir.path().join("cache")))).unwrap(),
        space: space.clone(),
    };
    let settings = LiveSettings {
        tolerance: eval::DEFAULT_TOLERANCE,
        timing: Some(TimingPlan {
            warmup: 1,
            ..TimingPlan::new(100, FlushMode::Memset, 0.1)
        }),
        race,
        input_seed: 0,
        timeout: Duration::from_secs(30),
        kernels_dir: dir.path().join("kernels"),
    };
    let specs: Vec<(u32, WorkerSpec)> = devices.iter().map(|&d| (d, fake_spec())).collect();
    let live = LiveEvaluator::with_workers(factory, settings, &specs).unwrap();
    let index = SpaceIndex::new(&space, &shape, &limits).unwrap();
    (live, index, dir)
}

/// The first `n` valid points as a batch of candidates.
fn batch(index: &SpaceIndex, n: usize) -> Vec<Candidate> {
    index
        .valid()
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, g)| Candidate {
            trial: i,
            generation: 0,
            genome: g.clone(),
            config: index.config(g),
        })
        .collect()
}

#[test]
fn two_workers_share_a_batch_and_every_candidate_is_answered_once() {
    let (mut live, index, dir) = fake_live(&[0, 1]);
    let batch = batch(&index, 16);
    let mut answers = Vec::new();
    live.evaluate(&batch, &mut |e| {
        answers.push(e);
        Ok(())
    })
    .unwrap();
    let trials: HashSet<usize> = answers.iter().map(|e| e.record.trial).collect();
    assert_eq!(answers.len(), 16);
    assert_eq!(trials.len(), 16, "each candidate answered once");
    assert!(answers.iter().all(|e| e.record.is_ok()), "{answers:?}");
    assert!(
        answers.iter().all(|e| e.record.registers.is_some()),
        "ptxas report in the log row"
    );
    let workers: HashSet<String> = answers
        .iter()
        .map(|e| e.kernel_time.as_ref().unwrap().method.clone())
        .collect();
    assert_eq!(workers.len(), 2, "both workers took trials: {workers:?}");
    assert!(live
        .describe()
        .contains("gpu 0 (fake worker (test double))"));
    assert_eq!(live.wall().compile_cached, 0);
    assert!(
        dir.path().join("kernels").read_dir().unwrap().count() >= 2,
        "sources and cubins written"
    );
}

#[test]
fn racing_stops_the_candidates_slower_than_the_cutoff_so_far_and_skips_their_per_call() {
    let race = RaceSettings::new(1);
    let (mut live, index, _dir) = fake_live_racing(&[0], Some(race));
    let mut answers = Vec::new();
    live.evaluate(&batch(&index, 16), &mut |e| {
        answers.push(e);
        Ok(())
    })
    .unwrap();
    // One worker: each request raced against every answer before it.
    let mut cutoff = Cutoff::new(1);
    let mut raced = 0;
    for e in &answers {
        let r = &e.record;
        let p50 = r.p50_us.unwrap();
        let out = cutoff
            .value()
            .is_some_and(|c| p50 > c * (1.0 + race.margin));
        assert_eq!(r.raced_out, Some(out), "{r:?} against {cutoff:?}");
        assert_eq!(
            e.call_time.is_none(),
            out,
            "per call only in the race: {r:?}"
        );
        assert_eq!(r.samples, Some(if out { race.min_samples } else { 1 }));
        assert_eq!(r.fitness(), Some(p50), "a raced-out trial keeps its median");
        raced += usize::from(out);
        cutoff.add(p50);
    }
    assert!(raced > 0, "some of 16 are slower than the best before them");
}

#[test]
fn a_resumed_runs_logged_trials_set_the_cutoff() {
    let (mut live, index, _dir) = fake_live_racing(&[0], Some(RaceSettings::new(1)));
    let mut logged = TrialRecord::unmeasured(&Config::default(), "ok", String::new());
    logged.p50_us = Some(5.0);
    live.known(&Evaluated::from_record(logged));
    let mut raced = Vec::new();
    live.evaluate(&batch(&index, 4), &mut |e| {
        raced.push(e.record.raced_out);
        Ok(())
    })
    .unwrap();
    assert_eq!(raced, [Some(true); 4], "every fake time is above 5 µs + 2%");
}

#[test]
fn the_confirmation_retimes_each_elite_in_fresh_processes() {
    let (mut live, index, _dir) = fake_live(&[0]);
    let batch = batch(&index, 4);
    let mut searched = Vec::new();
    live.evaluate(&batch, &mut |e| {
        searched.push((e.kernel_time.unwrap(), e.record.config));
        Ok(())
    })
    .unwrap();
    searched.sort_by(|a, b| a.0.p50_us.total_cmp(&b.0.p50_us));
    let (best, worst) = (&searched[0], &searched[3]);
    assert!(worst.0.p50_us - best.0.p50_us > 0.1, "{searched:?}");
    let plan = TimingPlan::new(100, FlushMode::Memset, eval::DEFAULT_TARGET_S);
    let mut starts = Vec::new();
    let elites = [best.1.clone(), worst.1.clone()];
    let confirmed = live
        .confirm(&elites, 3, plan, &mut |i, s| {
            starts.push((i, s.process, s.hello.pid))
        })
        .unwrap();
    let order: Vec<(usize, u32)> = starts.iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(order, [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]);
    let pids: HashSet<u32> = starts.iter().map(|s| s.2).collect();
    assert_eq!(pids.len(), 6, "a fresh worker per process: {starts:?}");
    assert_eq!(confirmed.len(), 2);
    for (c, (search, _)) in confirmed.iter().zip([best, worst]) {
        assert_eq!(c.failure, None, "{c:?}");
        assert_eq!((c.processes, c.timing), (3, plan));
        assert_eq!(c.process_p50_us.len(), 3, "{c:?}");
        assert_eq!(c.call_p50_us.len(), 3, "per call timed too: {c:?}");
        let p = c.prediction.unwrap();
        let (lo, hi, p50) = (p.lo, p.hi, p.median);
        assert!(
            c.process_p50_us.iter().all(|&m| lo <= m && m <= hi),
            "{c:?}"
        );
        assert!(lo <= p50 && p50 <= hi && p.sd >= 0.0, "{c:?}");
        let floor_width =
            2.0 * 4.303 * crate::tune::PROCESS_SD_FLOOR * p.mean * (4.0f64 / 3.0).sqrt();
        assert!(
            p.floored() && (hi - lo - floor_width).abs() < 1e-9,
            "the fake's processes differ by < 0.1 µs, so the floor sets the width: {c:?}"
        );
        assert!(
            (p50 - search.p50_us).abs() < 0.1,
            "each elite timed as itself: {c:?}"
        );
        let method = c.method.as_deref().unwrap();
        assert_ne!(method, search.method, "not the search's worker");
    }
}

#[test]
fn a_steady_search_streams_candidates_to_two_workers_and_each_is_answered_once() {
    use crate::evolve::{GaSettings, SteadyGa};
    use crate::tune::{search_steady, tests::Quiet, Window};
    let (mut live, index, dir) = fake_live(&[0, 1]);
    let index = std::sync::Arc::new(index);
    let settings = GaSettings {
        population: 8,
        elites: 3,
        ..GaSettings::default()
    };
    let mut opt = SteadyGa::new(index.clone(), settings, 2);
    let window = Window {
        in_flight: 4,
        report_every: 8,
    };
    let mut events = Quiet(0);
    let out = search_steady(&mut opt, &index, &mut live, 20, window, vec![], &mut events).unwrap();
    assert_eq!(events.0, 20, "every answer reported as it arrived");
    let trials: HashSet<usize> = out.trials.iter().map(|e| e.record.trial).collect();
    assert_eq!(trials, (0..20).collect(), "each trial answered once");
    let configs: HashSet<String> = out
        .trials
        .iter()
        .map(|e| e.record.config.to_string())
        .collect();
    assert_eq!(configs.len(), 20, "no config asked twice");
    assert!(
        out.trials.iter().all(|e| e.record.is_ok()),
        "{:?}",
        out.trials
    );
    let workers: HashSet<String> = out
        .trials
        .iter()
        .map(|e| e.kernel_time.as_ref().unwrap().method.clone())
        .collect();
    assert_eq!(workers.len(), 2, "both workers took trials: {workers:?}");
    assert_eq!(live.wall().compile_cached, 0);
    assert!(live.wall().compile_s > 0.0, "compile time accounted");
    assert!(dir.path().join("kernels").read_dir().unwrap().count() >= 20);
    // The workers survive the stream: a batch after it is served too.
    let mut more = 0;
    live.evaluate(&batch(&index, 2), &mut |_| {
        more += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(more, 2);
}
