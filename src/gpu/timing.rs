//! The timing protocol: warm-up, then many timed repetitions with L2 flushed before each one
//! (outside the timed region), measured two ways, summarized as median, p10, p90 and a bootstrap
//! confidence interval of the median, with the SM clock read (never set) meanwhile.
//!
//! - **kernel-only**: CUDA events recorded around the replay of a CUDA graph holding one launch
//!   (the L2 flush is enqueued before the start event, outside the graph);
//! - **per call**: the host's wall clock from the launch call to the return of the stream
//!   synchronize (flush enqueued and completed before the clock starts).
//!
//! The flush passes over a buffer twice the size of L2 as the plan's [`FlushMode`] says: a
//! memset, a read by `l2_flush_read` (kernel_templates/l2_flush_read.cu), or both. Without a
//! flush (the warm protocol) kernel-only times a graph of [`GRAPH_LAUNCHES`] back-to-back
//! launches; a plan may ask for that warm timing beside the flushed ones.
//!
//! A request may carry a race (`eval::race`): kernel-only then looks at its samples every
//! [`RACE_CHUNK`] replays and stops once they show the candidate out of the elites, and the
//! other methods are skipped.

use super::clocks::{ClockProbe, ClockReading};
use super::device::{cuda, Gpu, Kernel};
use super::kernels::{load_builtin, FLUSH_READ_SOURCE, FLUSH_THREADS};
use crate::compile::Compiler;
use crate::error::{Error, Result};
pub use crate::eval::GRAPH_LAUNCHES;
use crate::eval::{sample_racing, FlushMode, RaceBound, Raced, Timing, TimingPlan, RACE_CHUNK};
use crate::stats;
use cudarc::driver::sys::{CUevent_flags, CUgraphInstantiate_flags, CUstreamCaptureMode};
use cudarc::driver::{
    CudaEvent, CudaGraph, CudaSlice, CudaStream, DevicePtr, LaunchConfig, PushKernelArg,
};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Instant;

/// Aim for about this much wall time per method by default; short kernels get more repetitions.
pub const TARGET_SECONDS: f64 = crate::eval::DEFAULT_TARGET_S;
/// Never more repetitions than this per method.
pub const MAX_REPS: u32 = 20_000;
/// Timed repetitions enqueued between two synchronizations (one event pair each).
const BATCH: usize = 256;
/// Flushed repetitions run to estimate the cost of one (for the repetition count).
const PROBE_REPS: u32 = 5;
/// Bootstrap resamples for the confidence interval of the median.
const CI_RESAMPLES: usize = 2000;
/// Seed of the bootstrap (fixed: the same samples give the same interval).
const CI_SEED: u64 = 0x5EED_0FC1;

/// Work to time: enqueues one unit (one launch, or a baseline's sequence) on the stream.
pub type Work<'a> = dyn Fn(&Arc<CudaStream>) -> Result<()> + 'a;

/// A buffer twice the size of L2, passed over before each timed repetition, and the kernel
/// that reads it.
pub struct L2Flush {
    buf: CudaSlice<u8>,
    ptr: u64,
    fills: Cell<u8>,
    read: Kernel,
    sink: CudaSlice<u32>,
}

impl L2Flush {
    /// Allocates 2 × the device's L2 size (a whole number of 16-byte chunks) and loads the read
    /// kernel, compiled by `compiler` (or taken from its cache).
    pub fn new(gpu: &Gpu, compiler: &Compiler) -> Result<Self> {
        let bytes = (2 * gpu.l2_bytes()).max(1 << 20).next_multiple_of(16);
        let buf = gpu.zeros::<u8>(bytes, "the L2 flush buffer")?;
        let ptr = buf.device_ptr(gpu.stream()).0;
        Ok(L2Flush {
            buf,
            ptr,
            fills: Cell::new(0),
            read: load_builtin(gpu, compiler, "l2_flush_read", FLUSH_READ_SOURCE)?,
            sink: gpu.zeros::<u32>(1, "the L2 flush's sink")?,
        })
    }

    /// The buffer's size, bytes.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Enqueues the flush `mode` names (nothing for none).
    pub fn enqueue(&self, stream: &Arc<CudaStream>, mode: FlushMode) -> Result<()> {
        match mode {
            FlushMode::Memset => self.enqueue_memset(stream),
            FlushMode::Read => self.enqueue_read(stream),
            FlushMode::WriteRead => {
                self.enqueue_memset(stream)?;
                self.enqueue_read(stream)
            }
            FlushMode::None => Ok(()),
        }
    }

