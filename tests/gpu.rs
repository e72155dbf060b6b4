//! GPU tests (run by scripts/gpu-test.sh): the float32 reference against the float64 one, output
//! poisoning, the worker pool on good and broken kernels, `evotune bench` and `evotune baseline`
//! end to end. Each test first looks for a GPU and, where there is none, panics with
//! "no NVIDIA GPU: GPU test not run": it never passes without having run.
#![cfg(feature = "gpu")]

use evotune::compile::{Cache, Compiler};
use evotune::eval::{
    self, EvalRequest, EvalResponse, FlushMode, Launch, TimingPlan, Worker, WorkerSpec,
    DEFAULT_TOLERANCE,
};
use evotune::gpu::gemm_reference::GpuGemmReference;
use evotune::gpu::reference::GpuReference;
use evotune::gpu::{self, GemmInputs, Gpu, GpuBackend, Sdpa, SdpaInputs};
use evotune::kernel::Kernels;
use evotune::op::{Gemm, Problem, ProblemSpec};
use evotune::reference::{gemm_f64, sdpa_f64};
use evotune::shape::Shape;
use evotune::space::{self, DeviceLimits, Point, SearchSpace};
use evotune::template::Template;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod gemm_ragged;
mod ragged;

const SDPA_SPACE: &str = "search_spaces/sdpa_fp8.toml";

const GEMM_SPACE: &str = "search_spaces/gemm_fp8.toml";

/// The crate's folder: `$EVOTUNE_ROOT` when set (for a test binary built on another machine),
/// else where it was built.
fn root() -> PathBuf {
    std::env::var_os("EVOTUNE_ROOT")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}

/// The evotune binary: `$EVOTUNE_BIN` when set, else the one cargo built with these tests.
fn evotune_bin() -> PathBuf {
    std::env::var_os("EVOTUNE_BIN")
        .map_or_else(|| env!("CARGO_BIN_EXE_evotune").into(), PathBuf::from)
}

/// The GPU, or the panic that says the test did not run.
fn require_gpu() -> gpu::DeviceInfo {
    gpu::detect(0).unwrap_or_else(|e| panic!("no NVIDIA GPU: GPU test not run ({e})"))
}

fn shape(text: &str) -> Shape {
    Shape::parse(text).unwrap()
}

fn compiler(info: &gpu::DeviceInfo) -> Compiler {
    let cache = Cache::new(Cache::default_dir());
    Compiler::new(&info.limits.arch_name(), Some(cache)).expect("NVRTC loads")
}

/// Compiles `source` (entry point `kernel`) and writes its cubin into `dir`.
fn cubin_file(c: &Compiler, dir: &Path, name: &str, kernel: &str, source: &str) -> PathBuf {
    let compiled = c.compile(kernel, source).unwrap();
    let cubin = compiled
        .cubin
        .unwrap_or_else(|| panic!("{name} did not compile:\n{}", compiled.record.log));
    let path = dir.join(format!("{name}.cubin"));
    std::fs::write(&path, cubin.as_slice()).unwrap();
    path
}

