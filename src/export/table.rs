//! The dispatch table (`dispatch.json`): one entry per exported attention kernel, with the
//! problem it was tuned at, its launch geometry and argument style, what else it can run, and
//! its time, and beside them the GEMM kernels (`gemm`, see [`super::gemm`]); and the
//! preparation of an entry from a database row (re-evaluated and re-rendered from the row's
//! space and config).
//!
//! The `gemm` field is optional: absent in an export without GEMM kernels, so such a table is
//! byte for byte what it was before GEMM kernels were exported, and a reader that knows only
//! the attention entries reads any table as before (it ignores the field). That is why the
//! layout's [`VERSION`] stays 1: no field changed its meaning and none a reader needs is new.

pub use super::common::Tolerance;
use super::common::{template_stem, Spaces, TunedRow};
use super::gemm::{prepare_gemm, GemmEntry, GemmTable};
use super::rule::{Accepts, Tuned};
use crate::db::{self, Attention as Problem, TuningRow};
use crate::eval::{KernelArgs, Launch, DEFAULT_TOLERANCE};
use crate::kernel::Kernels;
use crate::space::DeviceLimits;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field of every dispatch table.
pub const FORMAT: &str = "evotune-dispatch";
/// The table's layout version (a reader refuses others).
pub const VERSION: u32 = 1;

/// The kernels' parameters in order, as every template's contract states them (a kernel that
/// declares fewer reads the leading ones: the mma family stops at `D`).
pub const ARGUMENTS: [&str; 14] = [
    "q",
    "k",
    "v",
    "o",
    "q_descale",
    "k_descale",
    "v_descale",
    "softmax_scale",
    "S",
    "D",
    "heads",
    "S_kv",
    "group",
    "causal",
];

/// `dispatch.json`.
/// An entry before its kernel is compiled (the attention table's by default).
pub type Prepared<E = Entry> = super::common::Prepared<E>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchTable {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The GPU the kernels were tuned on, as the database names it.
    pub device: String,
    /// The compile target, e.g. `sm_90a`.
    pub arch: String,
    /// The SM count the geometry was evaluated with (a persistent grid takes the device's own).
    pub sm_count: u32,
    /// The NVRTC version that compiled the cubins.
    pub nvrtc: String,
    /// The commit evotune was built from.
    pub evotune_commit: String,
    /// The database the rows came from.
    pub database: String,
    /// evotune's tolerance for a kernel's output against the reference.
    pub tolerance: Tolerance,
    /// The kernels' parameters, in order ([`ARGUMENTS`]).
    pub arguments: Vec<String>,
    /// One entry per attention kernel, ordered by problem.
    pub entries: Vec<Entry>,
    /// The GEMM kernels; absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemm: Option<GemmTable>,
}

/// A problem as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemSpec {
    /// Batch.
    pub b: usize,
    /// Query heads.
    pub h: usize,
    /// Query sequence length.
    pub s: usize,
    /// Head dim.
    pub d: usize,
    /// Causal mask, aligned bottom-right.
    pub causal: bool,
    /// Key/value heads.
    pub kv_heads: usize,
    /// Keys per sequence.
    pub kv_len: usize,
}

impl From<Problem> for ProblemSpec {
    fn from(p: Problem) -> Self {
        ProblemSpec {
            b: p.batch,
            h: p.heads,
            s: p.seq_len,
            d: p.head_dim,
            causal: p.causal,
            kv_heads: p.kv_heads,
            kv_len: p.kv_len,
        }
    }
}

/// TMA boxes of a kernel taking tensor maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TmaBoxes {
    /// Bytes of D per box row, and the swizzle (32, 64 or 128).
    pub swizzle: u32,
    /// Rows of a Q box.
    pub q_rows: u32,
    /// Rows of a K or V box.
    pub kv_rows: u32,
}

