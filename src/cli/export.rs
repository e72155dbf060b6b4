//! `evotune export --db FILE --out DIR`: the database's best fresh kernels of one device,
//! attention and GEMM, compiled, with a dispatch table, a C header and a Python package that
//! calls them.

use super::run_dir::kernel_cache;
use crate::compile::{compile_all, Compiled, Compiler, Job};
use crate::db::{self, TuningRow};
use crate::error::{Error, Result};
use crate::export::{
    self, DispatchTable, Entry, Exported, GemmEntry, GemmTable, KernelFiles, Prepared, PreparedRow,
    Spaces, Staging,
};
use crate::space::DeviceLimits;
use clap::Args;
use std::path::{Path, PathBuf};

const AFTER: &str = "Writes into DIR (replacing a previous export there only once the new one is
complete):
  kernels/<id>.cu, <id>.cubin   each problem's best kernel (attention and GEMM), re-rendered
                                from its space and config and compiled with NVRTC for --arch
  dispatch.json, dispatch.h     the table: problem, launch geometry, argument style (device
                                pointers or TMA tensor maps), what else each kernel can run,
                                the measured time; the GEMM kernels in a list of their own
  python/evotune_kernels/       sdpa_fp8(q, k, v, q_descale, k_descale, v_descale, causal=False,
                                softmax_scale=None) and gemm_fp8(a, b_t, scale_a=1.0,
                                scale_b=1.0, alpha=1.0, bias=None) on PyTorch tensors, launched
                                through NVIDIA's cuda-python driver bindings
  python/check.py               the GPU check: every problem of the table against PyTorch's SDPA
                                or a float64 matmul

Rows whose space or template changed since (stale), or that no longer render or compile, are
skipped with a line saying why. Example:
  evotune export --db tuning.db --out exported --device H200
  python3 exported/python/check.py";

/// `evotune export`
#[derive(Debug, Args)]
#[command(after_help = AFTER)]
pub struct ExportArgs {
    /// The tuning database [default: $EVOTUNE_DB, else ~/.local/share/evotune/tuning.db].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The folder to write (created; a previous export there is replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The device whose rows to export: its GPU name or a part that names one (`replay` for
    /// replayed runs); needed when the database holds fresh rows of several devices.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Compile target [default: the arch the rows were tuned for].
    #[arg(long, value_name = "sm_XY[a]")]
    pub arch: Option<String>,
    /// Compile cache [default: $EVOTUNE_CACHE_DIR, else ~/.cache/evotune/kernels].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// Selects, prepares, compiles and writes; prints a line for each skipped row and a summary.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let file = args.db.clone().unwrap_or_else(db::default_path);
    let split = db::fresh_rows(&file, "to export")?;
    let gpu = db::pick_device(&file, &split.fresh, args.device.as_deref())?;
    for (r, why) in split.stale.iter().filter(|(r, _)| r.gpu == gpu) {
        eprintln!("skipped {}: {why}", row_name(r));
    }
    let rows = db::best_of_each(&split.fresh, &gpu);
    let limits = limits(args.arch.as_deref(), &rows)?;
    let cache = kernel_cache(args.cache_dir.as_deref())?;
    let staging = Staging::begin(&args.out)?;
    let (attention, gemm) = prepare_all(&rows, &limits);
    let compiler = Compiler::new(&limits.arch_name(), Some(cache))?;
    let (entries, mut kernels) = compile(&compiler, attention)?;
    let (gemm_entries, gemm_kernels) = compile(&compiler, gemm)?;
    kernels.extend(gemm_kernels);
    if kernels.is_empty() {
        return Err(Error::Other(format!(
            "nothing exported: none of the {} problems of {gpu} in {} rendered and compiled \
             (the lines above say why)",
            rows.len(),
            file.display()
        ))
        .into());
    }
    let table = DispatchTable {
        format: export::FORMAT.into(),
        version: export::VERSION,
        device: gpu.clone(),
        arch: limits.arch_name(),
        sm_count: limits.sm_count as u32,
        nvrtc: compiler.nvrtc_version().into(),
        evotune_commit: crate::BUILD_COMMIT.into(),
        database: file.display().to_string(),
        tolerance: DispatchTable::default_tolerance(),
        arguments: export::ARGUMENTS.iter().map(|a| a.to_string()).collect(),
        entries,
        gemm: (!gemm_entries.is_empty()).then(|| GemmTable::of(gemm_entries)),
    };
    export::write_all(staging.dir(), &table, &kernels)?;
    staging.commit()?;
    print_summary(&table, &args.out);
    Ok(())
}

/// `row 3 (2,8,512,64)`.
fn row_name(r: &TuningRow) -> String {
    format!("row {} ({})", r.id.unwrap_or(0), r.problem.label())
}