fn fixture(name: &str) -> String {
    let path = root()
        .join("tests/fixtures/broken")
        .join(format!("{name}.cu"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One thread per output element: grid B·H·S, block D (the broken fixtures' geometry).
fn per_element(s: &Shape) -> Launch {
    Launch {
        grid: [(s.b * s.h * s.s) as u32, 1, 1],
        block: [s.d as u32, 1, 1],
        smem_bytes: 0,
        args: Default::default(),
        cluster: evotune::eval::NO_CLUSTER,
    }
}

/// One block of 128 threads per query row (the reference kernel's geometry).
fn per_row(s: &Shape, smem_bytes: u32) -> Launch {
    Launch {
        grid: [(s.b * s.h * s.s) as u32, 1, 1],
        block: [128, 1, 1],
        smem_bytes,
        args: Default::default(),
        cluster: evotune::eval::NO_CLUSTER,
    }
}

/// A request timed with the test plan (5 warm-up launches), L2 flushed by `flush`, warm beside.
fn request_flushed(
    id: u64,
    (kernel, cubin, launch): (&str, &Path, Launch),
    s: &Shape,
    flush: FlushMode,
) -> EvalRequest {
    let mut req = request(id, kernel, cubin, launch, s);
    req.timing = Some(TimingPlan {
        warmup: 5,
        ..TimingPlan::new(100, flush, evotune::eval::DEFAULT_TARGET_S).and_warm()
    });
    req
}

fn request(id: u64, kernel: &str, cubin: &Path, launch: Launch, s: &Shape) -> EvalRequest {
    problem_request(id, (kernel, cubin, launch), (*s).into())
}

/// The largest |cpu − gpu| / (1 + |cpu|) of a float32 GPU reference against the float64 CPU one.
fn worst_relative(cpu: &[f64], gpu: &[f64]) -> f64 {
    cpu.iter()
        .zip(gpu)
        .map(|(c, g)| (c - g).abs() / (1.0 + c.abs()))
        .fold(0.0, f64::max)
}

/// A request for `problem` at its operation's default tolerance, timed with the test plan.
fn problem_request(
    id: u64,
    (kernel, cubin, launch): (&str, &Path, Launch),
    problem: ProblemSpec,
) -> EvalRequest {
    let tolerance = match problem {
        ProblemSpec::Sdpa(_) => DEFAULT_TOLERANCE,
        ProblemSpec::Gemm(_) => <Gemm as Problem>::DEFAULT_TOLERANCE,
    };
    EvalRequest {
        id,
        label: format!("test {id}"),
        kernel: kernel.into(),
        cubin: cubin.into(),
        launch,
        problem,
        seed: 100 + id,
        tolerance,
        timing: Some(TimingPlan {
            warmup: 5,
            ..TimingPlan::new(100, FlushMode::Memset, evotune::eval::DEFAULT_TARGET_S)
        }),
        race: None,
        dump: None,
    }
}

/// A read-back into pinned memory returns only once the copy is done: the second download sees
/// the second pattern in every element, not what the first left in the host buffer.
#[test]
fn pinned_read_backs_wait_for_their_copy() {
    let info = require_gpu();
    let gpu = Gpu::open(info.ordinal as u32).unwrap();
    let n = 64 << 20;
    let mut dev = gpu.zeros::<u16>(n, "test buffer").unwrap();
    let mut host = gpu.pinned_zeros::<u16>(n, "test buffer").unwrap();
    for pattern in [0x1234u16, 0xABCD] {
        gpu.fill_u16(&mut dev, pattern).unwrap();
        let got = gpu.download_pinned(&dev, &mut host, "test buffer").unwrap();
        let stale = got.iter().filter(|&&x| x != pattern).count();
        assert_eq!(stale, 0, "{stale} of {n} elements not yet {pattern:#x}");
    }
}

#[test]
fn gpu_float32_reference_matches_cpu_float64_on_small_shapes() {
    let info = require_gpu();
    let g = Gpu::open(0).unwrap();
    let r = GpuReference::new(&g, &compiler(&info)).unwrap();
    // S from 1 to 300, D from 8 to 256 (107: not a multiple of 32), one head to several.
    for text in [
        "1,1,1,8",
        "1,2,17,64",
        "2,1,100,107",
        "1,1,300,256",
        "1,3,129,32",
        "2,2,256,128",
    ] {
        let s = shape(text);
        let inputs = SdpaInputs::generate(&s, 1);
        for (what, [q, k, v]) in [
            ("dequantized", inputs.tensors().map(|t| t.dequantized())),
            (
                "full precision",
                inputs.tensors().map(|t| t.original.clone()),
            ),
        ] {
            let cpu = sdpa_f64(&q, &k, &v, &s, f64::from(inputs.softmax_scale));
            let gpu = r.run(&g, &q, &k, &v, &s, inputs.softmax_scale).unwrap();
            let worst = worst_relative(&cpu, &gpu);
            // fp32 sums of ≤ 300 terms: a few f32 ulps (2^-24 ≈ 6e-8) times the length at worst.
            assert!(worst < 2e-5, "{text} {what}: worst error {worst:e}");
        }
    }
}

#[test]
fn a_kernel_that_skips_outputs_is_caught_by_the_poison() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let good = cubin_file(
        &c,
        dir.path(),
        "good",
        "sdpa_reference_contract",
        gpu::kernels::REFERENCE_SOURCE,
    );
    let skip = cubin_file(
        &c,
        dir.path(),
        "skip",
        "sdpa_fp8_fwd",
        &fixture("skip_outputs"),
    );
    let mut backend = GpuBackend::<Sdpa>::open(0).unwrap();
    let s = shape("2,4,100,64");
    // The good kernel first, with 100 KB of dynamic shared memory (opt-in above 48 KB).
    let mut req = request(
        1,
        "sdpa_reference_contract",
        &good,
        per_row(&s, 100 * 1024),
        &s,
    );
    req.timing = None;
    let ok = eval::Backend::evaluate(&mut backend, &req);
    assert!(ok.outcome.is_ok(), "{:?}", ok.outcome);
    assert_eq!(ok.errors.unwrap().unwritten, 0);
    // Then the same buffers' shape, a kernel that skips the last row of every head.
    let mut req = request(2, "sdpa_fp8_fwd", &skip, per_element(&s), &s);
    req.timing = None;
    let bad = eval::Backend::evaluate(&mut backend, &req);
    assert_eq!(bad.outcome.name(), "invalid", "{:?}", bad.outcome);
    assert_eq!(bad.errors.unwrap().unwritten, s.b * s.h * s.d);
    assert!(
        bad.outcome.reason().contains("unwritten (still poison)"),
        "{}",
        bad.outcome
    );
    assert!(eval::Backend::usable_after(&backend, &bad));
}

/// The wgmma family through the evaluator (tensor-map arguments): its reference config, a
/// one-consumer, overlapped, ping-pong-free variant, two key-split variants and two key-warpgroup
/// variants pass at shapes whose S is not a multiple of any tile, at D = 64, 96, 128 and 256,
/// and at S = 50 (one key tile: a second key warpgroup or a later split gets none), and at causal
/// problems whose first rows see one, two, three ... keys (grouped kv heads, and a decode step),
/// with every output written.
#[test]
fn wgmma_variants_pass_validation_at_ragged_shapes() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let sp = space::load(&root().join(SDPA_SPACE)).unwrap();
    let template = Template::for_space(&sp).unwrap();
    let mut backend = GpuBackend::<Sdpa>::open(0).unwrap();
    let mut id = 0;
    let configs = ragged::configs();
    for config in &configs {
        for text in ragged::PROBLEMS {
            let s = shape(text);
            let point = sp
                .evaluate(&sp.parse_config(config).unwrap(), &s, &info.limits)
                .unwrap();
            if !point.is_valid() {
                continue; // e.g. 128-key tiles with D = 256 break the register guard
            }
            id += 1;
            let source = template.render(&sp, &point, &s, &info.limits).unwrap();
            let cubin = cubin_file(&c, dir.path(), &format!("w{id}"), &sp.kernel, &source);
            let launch = eval::launch_for(&sp, &point).unwrap();
            assert!(matches!(launch.args, eval::KernelArgs::TensorMaps { .. }));
            let mut req = request(id, &sp.kernel, &cubin, launch, &s);
            req.timing = None;
            let resp = eval::Backend::evaluate(&mut backend, &req);
            assert!(
                resp.outcome.is_ok(),
                "{config} at {text}: {:?}",
                resp.outcome
            );
            assert_eq!(resp.errors.unwrap().unwritten, 0, "{config} at {text}");
        }
    }
    assert!(
        id >= 20,
        "only {id} of the {} cases are valid points",
        configs.len() * ragged::PROBLEMS.len()
    );
}

/// The correct kernel of the fault run: the default config of the sdpa_fp8 space when that space
/// exists, else the reference kernel behind the contract. Returns (kernel, cubin, launch, what).
fn good_kernel(
    info: &gpu::DeviceInfo,
    c: &Compiler,
    dir: &Path,
    s: &Shape,
) -> (String, PathBuf, Launch, String) {
    let path = root().join(SDPA_SPACE);
    if !path.is_file() {
        eprintln!(
            "{SDPA_SPACE} is absent: the fault run uses the reference kernel as its good kernel"
        );
        let cubin = cubin_file(
            c,
            dir,
            "good",
            "sdpa_reference_contract",
            gpu::kernels::REFERENCE_SOURCE,
        );
        return (
            "sdpa_reference_contract".into(),
            cubin,
            per_row(s, 0),
            "reference contract".into(),
        );
    }
    let sp = space::load(&path).unwrap();
    let point = sp.evaluate(&sp.default, s, &info.limits).unwrap();
    assert!(
        point.is_valid(),
        "the default config breaks {:?} at {s}",
        point.violated
    );
    let launch = eval::launch_for(&sp, &point).unwrap();
    let source = Template::for_space(&sp)
        .unwrap()
        .render(&sp, &point, s, &info.limits)
        .unwrap();
    let cubin = cubin_file(c, dir, "good", &sp.kernel, &source);
    (
        sp.kernel.clone(),
        cubin,
        launch,
        format!("{SDPA_SPACE} default"),
    )
}

#[test]
fn the_worker_pool_gives_every_kernel_its_outcome_and_good_ones_their_times() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let s = shape("2,8,512,64");
    let (good_name, good, good_launch, what) = good_kernel(&info, &c, dir.path(), &s);
    let broken = |name: &str| cubin_file(&c, dir.path(), name, "sdpa_fp8_fwd", &fixture(name));
    let (oob, hang, wrong, skip, drift) = (
        broken("oob_write"),
        broken("hang"),
        broken("wrong_result"),
        broken("skip_outputs"),
        broken("drift_when_timed"),
    );
    let relaunch_source = format!(
        "#define CORRECT_LAUNCHES 1\n{}",
        fixture("drift_when_timed")
    );
    let relaunch = cubin_file(
        &c,
        dir.path(),
        "wrong_on_relaunch",
        "sdpa_fp8_fwd",
        &relaunch_source,
    );
    let spec = WorkerSpec {
        program: evotune_bin(),
        args: vec!["worker".into(), "--device".into(), "0".into()],
        start_timeout: Duration::from_secs(120),
    };
    let mut worker = Worker::start(&spec).unwrap();
    let plan: Vec<(&str, EvalRequest, u64)> = vec![
        ("ok", request(0, &good_name, &good, good_launch, &s), 300),
        (
            "launch_failed",
            request(1, "sdpa_fp8_fwd", &oob, per_element(&s), &s),
            120,
        ),
        ("ok", request(2, &good_name, &good, good_launch, &s), 300),
        (
            "timeout",
            request(3, "sdpa_fp8_fwd", &hang, per_element(&s), &s),
            20,
        ),
        ("ok", request(4, &good_name, &good, good_launch, &s), 300),
        (
            "invalid",
            request(5, "sdpa_fp8_fwd", &wrong, per_element(&s), &s),
            120,
        ),
        (
            "invalid",
            request(6, "sdpa_fp8_fwd", &skip, per_element(&s), &s),
            120,
        ),
        ("ok", request(7, &good_name, &good, good_launch, &s), 300),
        (
            "invalid",
            request(8, "sdpa_fp8_fwd", &drift, per_element(&s), &s),
            300,
        ),
        ("ok", request(9, &good_name, &good, good_launch, &s), 300),
        (
            "invalid",
            request(10, "sdpa_fp8_fwd", &relaunch, per_element(&s), &s),
            300,
        ),
    ];
    let got: Vec<EvalResponse> = plan
        .iter()
        .map(|(_, req, limit)| worker.evaluate(req, Duration::from_secs(*limit)))
        .collect();
    for ((want, req, _), resp) in plan.iter().zip(&got) {
        eprintln!("{} ({}): {}", req.id, req.kernel, resp.outcome);
        assert_eq!(
            resp.outcome.name(),
            *want,
            "request {} ({what} for good kernels): {:?}",
            req.id,
            resp.outcome
        );
        assert_eq!(resp.id, req.id);
    }
    for resp in got.iter().filter(|r| r.outcome.is_ok()) {
        let (k, p) = (
            resp.kernel_time.as_ref().unwrap(),
            resp.call_time.as_ref().unwrap(),
        );
        assert!(k.p50_us > 0.0 && p.p50_us > 0.0, "{k:?} {p:?}");
        assert!(k.samples_us.len() >= 100 && p.samples_us.len() >= 100);
        assert!(k.ci_lo_us <= k.p50_us && k.p50_us <= k.ci_hi_us);
        assert!(k.method.contains("L2 flushed"), "{}", k.method);
        let e = resp.errors.unwrap();
        assert_eq!((e.unwritten, e.nan_count, e.inf_count), (0, 0, 0));
        assert!(
            resp.errors_vs_full.unwrap().max_abs > 0.0,
            "quantization costs something"
        );
    }
    assert!(
        got[1].outcome.reason().contains("CUDA_ERROR_"),
        "{}",
        got[1].outcome
    );
    assert!(got[5].errors.unwrap().unwritten == 0 && got[5].errors.unwrap().max_abs > 0.05);
    assert_eq!(got[6].errors.unwrap().unwritten, s.b * s.h * s.d);
    assert!(
        got[8].outcome.reason().starts_with("after the timed runs:")
            && got[8].kernel_time.is_none(),
        "validation passes, the timed launches leave a wrong O: {:?}",
        got[8].outcome
    );
    assert!(
        got[10]
            .outcome
            .reason()
            .starts_with("a second launch on the same buffers changed")
            && got[10].kernel_time.is_none(),
        "the first launch passes, the second on the same buffers differs: {:?}",
        got[10].outcome
    );
    assert_eq!(
        worker.restarts, 2,
        "the fault and the hang each cost one worker"
    );
    // The good kernel timed in a clean worker, with no broken kernel before it: the times of
    // the fault run must agree within 10% (separate processes differ by up to ≈3%, BENCHMARKS.md).
    let mut clean = Worker::start(&spec).unwrap();
    let alone = clean.evaluate(&plan[0].1, Duration::from_secs(300));
    let clean_p50 = alone.kernel_time.as_ref().unwrap().p50_us;
    for resp in got.iter().filter(|r| r.outcome.is_ok()) {
        let p50 = resp.kernel_time.as_ref().unwrap().p50_us;
        eprintln!(
            "good kernel, request {}: {p50:.3} µs; clean run {clean_p50:.3} µs",
            resp.id
        );
        assert!(
            (p50 / clean_p50 - 1.0).abs() < 0.10,
            "request {}: {p50} µs in the fault run vs {clean_p50} µs clean",
            resp.id
        );
    }
}

/// Each flush mode flushes as its method says, and a flushed timing gets a warm one beside it
/// (L2 not flushed, a graph of 20 launches), faster at this small problem (BENCHMARKS.md: the
/// floor kernel takes 6.3 µs flushed, 1.6 µs warm); none is warm already and gets no second.
#[test]
fn the_worker_flushes_as_each_mode_says_and_times_warm_beside() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let s = shape("2,8,512,64");
    let (name, cubin, launch, _) = good_kernel(&info, &c, dir.path(), &s);
    let spec = WorkerSpec {
        program: evotune_bin(),
        args: vec!["worker".into(), "--device".into(), "0".into()],
        start_timeout: Duration::from_secs(120),
    };
    let mut worker = Worker::start(&spec).unwrap();
    let modes = [
        (FlushMode::Memset, "(memset of "),
        (FlushMode::Read, "(read by a kernel that writes nothing of "),
        (FlushMode::WriteRead, "(memset then read by a kernel of "),
    ];
    for (id, (mode, says)) in modes.into_iter().enumerate() {
        let req = request_flushed(id as u64, (&name, &cubin, launch), &s, mode);
        let resp = worker.evaluate(&req, Duration::from_secs(300));
        assert!(resp.outcome.is_ok(), "{mode:?}: {}", resp.outcome);
        let cold = resp.kernel_time.as_ref().unwrap();
        let warm = resp.warm_kernel_time.as_ref().unwrap();
        eprintln!(
            "{mode:?}: cold {:.2} µs, warm {:.2} µs",
            cold.p50_us, warm.p50_us
        );
        assert!(cold.method.contains(says), "{mode:?}: {}", cold.method);
        assert!(
            warm.method
                .contains("20 back-to-back launches, divided by 20; L2 not flushed"),
            "{}",
            warm.method
        );
        assert!(warm.p50_us < cold.p50_us, "{mode:?}: {warm:?} vs {cold:?}");
    }
    let none = request_flushed(9, (&name, &cubin, launch), &s, FlushMode::None);
    let resp = worker.evaluate(&none, Duration::from_secs(300));
    assert!(resp.outcome.is_ok(), "{}", resp.outcome);
    assert!(resp.warm_kernel_time.is_none());
    let method = &resp.kernel_time.as_ref().unwrap().method;
    assert!(method.contains("L2 not flushed"), "{method}");
}

