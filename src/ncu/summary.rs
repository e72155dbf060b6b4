//! `ncu/summary.json`: what was profiled, the headline metrics of each kernel, which ncu metric
//! names carried them, and — when nothing could be profiled — why.

use super::metrics::Selection;
use super::raw_csv::RawRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Whether profiling ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NcuStatus {
    /// Every target was profiled.
    Ok,
    /// Some targets were profiled; the others' `reason` says why not.
    Partial,
    /// ncu is not installed or not found.
    Unavailable,
    /// ncu ran but may not read the GPU's counters (ERR_NVGPUCTRPERM).
    Refused,
    /// ncu ran and nothing could be profiled.
    Failed,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NcuSummary {
    /// Outcome of the profiling as a whole.
    pub status: NcuStatus,
    /// Why it is not `ok`.
    #[serde(default)]
    pub reason: Option<String>,
    /// The ncu executable used.
    #[serde(default)]
    pub ncu: Option<PathBuf>,
    /// `ncu --version`'s last line.
    #[serde(default)]
    pub ncu_version: Option<String>,
    /// How the profiles were taken (clock control, launches, cache control).
    pub method: String,
    /// Metric key → the ncu metric name used (null: none of its candidates exists here).
    pub metric_names: BTreeMap<String, Option<String>>,
    /// Whether the names were checked against `ncu --query-metrics` on this device.
    pub metric_names_verified: bool,
    /// One entry per profiled target (baseline, elites).
    pub profiles: Vec<Profile>,
}

/// Whether one target was profiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileStatus {
    /// Profiled.
    Ok,
    /// Not profiled; `reason` says why.
    Failed,
}

/// The profile of one target: a baseline or an elite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// File stem under ncu/, e.g. "elite_1" or "baseline_math".
    pub name: String,
    /// What it is: "math" for baseline A, or the elite's config label.
    pub variant: String,
    /// The elite's rank (absent for a baseline).
    #[serde(default)]
    pub rank: Option<usize>,
    /// Profiled or not.
    pub status: ProfileStatus,
    /// Why not, or what is incomplete.
    #[serde(default)]
    pub reason: Option<String>,
    /// The command that was profiled.
    pub command: Vec<String>,
    /// The report file, relative to the run folder.
    #[serde(default)]
    pub report: Option<PathBuf>,
    /// The raw CSV, relative to the run folder.
    #[serde(default)]
    pub csv: Option<PathBuf>,
    /// One entry per profiled kernel launch.
    pub kernels: Vec<KernelMetrics>,
    /// The launches together (durations summed, percentages weighted by duration); equal to
    /// the only kernel when there is one.
    #[serde(default)]
    pub total: Option<KernelMetrics>,
}

/// The headline metrics of one kernel launch (or of several combined).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KernelMetrics {
    /// Kernel name ("+"-joined when combined).
    pub kernel: String,
    /// Grid size as ncu prints it.
    #[serde(default)]
    pub grid: Option<String>,
    /// Block size as ncu prints it.
    #[serde(default)]
    pub block: Option<String>,
    /// GPU time, µs.
    #[serde(default)]
    pub duration_us: Option<f64>,
    /// SM throughput, % of peak.
    #[serde(default)]
    pub sm_throughput_pct: Option<f64>,
    /// Memory throughput (the busiest memory unit), % of peak.
    #[serde(default)]
    pub memory_throughput_pct: Option<f64>,
    /// DRAM throughput, % of peak.
    #[serde(default)]
    pub dram_throughput_pct: Option<f64>,
    /// Bytes read and written in DRAM.
    #[serde(default)]
    pub dram_bytes: Option<f64>,
    /// Tensor pipe utilization, % of peak (the busiest tensor pipe found).
    #[serde(default)]
    pub tensor_pipe_pct: Option<f64>,
    /// Achieved occupancy, % of the maximum warps per SM.
    #[serde(default)]
    pub achieved_occupancy_pct: Option<f64>,
    /// Registers per thread.
    #[serde(default)]
    pub registers_per_thread: Option<f64>,
    /// Shared memory per block (static + dynamic), bytes.
    #[serde(default)]
    pub smem_per_block_bytes: Option<f64>,
    /// Waves of blocks per SM.
    #[serde(default)]
    pub waves_per_sm: Option<f64>,
}

