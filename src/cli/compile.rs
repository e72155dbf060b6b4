//! `evotune compile`: compile every valid point of a space (or a sample) and summarize.

use super::args::CompileArgs;
use super::target::{with_target, ArchPolicy, CliProblem, Target, WithTarget};
use crate::compile::{compile_all, BatchSummary, Cache, Compiled, Compiler, Job};
use crate::progress::Progress;

/// Compiles the points in parallel, prints failures with their NVRTC log and a summary.
pub fn run(args: &CompileArgs) -> anyhow::Result<()> {
    with_target(&args.target, &args.space, ArchPolicy::GpuOrFlag, args)
}

impl WithTarget for &CompileArgs {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        compile(self, &t)
    }
}

fn compile<P: CliProblem>(args: &CompileArgs, t: &Target<P>) -> anyhow::Result<()> {
    let points = if args.cover {
        t.covering_points()?
    } else {
        t.points(args.limit, args.seed)?
    };
    let jobs = t.jobs(&points)?;
    let cache = Cache::new(args.cache_dir.clone().unwrap_or_else(Cache::default_dir));
    let compiler = Compiler::new(&t.limits.arch_name(), Some(cache.clone()))?;
    eprintln!(
        "compiling {} variants for {} (NVRTC {}, cache {})",
        jobs.len(),
        t.limits.arch_name(),
        compiler.nvrtc_version(),
        cache.dir().display()
    );
    let progress = Progress::new(jobs.len() as u64, "compile");
    let results = compile_all(&compiler, &jobs, |_| progress.inc())?;
    progress.finish();
    let summary = summarize(&jobs, &results);
    print_summary(&summary, &results, args.json)?;
    if summary.failed > 0 {
        anyhow::bail!(
            "{} of {} variants failed to compile",
            summary.failed,
            summary.variants
        );
    }
    Ok(())
}

fn summarize(jobs: &[Job], results: &[Compiled]) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for (job, c) in jobs.iter().zip(results) {
        summary.add(c);
        if !c.record.ok {
            eprintln!("FAILED {}\n{}", job.label, c.record.log.trim_end());
        }
        if crate::compile::serializes_wgmma(&c.record.log) {
            eprintln!("wgmmas serialized by ptxas: {}", job.label);
        }
    }
    summary
}

fn print_summary(s: &BatchSummary, results: &[Compiled], json: bool) -> anyhow::Result<()> {
    let max_regs = results
        .iter()
        .filter_map(|c| c.record.resources)
        .map(|r| r.registers)
        .max();
    let spilling = results
        .iter()
        .filter_map(|c| c.record.resources)
        .filter(|r| r.spill_stores + r.spill_loads > 0)
        .count();
    let serialized = results
        .iter()
        .filter(|c| crate::compile::serializes_wgmma(&c.record.log))
        .count();
    let line = format!(
        "variants {}  compiled {}  cached {}  failed {}  (max registers {}, {} variants spill, {} serialize their wgmmas)",
        s.variants,
        s.compiled,
        s.cached,
        s.failed,
        max_regs.map_or("-".into(), |r| r.to_string()),
        spilling,
        serialized
    );
    if json {
        eprintln!("{line}");
        println!("{}", serde_json::to_string(s)?);
    } else {
        println!("{line}");
    }
    Ok(())
}
