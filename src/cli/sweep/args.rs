//! The flags of `evotune sweep`: which problems, where the folders go, and the tune settings
//! every problem shares.

use clap::Args;
use std::path::PathBuf;

const AFTER: &str = "Problems:
  --shapes 2,8,512,64 4,32,2048,128            listed shapes
  --batch 1,2 --heads 16 --seq-lens 512..4096*2 --head-dims 64..160:16
                                               the cartesian product of four lists; each list is
                                               comma-separated numbers and ranges: A..B:STEP
                                               (A, A+STEP, ..., up to B) or A..B*F (A, A·F, ...)
  --gemms 4096,4096,128 8192,8192,8192        listed GEMMs, M,N,K each
  --m 8192 --n 8192 --k 64..128:1,130..160:2   the product of three lists (as above)
  --campaign campaign.toml                     a file: problems with their own budget and --set
  (--shapes and the product may be given together, as may --gemms and --m/--n/--k; a problem
  listed twice is tuned once; a sweep is of one operation: SDPA shapes or GEMMs, not both)

A campaign file:
  budget = 64                     # every problem's, unless its own says otherwise
  set = [\"FAMILY=wgmma\"]          # laid over --set; a problem's own set is laid over this
  [[problem]]
  shape = \"2,8,512,64\"         # or gemm = \"8192,8192,8192\" (every problem of one kind)
  budget = 128
  set = [\"BLOCK_N=128,192\"]

The space defaults to search_spaces/sdpa_fp8.toml, or search_spaces/gemm_fp8.toml for GEMMs.
Each problem is a normal tune run folder, DIR/<B-H-S-D> or DIR/<M-N-K> (`evotune report --run`
reads it);
DIR/sweep.json says for each problem: pending, done (best kernel-only p50, config) or failed
(the reason). A failed problem does not stop the others; the exit code is 1 if any failed.
`evotune sweep --resume DIR` continues a stopped (even kill -9'd) sweep: finished problems are
kept, a half-tuned one resumes from its tune log, failed and pending ones are tuned.

Without a GPU: --replay FILE answers every problem from one recorded log (a stand-in for
tests and demos where it was recorded on another problem: the output, sweep.json and each run's
manifest say so), --replay-dir DIR from DIR/<B-H-S-D>.csv (a GEMM's DIR/<M-N-K>.csv; or .csv.gz)
per problem, which must have been recorded on it (<log>.problem.json); a problem without its
log fails alone.

On Slurm (README.md, \"Many machines: Slurm\"):
  evotune sweep --shapes ... --out /shared/sweep --slurm --partition gpu --time 2:00:00 \\
      --gpus-per-task 1 --max-parallel 8 [--account A] [--sbatch-opt=--qos=high ...]
writes /shared/sweep/slurm/sweep.sbatch, a job array with one task per problem, and submits
it (sbatch; prints the job id). Each task runs this evotune binary (by absolute path) on the
GPU Slurm gave it, into the problem's run folder, recording into its own database shard
/shared/sweep/shards/<B-H-S-D>.db, and leaves its state (running, done, failed, cancelled and
why) in <run folder>/task.json. --slurm-dry-run writes the script without submitting it.
  evotune sweep --status /shared/sweep        done, running, failed, pending (squeue, sacct)
  evotune sweep --resume /shared/sweep --slurm   submits only the problems without a finished
                                               result that Slurm does not hold (flags left
                                               out are the last submission's)
  evotune db merge /shared/sweep/shards        gathers the shards into the database";

/// `evotune sweep`
#[derive(Debug, Args)]
#[command(after_help = AFTER)]
pub struct SweepArgs {
    /// Shapes to tune, B,H,S,D each, separated by spaces.
    #[arg(long, value_name = "B,H,S,D", num_args = 1.., conflicts_with = "campaign")]
    pub shapes: Vec<String>,
    /// Batch sizes of the product: numbers and ranges, e.g. 1,2,4 or 1..8*2.
    #[arg(long, value_name = "LIST", conflicts_with = "campaign")]
    pub batch: Option<String>,
    /// Head counts of the product, e.g. 8,16,32.
    #[arg(long, value_name = "LIST", conflicts_with = "campaign")]
    pub heads: Option<String>,
    /// Sequence lengths of the product, e.g. 512..8192*2.
    #[arg(long, value_name = "LIST", conflicts_with = "campaign")]
    pub seq_lens: Option<String>,
    /// Head dimensions of the product, e.g. 64..160:16 (64, 80, ..., 160).
    #[arg(long, value_name = "LIST", conflicts_with = "campaign")]
    pub head_dims: Option<String>,
    /// GEMMs to tune, M,N,K each, separated by spaces, e.g. --gemms 4096,4096,128 8192,8192,8192.
    #[arg(long, value_name = "M,N,K", num_args = 1.., conflicts_with = "campaign")]
    pub gemms: Vec<String>,
    /// M of the GEMM product: numbers and ranges, e.g. 4096,8192 or 1024..8192*2.
    #[arg(long = "m", value_name = "LIST", conflicts_with = "campaign")]
    pub gemm_m: Option<String>,
    /// N of the GEMM product, e.g. 8192.
    #[arg(long = "n", value_name = "LIST", conflicts_with = "campaign")]
    pub gemm_n: Option<String>,
    /// K of the GEMM product, e.g. 64..128:1,130..160:2 (every K to 128, then every other).
    #[arg(long = "k", value_name = "LIST", conflicts_with = "campaign")]
    pub gemm_k: Option<String>,
    /// A campaign file (TOML): the problems, with a budget and overrides each (see below).
    #[arg(long, value_name = "FILE")]
    pub campaign: Option<PathBuf>,
    /// The sweep folder: sweep.json and one run folder per problem [default:
    /// artifacts/sweep-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the sweep in DIR (its problems and settings come from DIR/sweep.json).
    #[arg(long, value_name = "DIR", conflicts_with_all = [
        "shapes", "batch", "heads", "seq_lens", "head_dims", "gemms", "gemm_m", "gemm_n",
        "gemm_k", "campaign", "out", "budget",
        "space", "set", "seed", "population", "elites", "devices", "replay", "replay_dir",
        "arch", "reps", "atol", "rtol", "timing_seconds", "no_race", "confirm_top",
        "confirm_processes", "timeout", "warm_start", "search", "window",
    ])]
    pub resume: Option<PathBuf>,
    /// Show where each problem of the sweep in DIR stands (done, running, failed, pending),
    /// from its run folders and, on Slurm, from squeue and sacct.
    #[arg(long, value_name = "DIR", conflicts_with_all = [
        "shapes", "batch", "heads", "seq_lens", "head_dims", "gemms", "gemm_m", "gemm_n",
        "gemm_k", "campaign", "out", "resume",
        "slurm", "slurm_dry_run", "task",
    ])]
    pub status: Option<PathBuf>,
    /// Slurm array task: tune only problem N of the sweep in --resume DIR (the sbatch script
    /// runs this).
    #[arg(long, value_name = "N", hide = true, requires = "resume")]
    pub task: Option<usize>,
    /// Submitting to Slurm.
    #[command(flatten)]
    pub slurm: super::slurm::flags::SlurmFlags,
    /// Distinct configurations per problem [default: 128; a campaign's own come first].
    #[arg(long, value_name = "N")]
    pub budget: Option<usize>,
    /// The search space [default: search_spaces/sdpa_fp8.toml, or for GEMMs
    /// search_spaces/gemm_fp8.toml].
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    /// Restrict parameter NAME to the values listed, for every problem (repeatable), e.g.
    /// --set FAMILY=wgmma --set BLOCK_N=128,192.
    #[arg(long = "set", value_name = "NAME=V1,V2")]
    pub set: Vec<String>,
    /// Seed of every problem's search.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Every problem's search: steady or generational (see `evotune --help`).
    #[arg(long, value_enum, value_name = "KIND", default_value = "steady")]
    pub search: crate::cli::args::SearchKind,
    /// The steady search's candidates in flight at once [default: 8].
    #[arg(long, value_name = "W")]
    pub window: Option<usize>,
    /// Members per generation, elites included.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub population: usize,
    /// Best configs carried unchanged into every generation.
    #[arg(long, value_name = "K", default_value_t = 6)]
    pub elites: usize,
    /// GPUs to evaluate on, one worker each, e.g. 0,1 [default: 0].
    #[arg(long, value_name = "0,1,..", value_delimiter = ',', conflicts_with_all = ["replay", "replay_dir"])]
    pub devices: Vec<u32>,
    /// Answer every problem from this recorded tune log instead of the GPU.
    #[arg(long, value_name = "FILE", conflicts_with = "replay_dir")]
    pub replay: Option<PathBuf>,
    /// Answer each problem from DIR/<B-H-S-D>.csv (a GEMM's DIR/<M-N-K>.csv; or .csv.gz)
    /// instead of the GPU.
    #[arg(long, value_name = "DIR")]
    pub replay_dir: Option<PathBuf>,
    /// With a replay: wait this long per answer, standing in for GPU time (demos, crash tests).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub replay_delay_ms: u64,
    /// Target arch when no GPU is present (e.g. sm_90a).
    #[arg(long, value_name = "sm_XY[a]")]
    pub arch: Option<String>,
    /// Timed repetitions per method and candidate (at least 100).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub reps: u32,
    /// Absolute tolerance [default: 0.03] (a GEMM's the same).
    #[arg(long, value_name = "X")]
    pub atol: Option<f64>,
    /// Relative tolerance [default: 0.0625] (a GEMM's: 0.015625).
    #[arg(long, value_name = "Y")]
    pub rtol: Option<f64>,
    /// Wall time per timing method and candidate, seconds (the screening budget).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.1)]
    pub timing_seconds: f64,
    /// Time every candidate in full, without racing it against the elites (see tune's
    /// --no-race).
    #[arg(long)]
    pub no_race: bool,
    /// After each search on the GPU, re-time the best N elites in fresh processes (0 skips).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub confirm_top: usize,
    /// Fresh worker processes per confirmed elite (at least 2).
    #[arg(long, value_name = "P", default_value_t = 3)]
    pub confirm_processes: u32,
    /// Watchdog limit per candidate, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Compile cache folder [default: $EVOTUNE_CACHE_DIR or ~/.cache/evotune/kernels].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Where each problem's result is recorded as it finishes (`evotune db`).
    #[command(flatten)]
    pub db: crate::cli::db::DbFlags,
    /// Open each problem's first generation with the database's best configs for its nearest
    /// problems on the same device (problems finished earlier in the sweep count).
    #[arg(long, conflicts_with = "no_db")]
    pub warm_start: bool,
}
