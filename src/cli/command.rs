//! The command line's shape: `evotune` with its subcommands, each taking its arguments from
//! `args` (or from its own module's).

use super::args::{
    BaselineArgs, BenchArgs, CompileArgs, RecordArgs, RenderArgs, SearchBenchArgs, SpaceShowArgs,
    TuneArgs, WorkerArgs,
};
use clap::{Parser, Subcommand};

const ABOUT: &str =
    "Evolves fast FP8 attention and GEMM kernels for NVIDIA Hopper: renders CUDA from \
templates, compiles with NVRTC, checks every variant against a reference, times the survivors.";

const AFTER: &str = "Examples:
  evotune --shape 2,8,512,64 --budget 128          tune one shape with 128 trials on the GPU
  evotune --resume artifacts/tune-20261123-170000  continue a stopped run from its tune log
  evotune --shape 2,8,512,64 --replay data/landscapes/h100_sdpa_fp8_2-8-512-64.csv \\
          --space data/landscapes/sdpa_fp8_mma.toml  tune against recorded measurements, no GPU
  evotune search-bench --replay FILE --space SPACE  GA vs random search on a recorded landscape
  evotune --shape 2,8,512,64 --set FAMILY=wgmma    tune the wgmma family only (--set is repeatable)
  evotune sweep --shapes 2,8,512,64 4,32,2048,128  tune many problems, one run folder each
  evotune sweep --shapes ... --out DIR --slurm     the same as a Slurm job array, one task each
  evotune sweep --status DIR                       done, running, failed, pending (with Slurm's word)
  evotune report --sweep DIR                       one report over the sweep's problems (DIR/report.md)
  evotune db show --shape 2,8,512,64               the best recorded config of a problem
  evotune export --db tuning.db --out exported     the best kernels as cubins, a dispatch table
                                                   and a Python package (sdpa_fp8, gemm_fp8)
  evotune space show search_spaces/sdpa_fp8.toml   what the space holds, how many points are valid
  evotune render --space search_spaces/sdpa_fp8.toml --config default
  evotune compile --space search_spaces/sdpa_fp8.toml --arch sm_90a --json

Without a subcommand, evotune tunes. Shapes are B,H,S,D (batch, heads, sequence, head dim ≤ 256).";

/// `evotune`: tune (no subcommand) or one of the subcommands.
#[derive(Debug, Parser)]
#[command(name = "evotune", version = crate::LONG_VERSION, about = ABOUT, after_help = AFTER)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand; without one, evotune tunes.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the tune command.
    #[command(flatten)]
    pub tune: TuneArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect a search space.
    #[command(subcommand)]
    Space(SpaceCommand),
    /// Print the CUDA source of one configuration.
    Render(RenderArgs),
    /// Compile every valid point of a space (or a sample) with NVRTC.
    Compile(CompileArgs),
    /// Validate and time one configuration on the GPU.
    Bench(BenchArgs),
    /// Validate (and time) every valid point of a space, or a sample, into a tune log.
    Record(RecordArgs),
    /// Time the baselines of an SDPA shape (fp16 math path, PyTorch flash, cuDNN and math, cuDNN FP8 SDPA) or of a GEMM (cuBLASLt FP8, cuBLAS fp16, torch._scaled_mm), and the protocol's floor, on the GPU.
    ///
    /// With `--gemm M,N,K` the GEMM's: `cublaslt_fp8` (cuBLASLt's FP8 matmul on the candidates'
    /// e4m3 inputs and scales, fp16 D, the bias through its epilogue: the kernel to beat, `gate
    /// --vs cublaslt_fp8`), `cublas_fp16` (the same matmul on the same values in fp16),
    /// `scaled_mm` (PyTorch's torch._scaled_mm on the same inputs) and the floor (one kernel that
    /// only reads A and B and writes D); each output is checked against the GEMM's reference.
    ///
    /// `cudnn_fp8` is cuDNN's own FP8 (e4m3) SDPA forward, run through the nvidia-cudnn-frontend
    /// Python package (graph sdpa_fp8, fp8 O) on the same e4m3 inputs and descales as the
    /// candidates, its output checked with their tolerance: the kernel to beat (`gate --vs
    /// cudnn_fp8`). Without the package, libcudnn, torch or CUDA it is recorded as unavailable.
    ///
    /// The floor is one kernel that only reads Q, K, V and writes O, timed like every candidate:
    /// no SDPA kernel can be faster under the timing protocol, so the report and `gate` use it
    /// to tell a speedup no kernel can reach from one that was missed.
    ///
    /// Every baseline is timed under both protocols: cold (L2 flushed before each repetition as
    /// --flush says; kernel-only and per call), then warm (kernel-only, L2 not flushed, a CUDA
    /// graph of 20 back-to-back launches ÷ 20). Each record holds both, with the flush mode, so
    /// that `gate --protocol warm|cold` can compare either way. With --flush none it is timed
    /// warm only.
    Baseline(BaselineArgs),
    /// Compare the GA with random search on a recorded landscape, over many seeds.
    SearchBench(SearchBenchArgs),
    /// Profile the top elites of a run (and an SDPA run's baseline A) with Nsight Compute.
    Ncu(super::ncu::NcuArgs),
    /// Render the markdown report of a run, or of many problems: a sweep's or the tuning
    /// database's (no GPU needed).
    Report(super::report::ReportArgs),
    /// Pass or fail CI on a run's speedup or on a regression against a stored result.
    Gate(super::gate::GateArgs),
    /// Tune many problems: listed shapes, a product of ranges, or a campaign file; one run
    /// folder each, an index (sweep.json), resumable.
    Sweep(Box<super::sweep::SweepArgs>),
    /// The tuning database: list, show, add, merge and prune tuned problems.
    Db(super::db::DbArgs),
    /// Write the database's best kernels of one device as cubins with a dispatch table
    /// (JSON and a C header) and a Python package that calls them on PyTorch tensors.
    Export(super::export::ExportArgs),
    /// Serve evaluation requests on one GPU (started by evotune itself).
    #[command(hide = true)]
    Worker(WorkerArgs),
}

/// `evotune space ...`
#[derive(Debug, Subcommand)]
pub enum SpaceCommand {
    /// Parameters, raw size and how many points satisfy the constraints.
    Show(SpaceShowArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Regression: `bench --help` showed "[default: eval::DEFAULT_TOLERANCE]" and tune's
    /// "[default: the stated default]"; every --atol and --rtol shows the number it defaults to.
    #[test]
    fn every_tolerance_flag_shows_its_default_number() {
        let t = crate::eval::DEFAULT_TOLERANCE;
        let cli = Cli::command();
        let mut commands = vec![&cli];
        commands.extend(["bench", "record", "sweep"].map(|n| cli.find_subcommand(n).unwrap()));
        for cmd in commands {
            for (id, value) in [("atol", t.atol), ("rtol", t.rtol)] {
                let arg = cmd.get_arguments().find(|a| a.get_id() == id).unwrap();
                let help = arg.get_help().unwrap().to_string();
                let want = format!("[default: {value}]");
                assert!(help.contains(&want), "{} --{id}: {help}", cmd.get_name());
            }
        }
    }
}
