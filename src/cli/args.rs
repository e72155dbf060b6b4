//! Raw command-line arguments as clap parses them (validated later, in `options`).

use crate::error::Result;
use crate::eval::FlushMode;
use crate::shape::Shape;
use clap::Args;
use std::path::PathBuf;

/// The attention problem beyond its shape: the causal mask and the key/value layout. Each may
/// also be written into the shape (`--shape 1,32,8192,128,causal,kv_heads=8,kv_len=16384`).
#[derive(Debug, Args, Clone, Default)]
pub struct ProblemFlags {
    /// Causal attention: query row i sees keys 0 ..= i + KV_LEN - S (the mask aligned
    /// bottom-right, as FlashAttention-2 and cuDNN align it). Key tiles above the diagonal are
    /// skipped, and TFLOP/s count only the pairs on and below it.
    #[arg(long)]
    pub causal: bool,
    /// Key/value heads, for grouped-query attention (e.g. 8 under 32 query heads; 1 is
    /// multi-query); must divide H [default: H].
    #[arg(long, value_name = "N")]
    pub kv_heads: Option<usize>,
    /// Keys per sequence, e.g. a KV cache longer than the new queries (S = 1 is one decode
    /// step); with --causal at least S [default: S].
    #[arg(long, value_name = "N")]
    pub kv_len: Option<usize>,
}

/// How L2 is flushed before each timed repetition (`bench`, `baseline`).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct FlushFlags {
    /// How L2 is emptied before each timed repetition, outside the timed region, by a pass
    /// over a buffer twice the size of L2; none times warm. The mode is recorded with the times
    /// (and named in their method).
    #[arg(long, value_enum, value_name = "MODE", default_value = "memset")]
    pub flush: FlushMode,
    /// The same as --flush none.
    #[arg(long, conflicts_with = "flush")]
    pub no_flush: bool,
}

impl FlushFlags {
    /// The mode asked for.
    pub fn mode(&self) -> FlushMode {
        if self.no_flush {
            FlushMode::None
        } else {
            self.flush
        }
    }
}

impl ProblemFlags {
    /// `shape` parsed and refined by these flags.
    pub fn shape(&self, shape: &str) -> Result<Shape> {
        Shape::parse(shape)?.refined(self.causal, self.kv_heads, self.kv_len)
    }

    /// `shape` refined by these flags, as the text `Shape::parse` reads back.
    pub fn text(&self, shape: &str) -> Result<String> {
        Ok(self.shape(shape)?.to_string())
    }

    /// Whether any flag is given.
    pub fn any(&self) -> bool {
        self.causal || self.kv_heads.is_some() || self.kv_len.is_some()
    }
}

/// The problem shape and target, shared by most commands.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// Problem shape B,H,S,D (batch, heads, sequence length, head dim ≤ 256), optionally
    /// followed by ,causal ,kv_heads=N ,kv_len=N.
    #[arg(long, value_name = "B,H,S,D", default_value = "2,8,512,64")]
    pub shape: String,
    /// The mask and key/value layout.
    #[command(flatten)]
    pub problem: ProblemFlags,
    /// A GEMM problem M,N,K (A is M x K, B is K x N), for a space with
    /// `operation = "gemm"` such as search_spaces/gemm_fp8.toml (instead of --shape).
    #[arg(long, value_name = "M,N,K")]
    pub gemm: Option<String>,
    /// Target arch (e.g. sm_90a) when compiling without a GPU; default: the GPU's own.
    #[arg(long, value_name = "sm_XY[a]")]
    pub arch: Option<String>,
}

