//! Fault containment at the process level, with a test-double worker (no GPU involved).

use super::*;
use crate::eval::protocol::{Launch, Tolerance};
use crate::shape::Shape;
use std::time::Instant;

/// How to start the test-double worker (tests/fixtures/fake_worker.py; no GPU).
pub(crate) fn fake_spec() -> WorkerSpec {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fake_worker.py");
    WorkerSpec {
        program: "python3".into(),
        args: vec![script.into()],
        start_timeout: Duration::from_secs(20),
    }
}

/// A request whose label tells the test double how to answer.
pub(crate) fn request(id: u64, label: &str) -> EvalRequest {
    EvalRequest {
        id,
        label: label.into(),
        kernel: "k".into(),
        cubin: "k.cubin".into(),
        launch: Launch {
            grid: [1, 1, 1],
            block: [32, 1, 1],
            smem_bytes: 0,
            args: Default::default(),
            cluster: crate::eval::NO_CLUSTER,
        },
        problem: Shape::parse("1,1,16,64").unwrap().into(),
        seed: id,
        tolerance: Tolerance {
            atol: 1e-2,
            rtol: 1e-2,
        },
        timing: None,
        race: None,
        dump: None,
    }
}

#[test]
fn faults_and_hangs_cost_one_trial_each_and_good_trials_keep_their_times() {
    let mut worker = Worker::start(&fake_spec()).unwrap();
    assert!(worker.hello.device.contains("test double"));
    let labels = [
        "ok:10", "segv", "ok:11", "hang", "ok:12", "abort", "ok:13", "fault", "wrong", "ok:14",
    ];
    let limit = Duration::from_millis(1500);
    let start = Instant::now();
    let got: Vec<EvalResponse> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| worker.evaluate(&request(i as u64, l), limit))
        .collect();
    let names: Vec<&str> = got.iter().map(|r| r.outcome.name()).collect();
    assert_eq!(
        names,
        [
            "ok",
            "worker_crashed",
            "ok",
            "timeout",
            "ok",
            "worker_crashed",
            "ok",
            "launch_failed",
            "invalid",
            "ok"
        ]
    );
    let times: Vec<f64> = got
        .iter()
        .filter_map(|r| r.kernel_time.as_ref())
        .map(|t| t.p50_us)
        .collect();
    assert_eq!(times, [10.0, 11.0, 12.0, 13.0, 14.0]);
    assert!(
        got[1].outcome.reason().contains("SIGSEGV"),
        "{}",
        got[1].outcome
    );
    assert!(
        got[5].outcome.reason().contains("SIGABRT"),
        "{}",
        got[5].outcome
    );
    assert_eq!(
        worker.restarts, 4,
        "segv, hang, abort and fault each restart the worker"
    );
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "the watchdog bounds the hang"
    );
    for (i, r) in got.iter().enumerate() {
        assert_eq!(r.id, i as u64);
    }
}

#[test]
fn a_worker_that_cannot_start_is_an_error_with_its_reason() {
    let spec = WorkerSpec {
        program: "sh".into(),
        args: vec!["-c".into(), "echo 'no CUDA here' >&2; exit 3".into()],
        start_timeout: Duration::from_secs(5),
    };
    let err = Worker::start(&spec).err().unwrap().to_string();
    assert!(err.contains("exited with code 3"), "{err}");
    assert!(err.contains("no CUDA here"), "{err}");
}

#[test]
fn a_fatal_hello_is_an_error() {
    let spec = WorkerSpec {
        program: "sh".into(),
        args: vec![
            "-c".into(),
            r#"echo '{"device":"","pid":1,"fatal":"no NVIDIA GPU available"}'"#.into(),
        ],
        start_timeout: Duration::from_secs(5),
    };
    let err = Worker::start(&spec).err().unwrap().to_string();
    assert!(err.contains("no NVIDIA GPU available"), "{err}");
}
