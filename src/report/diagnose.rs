//! What limits a kernel, read from its Nsight Compute metrics, and the levers to try for each.

use crate::ncu::KernelMetrics;

/// Utilization (% of peak) from which a unit counts as the limit.
pub const BUSY_PCT: f64 = 60.0;

/// One limiting factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Bottleneck {
    /// "memory-bound", "tensor-pipe-bound", "SM-issue-bound ..." or "latency/occupancy-bound".
    pub kind: &'static str,
    /// The metrics that show it.
    pub evidence: String,
    /// What to try.
    pub levers: &'static [&'static str],
    /// How strongly it shows (higher first).
    pub score: f64,
}

const MEMORY_LEVERS: &[&str] = &[
    "read each K/V tile once per CTA and reuse it across more query rows (larger BLOCK_M)",
    "share K/V tiles across CTAs of a cluster (TMA multicast, wgmma family)",
    "keep every operand in e4m3 end to end: no fp16 staging copies",
];
const TENSOR_LEVERS: &[&str] = &[
    "use wgmma e4m3 (sm_90a): mma.sync e4m3 runs at the FP16 rate on sm_90",
    "overlap softmax with the next GEMM (two consumer warpgroups in ping-pong)",
    "larger MMA tiles per warp (WARP_M 32) to cut operand reloads",
];
const ISSUE_LEVERS: &[&str] = &[
    "fewer softmax instructions: exp2 with the scale folded in, one max/sum per row fragment",
    "fewer conversions: pack P to e4m3 with paired cvt instructions",
];
const LATENCY_LEVERS: &[&str] = &[
    "more CTAs when there are fewer than one wave: smaller BLOCK_M, or split the keys over CTAs with a combine step",
    "a deeper K/V ring (STAGES) and dedicated producer warps to hide load latency",
    "fewer registers per thread (smaller tiles, setmaxnreg) to raise occupancy",
];

/// The limits of `m`, strongest first; always at least one.
pub fn diagnose(m: &KernelMetrics) -> Vec<Bottleneck> {
    let pct = |v: Option<f64>| v.unwrap_or(0.0);
    let memory = pct(m.dram_throughput_pct).max(pct(m.memory_throughput_pct));
    let tensor = pct(m.tensor_pipe_pct);
    let sm = pct(m.sm_throughput_pct);
    let mut out = Vec::new();
    if memory >= BUSY_PCT {
        out.push(memory_bound(m, memory));
    }
    if tensor >= BUSY_PCT {
        out.push(Bottleneck {
            kind: "tensor-pipe-bound",
            evidence: format!("tensor pipe {tensor:.1} % of peak"),
            levers: TENSOR_LEVERS,
            score: tensor,
        });
    }
    if sm >= BUSY_PCT && tensor < BUSY_PCT {
        out.push(Bottleneck {
            kind: "SM-issue-bound (outside the tensor pipe)",
            evidence: format!("SM {sm:.1} % of peak with the tensor pipe at {tensor:.1} %"),
            levers: ISSUE_LEVERS,
            score: sm,
        });
    }
    if out.is_empty() {
        out.push(latency_bound(m, sm, memory, tensor));
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

fn memory_bound(m: &KernelMetrics, memory: f64) -> Bottleneck {
    Bottleneck {
        kind: "memory-bound",
        evidence: format!(
            "memory {memory:.1} % of peak (DRAM {})",
            opt_pct(m.dram_throughput_pct)
        ),
        levers: MEMORY_LEVERS,
        score: memory,
    }
}

fn latency_bound(m: &KernelMetrics, sm: f64, memory: f64, tensor: f64) -> Bottleneck {
    let mut evidence = format!(
        "no unit near its peak (SM {sm:.1} %, memory {memory:.1} %, tensor pipe {tensor:.1} %); \
         achieved occupancy {}",
        opt_pct(m.achieved_occupancy_pct)
    );
    if let Some(w) = m.waves_per_sm.filter(|w| *w < 1.0) {
        evidence.push_str(&format!("; {w:.2} waves: fewer CTAs than SMs can hold"));
    }
    Bottleneck {
        kind: "latency/occupancy-bound",
        evidence,
        levers: LATENCY_LEVERS,
        score: 100.0 - sm.max(memory).max(tensor),
    }
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or("not measured".into(), |x| format!("{x:.1} %"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(sm: f64, dram: f64, tensor: f64, waves: f64) -> KernelMetrics {
        KernelMetrics {
            sm_throughput_pct: Some(sm),
            dram_throughput_pct: Some(dram),
            tensor_pipe_pct: Some(tensor),
            achieved_occupancy_pct: Some(12.0),
            waves_per_sm: Some(waves),
            ..KernelMetrics::default()
        }
    }

    #[test]
    fn a_kernel_with_nothing_busy_is_latency_bound_and_names_its_waves() {
        let d = diagnose(&m(41.0, 23.0, 35.0, 0.48));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, "latency/occupancy-bound");
        assert!(d[0].evidence.contains("0.48 waves"), "{}", d[0].evidence);
    }

    #[test]
    fn busy_units_are_listed_strongest_first() {
        let d = diagnose(&m(70.0, 65.0, 82.0, 3.0));
        let kinds: Vec<_> = d.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, ["tensor-pipe-bound", "memory-bound"]);
        let d = diagnose(&m(75.0, 20.0, 30.0, 3.0));
        assert_eq!(d[0].kind, "SM-issue-bound (outside the tensor pipe)");
    }
}