/// `evotune space show FILE`
#[derive(Debug, Args)]
pub struct SpaceShowArgs {
    /// The space file (search_spaces/*.toml).
    pub file: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    /// Print the census as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `evotune render`
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The space file [default: search_spaces/sdpa_fp8.toml; with --gemm,
    /// search_spaces/gemm_fp8.toml].
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    /// The configuration: `K=V,...` naming every parameter (those inactive under the values
    /// given, their `when` false, may be left out), `default`, or `default,K=V,...` (the default
    /// with those parameters changed).
    #[arg(long, value_name = "K=V,...")]
    pub config: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
}

/// `evotune compile`
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The space file [default: search_spaces/sdpa_fp8.toml; with --gemm,
    /// search_spaces/gemm_fp8.toml].
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub target: TargetArgs,
    /// Compile N valid points sampled with --seed instead of all of them.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Seed for --limit sampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Compile a covering sample instead of every valid point: a few points that between them
    /// hold every value of every parameter and every pair of values that any valid point holds.
    #[arg(long, conflicts_with = "limit")]
    pub cover: bool,
    /// Compile this one configuration (as `bench --config` takes it: `K=V,...`, `default` or
    /// `default,K=V,...`) and print its ptxas report: registers, spills, stack, shared memory.
    #[arg(long, value_name = "K=V,...", conflicts_with_all = ["limit", "cover"])]
    pub config: Option<String>,
    /// With --config: write the machine code (nvdisasm) to FILE and print the instruction count
    /// of each loop, innermost first (a kernel's per-tile loops are where its time goes).
    #[arg(long, value_name = "FILE", requires = "config")]
    pub sass: Option<PathBuf>,
    /// Print only a one-line JSON summary {"variants","compiled","cached","failed"} on stdout
    /// (the human summary, and with --config the ptxas report and loops, go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Compile cache folder [default: $EVOTUNE_CACHE_DIR or ~/.cache/evotune/kernels].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// The tune command: `evotune --shape B,H,S,D --budget N`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Problem shape B,H,S,D to tune for (optionally followed by ,causal ,kv_heads=N ,kv_len=N).
    #[arg(long, value_name = "B,H,S,D")]
    pub shape: Option<String>,
    /// The mask and key/value layout (not with --resume: the run's problem is kept).
    #[command(flatten)]
    pub problem: ProblemFlags,
    /// Tune a matrix product instead: D = alpha·A·Bᵀ + bias with A [M,K] and B [K,N] in e4m3
    /// (its space defaults to search_spaces/gemm_fp8.toml).
    #[arg(long, value_name = "M,N,K", conflicts_with_all = ["shape", "resume"])]
    pub gemm: Option<String>,
    /// Distinct configurations to evaluate [default: 128; with --resume, the run's own].
    #[arg(long, value_name = "N")]
    pub budget: Option<usize>,
    /// The search space [default: search_spaces/sdpa_fp8.toml, or with --gemm
    /// search_spaces/gemm_fp8.toml].
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    /// Restrict parameter NAME to the values listed, for this run (repeatable), e.g. --set
    /// FAMILY=wgmma --set BLOCK_N=128,192. The values must be in the space's domain; the run's
    /// manifest records them and --resume applies them again. `evotune space show` lists the
    /// parameters and their values.
    #[arg(long = "set", value_name = "NAME=V1,V2", conflicts_with = "resume")]
    pub set: Vec<String>,
    /// Seed of the search (same seed and answers, same trials in the same order).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The search: steady (the steady-state GA: --window candidates in flight, a new one bred
    /// from the answers so far as each answer arrives, so the compiles and the GPU never wait
    /// for a generation's slowest candidate) or generational (a population of candidates asked
    /// at once, the next generation bred once all of its answers are in; about a third slower
    /// on 16 cores, with the same regrets on the recorded landscapes). Both use the GA's
    /// operators, --population and --elites; the manifest records which ran.
    #[arg(long, value_enum, value_name = "KIND", default_value = "steady")]
    pub search: SearchKind,
    /// The steady search's candidates in flight at once (compiling, waiting for a GPU, or on
    /// one); the opening (the first --population, drawn before any answer) is asked together.
    /// More keeps the GPU busier but breeds each child knowing less: on the recorded landscapes
    /// the regrets held at 8, not at 16. [default: 8; the generational search takes no window]
    #[arg(long, value_name = "W")]
    pub window: Option<usize>,
    /// Members per generation, elites included (the steady search: its opening, asked at once;
    /// its parents are the elites and the last N − elites answered).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub population: usize,
    /// Best configs carried unchanged into every generation (the steady search: always among the
    /// parents); also the size of topk.json.
    #[arg(long, value_name = "K", default_value_t = 6)]
    pub elites: usize,
    /// Run folder [default: artifacts/tune-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// GPUs to evaluate on, one worker each, e.g. 0,1 [default: 0].
    #[arg(
        long,
        value_name = "0,1,..",
        value_delimiter = ',',
        conflicts_with = "replay"
    )]
    pub devices: Vec<u32>,
    /// Continue the run in DIR from its tune log. Its search settings (shape, space, search,
    /// seed, population, elites, tolerance, arch, GPUs or replayed log) come from
    /// DIR/manifest.json and cannot be changed; --budget may raise the number of trials.
    #[arg(long, value_name = "DIR", conflicts_with_all = [
        "shape", "out", "replay", "space", "search", "window", "seed", "population", "elites",
        "devices", "arch", "atol", "rtol",
    ])]
    pub resume: Option<PathBuf>,
    /// Answer from a recorded tune log instead of the GPU (`evotune record` writes one); it
    /// must say, in FILE.problem.json, that it was recorded on the problem tuned.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// With --replay: wait this long per answer, standing in for GPU time (demos, crash tests).
    #[arg(long, value_name = "MS", default_value_t = 0, requires = "replay")]
    pub replay_delay_ms: u64,
    /// Target arch when no GPU is present (e.g. sm_90a).
    #[arg(long, value_name = "sm_XY[a]")]
    pub arch: Option<String>,
    /// Timed repetitions per method and candidate timed in full (at least 100; more for short
    /// kernels; a candidate raced out stops sooner, see --no-race).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub reps: u32,
    /// Absolute tolerance [default: 0.03] (a GEMM's the same).
    #[arg(long, value_name = "X")]
    pub atol: Option<f64>,
    /// Relative tolerance [default: 0.0625] (a GEMM's: 0.015625).
    #[arg(long, value_name = "Y")]
    pub rtol: Option<f64>,
    /// Wall time per timing method and candidate, seconds (a screening budget; `evotune
    /// bench` re-times one config with the protocol's full 0.3 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.1)]
    pub timing_seconds: f64,
    /// Time every candidate in full. By default a candidate's kernel-only timing stops once its
    /// samples show it cannot enter the elites (after at least 64 samples, when the 99% lower
    /// bound of its median lies more than 2% above the elite cutoff, the --elites-th best time
    /// so far), and such a candidate skips the per-call method. The tune log records each
    /// trial's samples and whether it was raced out; with --resume, the run's own setting is
    /// kept unless this turns racing off.
    #[arg(long)]
    pub no_race: bool,
    /// After a search on the GPU, re-time the best N elites (at most --elites) in fresh worker
    /// processes with the full protocol (0.3 s per method, as `evotune bench` does). The
    /// search's CI comes from one long-lived process and leaves out how much separate processes
    /// differ; the confirmation gives the interval a later, fresh measurement should fall in
    /// (printed, and kept in topk.json). Each elite costs about 1.2 s per process at small
    /// shapes. 0 skips the stage.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub confirm_top: usize,
    /// Fresh worker processes per confirmed elite, one after the other (at least 2: the spread
    /// of their medians sets the 95% prediction interval, taken as at least 1% of the mean).
    #[arg(long, value_name = "P", default_value_t = 3)]
    pub confirm_processes: u32,
    /// Watchdog limit per candidate, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Compile cache folder [default: $EVOTUNE_CACHE_DIR or ~/.cache/evotune/kernels]. NVRTC
    /// keeps a cache of its own in the CUDA driver's (CUDA_CACHE_PATH; CUDA_CACHE_DISABLE=1
    /// turns it off): to time a tune with nothing cached, empty both.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Where the result is recorded at the end (`evotune db`).
    #[command(flatten)]
    pub db: super::db::DbFlags,
    /// Open the first generation (the steady search's opening) with the database's best configs
    /// for the 3 nearest problems tuned on the same device (at most half the population), each
    /// repaired into this space; the rest is random as usual. The manifest records them; --resume seeds the same ones.
    #[arg(long, conflicts_with_all = ["resume", "no_db"])]
    pub warm_start: bool,
}

