//! `evotune bench`: validate and time one configuration on the GPU through a worker process,
//! print a summary and write `bench/candidate_<hash>.json` (and `kernels/<hash>.cu`, `.cubin`)
//! to the run folder.

use super::args::BenchArgs;
use super::checks::{check_protocol_reps, tolerance_or};
use super::run_dir::{check_writable, kernel_cache, run_dir, write_json};
use super::target::{
    with_hopper_target, with_problem, CliProblem, Limits, ProblemText, Target, WithTarget,
};
use crate::compile::{write_kernel_files, CompileRecord, Compiler};
use crate::error::{Error, Result};
use crate::eval::{
    self, EvalRequest, EvalResponse, FlushMode, Launch, Outcome, Timing, TimingPlan, Tolerance,
    WorkerSpec,
};
use crate::gpu;
use crate::op::Problem;
use crate::space::{Config, Point};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What bench/candidate_<hash>.json holds (`shape`: the problem, SDPA's or a GEMM's).
#[derive(Debug, Serialize)]
struct CandidateRecord<P> {
    label: String,
    config: Config,
    space: PathBuf,
    kernel: String,
    shape: P,
    flops: f64,
    launch: Launch,
    seed: u64,
    tolerance: Tolerance,
    /// How L2 was flushed before each timed repetition.
    flush: FlushMode,
    device: String,
    compile: CompileRecord,
    kernel_tflops: Option<f64>,
    call_tflops: Option<f64>,
    /// Kernel-only medians of every worker process that timed it, the reported one first
    /// (`--processes`).
    process_kernel_p50_us: Vec<f64>,
    #[serde(flatten)]
    response: EvalResponse,
}

/// Judges the inputs as for Hopper (bad input: named, exit 2, nothing written), then checks
/// for a GPU (without one: one line on stderr, exit 1, nothing written), validates the inputs
/// against it, compiles, evaluates in a worker and reports.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.out {
        check_writable("--out", out)?;
    }
    check_protocol_reps(args.reps)?;
    let problem = ProblemText {
        shape: &args.shape,
        flags: &args.problem,
        gemm: args.gemm.as_deref(),
    };
    with_hopper_target(problem, args.space.as_deref(), Judge { args })?;
    let device = gpu::detect(args.device as i32)?;
    let bench = Bench {
        args,
        device: &device,
    };
    with_problem(
        problem,
        args.space.as_deref(),
        Limits::Device(&device),
        bench,
    )
}

/// The checks of a bench's inputs that need no GPU: the tolerance and the config at the problem.
struct Judge<'a> {
    args: &'a BenchArgs,
}

impl WithTarget for Judge<'_> {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        tolerance_or(P::DEFAULT_TOLERANCE, self.args.atol, self.args.rtol)?;
        t.valid_point(&self.args.config)?;
        Ok(())
    }
}

/// One bench on the GPU `device`.
struct Bench<'a> {
    args: &'a BenchArgs,
    device: &'a gpu::DeviceInfo,
}

impl WithTarget for Bench<'_> {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        bench(self.args, self.device, &t)
    }
}

fn bench<P: CliProblem>(
    args: &BenchArgs,
    device: &gpu::DeviceInfo,
    t: &Target<P>,
) -> anyhow::Result<()> {
    let tolerance = tolerance_or(P::DEFAULT_TOLERANCE, args.atol, args.rtol)?;
    let point = t.valid_point(&args.config)?;
    let kernel = t.kernels().kernel(&point)?;
    let (launch, source) = (kernel.launch, kernel.job.source);
    let cache = kernel_cache(args.cache_dir.as_deref())?;
    let compiler = Compiler::new(&t.limits.arch_name(), Some(cache))?;
    let compiled = compiler.compile(&t.space.kernel, &source)?;
    let out = run_dir(args.out.as_deref(), "bench");
    let hash = compiled.record.key[..16].to_string();
    let responses = match &compiled.cubin {
        None => vec![EvalResponse::compile_failed(1, &compiled.record.log)],
        Some(cubin) => {
            let cubin_path = write_kernel_files(&out.join("kernels"), &hash, &source, cubin)?;
            let req = request(args, t, &point, &launch, tolerance, cubin_path)?;
            evaluate_in_processes(args, &req)?
        }
    };
    let process_kernel_p50_us = responses
        .iter()
        .filter_map(|r| r.kernel_time.as_ref().map(|t| t.p50_us))
        .collect();
    let failed_later = responses.iter().skip(1).find(|r| !r.outcome.is_ok());
    let response = responses[0].clone();
    let record = CandidateRecord {
        label: point.config.to_string(),
        config: point.config.clone(),
        space: t.space.path.clone(),
        kernel: t.space.kernel.clone(),
        shape: t.shape,
        flops: t.shape.flops(),
        launch,
        seed: args.seed,
        tolerance,
        flush: args.flush.mode(),
        device: device.describe(),
        compile: compiled.record.clone(),
        kernel_tflops: tflops(&t.shape, response.kernel_time.as_ref()),
        call_tflops: tflops(&t.shape, response.call_time.as_ref()),
        process_kernel_p50_us,
        response,
    };
    let path = out.join("bench").join(format!("candidate_{hash}.json"));
    write_json(&path, &record)?;
    report(&record, &path, args.json)?;
    if let Some(dir) = &args.dump {
        check_dump(dir, &record.response.outcome)?;
    }
    if !record.response.outcome.is_ok() {
        anyhow::bail!("candidate {}: {}", record.label, record.response.outcome);
    }
    if let Some(r) = failed_later {
        anyhow::bail!(
            "candidate {}: in a later process: {}",
            record.label,
            r.outcome
        );
    }
    Ok(())
}

