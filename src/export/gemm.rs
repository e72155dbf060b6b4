//! The GEMM part of the dispatch table (`dispatch.json`'s `gemm`): one entry per exported FP8
//! GEMM kernel, with the problem it was tuned at, its launch geometry there, the TMA boxes of
//! its tensor maps, the parameters its grid and split-K buffers follow at other problems, and
//! its time; and the preparation of an entry from a database row (re-evaluated and re-rendered
//! from the row's space and config).

use super::common::{template_stem, Prepared, Spaces, Tolerance, TunedRow};
use super::gemm_rule::{GemmRule, TunedGemm};
use crate::db::TuningRow;
use crate::eval::KernelArgs;
use crate::kernel::Kernels;
use crate::op::{Gemm, Problem};
use crate::space::DeviceLimits;
use serde::{Deserialize, Serialize};

/// The GEMM kernels' parameters in order, as the contract states them.
pub const GEMM_ARGUMENTS: [&str; 10] = [
    "a_map",
    "b_map",
    "d",
    "bias",
    "workspace",
    "counters",
    "alpha",
    "M",
    "N",
    "K",
];

/// The GEMM kernels of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GemmTable {
    /// The kernels' parameters, in order ([`GEMM_ARGUMENTS`]).
    pub arguments: Vec<String>,
    /// evotune's tolerance for a GEMM kernel's output against the reference.
    pub tolerance: Tolerance,
    /// One entry per kernel, ordered by problem (M, N, K).
    pub entries: Vec<GemmEntry>,
}

impl GemmTable {
    /// The table of `entries`, with the GEMM contract's arguments and tolerance.
    pub fn of(entries: Vec<GemmEntry>) -> GemmTable {
        let t = <Gemm as Problem>::DEFAULT_TOLERANCE;
        GemmTable {
            arguments: GEMM_ARGUMENTS.iter().map(|a| a.to_string()).collect(),
            tolerance: Tolerance {
                atol: t.atol,
                rtol: t.rtol,
            },
            entries,
        }
    }
}

/// The boxes of a GEMM kernel's tensor maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GemmBoxes {
    /// Bytes of K per box row (BLOCK_K), and the swizzle (64 or 128).
    pub swizzle: u32,
    /// Rows of an A box (BLOCK_M / CLUSTER_N).
    pub a_rows: u32,
    /// Rows of a Bᵀ box (BLOCK_N / CLUSTER_M).
    pub b_rows: u32,
}

/// One exported GEMM kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GemmEntry {
    /// Its name: the problem it was tuned at (`gemm_m4096_n4096_k128`).
    pub id: String,
    /// That problem.
    pub problem: Gemm,
    /// The problem as evotune writes it (`gemm 4096,4096,128`).
    pub label: String,
    /// The template's name (`gemm_fp8_wgmma`).
    pub family: String,
    /// The `extern "C"` entry point.
    pub entry_point: String,
    /// The cubin, relative to the export folder.
    pub cubin: String,
    /// Its CUDA source, relative to the export folder.
    pub source: String,
    /// Grid at its problem (x, y, z), at the table's SM count.
    pub grid: [u32; 3],
    /// Block (threads).
    pub block: [u32; 3],
    /// Dynamic shared memory, bytes.
    pub smem_bytes: u32,
    /// Thread-block cluster (x, y, z) set at launch; [1, 1, 1] for none.
    pub cluster: [u32; 3],
    /// TMA boxes and swizzle of A's and Bᵀ's maps.
    pub tma: GemmBoxes,
    /// Floats of the split-K workspace at its problem (0 without a split).
    pub workspace_floats: u64,
    /// Counters of the split at its problem (0 without a split).
    pub counters: u64,
    /// What its grid and buffers follow at other problems.
    pub rule: GemmRule,
    /// What it was measured and compiled as, and where it came from.
    #[serde(flatten)]
    pub tuned: TunedRow,
}

/// The kernel's name: its problem, `gemm_m4096_n4096_k128`.
pub fn gemm_id(g: &Gemm) -> String {
    format!("gemm_m{}_n{}_k{}", g.m, g.n, g.k)
}

/// The entry of a GEMM `row` at `problem`: its config evaluated there with `limits`, its source
/// rendered and its rule verified. The error says why the row cannot be exported.
pub fn prepare_gemm(
    row: &TuningRow,
    problem: Gemm,
    limits: &DeviceLimits,
    spaces: &mut Spaces,
) -> Result<Prepared<GemmEntry>, String> {
    let (space, template) = spaces.get(&row.space_path)?;
    let config = space.parse_config(&row.config).map_err(|e| e.to_string())?;
    let point = space
        .evaluate(&config, &problem, limits)
        .map_err(|e| e.to_string())?;
    if !point.is_valid() {
        return Err(format!(
            "its config breaks the space's constraints on {}: {}",
            limits.arch_name(),
            point.violated.join("; ")
        ));
    }
    let kernel = Kernels::new(space, template, &problem, limits)
        .kernel(&point)
        .map_err(|e| e.to_string())?;
    let (source, launch) = (kernel.job.source, kernel.launch);
    let KernelArgs::GemmMaps {
        swizzle,
        a_rows,
        b_rows,
        ..
    } = launch.args
    else {
        return Err(format!(
            "its kernel takes {:?}, not the GEMM contract's tensor maps (ARGS = \"gemm_maps\")",
            launch.args
        ));
    };
    let mut rule = GemmRule::of(&point)?;
    rule.verify(&TunedGemm {
        space,
        template,
        limits,
        config: &config,
        problem,
        source: &source,
        launch: &launch,
    });
    let id = gemm_id(&problem);
    let entry = GemmEntry {
        cubin: format!("kernels/{id}.cubin"),
        source: format!("kernels/{id}.cu"),
        id,
        problem,
        label: row.problem.label(),
        family: template_stem(&space.template_for(&config)),
        entry_point: space.kernel.clone(),
        grid: launch.grid,
        block: launch.block,
        smem_bytes: launch.smem_bytes,
        cluster: launch.cluster,
        tma: GemmBoxes {
            swizzle,
            a_rows,
            b_rows,
        },
        workspace_floats: rule.workspace_floats(&problem),
        counters: rule.counters(&problem),
        rule,
        tuned: TunedRow::of(row),
    };
    Ok(Prepared { entry, source })
}