/// The search a tune runs (`--search`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    /// Generations, each asked at once.
    Generational,
    /// The steady-state GA: a window of candidates in flight (the default).
    Steady,
}

/// `evotune search-bench`
#[derive(Debug, Args)]
pub struct SearchBenchArgs {
    /// A recorded tune log (the landscape); it must say, in FILE.problem.json, that it was
    /// recorded on --shape.
    #[arg(long, value_name = "FILE")]
    pub replay: PathBuf,
    /// The space the log was recorded over.
    #[arg(long, default_value = "search_spaces/sdpa_fp8.toml")]
    pub space: PathBuf,
    /// The shape the log was recorded at.
    #[arg(long, value_name = "B,H,S,D", default_value = "2,8,512,64")]
    pub shape: String,
    /// The mask and key/value layout.
    #[command(flatten)]
    pub problem: ProblemFlags,
    /// Trials per search.
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub budget: usize,
    /// Seeds per method.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub seeds: usize,
    /// GA members per generation (also random search's batch).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub population: usize,
    /// GA elites.
    #[arg(long, value_name = "K", default_value_t = 6)]
    pub elites: usize,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also run the GA warm-started from the tuning database (its `replay` rows: recorded
    /// landscapes), as `--warm-start` seeds a tune run; its row is `ga+warm`. Rows of the
    /// landscape's own problem are left out: only other problems' bests seed it.
    #[arg(long)]
    pub warm_start: bool,
    /// The tuning database of --warm-start [default: $EVOTUNE_DB, else
    /// ~/.local/share/evotune/tuning.db].
    #[arg(long, value_name = "FILE", requires = "warm_start")]
    pub db: Option<PathBuf>,
    /// How many of the nearest other problems give --warm-start their best config (at most
    /// half the population); tune and sweep use the default.
    #[arg(long, value_name = "K", default_value_t = crate::warm::NEIGHBOURS, requires = "warm_start")]
    pub warm_neighbours: usize,
    /// Leave out the warm seeds the landscape did not record, instead of seeding the nearest
    /// point it did (which may be faster or slower than the seed would have been).
    #[arg(long, requires = "warm_start")]
    pub warm_recorded_only: bool,
    /// Also run the GA timed with simulated samples (the landscape's medians with the noise of
    /// recorded samples, about 2,000 per trial), once timing every trial in full (`ga+noise`)
    /// and once racing as tune does (`ga+race`), on the same samples; prints what racing took.
    #[arg(long)]
    pub race: bool,
    /// Also run the steady-state GA (`--search steady` of a tune) with each of these windows of
    /// candidates in flight, e.g. 8,16,24: a row `steadyW` each (and `steadyW+race` with
    /// --race), tested against the generational GA's row, and the modelled search wall of both
    /// (16 cores compiling a median 1.2 s per candidate, log-normal σ 0.3; one GPU at 0.12 s per
    /// candidate).
    #[arg(long, value_name = "W,..", value_delimiter = ',')]
    pub steady: Vec<usize>,
    /// The order the steady rows meet their answers in: fifo (each answer with the window's
    /// other candidates in flight) or pipeline (as the modelled machine answers them, compile
    /// times spread log-normally, σ 0.3).
    #[arg(
        long,
        value_enum,
        value_name = "ORDER",
        default_value = "fifo",
        requires = "steady"
    )]
    pub steady_order: SteadyOrder,
}

