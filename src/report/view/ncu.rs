//! Nsight Compute highlights per profiled variant, and each variant's roofline position.

use crate::artifacts::{BaselineRecord, TopK};
use crate::ncu::{KernelMetrics, NcuStatus, NcuSummary, ProfileStatus};
use crate::op::Operands;
use crate::report::compare::{Baselines, Times};
use crate::report::format::{fixed, pct, DASH};
use crate::report::load::RunData;
use crate::report::roofline::{ceilings_for, operands_of, Ceilings, Position};
use serde::Serialize;

/// The NCU section.
#[derive(Debug, Clone, Serialize)]
pub struct NcuView {
    /// How profiling went, one line.
    pub status: String,
    /// One row per profiled variant.
    pub rows: Vec<NcuRow>,
    /// Variants not profiled, with the reason.
    pub missing: Vec<String>,
    /// Which ncu metric names carried each figure.
    pub names: Vec<String>,
}

/// Highlights of one profiled variant.
#[derive(Debug, Clone, Serialize)]
pub struct NcuRow {
    /// The variant.
    pub variant: String,
    /// GPU time, µs.
    pub duration_us: String,
    /// SM throughput.
    pub sm: String,
    /// Tensor pipe utilization.
    pub tensor: String,
    /// Achieved occupancy.
    pub occupancy: String,
    /// DRAM throughput.
    pub dram: String,
    /// Registers per thread.
    pub registers: String,
    /// Shared memory per block, KiB.
    pub smem_kib: String,
    /// Grid × block.
    pub launch: String,
}

/// Builds the NCU section from ncu/summary.json.
pub fn highlights(run: &RunData, run_arg: &str) -> NcuView {
    let s = match &run.ncu {
        Ok(s) => s,
        Err(e) => {
            return NcuView {
                status: format!(
                    "Not profiled: {e}. Run `evotune ncu --run {run_arg}` on the GPU machine."
                ),
                rows: Vec::new(),
                missing: Vec::new(),
                names: Vec::new(),
            }
        }
    };
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for p in &s.profiles {
        match (&p.status, &p.total) {
            (ProfileStatus::Ok, Some(t)) => {
                rows.push(ncu_row(&display_name(&p.variant, p.rank), t))
            }
            _ => missing.push(format!(
                "{}: not profiled: {}",
                display_name(&p.variant, p.rank),
                p.reason.as_deref().unwrap_or("no reason recorded")
            )),
        }
        if let (ProfileStatus::Ok, Some(r)) = (&p.status, &p.reason) {
            missing.push(format!(
                "{}: incomplete: {r}",
                display_name(&p.variant, p.rank)
            ));
        }
    }
    if let (Ok(t), false) = (&run.topk, s.profiles.is_empty()) {
        missing.extend(unprofiled_elites(t, s));
    }
    NcuView {
        status: status_line(s),
        rows,
        missing,
        names: metric_names(s),
    }
}

fn display_name(variant: &str, rank: Option<usize>) -> String {
    match rank {
        Some(r) => format!("#{r} `{variant}`"),
        None => format!("{variant} (A)"),
    }
}

fn status_line(s: &NcuSummary) -> String {
    let what = match s.status {
        NcuStatus::Ok => "Profiled".to_string(),
        NcuStatus::Partial => "Partly profiled".into(),
        NcuStatus::Unavailable => "Not profiled: ncu is unavailable".into(),
        NcuStatus::Refused => "Not profiled: ncu was refused the GPU's counters".into(),
        NcuStatus::Failed => "Not profiled: every profile failed".into(),
    };
    let reason = s
        .reason
        .as_deref()
        .map_or(String::new(), |r| format!(" ({r})"));
    let version = s.ncu_version.as_deref().unwrap_or("ncu version unknown");
    format!("{what}{reason}. {version}; {}.", s.method)
}

fn ncu_row(variant: &str, m: &KernelMetrics) -> NcuRow {
    let launch = match (&m.grid, &m.block) {
        (Some(g), Some(b)) => format!("{g} × {b}"),
        _ => m.kernel.clone(),
    };
    NcuRow {
        variant: variant.into(),
        duration_us: fixed(m.duration_us, 2),
        sm: pct(m.sm_throughput_pct),
        tensor: pct(m.tensor_pipe_pct),
        occupancy: pct(m.achieved_occupancy_pct),
        dram: pct(m.dram_throughput_pct),
        registers: fixed(m.registers_per_thread, 0),
        smem_kib: fixed(m.smem_per_block_bytes.map(|b| b / 1024.0), 1),
        launch,
    }
}

fn unprofiled_elites(t: &TopK, s: &NcuSummary) -> Vec<String> {
    t.elites
        .iter()
        .filter(|e| !s.profiles.iter().any(|p| p.rank == Some(e.rank)))
        .map(|e| {
            format!(
                "#{} `{}`: not profiled: not among the top-K given to `evotune ncu`",
                e.rank, e.label
            )
        })
        .collect()
}

fn metric_names(s: &NcuSummary) -> Vec<String> {
    let checked = if s.metric_names_verified {
        "checked against `ncu --query-metrics` on the device"
    } else {
        "not checked on the device (first candidates)"
    };
    let mut out = vec![format!("Metric names {checked}:")];
    out.extend(s.metric_names.iter().map(|(k, v)| match v {
        Some(n) => format!("{k}: `{n}`"),
        None => format!("{k}: none of its candidate names exists here"),
    }));
    out
}

