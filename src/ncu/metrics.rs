//! The metrics `evotune ncu` collects, each with candidate names (metric names differ between
//! GPUs and ncu versions), and the choice among them from what `ncu --query-metrics` lists.

use std::collections::{BTreeMap, BTreeSet};

/// One logical metric and the ncu names that may carry it, preferred first.
#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    /// The key used in `summary.json`'s `metric_names`.
    pub key: &'static str,
    /// The candidate ncu metric names, preferred first.
    pub candidates: &'static [&'static str],
}

/// Every metric collected. Tensor-pipe utilization has one key per pipe (HMMA for mma.sync,
/// GMMA for wgmma on sm_90); the summary reports the busiest one found.
pub const METRICS: &[MetricSpec] = &[
    spec("duration", &["gpu__time_duration.sum"]),
    spec(
        "sm_throughput",
        &["sm__throughput.avg.pct_of_peak_sustained_elapsed"],
    ),
    spec(
        "memory_throughput",
        &["gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed"],
    ),
    spec(
        "dram_throughput",
        &[
            "dram__throughput.avg.pct_of_peak_sustained_elapsed",
            "gpu__dram_throughput.avg.pct_of_peak_sustained_elapsed",
        ],
    ),
    spec("dram_bytes", &["dram__bytes.sum"]),
    spec(
        "achieved_occupancy",
        &["sm__warps_active.avg.pct_of_peak_sustained_active"],
    ),
    spec(
        "tensor_pipe_hmma",
        &[
            "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active",
            "sm__inst_executed_pipe_tensor_op_hmma.avg.pct_of_peak_sustained_active",
        ],
    ),
    spec(
        "tensor_pipe_gmma",
        &[
            "sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_active",
            "sm__inst_executed_pipe_tensor_op_gmma.avg.pct_of_peak_sustained_active",
        ],
    ),
    spec(
        "tensor_pipe",
        &["sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active"],
    ),
    spec("registers_per_thread", &["launch__registers_per_thread"]),
    spec("smem_static", &["launch__shared_mem_per_block_static"]),
    spec("smem_dynamic", &["launch__shared_mem_per_block_dynamic"]),
    spec("grid_size", &["launch__grid_size"]),
    spec("block_size", &["launch__block_size"]),
    spec("waves_per_sm", &["launch__waves_per_multiprocessor"]),
];

const fn spec(key: &'static str, candidates: &'static [&'static str]) -> MetricSpec {
    MetricSpec { key, candidates }
}

/// The prefix of ncu's launch attributes.
const LAUNCH_PREFIX: &str = "launch__";

/// The metric names ncu lists for the device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Available(BTreeSet<String>);

impl Available {
    /// Reads `ncu --query-metrics [--query-metrics-mode all]` output: the first word of each
    /// line that looks like a metric name (`unit__counter[.suffix]`).
    pub fn parse(text: &str) -> Self {
        let names = text
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| is_metric_name(w))
            .map(str::to_string)
            .collect();
        Available(names)
    }

    /// Whether `name` is listed, in full or by its base name (the part before the first `.`;
    /// the default query mode lists base names only).
    /// Launch attributes (`launch__*`: registers, shared memory, grid, block, waves) are not
    /// hardware counters: ncu reports them for every kernel but `--query-metrics` does not list
    /// them (seen with ncu 2025.3 on an H100), so they count as available.
    pub fn has(&self, name: &str) -> bool {
        let base = name.split('.').next().unwrap_or(name);
        name.starts_with(LAUNCH_PREFIX) || self.0.contains(name) || self.0.contains(base)
    }

    /// Whether the listing holds any metric at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn is_metric_name(w: &str) -> bool {
    w.contains("__")
        && w.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// The names chosen for each metric key.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Key → the ncu name used, or `None` when no candidate is available on this device.
    pub names: BTreeMap<String, Option<String>>,
    /// Whether the names were checked against the device's listing (false: first candidates,
    /// unchecked, because the listing could not be read).
    pub verified: bool,
}

impl Selection {
    /// The ncu names to pass to `--metrics`.
    pub fn metric_names(&self) -> Vec<String> {
        self.names.values().flatten().cloned().collect()
    }

    /// The ncu name chosen for `key`.
    pub fn name(&self, key: &str) -> Option<&str> {
        self.names.get(key).and_then(|n| n.as_deref())
    }
}

/// The first available candidate of every metric; without a listing, every first candidate.
pub fn select(available: Option<&Available>) -> Selection {
    let names = METRICS
        .iter()
        .map(|m| {
            let found = match available {
                Some(a) => m.candidates.iter().find(|c| a.has(c)),
                None => m.candidates.first(),
            };
            (m.key.to_string(), found.map(|s| s.to_string()))
        })
        .collect();
    Selection {
        names,
        verified: available.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = "Device NVIDIA H100 80GB HBM3 (GH100)\n\
        ------------------------------------------------ -----------------\n\
        Metric Name                                       Metric Description\n\
        dram__bytes                                       # of bytes accessed in DRAM\n\
        dram__throughput                                  DRAM throughput\n\
        gpu__time_duration                                total duration in nanoseconds\n\
        sm__pipe_tensor_op_gmma_cycles_active             # of cycles where GMMA pipe was active\n\
        launch__registers_per_thread                      registers per thread\n";

    #[test]
    fn the_listing_gives_base_names_and_ignores_prose() {
        let a = Available::parse(LISTING);
        assert!(a.has("dram__bytes.sum"));
        assert!(a.has("gpu__time_duration.sum"));
        assert!(!a.has("sm__throughput.avg.pct_of_peak_sustained_elapsed"));
        assert!(!a.has("Metric"));
    }

    #[test]
    fn selection_takes_the_first_available_candidate_and_records_misses() {
        let a = Available::parse(LISTING);
        let s = select(Some(&a));
        assert!(s.verified);
        assert_eq!(s.name("duration"), Some("gpu__time_duration.sum"));
        assert_eq!(
            s.name("tensor_pipe_gmma"),
            Some("sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_active")
        );
        assert_eq!(s.name("tensor_pipe_hmma"), None);
        assert_eq!(s.name("sm_throughput"), None);
        assert!(!s.metric_names().iter().any(|n| n.contains("hmma")));
    }

    #[test]
    fn without_a_listing_every_first_candidate_is_used_unverified() {
        let s = select(None);
        assert!(!s.verified);
        assert_eq!(s.metric_names().len(), METRICS.len());
    }
}