/// The order a simulated steady search meets its answers in (`search-bench --steady-order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SteadyOrder {
    /// First in, first out.
    Fifo,
    /// As a modelled machine answers.
    Pipeline,
}

/// `evotune bench`
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Problem shape B,H,S,D.
    #[arg(long, value_name = "B,H,S,D", default_value = "2,8,512,64")]
    pub shape: String,
    /// The mask and key/value layout.
    #[command(flatten)]
    pub problem: ProblemFlags,
    /// A GEMM problem M,N,K, for a space with `operation = "gemm"` (instead of --shape).
    #[arg(long, value_name = "M,N,K")]
    pub gemm: Option<String>,
    /// The configuration: `K=V,...` naming every parameter (those inactive under the values
    /// given, their `when` false, may be left out), `default`, or `default,K=V,...` (the default
    /// with those parameters changed).
    #[arg(long, value_name = "K=V,...")]
    pub config: String,
    /// The space file [default: search_spaces/sdpa_fp8.toml; with --gemm,
    /// search_spaces/gemm_fp8.toml].
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    /// Print the worker's response as JSON on stdout (the summary goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Also write q.npy, k.npy, v.npy, o.npy and meta.json of the checked run into DIR.
    #[arg(long, value_name = "DIR")]
    pub dump: Option<PathBuf>,
    /// Absolute tolerance [default: 0.03].
    #[arg(long, value_name = "X")]
    pub atol: Option<f64>,
    /// Relative tolerance [default: 0.0625] (a GEMM's: 0.015625).
    #[arg(long, value_name = "Y")]
    pub rtol: Option<f64>,
    /// Run folder; the result goes to DIR/bench/candidate_<hash>.json [default: artifacts/bench-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Minimum timed repetitions per method (at least 100; short kernels get more).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub reps: u32,
    /// Time the kernel in N fresh worker processes, one after the other, and show the spread of
    /// their medians (separate processes differ more than one process's CI says); the first
    /// process's result is the one reported and written.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub processes: u32,
    /// How L2 is flushed between repetitions.
    #[command(flatten)]
    pub flush: FlushFlags,
    /// Seed of the random inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// GPU ordinal.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub device: u32,
    /// Seconds the worker may take before it is killed as hung.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    /// Compile cache folder [default: $EVOTUNE_CACHE_DIR or ~/.cache/evotune/kernels].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// `evotune baseline`
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Problem shape B,H,S,D.
    #[arg(long, value_name = "B,H,S,D", default_value = "2,8,512,64")]
    pub shape: String,
    /// The mask and key/value layout.
    #[command(flatten)]
    pub problem: ProblemFlags,
    /// A GEMM problem M,N,K (A is M x K, B^T is N x K): time the GEMM's
    /// baselines (cublaslt_fp8, cublas_fp16, scaled_mm, floor) instead of SDPA's.
    #[arg(long, value_name = "M,N,K",
          conflicts_with_all = ["shape", "causal", "kv_heads", "kv_len"])]
    pub gemm: Option<String>,
    /// Run folder, for the baselines' records (its help names them).
    #[arg(long, value_name = "DIR", help = baseline_out_help())]
    pub out: Option<PathBuf>,
    /// Minimum timed repetitions per method (at least 100; short kernels get more).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub reps: u32,
    /// Seed of the random inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// GPU ordinal.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub device: u32,
    /// The Python interpreter that has torch (for the flash, cuDNN and torch_math baselines, and
    /// the GEMM's scaled_mm) and nvidia-cudnn-frontend (for cudnn_fp8).
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: String,
    /// Seconds each Python script (PyTorch SDPA, cuDNN FP8, _scaled_mm) may take. Its warm timing, a graph
    /// of 20 calls per sample, takes most of it at long sequences: PyTorch's math backend at
    /// 8,16,8192,128 causal (218 ms a call) needs some 10 minutes.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    pub timeout: u64,
    /// How L2 is flushed between repetitions.
    #[command(flatten)]
    pub flush: FlushFlags,
    /// Time only these baselines, comma-separated, e.g. `--only cudnn_fp8,floor` at long
    /// sequences, where PyTorch's math backend (torch_math) takes minutes; with --gemm, the
    /// GEMM's (e.g. `--only cublaslt_fp8`). The records of the others already in --out are left
    /// as they are [default: all].
    #[arg(long, value_name = "NAMES", value_delimiter = ',',
          value_parser = clap::builder::PossibleValuesParser::new(crate::baseline::every_name()))]
    pub only: Vec<String>,
}