/// The limits of `--arch`, else of the arch the rows were tuned for (one, or `--arch` is
/// needed).
fn limits(arch: Option<&str>, rows: &[&TuningRow]) -> Result<DeviceLimits> {
    let mut tuned: Vec<&str> = rows.iter().map(|r| r.arch.as_str()).collect();
    tuned.sort_unstable();
    tuned.dedup();
    let name = match (arch, tuned.as_slice()) {
        (Some(a), _) => a,
        (None, [one]) => one,
        (None, many) => {
            return Err(Error::flag(
                "--arch",
                format!(
                    "is needed: the rows were tuned for several targets ({})",
                    many.join(", ")
                ),
            ))
        }
    };
    DeviceLimits::for_arch(name).ok_or_else(|| {
        let given = if arch.is_some() {
            ""
        } else {
            " (the rows' target)"
        };
        Error::flag(
            "--arch",
            format!("expects a target like sm_90a or sm_89, got '{name}'{given}"),
        )
    })
}

/// The prepared attention and GEMM rows.
type PreparedLists = (Vec<Prepared<Entry>>, Vec<Prepared<GemmEntry>>);

/// Each row's entry and source, attention and GEMM apart; a row that cannot be prepared is
/// skipped with a line.
fn prepare_all(rows: &[&TuningRow], limits: &DeviceLimits) -> PreparedLists {
    let mut spaces = Spaces::new();
    let (mut attention, mut gemm) = (Vec::new(), Vec::new());
    for row in rows {
        let only = |note: &str| {
            eprintln!(
                "note: {} serves its own problem only: {note}",
                row_name(row)
            )
        };
        match export::prepare(row, limits, &mut spaces) {
            Ok(PreparedRow::Attention(p)) => {
                if !p.entry.accepts.reuse {
                    only(&p.entry.accepts.note);
                }
                attention.push(p);
            }
            Ok(PreparedRow::Gemm(p)) => {
                if !p.entry.rule.reuse {
                    only(&p.entry.rule.note);
                }
                gemm.push(p);
            }
            Err(why) => eprintln!("skipped {}: {why}", row_name(row)),
        }
    }
    (attention, gemm)
}

/// Compiles every prepared kernel; those that fail are skipped with NVRTC's log.
fn compile<E: Exported>(
    compiler: &Compiler,
    prepared: Vec<Prepared<E>>,
) -> Result<(Vec<E>, Vec<KernelFiles>)> {
    let jobs: Vec<Job> = prepared
        .iter()
        .map(|p| Job {
            label: p.entry.id().to_string(),
            kernel: p.entry.entry_point().to_string(),
            source: p.source.clone(),
        })
        .collect();
    let results = compile_all(compiler, &jobs, |_| ())?;
    let mut entries = Vec::new();
    let mut kernels = Vec::new();
    for (p, c) in prepared.into_iter().zip(results) {
        let Some(cubin) = compiled(&p, &c, compiler) else {
            continue;
        };
        let mut entry = p.entry;
        let res = c.record.resources;
        entry.set_resources(
            res.map(|r| r.registers),
            res.map(|r| r.spill_stores + r.spill_loads),
        );
        kernels.push(KernelFiles {
            id: entry.id().to_string(),
            source: p.source,
            cubin,
        });
        entries.push(entry);
    }
    Ok((entries, kernels))
}

/// The cubin, or `None` after a line saying why there is none.
fn compiled<E: Exported>(
    p: &Prepared<E>,
    c: &Compiled,
    compiler: &Compiler,
) -> Option<std::sync::Arc<Vec<u8>>> {
    match (&c.cubin, c.record.ok) {
        (Some(cubin), true) => Some(cubin.clone()),
        _ => {
            eprintln!(
                "skipped {} ({}): it does not compile for {} with NVRTC {}:\n{}",
                p.entry.id(),
                p.entry.label(),
                c.record.arch,
                compiler.nvrtc_version(),
                c.record.log.trim_end()
            );
            None
        }
    }
}

fn print_summary(table: &DispatchTable, out: &Path) {
    for e in &table.entries {
        let reuse = if e.accepts.reuse {
            "and problems like it"
        } else {
            "only"
        };
        println!(
            "{:<40} {:<6} {:>12.3} µs  grid {:?} block {} smem {}  ({} {reuse})",
            e.id, e.family, e.tuned.kernel_p50_us, e.grid, e.block[0], e.smem_bytes, e.label
        );
    }
    for e in table.gemm_entries() {
        let reuse = if e.rule.reuse {
            "and any M, N, K"
        } else {
            "only"
        };
        println!(
            "{:<40} {:<6} {:>12.3} µs  grid {:?} block {} smem {} cluster {}  ({} {reuse})",
            e.id,
            "gemm",
            e.tuned.kernel_p50_us,
            e.grid,
            e.block[0],
            e.smem_bytes,
            e.cluster[0],
            e.label
        );
    }
    println!(
        "exported {} of {} ({}) to {}: dispatch.json, dispatch.h, kernels/, \
         python/evotune_kernels/",
        kernel_count(table),
        table.device,
        table.arch,
        out.display()
    );
    println!(
        "check them on the GPU: python3 {}",
        out.join("python/check.py").display()
    );
}

/// `3 kernels`, or with GEMM kernels `4 kernels (3 attention, 1 GEMM)`.
fn kernel_count(table: &DispatchTable) -> String {
    let (a, g) = (table.entries.len(), table.gemm_entries().len());
    let kernels = |n: usize| if n == 1 { "kernel" } else { "kernels" };
    if g == 0 {
        return format!("{a} {}", kernels(a));
    }
    format!("{} {} ({a} attention, {g} GEMM)", a + g, kernels(a + g))
}