/// One exported kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Its name: the problem it was tuned at (`b2_h8_s512_d64`, `..._causal_kvh8_kvl4096`).
    pub id: String,
    /// That problem.
    pub problem: ProblemSpec,
    /// The problem as evotune writes it (`2,8,512,64 causal kv_heads=8`).
    pub label: String,
    /// The kernel family: the space's FAMILY (`mma`, `wgmma`), else the template's name
    /// (`sdpa_fp8_mma`).
    pub family: String,
    /// `pointers` (Q, K, V as device pointers) or `tensor_maps` (as TMA tensor maps).
    pub args: String,
    /// The `extern "C"` entry point.
    pub entry_point: String,
    /// The cubin, relative to the export folder.
    pub cubin: String,
    /// Its CUDA source, relative to the export folder.
    pub source: String,
    /// Grid at its problem (x, y, z).
    pub grid: [u32; 3],
    /// Block (threads).
    pub block: [u32; 3],
    /// Dynamic shared memory, bytes.
    pub smem_bytes: u32,
    /// TMA boxes and swizzle (tensor maps only).
    pub tma: Option<TmaBoxes>,
    /// What else it runs and how its grid follows the problem.
    pub accepts: Accepts,
    /// What it was measured and compiled as, and where it came from.
    #[serde(flatten)]
    pub tuned: TunedRow,
}

impl DispatchTable {
    /// Reads a table, refusing another format or version.
    pub fn read(path: &Path) -> crate::Result<DispatchTable> {
        let table: DispatchTable = crate::artifacts::read_json(path)?;
        if table.format != FORMAT || table.version != VERSION {
            return Err(crate::Error::Other(format!(
                "{}: format {} version {}, not {FORMAT} version {VERSION}",
                path.display(),
                table.format,
                table.version
            )));
        }
        Ok(table)
    }

    /// evotune's default tolerance, as the table states it.
    pub fn default_tolerance() -> Tolerance {
        Tolerance {
            atol: DEFAULT_TOLERANCE.atol,
            rtol: DEFAULT_TOLERANCE.rtol,
        }
    }

    /// The GEMM entries (none when the table has no `gemm`).
    pub fn gemm_entries(&self) -> &[GemmEntry] {
        self.gemm.as_ref().map_or(&[], |g| &g.entries)
    }
}

/// The kernel's name: its problem, `b2_h8_s512_d64`, with `_causal`, `_kvh<N>` and `_kvl<N>`
/// where the problem has them.
pub fn kernel_id(p: &Problem) -> String {
    let mut id = format!("b{}_h{}_s{}_d{}", p.batch, p.heads, p.seq_len, p.head_dim);
    if p.causal {
        id.push_str("_causal");
    }
    if p.kv_heads != p.heads {
        id.push_str(&format!("_kvh{}", p.kv_heads));
    }
    if p.kv_len != p.seq_len {
        id.push_str(&format!("_kvl{}", p.kv_len));
    }
    id
}

/// A prepared row of either operation.
#[derive(Debug, Clone)]
pub enum PreparedRow {
    /// An attention kernel.
    Attention(Prepared<Entry>),
    /// A GEMM kernel.
    Gemm(Prepared<GemmEntry>),
}

/// What compiling an entry reads from it and writes into it.
pub trait Exported {
    /// Its id (the kernel's file name).
    fn id(&self) -> &str;
    /// Its problem as evotune writes it.
    fn label(&self) -> &str;
    /// The `extern "C"` entry point.
    fn entry_point(&self) -> &str;
    /// Records what ptxas reports: registers per thread and spill bytes.
    fn set_resources(&mut self, registers: Option<u32>, spill_bytes: Option<u32>);
}

/// Both tables' entries carry the same id, label, entry point and ptxas figures.
macro_rules! exported {
    ($entry:ty) => {
        impl Exported for $entry {
            fn id(&self) -> &str {
                &self.id
            }
            fn label(&self) -> &str {
                &self.label
            }
            fn entry_point(&self) -> &str {
                &self.entry_point
            }
            fn set_resources(&mut self, registers: Option<u32>, spill_bytes: Option<u32>) {
                (self.tuned.registers, self.tuned.spill_bytes) = (registers, spill_bytes);
            }
        }
    };
}

exported!(Entry);
exported!(GemmEntry);