impl KernelMetrics {
    /// The metrics of one raw row, read through the names `sel` chose.
    pub fn from_row(row: &RawRow, sel: &Selection) -> Self {
        let v = |key: &str| sel.name(key).and_then(|n| row.value(n));
        let tensor = ["tensor_pipe_hmma", "tensor_pipe_gmma", "tensor_pipe"]
            .iter()
            .filter_map(|k| v(k))
            .reduce(f64::max);
        let smem = match (v("smem_static"), v("smem_dynamic")) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        KernelMetrics {
            kernel: row.kernel.clone(),
            grid: row.grid.clone(),
            block: row.block.clone(),
            duration_us: v("duration"),
            sm_throughput_pct: v("sm_throughput"),
            memory_throughput_pct: v("memory_throughput"),
            dram_throughput_pct: v("dram_throughput"),
            dram_bytes: v("dram_bytes"),
            tensor_pipe_pct: tensor,
            achieved_occupancy_pct: v("achieved_occupancy"),
            registers_per_thread: v("registers_per_thread"),
            smem_per_block_bytes: smem,
            waves_per_sm: v("waves_per_sm"),
        }
    }

    /// Several launches as one: durations and bytes summed, percentages weighted by duration,
    /// registers and shared memory the largest. `None` for no launches.
    pub fn combine(kernels: &[KernelMetrics]) -> Option<KernelMetrics> {
        match kernels {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(combine_many(many)),
        }
    }
}

fn combine_many(ks: &[KernelMetrics]) -> KernelMetrics {
    let sum = |f: fn(&KernelMetrics) -> Option<f64>| ks.iter().filter_map(f).reduce(|a, b| a + b);
    let max = |f: fn(&KernelMetrics) -> Option<f64>| ks.iter().filter_map(f).reduce(f64::max);
    let weighted = |f: fn(&KernelMetrics) -> Option<f64>| {
        let (num, den) = ks
            .iter()
            .filter_map(|k| Some((f(k)?, k.duration_us?)))
            .fold((0.0, 0.0), |(n, d), (x, w)| (n + x * w, d + w));
        (den > 0.0).then(|| num / den)
    };
    KernelMetrics {
        kernel: ks
            .iter()
            .map(|k| k.kernel.as_str())
            .collect::<Vec<_>>()
            .join(" + "),
        grid: None,
        block: None,
        duration_us: sum(|k| k.duration_us),
        sm_throughput_pct: weighted(|k| k.sm_throughput_pct),
        memory_throughput_pct: weighted(|k| k.memory_throughput_pct),
        dram_throughput_pct: weighted(|k| k.dram_throughput_pct),
        dram_bytes: sum(|k| k.dram_bytes),
        tensor_pipe_pct: weighted(|k| k.tensor_pipe_pct),
        achieved_occupancy_pct: weighted(|k| k.achieved_occupancy_pct),
        registers_per_thread: max(|k| k.registers_per_thread),
        smem_per_block_bytes: max(|k| k.smem_per_block_bytes),
        waves_per_sm: max(|k| k.waves_per_sm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(name: &str, us: f64, sm: f64) -> KernelMetrics {
        KernelMetrics {
            kernel: name.into(),
            duration_us: Some(us),
            sm_throughput_pct: Some(sm),
            registers_per_thread: Some(us),
            ..KernelMetrics::default()
        }
    }

    #[test]
    fn combined_launches_sum_time_and_weight_percentages_by_time() {
        let c = KernelMetrics::combine(&[k("a", 10.0, 80.0), k("b", 30.0, 40.0)]).unwrap();
        assert_eq!(c.kernel, "a + b");
        assert_eq!(c.duration_us, Some(40.0));
        assert_eq!(c.sm_throughput_pct, Some(50.0));
        assert_eq!(c.registers_per_thread, Some(30.0));
        assert_eq!(c.dram_bytes, None);
        assert_eq!(KernelMetrics::combine(&[]), None);
    }
}