/// The roofline section.
#[derive(Debug, Clone, Serialize)]
pub struct RooflineView {
    /// Where the ceilings come from, or why there are none.
    pub ceilings: String,
    /// One row per timed variant.
    pub rows: Vec<RooflineRow>,
}

/// One variant's position.
#[derive(Debug, Clone, Serialize)]
pub struct RooflineRow {
    /// The variant.
    pub variant: String,
    /// The tensor ceiling used.
    pub ceiling: String,
    /// Achieved TFLOP/s (% of the ceiling).
    pub tflops: String,
    /// Achieved GB/s (% of DRAM bandwidth).
    pub gbps: String,
    /// FLOP/byte against the ridge point.
    pub intensity: String,
    /// Compute or memory side of the ridge.
    pub side: String,
    /// Floor time and how far above it the variant is.
    pub floor: String,
    /// Where the byte count comes from.
    pub bytes_from: String,
}

/// Positions of the baselines and elites, from kernel-only p50s.
pub fn roofline(run: &RunData, b: &Baselines) -> RooflineView {
    let gpu = run
        .manifest
        .as_ref()
        .ok()
        .and_then(|m| m.environment.gpu.clone());
    let Some(c) = gpu.as_deref().and_then(ceilings_for) else {
        let why = gpu.map_or("the GPU is not recorded in manifest.json".into(), |g| {
            format!("no ceilings are known for {g}")
        });
        return RooflineView {
            ceilings: format!("No roofline: {why}."),
            rows: Vec::new(),
        };
    };
    let ceilings = format!(
        "{}: {} TFLOP/s dense FP16, {} TFLOP/s dense FP8, {} TB/s DRAM ({}).",
        c.device, c.fp16_tflops, c.fp8_tflops, c.dram_tbps, c.source
    );
    let mut rows: Vec<RooflineRow> = run
        .registry
        .computing()
        .filter_map(|n| run.baseline(n).ok())
        .filter_map(|r| baseline_position(run, r, b, &c))
        .collect();
    if let Ok(t) = &run.topk {
        rows.extend(t.elites.iter().filter_map(|e| {
            let times = Times::of_elite(e)?;
            let measured = ncu_bytes(run, Some(e.rank));
            let name = format!("#{} `{}`", e.rank, e.label);
            Some(position_row(
                name,
                t.flops,
                times.p50_us,
                (run.registry.candidates, measured),
                &t.shape,
                &c,
            ))
        }));
    }
    RooflineView { ceilings, rows }
}

fn baseline_position(
    run: &RunData,
    r: &BaselineRecord,
    b: &Baselines,
    c: &Ceilings,
) -> Option<RooflineRow> {
    let times = Times::of_baseline(r)?;
    let is_a = b.a.as_ref().is_ok_and(|a| std::ptr::eq(*a, r));
    let measured = if is_a { ncu_bytes(run, None) } else { None };
    Some(position_row(
        r.baseline.clone(),
        r.flops,
        times.p50_us,
        (operands_of(run.registry, &r.baseline), measured),
        &r.shape,
        c,
    ))
}

/// DRAM bytes ncu measured for the elite of `rank` (or baseline A for `None`).
fn ncu_bytes(run: &RunData, rank: Option<usize>) -> Option<f64> {
    let s = run.ncu.as_ref().ok()?;
    let p = s
        .profiles
        .iter()
        .find(|p| p.rank == rank && p.status == ProfileStatus::Ok)?;
    p.total.as_ref()?.dram_bytes
}

fn position_row(
    variant: String,
    flops: f64,
    us: f64,
    (ops, measured): (Operands, Option<f64>),
    shape: &crate::op::ProblemSpec,
    c: &Ceilings,
) -> RooflineRow {
    let peak = c.peak(&ops);
    let (bytes, from) = match measured {
        Some(b) => (b, "DRAM bytes measured by ncu".to_string()),
        None => (
            shape.compulsory_bytes(ops),
            format!("compulsory bytes ({})", shape.registry().traffic),
        ),
    };
    let p = Position::of(flops, bytes, us, peak, c);
    RooflineRow {
        variant,
        ceiling: format!("FP{} {peak} TFLOP/s", ops.bits),
        tflops: format!("{:.1} ({:.1} %)", p.tflops, p.tflops_pct),
        gbps: format!("{:.0} ({:.1} %)", p.gbps, p.gbps_pct),
        intensity: format!("{:.0} (ridge {:.0})", p.intensity, p.ridge),
        side: p.side().into(),
        floor: format!("{:.2} µs ({:.1}× above)", p.floor_us, us / p.floor_us),
        bytes_from: from,
    }
}

/// The best elite's profile, or why there is none (used by the status section).
pub fn best_profile(run: &RunData) -> Result<KernelMetrics, String> {
    let s = run.ncu.as_ref().map_err(|e| e.clone())?;
    let p = s
        .profiles
        .iter()
        .find(|p| p.rank == Some(1))
        .ok_or_else(|| {
            s.reason
                .clone()
                .unwrap_or_else(|| "the best candidate was not profiled".into())
        })?;
    p.total
        .clone()
        .filter(|_| p.status == ProfileStatus::Ok)
        .ok_or_else(|| p.reason.clone().unwrap_or_else(|| DASH.into()))
}
