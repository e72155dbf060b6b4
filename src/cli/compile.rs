//! `evotune compile`: compile every valid point of a space (or a sample) and summarize.

use super::args::CompileArgs;
use super::run_dir::kernel_cache;
use super::target::{with_target, ArchPolicy, CliProblem, Target, WithTarget};
use crate::compile::{compile_all, BatchSummary, Compiled, Compiler, Job};
use crate::progress::Progress;
use std::path::Path;

/// Compiles the points in parallel, prints failures with their NVRTC log and a summary.
pub fn run(args: &CompileArgs) -> anyhow::Result<()> {
    with_target(
        &args.target,
        args.space.as_deref(),
        ArchPolicy::GpuOrFlag,
        args,
    )
}

impl WithTarget for &CompileArgs {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        compile(self, &t)
    }
}

fn compile<P: CliProblem>(args: &CompileArgs, t: &Target<P>) -> anyhow::Result<()> {
    if let Some(config) = &args.config {
        return compile_one(args, t, config);
    }
    let points = if args.cover {
        t.covering_points()?
    } else {
        t.points(args.limit, args.seed)?
    };
    let jobs = t.jobs(&points)?;
    let cache = kernel_cache(args.cache_dir.as_deref())?;
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

/// Compiles the one point of `--config`, prints its ptxas report (and with `--sass` writes its
/// machine code and prints its loops); a failed compile prints NVRTC's log and is an error.
/// With `--json` the report goes to stderr and stdout holds only the one-line JSON summary.
fn compile_one<P: CliProblem>(
    args: &CompileArgs,
    t: &Target<P>,
    config: &str,
) -> anyhow::Result<()> {
    let point = t.valid_point(config)?;
    let job = t.kernels().job(&point)?;
    let cache = kernel_cache(args.cache_dir.as_deref())?;
    let compiler = Compiler::new(&t.limits.arch_name(), Some(cache))?;
    let compiled = compile_all(&compiler, std::slice::from_ref(&job), |_| {})?
        .pop()
        .expect("one result per job");
    let record = &compiled.record;
    if !record.ok {
        eprintln!("{}", record.log.trim_end());
        anyhow::bail!("{} failed to compile", job.label);
    }
    let say = |line: String| {
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    say(format!(
        "{} at {} {} for {} (NVRTC {}): {:.0} ms{}",
        job.kernel,
        P::NOUN,
        t.shape,
        t.limits.arch_name(),
        compiler.nvrtc_version(),
        record.compile_ms,
        if compiled.cached {
            ", from the cache"
        } else {
            ""
        }
    ));
    say(resource_line(record));
    if crate::compile::serializes_wgmma(&record.log) {
        say("ptxas serialized the wgmmas (see its report with --json off in the log)".into());
    }
    if let Some(path) = &args.sass {
        let cubin = compiled
            .cubin
            .as_ref()
            .expect("a cubin for a successful compile");
        print_loops(path, &crate::compile::sass::disassemble(cubin)?, say)?;
    }
    if args.json {
        let mut summary = BatchSummary::default();
        summary.add(&compiled);
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(())
}

fn resource_line(record: &crate::compile::CompileRecord) -> String {
    match &record.resources {
        Some(r) => format!(
            "registers {}  spill stores {} B  spill loads {} B  stack {} B  static shared {} B  barriers {}",
            r.registers, r.spill_stores, r.spill_loads, r.stack_frame, r.static_smem, r.barriers
        ),
        None => "no ptxas report in NVRTC's log".into(),
    }
}

/// Loops shorter than this are waits and retries, not work; `--sass` counts them without listing.
const MIN_LOOP_SHOWN: usize = 8;

/// Writes `sass` to `path` and prints each loop, innermost first, with its most frequent opcodes.
fn print_loops(path: &Path, sass: &str, say: impl Fn(String)) -> anyhow::Result<()> {
    crate::compile::write_atomic(path, sass.as_bytes())?;
    let total = crate::compile::sass::opcode_counts(sass)
        .values()
        .sum::<usize>();
    say(format!(
        "machine code: {} ({total} instructions)",
        path.display()
    ));
    let loops = crate::compile::sass::loops(sass);
    let (shown, waits): (Vec<_>, Vec<_>) = loops.iter().partition(|l| l.len() >= MIN_LOOP_SHOWN);
    say(format!(
        "loops, innermost first ({} of fewer than {MIN_LOOP_SHOWN} instructions, such as wait loops, not shown):",
        waits.len()
    ));
    for l in shown {
        say(format!(
            "  loop at instruction {:>5}: {:>5} instructions  {}",
            l.start,
            l.len(),
            top_opcodes(&l.ops, 6)
        ));
    }
    Ok(())
}

/// The `n` most frequent opcodes of `ops` as "OP count" pairs, most frequent first.
fn top_opcodes(ops: &[String], n: usize) -> String {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for op in ops {
        *counts.entry(op.as_str()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = counts
        .iter()
        .take(n)
        .map(|(op, c)| format!("{op} {c}"))
        .collect();
    shown.join(", ")
}
