//! One trial as the tune log records it: the typed form of a row, written and read back.

use crate::compile::CompileRecord;
use crate::eval::EvalResponse;
use crate::space::Config;
use serde::{Deserialize, Serialize};

/// One row of the tune log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Trial number, from 0, in the order the search asked for it.
    pub trial: usize,
    /// Generation of the search (0 for a recording).
    pub generation: usize,
    /// The config.
    pub config: Config,
    /// The outcome's short name (`ok`, `invalid`, ...; see `eval::Outcome::name`).
    pub outcome: String,
    /// Kernel-only median, µs.
    pub p50_us: Option<f64>,
    /// 95% CI of the median, low end, µs.
    pub ci_lo_us: Option<f64>,
    /// 95% CI of the median, high end, µs.
    pub ci_hi_us: Option<f64>,
    /// Kernel-only samples the median comes from (absent in logs written before racing).
    pub samples: Option<u32>,
    /// Whether the race stopped its kernel-only timing early (absent when untimed, and in logs
    /// written before racing).
    pub raced_out: Option<bool>,
    /// Per-call median, µs.
    pub call_p50_us: Option<f64>,
    /// Max abs error vs the reference on the same FP8 inputs.
    pub max_abs: Option<f64>,
    /// Relative L2 error vs the reference on the same FP8 inputs.
    pub rel_l2: Option<f64>,
    /// Relative L2 error vs the full-precision reference.
    pub rel_l2_vs_full: Option<f64>,
    /// Registers per thread (ptxas).
    pub registers: Option<u32>,
    /// Spill stores + loads, bytes (ptxas).
    pub spill_bytes: Option<u32>,
    /// Static shared memory per block, bytes (ptxas).
    pub static_smem: Option<u32>,
    /// NVRTC wall time, ms.
    pub compile_ms: Option<f64>,
    /// SM clock during the measurement, MHz.
    pub sm_clock_mhz: Option<u32>,
    /// Why it failed, one line (empty when ok).
    pub reason: String,
}

impl TrialRecord {
    /// The record of an evaluated trial.
    pub fn measured(
        trial: usize,
        generation: usize,
        config: &Config,
        compile: Option<&CompileRecord>,
        r: &EvalResponse,
    ) -> Self {
        let k = r.kernel_time.as_ref();
        let res = compile.and_then(|c| c.resources);
        TrialRecord {
            trial,
            generation,
            config: config.clone(),
            outcome: r.outcome.name().to_string(),
            p50_us: k.map(|t| t.p50_us),
            ci_lo_us: k.map(|t| t.ci_lo_us),
            ci_hi_us: k.map(|t| t.ci_hi_us),
            samples: k.map(|t| t.samples_us.len() as u32),
            raced_out: k.map(|_| r.raced_out),
            call_p50_us: r.call_time.as_ref().map(|t| t.p50_us),
            max_abs: r.errors.map(|e| e.max_abs),
            rel_l2: r.errors.map(|e| e.rel_l2),
            rel_l2_vs_full: r.errors_vs_full.map(|e| e.rel_l2),
            registers: res.map(|x| x.registers),
            spill_bytes: res.map(|x| x.spill_stores + x.spill_loads),
            static_smem: res.map(|x| x.static_smem),
            compile_ms: compile.map(|c| c.compile_ms),
            sm_clock_mhz: r.sm_clock_mhz,
            reason: r.outcome.reason().replace(['\n', '\r'], " "),
        }
    }

    /// A record with an outcome and a reason but no measurement (e.g. a config a replayed log
    /// lacks).
    pub fn unmeasured(config: &Config, outcome: &str, reason: String) -> Self {
        TrialRecord {
            trial: 0,
            generation: 0,
            config: config.clone(),
            outcome: outcome.into(),
            p50_us: None,
            ci_lo_us: None,
            ci_hi_us: None,
            samples: None,
            raced_out: None,
            call_p50_us: None,
            max_abs: None,
            rel_l2: None,
            rel_l2_vs_full: None,
            registers: None,
            spill_bytes: None,
            static_smem: None,
            compile_ms: None,
            sm_clock_mhz: None,
            reason,
        }
    }

    /// Whether the trial is a usable, timed result.
    pub fn is_ok(&self) -> bool {
        self.outcome == "ok"
    }

    /// The search's fitness: kernel-only p50 in µs for a timed ok trial, else `None`.
    pub fn fitness(&self) -> Option<f64> {
        self.p50_us.filter(|p| self.is_ok() && p.is_finite())
    }

    /// The fields after the parameters, as the log's `COLUMNS` order them.
    pub(super) fn result_fields(&self) -> Vec<String> {
        let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let u = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
        let b = |v: Option<bool>| v.map(|x| x.to_string()).unwrap_or_default();
        vec![
            self.outcome.clone(),
            f(self.p50_us),
            f(self.ci_lo_us),
            f(self.ci_hi_us),
            u(self.samples),
            b(self.raced_out),
            f(self.call_p50_us),
            f(self.max_abs),
            f(self.rel_l2),
            f(self.rel_l2_vs_full),
            u(self.registers),
            u(self.spill_bytes),
            u(self.static_smem),
            f(self.compile_ms),
            u(self.sm_clock_mhz),
            self.reason.clone(),
        ]
    }
}