fn request<P: CliProblem>(
    args: &BenchArgs,
    t: &Target<P>,
    point: &Point,
    launch: &Launch,
    tolerance: Tolerance,
    cubin: PathBuf,
) -> Result<EvalRequest> {
    let dump = match &args.dump {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
            Some(std::path::absolute(dir).map_err(|e| Error::io("resolve", dir, e))?)
        }
        None => None,
    };
    Ok(EvalRequest {
        id: 1,
        label: point.config.to_string(),
        kernel: t.space.kernel.clone(),
        cubin,
        launch: *launch,
        problem: t.shape.into(),
        seed: args.seed,
        tolerance,
        timing: Some(TimingPlan::new(
            args.reps,
            args.flush.mode(),
            crate::eval::DEFAULT_TARGET_S,
        )),
        race: None,
        dump,
    })
}

/// The request evaluated in `--processes` fresh workers, one after the other (the dump, if
/// asked for, from the first only); stops at the first that does not end ok.
fn evaluate_in_processes(args: &BenchArgs, req: &EvalRequest) -> Result<Vec<EvalResponse>> {
    eval::evaluate_in_fresh_workers(
        &WorkerSpec::this_exe(args.device)?,
        req,
        args.processes,
        Duration::from_secs(args.timeout.max(1)),
        &mut |s| {
            eprintln!(
                "evaluating on {} (worker pid {}, process {} of {})",
                s.hello.device, s.hello.pid, s.process, s.processes
            )
        },
    )
}

fn tflops(shape: &impl Problem, t: Option<&Timing>) -> Option<f64> {
    t.map(|t| crate::artifacts::tflops(shape.flops(), t.p50_us))
}

/// The dump is written after the check; an outcome that got that far must have left meta.json.
fn check_dump(dir: &Path, outcome: &Outcome) -> Result<()> {
    let checked = matches!(outcome, Outcome::Ok | Outcome::Invalid { .. });
    if checked && !dir.join("meta.json").is_file() {
        return Err(Error::Other(format!(
            "the worker did not write the dump into {} (see its messages above)",
            dir.display()
        )));
    }
    Ok(())
}