fn evotune(args: &[&str]) -> std::process::Output {
    Command::new(evotune_bin())
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn numpy_check(script: &str, dir: &Path) {
    let has_numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_numpy,
        "python3 with numpy is needed to read the dump (pip install numpy)"
    );
    let out = Command::new("python3")
        .args(["-c", script, dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "numpy check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bench_runs_end_to_end_and_its_dump_reads_in_numpy() {
    require_gpu();
    let dir = tempfile::tempdir().unwrap();
    let (out, dump) = (dir.path().join("run"), dir.path().join("dump"));
    let o = evotune(&[
        "bench",
        "--space",
        "tests/fixtures/reference_contract.toml",
        "--config",
        "default",
        "--shape",
        "1,3,77,96",
        "--json",
        "--reps",
        "100",
        "--seed",
        "5",
        "--out",
        out.to_str().unwrap(),
        "--dump",
        dump.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "bench failed:\n{stderr}");
    let resp: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(resp["outcome"]["kind"], "ok", "{resp}");
    assert!(resp["kernel_time"]["p50_us"].as_f64().unwrap() > 0.0);
    assert!(
        stderr.contains("kernel-only p50") && stderr.contains("TFLOP/s"),
        "{stderr}"
    );
    let files: Vec<_> = std::fs::read_dir(out.join("bench")).unwrap().collect();
    assert_eq!(files.len(), 1, "one candidate_<hash>.json");
    numpy_check(
        "import numpy as np, json, sys\n\
         d = sys.argv[1]\n\
         q, k, v, o = (np.load(f'{d}/{n}.npy') for n in 'qkvo')\n\
         m = json.load(open(f'{d}/meta.json'))\n\
         assert m['shape'] == [1, 3, 77, 96] and m['seed'] == 5 and m['passed'], m\n\
         assert q.dtype == np.uint8 and q.shape == (1, 3, 77, 96)\n\
         assert o.dtype == np.float16 and o.shape == (1, 3, 77, 96)\n\
         assert not (o.view(np.uint16) == 0x7E7F).any() and np.isfinite(o).all()\n\
         assert abs(m['softmax_scale'] - 96 ** -0.5) < 1e-7\n\
         print('dump ok')",
        &dump,
    );
}

#[test]
fn bench_of_the_sdpa_fp8_default_config_passes_flushed_and_warm() {
    require_gpu();
    assert!(
        root().join(SDPA_SPACE).is_file(),
        "{SDPA_SPACE} is missing: this test benches its default config and needs it"
    );
    let dir = tempfile::tempdir().unwrap();
    let kernel_time = |extra: &[&str]| -> serde_json::Value {
        let out = dir.path().to_str().unwrap();
        let mut args = vec![
            "bench",
            "--config",
            "default",
            "--shape",
            "2,8,512,64",
            "--json",
        ];
        args.extend(["--out", out]);
        args.extend(extra);
        let o = evotune(&args);
        assert!(
            o.status.success(),
            "bench {extra:?} failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let response: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        response["kernel_time"].clone()
    };
    let flushed = kernel_time(&[]);
    let warm = kernel_time(&["--no-flush"]);
    let read = kernel_time(&["--flush", "read"]);
    assert!(
        read["method"]
            .as_str()
            .unwrap()
            .contains("(read by a kernel that writes nothing of"),
        "{read}"
    );
    assert!(
        flushed["method"].as_str().unwrap().contains("L2 flushed"),
        "{flushed}"
    );
    assert!(
        warm["method"].as_str().unwrap().contains("L2 not flushed"),
        "{warm}"
    );
    // Cold inputs cost this small a problem microseconds (BENCHMARKS.md: the floor kernel takes
    // 6.3 µs flushed, 1.6 µs warm), far more than the spread of a median.
    let p50 = |t: &serde_json::Value| t["p50_us"].as_f64().unwrap();
    assert!(
        p50(&warm) < p50(&flushed),
        "warm {warm} vs flushed {flushed}"
    );
}

#[test]
fn baseline_writes_its_records_with_numbers_or_reasons() {
    require_gpu();
    let dir = tempfile::tempdir().unwrap();
    let o = evotune(&[
        "baseline",
        "--shape",
        "2,8,512,64",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "baseline failed:\n{text}");
    let read = |name: &str| -> serde_json::Value {
        let p = dir
            .path()
            .join("bench")
            .join(format!("baseline_{name}.json"));
        serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
    };
    let math = read("math");
    assert_eq!(
        math["status"], "ok",
        "the in-project baseline must measure: {math}"
    );
    assert_eq!(math["validation"]["passed"], true, "{math}");
    assert!(math["kernel_time"]["p50_us"].as_f64().unwrap() > 0.0);
    assert!(math["call_time"]["p50_us"].as_f64().unwrap() > 0.0);
    // The floor is checked exactly and must be faster than the math path it bounds.
    let floor = read("floor");
    assert_eq!(floor["status"], "ok", "the floor must measure: {floor}");
    assert_eq!(floor["validation"]["passed"], true, "{floor}");
    let floor_us = floor["kernel_time"]["p50_us"].as_f64().unwrap();
    assert!(
        floor_us > 0.0 && floor_us < math["kernel_time"]["p50_us"].as_f64().unwrap(),
        "{floor}"
    );
    // Both protocols on the record: cold (the default memset flush), then warm.
    for r in [&math, &floor] {
        assert_eq!(r["flush"], "memset", "{r}");
        let warm = &r["warm_kernel_time"];
        assert!(
            warm["method"].as_str().unwrap().contains("L2 not flushed"),
            "{r}"
        );
        assert!(warm["ci_lo_us"].as_f64().unwrap() > 0.0, "{r}");
    }
    assert!(
        floor["warm_kernel_time"]["p50_us"].as_f64().unwrap() < floor_us,
        "warm reads hit L2: {floor}"
    );
    for name in ["flash", "cudnn", "torch_math"] {
        let r = read(name);
        match r["status"].as_str().unwrap() {
            "ok" => assert!(r["call_time"]["p50_us"].as_f64().unwrap() > 0.0, "{r}"),
            "unavailable" => {
                assert!(!r["reason"].as_str().unwrap().is_empty(), "{r}");
                assert!(
                    r["kernel_time"].is_null() && r["kernel_tflops"].is_null(),
                    "{r}"
                );
                eprintln!("{name} unavailable: {}", r["reason"]);
            }
            other => panic!("{name}: status {other}"),
        }
    }
    eprintln!("{text}");
}

/// At most this many points of the GEMM space are validated per problem.
const GEMM_POINTS: usize = 24;

fn gemm(text: &str) -> Gemm {
    text.parse().unwrap()
}

/// `evotune worker` on GPU 0.
fn worker_spec() -> WorkerSpec {
    WorkerSpec {
        program: evotune_bin(),
        args: vec!["worker".into(), "--device".into(), "0".into()],
        start_timeout: Duration::from_secs(120),
    }
}

/// Up to [`GEMM_POINTS`] valid points of `sp` at `g`: its pairwise covering sample, or a seeded
/// sample of that when it is larger; then the cluster and split-K configurations of
/// [`gemm_ragged::CONFIGS`] that apply at `g` ([`gemm_ragged::config_points`]).
fn gemm_points(sp: &SearchSpace, g: &Gemm, limits: &DeviceLimits) -> Vec<Point> {
    let cover = sp.covering_sample(g, limits).unwrap();
    let mut points = space::sample_points(cover, GEMM_POINTS, 17);
    points.extend(gemm_ragged::config_points(sp, g, limits));
    points
}

/// The GEMM space's kernels, compiled into a folder.
struct GemmKernels<'a> {
    sp: SearchSpace,
    template: Template,
    compiler: &'a Compiler,
    dir: &'a Path,
    limits: &'a DeviceLimits,
}

impl<'a> GemmKernels<'a> {
    /// The space at [`GEMM_SPACE`], its kernels compiled by `compiler` into `dir`.
    fn load(compiler: &'a Compiler, dir: &'a Path, limits: &'a DeviceLimits) -> Self {
        let sp = space::load(&root().join(GEMM_SPACE)).unwrap();
        let template = Template::for_space(&sp).unwrap();
        GemmKernels {
            sp,
            template,
            compiler,
            dir,
            limits,
        }
    }

    /// `point` rendered and compiled for `g`, as request `id`: validated, not timed, at GEMM's
    /// default tolerance; NVRTC's log when it does not compile.
    fn request(&self, id: u64, point: &Point, g: &Gemm) -> Result<EvalRequest, String> {
        let kernel = Kernels::new(&self.sp, &self.template, g, self.limits)
            .kernel(point)
            .unwrap();
        let compiled = self
            .compiler
            .compile(&kernel.job.kernel, &kernel.job.source)
            .unwrap();
        let cubin = compiled.cubin.ok_or_else(|| compiled.record.log.clone())?;
        let path = self.dir.join(format!("gemm{id}.cubin"));
        std::fs::write(&path, cubin.as_slice()).unwrap();
        assert!(matches!(
            kernel.launch.args,
            eval::KernelArgs::GemmMaps { .. }
        ));
        let mut req = problem_request(id, (&kernel.job.kernel, &path, kernel.launch), (*g).into());
        req.timing = None;
        Ok(req)
    }
}

#[test]
fn gpu_float32_gemm_reference_matches_cpu_float64_on_small_problems() {
    let info = require_gpu();
    let g = Gpu::open(0).unwrap();
    let r = GpuGemmReference::new(&g, &compiler(&info)).unwrap();
    for text in ["1,1,16", "17,33,48", "100,96,272", "129,257,384"] {
        let p = gemm(text);
        let inputs = GemmInputs::generate(&p, 1);
        let [a, b] = inputs.tensors().map(|t| t.dequantized());
        let cpu = gemm_f64(&a, &b, &inputs.bias, &p, f64::from(inputs.scale));
        let gpu = r.run(&g, (&a, &b, &inputs.bias), &p, inputs.scale).unwrap();
        let worst = worst_relative(&cpu, &gpu);
        // fp32 sums of ≤ 384 terms of O(1/√K): a few f32 ulps (2^-24 ≈ 6e-8) times K at worst.
        assert!(worst < 2e-5, "{text}: worst error {worst:e}");
    }
}

/// The GEMM family through the evaluator (GpuBackend::<GemmOp>, in an `evotune worker` so that
/// a variant that faults costs a fresh process, not the rest of the run): up to [`GEMM_POINTS`]
/// points of a pairwise covering sample of its space and the cluster and split-K configurations
/// of [`gemm_ragged::CONFIGS`] pass the default tolerance at each problem of
/// [`gemm_ragged::PROBLEMS`], every output written, and a second launch on the same buffers gives the
/// same bits (split K's counters left at zero). It fails listing every point that did not pass,
/// with its outcome.
#[test]
fn gemm_variants_pass_validation_at_ragged_problems() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let kernels = GemmKernels::load(&c, dir.path(), &info.limits);
    let mut worker = Worker::start(&worker_spec()).unwrap();
    let (mut id, mut failures) = (0, Vec::new());
    for text in gemm_ragged::PROBLEMS {
        let g = gemm(text);
        let points = gemm_points(&kernels.sp, &g, &info.limits);
        assert!(
            !points.is_empty(),
            "no valid point of {GEMM_SPACE} at {text}"
        );
        for point in &points {
            id += 1;
            let outcome = match kernels.request(id, point, &g) {
                Ok(req) => worker.evaluate(&req, Duration::from_secs(600)).outcome,
                Err(log) => eval::Outcome::CompileFailed { log },
            };
            if !outcome.is_ok() {
                failures.push(format!("{} at {text}: {outcome}", point.config));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {id} GEMM variants did not pass:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One worker answers SDPA and GEMM requests in turn, each operation by its own evaluator, with
/// no restart between them.
#[test]
fn one_worker_serves_sdpa_and_gemm_in_turn() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let s = shape("1,2,64,64");
    let sdpa = cubin_file(
        &c,
        dir.path(),
        "sdpa",
        "sdpa_reference_contract",
        gpu::kernels::REFERENCE_SOURCE,
    );
    let sdpa_request = |id| {
        let mut req = request(id, "sdpa_reference_contract", &sdpa, per_row(&s, 0), &s);
        req.timing = None;
        req
    };
    let kernels = GemmKernels::load(&c, dir.path(), &info.limits);
    let g = gemm("100,96,272");
    let sp = &kernels.sp;
    let point = sp.evaluate(&sp.default, &g, &info.limits).unwrap();
    assert!(point.is_valid(), "{:?}", point.violated);
    let mut worker = Worker::start(&worker_spec()).unwrap();
    let pid = worker.hello.pid;
    let gemm_request = kernels.request(2, &point, &g).unwrap();
    for req in [sdpa_request(1), gemm_request, sdpa_request(3)] {
        let resp = worker.evaluate(&req, Duration::from_secs(300));
        assert!(resp.outcome.is_ok(), "{}: {}", req.problem, resp.outcome);
    }
    assert_eq!(worker.hello.pid, pid, "the worker was restarted");
}

/// Problems of the GEMM baseline tests: a square one of a thousand, a ragged one (N = 257: rows
/// of D 514 bytes apart, not a multiple of 16), the same with K = 333 (rows of A and B stored 336
/// bytes apart) and a large one (the float32 GPU reference).
const GEMM_BASELINE_PROBLEMS: [&str; 4] = [
    "1000,1000,1024",
    "129,257,384",
    "129,257,333",
    "2048,3072,4096",
];

/// `evotune baseline --gemm` at each of [`GEMM_BASELINE_PROBLEMS`]: cuBLASLt FP8, cuBLAS fp16
/// and the floor are measured cold and warm and pass their checks (the reference at the GEMM's
/// tolerance; the floor exactly); `_scaled_mm` is measured and passes, or is unavailable with the
/// reason and no number.
#[test]
fn gemm_baselines_measure_and_pass_their_checks() {
    require_gpu();
    for problem in GEMM_BASELINE_PROBLEMS {
        let dir = tempfile::tempdir().unwrap();
        let o = evotune(&[
            "baseline",
            "--gemm",
            problem,
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.status.success(),
            "baseline --gemm {problem} failed:\n{text}"
        );
        let read = |name: &str| -> serde_json::Value {
            let p = dir
                .path()
                .join("bench")
                .join(format!("baseline_{name}.json"));
            serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
        };
        let g = gemm(problem);
        for name in ["cublaslt_fp8", "cublas_fp16", "floor"] {
            let r = read(name);
            assert_eq!(r["status"], "ok", "{problem} {name} must measure: {r}");
            assert_eq!(
                r["shape"],
                serde_json::json!({"m": g.m, "n": g.n, "k": g.k})
            );
            assert_eq!(r["validation"]["passed"], true, "{problem} {name}: {r}");
            assert!(r["kernel_time"]["p50_us"].as_f64().unwrap() > 0.0, "{r}");
            assert!(r["call_time"]["p50_us"].as_f64().unwrap() > 0.0, "{r}");
            assert_eq!(r["flush"], "memset", "{r}");
            let warm = &r["warm_kernel_time"];
            assert!(
                warm["method"].as_str().unwrap().contains("L2 not flushed"),
                "{r}"
            );
        }
        let lt = read("cublaslt_fp8");
        let imp = lt["implementation"].as_str().unwrap();
        assert!(
            imp.contains("cublasLtMatmul FP8") && imp.contains("heuristic's first algorithm"),
            "{imp}"
        );
        let scaled_mm = read("scaled_mm");
        match scaled_mm["status"].as_str().unwrap() {
            "ok" => {
                assert!(scaled_mm["call_time"]["p50_us"].as_f64().unwrap() > 0.0);
                if !scaled_mm["validation"].is_null() {
                    let v = &scaled_mm["validation"];
                    assert_eq!(v["passed"], true, "{problem}: {scaled_mm}");
                }
            }
            "unavailable" => {
                assert!(!scaled_mm["reason"].as_str().unwrap().is_empty());
                assert!(scaled_mm["kernel_time"].is_null(), "{scaled_mm}");
                eprintln!(
                    "scaled_mm unavailable at {problem}: {}",
                    scaled_mm["reason"]
                );
            }
            other => panic!("scaled_mm: status {other}"),
        }
        eprintln!("{text}");
    }
}

/// cuBLASLt FP8's error against the reference is of the candidates' order (the GEMM space's
/// default point on the same inputs): each relative L2 error within four times the other's,
/// give or take fp16's rounding of D (2⁻¹¹). A mis-scaled or mis-laid-out cuBLASLt call would
/// miss by orders of magnitude; so would a candidate.
#[test]
fn cublaslt_fp8_errs_like_the_candidates() {
    let info = require_gpu();
    let c = compiler(&info);
    let dir = tempfile::tempdir().unwrap();
    let kernels = GemmKernels::load(&c, dir.path(), &info.limits);
    let g = gemm("1000,1000,1024");
    let sp = &kernels.sp;
    let point = sp.evaluate(&sp.default, &g, &info.limits).unwrap();
    assert!(point.is_valid(), "{:?}", point.violated);
    let req = kernels.request(1, &point, &g).unwrap();
    let mut worker = Worker::start(&worker_spec()).unwrap();
    let resp = worker.evaluate(&req, Duration::from_secs(300));
    assert!(resp.outcome.is_ok(), "{}", resp.outcome);
    let candidate = resp
        .errors
        .expect("a validated candidate has error figures");
    let records = evotune::baseline::gemm::run(&evotune::baseline::gemm::GemmRun {
        problem: g,
        device: 0,
        seed: req.seed,
        plan: TimingPlan::new(100, FlushMode::None, 0.05),
        python: "python3".into(),
        timeout: Duration::from_secs(60),
        chosen: vec!["cublaslt_fp8"],
    });
    let lt = &records[0];
    assert_eq!(
        lt.status,
        evotune::artifacts::BaselineStatus::Ok,
        "{:?}",
        lt.reason
    );
    let v = lt.validation.as_ref().expect("checked");
    assert!(v.passed, "{v:?}");
    let (ours, theirs) = (candidate.rel_l2, v.errors.rel_l2);
    let slack = 2f64.powi(-11);
    eprintln!("rel L2: candidate {ours:e}, cuBLASLt FP8 {theirs:e}");
    assert!(
        theirs <= 4.0 * ours + slack,
        "cuBLASLt {theirs:e} vs {ours:e}"
    );
    assert!(
        ours <= 4.0 * theirs + slack,
        "candidate {ours:e} vs {theirs:e}"
    );
}
