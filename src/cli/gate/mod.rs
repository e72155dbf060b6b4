//! `evotune gate`: exit 0 when the run passes every check asked for, else 1 with one line
//! saying by how much it missed; bad input exits 2 naming the flag (a `--protocol` whose times
//! the run lacks among them).

mod explain;

use crate::cli::comparison::{resolve, Asked};
use crate::cli::run_dir::{check_file_writable, write_json};
use crate::error::Error;
use crate::eval::TimingProtocol;
use crate::gate::{regression_check, speedup_check, Check, GateResult, StoredBest, Unjudged};
use crate::report::RunData;
use clap::Args;
use std::path::PathBuf;

/// `evotune gate`
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The run folder (artifacts/<run_id>).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Minimum speedup of the best candidate over --vs (lower bound of its 95% CI).
    #[arg(long, value_name = "X")]
    pub min_speedup: Option<f64>,
    /// The baseline of --min-speedup. An SDPA run: baseline_a (the default; alias math, the
    /// unfused fp16 path), baseline_b (alias best_fused, the faster of flash and cudnn),
    /// cudnn_fp8 (cuDNN's FP8 SDPA), or any baseline record by name: flash, cudnn, torch_math
    /// (PyTorch's math backend), floor. A GEMM run: cublaslt_fp8 (the default; cuBLASLt's FP8
    /// matmul), cublas_fp16, scaled_mm, floor. A baseline the run has not measured is an error
    /// that lists those it has.
    #[arg(long, value_parser = crate::cli::comparison::parser(), value_name = "BASELINE")]
    pub vs: Option<Asked>,
    /// Which kernel-only times --min-speedup compares, the same on both sides: cold (L2
    /// flushed before each repetition, one launch per graph: the search's own times) or warm
    /// (L2 not flushed, a CUDA graph of 20 back-to-back launches ÷ 20, as many published
    /// benchmarks measure). `evotune baseline` records both for the baselines, and the
    /// confirmation at the end of a live tune both for the elites it re-times; a run without
    /// warm times is an error that says how to get them (exit 2).
    #[arg(long, value_enum, value_name = "PROTOCOL", default_value = "cold")]
    pub protocol: TimingProtocol,
    /// A stored result to check for regressions: a gate result (--save) or a tune/topk.json.
    #[arg(long, value_name = "FILE", requires = "max_regression")]
    pub baseline: Option<PathBuf>,
    /// Largest slowdown of the best kernel-only median against --baseline, in percent (cold:
    /// the search's own times, whatever --protocol says).
    #[arg(long, value_name = "PCT", requires = "baseline")]
    pub max_regression: Option<f64>,
    /// Also write this run's gate result (best candidate, samples, speedups) to FILE.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

/// Checks the flags, runs every check asked for, prints one line.
pub fn run(args: &GateArgs) -> anyhow::Result<()> {
    let run = load(args)?;
    if let Some(path) = &args.save {
        check_file_writable("--save", path)?;
    }
    let stored = stored(args, &run)?;
    let mut checks: Vec<Check> = Vec::new();
    let cannot = |e: String| anyhow::anyhow!("gate failed: cannot judge: {e}");
    if let Some(min) = args.min_speedup {
        let vs = resolve(args.vs.as_ref(), run.registry.gate_vs, run.registry, "--vs")?;
        let check = speedup_check(&run, &vs, min, args.protocol).map_err(|e| match e {
            Unjudged::NoTimes(n) => explain::no_times(&run, &n).into(),
            Unjudged::Missing(why) => cannot(why),
        })?;
        checks.push(check);
    }
    if let (Some(s), Some(pct)) = (&stored, args.max_regression) {
        let r = regression_check(&run, s, pct).map_err(cannot)?;
        checks.push(explain::regression(&r, &s.origin));
    }
    if let Some(path) = &args.save {
        write_json(path, &GateResult::of(&run).map_err(cannot)?)?;
    }
    let line = checks
        .iter()
        .map(|c| c.line.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if checks.iter().all(|c| c.passed) {
        println!("gate passed: {line}");
        Ok(())
    } else {
        anyhow::bail!("gate failed: {line}")
    }
}

/// The run folder, after the flags are checked.
fn load(args: &GateArgs) -> Result<RunData, Error> {
    if args.min_speedup.is_none() && args.baseline.is_none() {
        return Err(Error::flag(
            "--min-speedup",
            "is required (or --baseline FILE with --max-regression PCT): nothing to check",
        ));
    }
    if let Some(x) = args.min_speedup.filter(|x| !(x.is_finite() && *x > 0.0)) {
        return Err(Error::flag(
            "--min-speedup",
            format!("must be a number > 0, got {x}"),
        ));
    }
    if let Some(p) = args
        .max_regression
        .filter(|p| !(p.is_finite() && *p >= 0.0))
    {
        return Err(Error::flag(
            "--max-regression",
            format!("must be a percentage ≥ 0, got {p}"),
        ));
    }
    let run = RunData::load(&args.run);
    if let Err(e) = &run.topk {
        return Err(Error::flag(
            "--run",
            format!("{} is not a tuned run folder: {e}", args.run.display()),
        ));
    }
    Ok(run)
}

/// The stored result of --baseline, which must be at the run's shape.
fn stored(args: &GateArgs, run: &RunData) -> Result<Option<StoredBest>, Error> {
    let Some(path) = &args.baseline else {
        return Ok(None);
    };
    let s =
        StoredBest::read(path).map_err(|e| Error::flag("--baseline", explain::not_stored(e)))?;
    let shape = run.topk.as_ref().map(|t| t.shape).ok();
    if shape.is_some_and(|sh| sh != s.shape) {
        return Err(Error::flag(
            "--baseline",
            format!(
                "{} is at {}, the run at {}",
                path.display(),
                s.shape,
                shape.unwrap()
            ),
        ));
    }
    Ok(Some(s))
}