fn report<P: CliProblem>(
    record: &CandidateRecord<P>,
    path: &Path,
    json: bool,
) -> anyhow::Result<()> {
    let text = summary(record);
    if json {
        eprint!("{text}");
        println!("{}", serde_json::to_string(&record.response)?);
    } else {
        print!("{text}");
    }
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The readable summary: outcome, errors, both timings with CI and TFLOP/s, clocks.
fn summary<P: CliProblem>(r: &CandidateRecord<P>) -> String {
    let resp = &r.response;
    let mut s = format!(
        "candidate  {}\nkernel     {} on {}, grid {:?} block {:?} smem {} B{}\nshape      {} (seed {})\noutcome    {}\n",
        r.label,
        r.kernel,
        r.device,
        r.launch.grid,
        r.launch.block,
        r.launch.smem_bytes,
        resources_text(&r.compile),
        r.shape,
        r.seed,
        resp.outcome
    );
    if let Some(e) = &resp.errors {
        s += &format!(
            "errors     vs FP8 reference:  max_abs {:.3e}  mean_abs {:.3e}  rel_l2 {:.3e}  (tolerance atol {} rtol {})\n",
            e.max_abs, e.mean_abs, e.rel_l2, r.tolerance.atol, r.tolerance.rtol
        );
    }
    if let Some(e) = &resp.errors_vs_full {
        s += &format!(
            "           vs full precision: max_abs {:.3e}  mean_abs {:.3e}  rel_l2 {:.3e}\n",
            e.max_abs, e.mean_abs, e.rel_l2
        );
    }
    for (label, t, tf) in [
        ("kernel-only", &resp.kernel_time, r.kernel_tflops),
        ("per call", &resp.call_time, r.call_tflops),
    ] {
        if let (Some(t), Some(tf)) = (t, tf) {
            s += &format!(
                "{label:<11} p50 {:.2} µs [95% CI {:.2}, {:.2}]  p10 {:.2}  p90 {:.2}  {:.1} TFLOP/s  ({} samples)\n",
                t.p50_us, t.ci_lo_us, t.ci_hi_us, t.p10_us, t.p90_us, tf, t.samples_us.len()
            );
        }
    }
    if r.process_kernel_p50_us.len() > 1 {
        s += &process_spread(&r.process_kernel_p50_us);
    }
    if resp.kernel_time.is_some() {
        s += &format!(
            "flush      {} ({} protocol)\n",
            r.flush.name(),
            r.flush.protocol().name()
        );
        s += &format!(
            "clocks     SM {} MHz, throttle reasons {}\n",
            resp.sm_clock_mhz
                .map_or("unknown".into(), |m| m.to_string()),
            resp.throttle_reasons.as_deref().unwrap_or("unknown")
        );
    }
    s
}

/// "processes  kernel-only p50 in 3 fresh worker processes: 12.90, 13.25, 13.25 µs; range
/// 12.90–13.25 µs (2.7% of the lowest)".
fn process_spread(p50s: &[f64]) -> String {
    let lo = p50s.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = p50s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let list: Vec<String> = p50s.iter().map(|p| format!("{p:.2}")).collect();
    format!(
        "processes  kernel-only p50 in {} fresh worker processes: {} µs; range {lo:.2}–{hi:.2} µs ({:.1}% of the lowest)\n",
        p50s.len(),
        list.join(", "),
        (hi - lo) / lo * 100.0
    )
}

fn resources_text(c: &CompileRecord) -> String {
    c.resources.map_or(String::new(), |r| {
        format!(
            ", {} registers, {} B spilled",
            r.registers,
            r.spill_stores + r.spill_loads
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::DEFAULT_TOLERANCE;
    use crate::shape::Shape;

    fn record(response: EvalResponse) -> CandidateRecord<Shape> {
        CandidateRecord {
            label: "BLOCK_M=64".into(),
            config: Config::default(),
            space: "s.toml".into(),
            kernel: "sdpa_fp8_fwd".into(),
            shape: Shape::parse("2,8,512,64").unwrap(),
            flops: Shape::parse("2,8,512,64").unwrap().flops(),
            launch: Launch {
                grid: [8, 16, 1],
                block: [128, 1, 1],
                smem_bytes: 0,
                args: Default::default(),
                cluster: crate::eval::NO_CLUSTER,
            },
            seed: 3,
            tolerance: DEFAULT_TOLERANCE,
            flush: FlushMode::Read,
            device: "NVIDIA H100 80GB HBM3 (0)".into(),
            compile: CompileRecord {
                key: "k".into(),
                kernel: "sdpa_fp8_fwd".into(),
                arch: "sm_90a".into(),
                nvrtc_version: "13.0".into(),
                ok: true,
                log: String::new(),
                resources: None,
                compile_ms: 1.0,
            },
            kernel_tflops: None,
            call_tflops: None,
            process_kernel_p50_us: Vec::new(),
            response,
        }
    }

    #[test]
    fn summary_names_the_outcome_and_the_timings() {
        let mut resp = EvalResponse::failed(1, Outcome::Ok);
        resp.kernel_time = Some(crate::gpu::timing::summarize_samples(
            "kernel-only: x".into(),
            vec![10.0; 100],
        ));
        let mut r = record(resp);
        r.kernel_tflops = tflops(&r.shape, r.response.kernel_time.as_ref());
        let s = summary(&r);
        assert!(s.contains("outcome    ok\n"), "{s}");
        // 1.074e9 flops in 10 µs = 107.4 TFLOP/s.
        assert!(
            s.contains("kernel-only p50 10.00 µs [95% CI 10.00, 10.00]"),
            "{s}"
        );
        assert!(s.contains("107.4 TFLOP/s  (100 samples)"), "{s}");
        assert!(s.contains("clocks     SM unknown MHz"), "{s}");
        assert!(s.contains("flush      read (cold protocol)\n"), "{s}");
        assert!(!s.contains("processes"), "one process, no spread line: {s}");
        r.process_kernel_p50_us = vec![12.896, 13.248, 13.248];
        assert!(
            summary(&r).contains(
                "processes  kernel-only p50 in 3 fresh worker processes: 12.90, 13.25, 13.25 µs; \
                 range 12.90–13.25 µs (2.7% of the lowest)\n"
            ),
            "{}",
            summary(&r)
        );
        let failed = summary(&record(EvalResponse::failed(
            1,
            Outcome::LaunchFailed {
                reason: "CUDA_ERROR_ILLEGAL_ADDRESS at x".into(),
            },
        )));
        assert!(
            failed.contains("outcome    launch_failed: CUDA_ERROR_ILLEGAL_ADDRESS at x"),
            "{failed}"
        );
        assert!(!failed.contains("p50"));
    }

    #[test]
    fn a_missing_dump_is_an_error_only_when_the_check_ran() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_dump(dir.path(), &Outcome::Ok).is_err());
        let timeout = Outcome::Timeout { after_s: 1.0 };
        assert!(check_dump(dir.path(), &timeout).is_ok());
        std::fs::write(dir.path().join("meta.json"), "{}").unwrap();
        assert!(check_dump(dir.path(), &Outcome::Ok).is_ok());
    }
}
