//! The ncu CSV fixtures (documented `--csv --page raw` format) parsed into the metrics that the
//! run fixture's `ncu/summary.json` holds, and that summary read back.

use super::*;
use crate::artifacts::read_json;
use std::path::Path;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ncu")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn metrics_of(csv: &str) -> Vec<KernelMetrics> {
    let sel = select(Some(&Available::parse(&fixture("query_metrics.txt"))));
    let rows = parse_raw(&fixture(csv)).unwrap();
    rows.iter()
        .map(|r| KernelMetrics::from_row(r, &sel))
        .collect()
}

fn summary() -> NcuSummary {
    read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run_fixture/ncu/summary.json"),
    )
    .unwrap()
}

fn assert_close(a: &KernelMetrics, b: &KernelMetrics) {
    let pairs = [
        (a.duration_us, b.duration_us),
        (a.sm_throughput_pct, b.sm_throughput_pct),
        (a.memory_throughput_pct, b.memory_throughput_pct),
        (a.dram_throughput_pct, b.dram_throughput_pct),
        (a.dram_bytes, b.dram_bytes),
        (a.tensor_pipe_pct, b.tensor_pipe_pct),
        (a.achieved_occupancy_pct, b.achieved_occupancy_pct),
        (a.registers_per_thread, b.registers_per_thread),
        (a.smem_per_block_bytes, b.smem_per_block_bytes),
        (a.waves_per_sm, b.waves_per_sm),
    ];
    for (x, y) in pairs {
        let (x, y) = (x.expect("parsed"), y.expect("in the summary"));
        assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{x} vs {y}");
    }
    assert_eq!(a.kernel, b.kernel);
}

#[test]
fn one_candidate_launch_parses_with_units_and_separators() {
    let k = metrics_of("elite_1.raw.csv");
    assert_eq!(k.len(), 1);
    let k = &k[0];
    assert_eq!(k.kernel, "sdpa_fp8_fwd");
    assert_eq!(k.grid.as_deref(), Some("(8, 16, 1)"));
    assert!((k.duration_us.unwrap() - 13.184).abs() < 1e-9, "13,184 ns");
    assert_eq!(k.dram_bytes, Some(2_686_976.0));
    assert_eq!(k.registers_per_thread, Some(156.0));
    assert_eq!(k.smem_per_block_bytes, Some(36_928.0), "static + dynamic");
    assert_eq!(
        k.tensor_pipe_pct,
        Some(35.02),
        "the busier of HMMA and GMMA"
    );
    assert_eq!(k.achieved_occupancy_pct, Some(11.63));
}

#[test]
fn the_fixture_summary_holds_what_the_csv_fixtures_parse_to() {
    let s = summary();
    let by_name = |n: &str| s.profiles.iter().find(|p| p.name == n).unwrap();
    let elite = metrics_of("elite_1.raw.csv");
    assert_close(&elite[0], by_name("elite_1").total.as_ref().unwrap());
    let math = metrics_of("baseline_math.raw.csv");
    assert_eq!(math.len(), 3);
    let total = KernelMetrics::combine(&math).unwrap();
    assert_close(&total, by_name("baseline_math").total.as_ref().unwrap());
    let sel = select(Some(&Available::parse(&fixture("query_metrics.txt"))));
    assert_eq!(s.metric_names, sel.names);
}

#[test]
fn a_summary_round_trips_through_json() {
    let s = summary();
    let text = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<NcuSummary>(&text).unwrap(), s);
    assert_eq!(s.status, NcuStatus::Partial);
}

#[test]
fn launch_attributes_count_as_available_though_the_listing_lacks_them() {
    let listing = Available::parse("sm__throughput  SM throughput\ndram__bytes  DRAM bytes\n");
    let sel = select(Some(&listing));
    assert_eq!(
        sel.name("registers_per_thread"),
        Some("launch__registers_per_thread")
    );
    assert_eq!(
        sel.name("sm_throughput")
            .map(|n| n.starts_with("sm__throughput")),
        Some(true)
    );
    assert_eq!(
        sel.name("achieved_occupancy"),
        None,
        "a counter the listing lacks is not chosen"
    );
}

/// A raw page captured by `evotune ncu` with ncu 2025.3.1 on an H100 (the best wgmma variant of
/// docs/example), parsed with the names its header offers.
#[test]
fn a_raw_page_captured_on_an_h100_parses() {
    let csv = fixture("h100_wgmma_elite.raw.csv");
    let header = csv
        .lines()
        .find(|l| l.contains("gpu__time_duration"))
        .unwrap();
    let names: Vec<String> = header
        .split(',')
        .map(|f| f.trim_matches('"').to_string())
        .collect();
    let sel = select(Some(&Available::parse(&names.join("\n"))));
    let rows = parse_raw(&csv).unwrap();
    let k: Vec<KernelMetrics> = rows
        .iter()
        .map(|r| KernelMetrics::from_row(r, &sel))
        .collect();
    assert_eq!(k.len(), 1);
    let k = &k[0];
    assert_eq!(k.kernel, "sdpa_fp8_fwd");
    assert!((k.duration_us.unwrap() - 8.896).abs() < 1e-9);
    assert_eq!(k.registers_per_thread, Some(127.0));
    assert_eq!(k.smem_per_block_bytes, Some(87_144.0));
    assert_eq!(k.tensor_pipe_pct, Some(9.21));
    assert_eq!(k.achieved_occupancy_pct, Some(11.09));
    assert_eq!(k.dram_bytes, Some(1_603_328.0));
}