/// The help of `evotune baseline --out`: the files it writes, one per baseline measured.
fn baseline_out_help() -> String {
    format!(
        "Run folder; results go to DIR/bench/baseline_{{{}}}.json (SDPA), or \
         DIR/bench/baseline_{{{}}}.json (--gemm) [default: artifacts/baseline-<UTC time>]",
        crate::baseline::measured().join(","),
        crate::baseline::gemm::measured().join(",")
    )
}

/// `evotune worker --device N` (hidden): speaks the worker protocol on stdin/stdout.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// GPU ordinal.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub device: u32,
}

/// `evotune record`
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The space file [default: search_spaces/sdpa_fp8.toml; with --gemm,
    /// search_spaces/gemm_fp8.toml].
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    /// Problem shape B,H,S,D.
    #[arg(long, value_name = "B,H,S,D", default_value = "2,8,512,64")]
    pub shape: String,
    /// The mask and key/value layout.
    #[command(flatten)]
    pub problem: ProblemFlags,
    /// A GEMM problem M,N,K, for a space with `operation = "gemm"` (instead of --shape).
    #[arg(long, value_name = "M,N,K")]
    pub gemm: Option<String>,
    /// The log to write [default: artifacts/record-<time>/tune/tune_log.csv], with FILE.problem.json
    /// beside it (the problem and the GPU, which a replay checks); the kernels' sources and
    /// cubins go to kernels/ in the run folder (<run> for <run>/tune/tune_log.csv, else the
    /// log's own folder).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Measure N valid points sampled with --seed instead of all of them.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Seed of the sampling and of the random inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Validate only; record no times.
    #[arg(long)]
    pub no_timing: bool,
    /// Continue the log at --out: points it already holds are skipped and the rest appended (a
    /// torn last line is cut off first). With the same --seed and --limit, the finished log
    /// holds the same points as an uninterrupted run. Without --resume an existing --out is
    /// refused, never overwritten; it is continued only at the problem its FILE.problem.json
    /// says.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Timed repetitions per method, at least (more for short kernels). The protocol's 100 is
    /// the default; a landscape of long kernels may take as few as 10 (each row's CI says what
    /// that costs in precision).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub reps: u32,
    /// Time kernel-only and skip the per-call method (a landscape needs one time per point).
    #[arg(long, conflicts_with = "no_timing")]
    pub kernel_only: bool,
    /// Wall time per timing method and point, seconds (the tuner's screening budget).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.1)]
    pub timing_seconds: f64,
    /// Absolute tolerance [default: 0.03].
    #[arg(long, value_name = "X")]
    pub atol: Option<f64>,
    /// Relative tolerance [default: 0.0625] (a GEMM's: 0.015625).
    #[arg(long, value_name = "Y")]
    pub rtol: Option<f64>,
    /// GPU ordinal.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub device: u32,
    /// Watchdog limit per candidate, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Compile cache folder.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}
