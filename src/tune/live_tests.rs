//! The live evaluator's dispatch with two test-double workers (tests/fixtures/fake_worker.py, no
//! GPU): real NVRTC compiles of a toy space, every candidate answered once, both workers used.

use super::*;
use crate::compile::Cache;
use crate::eval::fake_spec;
use crate::evolve::SpaceIndex;
use std::collections::HashSet;
use std::path::Path;

#[test]
fn two_workers_share_a_batch_and_every_candidate_is_answered_once() {
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
            ..TimingPlan::new(100, true, 0.1)
        }),
        input_seed: 0,
        timeout: Duration::from_secs(30),
        kernels_dir: dir.path().join("kernels"),
    };
    let specs = [(0, fake_spec()), (1, fake_spec())];
    let mut live = LiveEvaluator::with_workers(factory, settings, &specs).unwrap();
    let index = SpaceIndex::new(&space, &shape, &limits).unwrap();
    let batch: Vec<Candidate> = index
        .valid()
        .iter()
        .take(16)
        .enumerate()
        .map(|(i, g)| Candidate {
            trial: i,
            generation: 0,
            genome: g.clone(),
            config: index.config(g),
        })
        .collect();
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