/// The entry of `row`, of either operation: its config evaluated at its problem with `limits`,
/// its source rendered and its rule verified. The error says why the row cannot be exported.
pub fn prepare(
    row: &TuningRow,
    limits: &DeviceLimits,
    spaces: &mut Spaces,
) -> Result<PreparedRow, String> {
    match row.problem {
        db::Problem::Sdpa(problem) => {
            prepare_attention(row, problem, limits, spaces).map(PreparedRow::Attention)
        }
        db::Problem::Gemm(problem) => {
            prepare_gemm(row, problem, limits, spaces).map(PreparedRow::Gemm)
        }
    }
}

/// The entry of an attention `row` at `problem` (see [`prepare`]).
pub fn prepare_attention(
    row: &TuningRow,
    problem: Problem,
    limits: &DeviceLimits,
    spaces: &mut Spaces,
) -> Result<Prepared, String> {
    let (space, template) = spaces.get(&row.space_path)?;
    let config = space.parse_config(&row.config).map_err(|e| e.to_string())?;
    let shape = problem.shape();
    let point = space
        .evaluate(&config, &shape, limits)
        .map_err(|e| e.to_string())?;
    if !point.is_valid() {
        return Err(format!(
            "its config breaks the space's constraints on {}: {}",
            limits.arch_name(),
            point.violated.join("; ")
        ));
    }
    let kernel = Kernels::new(space, template, &shape, limits)
        .kernel(&point)
        .map_err(|e| e.to_string())?;
    let (source, launch) = (kernel.job.source, kernel.launch);
    let args = sdpa_args(&launch.args)?;
    let mut accepts = Accepts::of(&point, &launch, &problem)?;
    accepts.verify(&Tuned {
        space,
        template,
        limits,
        config: &config,
        problem,
        source: &source,
        launch: &launch,
    });
    let family = match config.get("FAMILY") {
        Some(v) => v.to_string(),
        None => template_stem(&space.template_for(&config)),
    };
    let entry = entry(
        (row, problem),
        family,
        &space.kernel,
        (&launch, args),
        accepts,
    );
    Ok(Prepared { entry, source })
}

/// A kernel's argument list as the table spells it, and the boxes of its tensor maps.
type Args = (&'static str, Option<TmaBoxes>);

/// The argument list as the table spells it, and the boxes of tensor maps; a kernel of another
/// operation's contract cannot be dispatched as SDPA's.
fn sdpa_args(args: &KernelArgs) -> Result<Args, String> {
    match *args {
        KernelArgs::Pointers => Ok(("pointers", None)),
        KernelArgs::TensorMaps {
            swizzle,
            q_rows,
            kv_rows,
        } => Ok((
            "tensor_maps",
            Some(TmaBoxes {
                swizzle,
                q_rows,
                kv_rows,
            }),
        )),
        KernelArgs::GemmMaps { .. } => Err(
            "its kernel takes the GEMM contract's tensor maps (ARGS = \"gemm_maps\"), not an \
             attention kernel's arguments"
                .into(),
        ),
    }
}

fn entry(
    (row, problem): (&TuningRow, Problem),
    family: String,
    kernel: &str,
    (launch, (args, tma)): (&Launch, Args),
    a: Accepts,
) -> Entry {
    let id = kernel_id(&problem);
    Entry {
        cubin: format!("kernels/{id}.cubin"),
        source: format!("kernels/{id}.cu"),
        id,
        problem: problem.into(),
        label: problem.label(),
        family,
        args: args.into(),
        entry_point: kernel.into(),
        grid: launch.grid,
        block: launch.block,
        smem_bytes: launch.smem_bytes,
        tma,
        accepts: a,
        tuned: TunedRow::of(row),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gemm_kernel_is_refused_not_dispatched() {
        let gemm = KernelArgs::GemmMaps {
            swizzle: 128,
            a_rows: 128,
            b_rows: 256,
            workspace_floats: 0,
            counters: 0,
        };
        let why = sdpa_args(&gemm).unwrap_err();
        assert!(
            why.contains("GEMM") && why.contains("not an attention kernel's"),
            "{why}"
        );
        assert_eq!(sdpa_args(&KernelArgs::Pointers), Ok(("pointers", None)));
    }
}