    /// Enqueues a memset of the whole buffer (a different byte each time).
    fn enqueue_memset(&self, stream: &CudaStream) -> Result<()> {
        let value = self.fills.get().wrapping_add(1);
        self.fills.set(value);
        // SAFETY: `ptr` addresses the `bytes()` bytes owned by `self.buf`, which lives as long
        // as `self`; the memset is ordered on the stream evotune uses for everything.
        unsafe {
            cudarc::driver::result::memset_d8_async(
                self.ptr,
                value,
                self.bytes(),
                stream.cu_stream(),
            )
        }
        .map_err(cuda("cuMemsetD8Async (L2 flush)"))
    }

    /// Enqueues `l2_flush_read` over the whole buffer: one thread per 16 bytes.
    fn enqueue_read(&self, stream: &Arc<CudaStream>) -> Result<()> {
        let n16 = (self.bytes() / 16) as u64;
        let blocks = n16.div_ceil(u64::from(FLUSH_THREADS));
        let cfg = LaunchConfig {
            grid_dim: (blocks as u32, 1, 1),
            block_dim: (FLUSH_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut b = stream.launch_builder(self.read.function());
        b.arg(&self.buf).arg(&n16).arg(&self.sink);
        // SAFETY: matches `l2_flush_read(const uint4* buf, unsigned long long n16, unsigned
        // int* sink)`: `buf` holds n16 · 16 bytes (its size is a multiple of 16) from cudarc's
        // allocator (256-byte aligned), threads at or past n16 return at once, and `sink` holds
        // one u32. Both live as long as `self`.
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(cuda("cuLaunchKernel(l2_flush_read)"))
    }

    /// "L2 flushed before each rep (memset of 120.0 MiB = 2x L2, outside the timed region)".
    fn describe(&self, mode: FlushMode) -> String {
        format!(
            "L2 flushed before each rep ({} of {:.1} MiB = 2x L2, outside the timed region)",
            mode.pass(),
            self.bytes() as f64 / (1 << 20) as f64
        )
    }
}

/// The flush buffer and how a measurement passes over it.
#[derive(Clone, Copy)]
struct Flush<'a> {
    l2: &'a L2Flush,
    mode: FlushMode,
}

/// Both timings of one unit of work, and the clocks meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Kernel-only (graph replay between events).
    pub kernel: Timing,
    /// Per call (host wall clock, launch to synchronize), unless the plan skips it.
    pub call: Option<Timing>,
    /// Kernel-only under the warm protocol, when the plan asks for it beside flushed timings.
    pub warm: Option<Timing>,
    /// Whether the race stopped kernel-only early (then per call and warm were not timed).
    pub raced_out: bool,
    /// SM clock and throttle reasons read during the measurement.
    pub clock: ClockReading,
}

/// Times `work` both ways (or kernel-only, as the plan says) under `plan`, flushing L2 through
/// `flush` as the plan's flush mode says, then warm when the plan asks for that too. Under a
/// `race`, kernel-only stops once the samples show the work out of it, and nothing else is
/// timed.
pub fn measure(
    gpu: &Gpu,
    flush: Option<&L2Flush>,
    plan: &TimingPlan,
    race: Option<&RaceBound>,
    work: &Work,
) -> Result<Measurement> {
    let mode = plan.flush_mode();
    let flush = match (mode.flushes(), flush) {
        (false, _) => None,
        (true, Some(l2)) => Some(Flush { l2, mode }),
        (true, None) => {
            return Err(Error::Gpu(
                "an L2 flush was asked for without a flush buffer".into(),
            ))
        }
    };
    let probe = ClockProbe::start(gpu.pci_bus_id());
    let timed = timed(gpu, flush, plan, race, work);
    let clock = probe.finish();
    Ok(Measurement { clock, ..timed? })
}

/// Kernel-only, then, unless the race stopped it, per call (when the plan says) and warm (when
/// the plan asks and `flush` is set); the clock is left for the caller to read.
fn timed(
    gpu: &Gpu,
    flush: Option<Flush>,
    plan: &TimingPlan,
    race: Option<&RaceBound>,
    work: &Work,
) -> Result<Measurement> {
    let (kernel, raced_out) = kernel_only(gpu, flush, plan, race, work)?;
    let call = (plan.per_call && !raced_out)
        .then(|| per_call(gpu, flush, plan, work))
        .transpose()?;
    let warm = (plan.warm_too && flush.is_some() && !raced_out)
        .then(|| kernel_only(gpu, None, &plan.warm(), None, work).map(|(t, _)| t))
        .transpose()?;
    Ok(Measurement {
        kernel,
        call,
        warm,
        raced_out,
        clock: ClockReading::default(),
    })
}

fn flush_text(flush: Option<Flush>) -> String {
    flush.map_or("L2 not flushed".into(), |f| f.l2.describe(f.mode))
}

fn enqueue_flush(flush: Option<Flush>, stream: &Arc<CudaStream>) -> Result<()> {
    flush.map_or(Ok(()), |f| f.l2.enqueue(stream, f.mode))
}

