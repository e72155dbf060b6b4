//! `evotune export --db FILE --out DIR`: the database's best fresh kernels of one device,
//! compiled, with a dispatch table, a C header and a Python package that calls them.

use crate::compile::{compile_all, Cache, Compiled, Compiler, Job};
use crate::db::{self, TuningRow};
use crate::error::{Error, Input, Result};
use crate::export::{self, DispatchTable, KernelFiles, Prepared, Spaces, Staging};
use crate::space::DeviceLimits;
use clap::Args;
use std::path::{Path, PathBuf};

const AFTER: &str = "Writes into DIR (replacing a previous export there only once the new one is
complete):
  kernels/<id>.cu, <id>.cubin   each problem's best kernel, re-rendered from its space and
                                config and compiled with NVRTC for --arch
  dispatch.json, dispatch.h     the table: problem, launch geometry, argument style (device
                                pointers or TMA tensor maps), what else each kernel can run,
                                the measured time
  python/evotune_kernels/       sdpa_fp8(q, k, v, q_descale, k_descale, v_descale, causal=False,
                                softmax_scale=None) on PyTorch tensors, launched through
                                NVIDIA's cuda-python driver bindings
  python/check.py               the GPU check: every problem of the table against PyTorch's SDPA

Rows whose space or template changed since (stale), or that no longer render or compile, are
skipped with a line saying why. GEMM rows are not exported (the table and the package are
attention's): one line counts them. Example:
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
    let mut split = db::fresh_rows(&file, "to export")?;
    let gemms = attention_only(&file, &mut split)?;
    let gpu = db::pick_device(&file, &split.fresh, args.device.as_deref())?;
    if let Some(line) = gemm_line(&gemms, &gpu) {
        eprintln!("{line}");
    }
    for (r, why) in split.stale.iter().filter(|(r, _)| r.gpu == gpu) {
        eprintln!("skipped {}: {why}", row_name(r));
    }
    let rows = db::best_of_each(&split.fresh, &gpu);
    let limits = limits(args.arch.as_deref(), &rows)?;
    let staging = Staging::begin(&args.out)?;
    let prepared = prepare_all(&rows, &limits);
    let cache = Cache::new(args.cache_dir.clone().unwrap_or_else(Cache::default_dir));
    let compiler = Compiler::new(&limits.arch_name(), Some(cache))?;
    let (entries, kernels) = compile(&compiler, prepared)?;
    if entries.is_empty() {
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
    };
    export::write_all(staging.dir(), &table, &kernels)?;
    staging.commit()?;
    print_summary(&table, &args.out);
    Ok(())
}

/// Takes the GEMM rows out of `split` (the table holds attention kernels) and gives back the
/// fresh ones; a database of GEMM rows alone is an error naming it.
fn attention_only(file: &Path, split: &mut db::Split) -> Result<Vec<TuningRow>> {
    let (gemms, attention) = split
        .fresh
        .drain(..)
        .partition(|r| r.problem.sdpa().is_none());
    split.fresh = attention;
    split.stale.retain(|(r, _)| r.problem.sdpa().is_some());
    if !split.fresh.is_empty() {
        return Ok(gemms);
    }
    Err(Error::input(
        Input::Database,
        format!(
            "{}: has no fresh attention rows to export: {}",
            file.display(),
            gemm_line(&gemms, "").unwrap_or_default()
        ),
    ))
}

/// "2 GEMM rows not exported: export writes attention kernels", counting the rows of `gpu`
/// (of every device when it is empty); `None` when there are none.
fn gemm_line(gemms: &[TuningRow], gpu: &str) -> Option<String> {
    let n = gemms
        .iter()
        .filter(|r| gpu.is_empty() || r.gpu == gpu)
        .count();
    let rows = if n == 1 { "row" } else { "rows" };
    (n > 0).then(|| format!("{n} GEMM {rows} not exported: export writes attention kernels"))
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

/// Each row's entry and source; a row that cannot be prepared is skipped with a line.
fn prepare_all(rows: &[&TuningRow], limits: &DeviceLimits) -> Vec<Prepared> {
    let mut spaces = Spaces::new();
    let mut out = Vec::new();
    for row in rows {
        match export::prepare(row, limits, &mut spaces) {
            Ok(p) => {
                if !p.entry.accepts.reuse {
                    eprintln!(
                        "note: {} serves its own problem only: {}",
                        row_name(row),
                        p.entry.accepts.note
                    );
                }
                out.push(p);
            }
            Err(why) => eprintln!("skipped {}: {why}", row_name(row)),
        }
    }
    out
}

/// Compiles every prepared kernel; those that fail are skipped with NVRTC's log.
fn compile(
    compiler: &Compiler,
    prepared: Vec<Prepared>,
) -> Result<(Vec<export::Entry>, Vec<KernelFiles>)> {
    let jobs: Vec<Job> = prepared
        .iter()
        .map(|p| Job {
            label: p.entry.id.clone(),
            kernel: p.entry.entry_point.clone(),
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
        entry.registers = res.map(|r| r.registers);
        entry.spill_bytes = res.map(|r| r.spill_stores + r.spill_loads);
        kernels.push(KernelFiles {
            id: entry.id.clone(),
            source: p.source,
            cubin,
        });
        entries.push(entry);
    }
    Ok((entries, kernels))
}

/// The cubin, or `None` after a line saying why there is none.
fn compiled(p: &Prepared, c: &Compiled, compiler: &Compiler) -> Option<std::sync::Arc<Vec<u8>>> {
    match (&c.cubin, c.record.ok) {
        (Some(cubin), true) => Some(cubin.clone()),
        _ => {
            eprintln!(
                "skipped {} ({}): it does not compile for {} with NVRTC {}:\n{}",
                p.entry.id,
                p.entry.label,
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
            e.id, e.family, e.kernel_p50_us, e.grid, e.block[0], e.smem_bytes, e.label
        );
    }
    println!(
        "exported {} kernels of {} ({}) to {}: dispatch.json, dispatch.h, kernels/, \
         python/evotune_kernels/",
        table.entries.len(),
        table.device,
        table.arch,
        out.display()
    );
    println!(
        "check them on the GPU: python3 {}",
        out.join("python/check.py").display()
    );
}