/// Captures `units` units of `work` into a CUDA graph (ending the capture even when `work` fails).
fn capture(gpu: &Gpu, work: &Work, units: usize) -> Result<CudaGraph> {
    let stream = gpu.stream();
    stream
        .begin_capture(CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
        .map_err(cuda("cuStreamBeginCapture"))?;
    let enqueued = (0..units).try_for_each(|_| work(stream));
    let graph = stream.end_capture(CUgraphInstantiate_flags(0));
    enqueued?;
    let graph = graph.map_err(cuda("cuStreamEndCapture/cuGraphInstantiate"))?;
    let graph = graph.ok_or_else(|| Error::Gpu("the captured graph is empty".into()))?;
    graph.upload().map_err(cuda("cuGraphUpload"))?;
    Ok(graph)
}

fn kernel_only(
    gpu: &Gpu,
    flush: Option<Flush>,
    plan: &TimingPlan,
    race: Option<&RaceBound>,
    work: &Work,
) -> Result<(Timing, bool)> {
    let stream = gpu.stream();
    // Flushed: one launch per graph (the flush keeps the GPU busy while the launch is queued).
    // Not flushed: several back to back, divided out below.
    let units = if flush.is_some() { 1 } else { GRAPH_LAUNCHES };
    let graph = capture(gpu, work, units)?;
    let replay = || graph.launch().map_err(cuda("cuGraphLaunch"));
    for _ in 0..plan.warmup {
        replay()?;
    }
    gpu.synchronize("warm-up graph replays")?;
    let t = Instant::now();
    for _ in 0..PROBE_REPS {
        enqueue_flush(flush, stream)?;
        replay()?;
    }
    gpu.synchronize("probe graph replays")?;
    let per_rep = t.elapsed().as_secs_f64() / f64::from(PROBE_REPS);
    let reps = reps_for(plan.reps, per_rep, plan.target_s) as usize;
    // Under a race, look at the samples every RACE_CHUNK replays instead of every BATCH.
    let chunk = if race.is_some() { RACE_CHUNK } else { BATCH };
    let events = event_pairs(gpu, reps.min(chunk))?;
    let taken = sample_racing(reps, chunk, race, |n| {
        for (start, end) in &events[..n] {
            enqueue_flush(flush, stream)?;
            start.record(stream).map_err(cuda("cuEventRecord"))?;
            replay()?;
            end.record(stream).map_err(cuda("cuEventRecord"))?;
        }
        gpu.synchronize("timed graph replays")?;
        elapsed_us(&events[..n], units)
    })?;
    let method = kernel_only_method(units, flush, plan, reps, &taken, race);
    Ok((summarize_samples(method, taken.samples), taken.out))
}

/// Each event pair's elapsed time in µs, divided by the `units` launches it spans.
fn elapsed_us(events: &[(CudaEvent, CudaEvent)], units: usize) -> Result<Vec<f64>> {
    events
        .iter()
        .map(|(start, end)| {
            let ms = start.elapsed_ms(end).map_err(cuda("cuEventElapsedTime"))?;
            Ok(f64::from(ms) * 1e3 / units as f64)
        })
        .collect()
}

/// "kernel-only: CUDA events around ...; 2100 reps after 10 warm-up replays", or for a
/// candidate the race stopped, "...; raced out after 64 of 2100 reps (...)".
fn kernel_only_method(
    units: usize,
    flush: Option<Flush>,
    plan: &TimingPlan,
    reps: usize,
    taken: &Raced,
    race: Option<&RaceBound>,
) -> String {
    let what = if units == 1 {
        "one launch".to_string()
    } else {
        format!("{units} back-to-back launches, divided by {units}")
    };
    let count = match race.filter(|_| taken.out) {
        Some(r) => format!(
            "raced out after {} of {reps} reps (the median's 99% lower bound above {:.3} µs, \
             the elite cutoff {:.3} µs + {:.0}%)",
            taken.samples.len(),
            r.bar_us(),
            r.cutoff_us,
            r.margin * 100.0
        ),
        None => format!("{reps} reps"),
    };
    format!(
        "kernel-only: CUDA events around a CUDA-graph replay of {what}; {}; {count} after {} warm-up replays",
        flush_text(flush),
        plan.warmup
    )
}

fn event_pairs(gpu: &Gpu, n: usize) -> Result<Vec<(CudaEvent, CudaEvent)>> {
    let ev = || {
        gpu.context()
            .new_event(Some(CUevent_flags::CU_EVENT_DEFAULT))
            .map_err(cuda("cuEventCreate"))
    };
    (0..n).map(|_| Ok((ev()?, ev()?))).collect()
}

fn per_call(gpu: &Gpu, flush: Option<Flush>, plan: &TimingPlan, work: &Work) -> Result<Timing> {
    let stream = gpu.stream();
    for _ in 0..plan.warmup {
        work(stream)?;
    }
    gpu.synchronize("warm-up calls")?;
    let timed_call = || -> Result<f64> {
        enqueue_flush(flush, stream)?;
        gpu.synchronize("the L2 flush")?;
        let t0 = Instant::now();
        work(stream)?;
        gpu.synchronize("a timed call")?;
        Ok(t0.elapsed().as_secs_f64() * 1e6)
    };
    let t = Instant::now();
    for _ in 0..PROBE_REPS {
        timed_call()?;
    }
    let per_rep = t.elapsed().as_secs_f64() / f64::from(PROBE_REPS);
    let reps = reps_for(plan.reps, per_rep, plan.target_s);
    let samples = (0..reps)
        .map(|_| timed_call())
        .collect::<Result<Vec<f64>>>()?;
    let method = format!(
        "per call: host wall clock from the launch call to the return of cuStreamSynchronize; {}; {reps} reps after {} warm-up calls",
        flush_text(flush),
        plan.warmup
    );
    Ok(summarize_samples(method, samples))
}

/// Repetitions for a unit costing `per_rep_s` seconds of wall time (flush included): enough to
/// fill about `target_s` seconds, never fewer than `min_reps`, never more than [`MAX_REPS`]
/// (unless `min_reps` itself is more).
pub fn reps_for(min_reps: u32, per_rep_s: f64, target_s: f64) -> u32 {
    let min_reps = min_reps.max(1);
    if !per_rep_s.is_finite() || per_rep_s <= 0.0 {
        return min_reps;
    }
    let fill = (target_s / per_rep_s).ceil().min(f64::from(MAX_REPS)) as u32;
    fill.max(min_reps)
}

/// Median, p10, p90 and the 95% percentile-bootstrap CI of the median of `samples_us`.
pub(crate) fn summarize_samples(method: String, samples_us: Vec<f64>) -> Timing {
    let (ci_lo_us, ci_hi_us) = stats::median_ci(&samples_us, 0.95, CI_RESAMPLES, CI_SEED);
    Timing {
        method,
        p50_us: stats::median(&samples_us),
        p10_us: stats::percentile(&samples_us, 10.0),
        p90_us: stats::percentile(&samples_us, 90.0),
        ci_lo_us,
        ci_hi_us,
        samples_us,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_samples() {
        // 1..=101 shuffled: median 51, p10 11, p90 91; the CI brackets the median.
        let samples: Vec<f64> = (0..101).map(|i| f64::from((i * 37) % 101 + 1)).collect();
        let t = summarize_samples("m".into(), samples.clone());
        assert_eq!((t.p50_us, t.p10_us, t.p90_us), (51.0, 11.0, 91.0));
        assert!(t.ci_lo_us <= 51.0 && 51.0 <= t.ci_hi_us, "{t:?}");
        assert!(
            t.ci_lo_us >= 40.0 && t.ci_hi_us <= 62.0,
            "the CI is about ±1.3·σ/√n wide: {t:?}"
        );
        assert_eq!(t.samples_us, samples, "samples are kept in measured order");
        assert_eq!(t.method, "m");
    }

    #[test]
    fn identical_samples_give_a_zero_width_interval_and_it_is_reproducible() {
        let t = summarize_samples("m".into(), vec![12.5; 300]);
        assert_eq!((t.p50_us, t.ci_lo_us, t.ci_hi_us), (12.5, 12.5, 12.5));
        let noisy: Vec<f64> = (0..500).map(|i| 10.0 + f64::from(i % 17) * 0.1).collect();
        assert_eq!(
            summarize_samples("a".into(), noisy.clone()).ci_lo_us,
            summarize_samples("b".into(), noisy).ci_lo_us
        );
    }

    #[test]
    fn repetitions_fill_the_target_time_within_bounds() {
        // 10 µs per rep: 0.3 s / 10 µs = 30000, capped at MAX_REPS.
        assert_eq!(reps_for(100, 10e-6, TARGET_SECONDS), MAX_REPS);
        // 100 µs: 3000 reps.
        assert_eq!(reps_for(100, 100e-6, TARGET_SECONDS), 3000);
        // 13 ms: the target would need 24; the minimum of 100 wins.
        assert_eq!(reps_for(100, 13e-3, TARGET_SECONDS), 100);
        // A minimum above the cap is honoured; a bad estimate falls back to the minimum.
        assert_eq!(reps_for(50_000, 1e-6, TARGET_SECONDS), 50_000);
        assert_eq!(reps_for(100, 0.0, TARGET_SECONDS), 100);
        assert_eq!(reps_for(100, f64::NAN, TARGET_SECONDS), 100);
    }
}
