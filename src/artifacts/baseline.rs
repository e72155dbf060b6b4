//! What one baseline measurement is, as written to `bench/baseline_<name>.json`.

use crate::eval::{FlushMode, Timing, TimingProtocol};
use crate::op::ProblemSpec;
use crate::op::Role;
use crate::reference::{ErrorFigures, Tolerance};
use serde::{Deserialize, Serialize};

/// Whether a baseline has numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// Measured.
    Ok,
    /// Not measured; `reason` says why.
    Unavailable,
}

/// How the baseline's output compared with the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// Which reference, on which inputs.
    pub reference: String,
    /// The tolerance applied.
    pub tolerance: Tolerance,
    /// Error figures.
    pub errors: ErrorFigures,
    /// Whether every element is within tolerance.
    pub passed: bool,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One baseline at one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRecord {
    /// Its name in the operation's registry, e.g. "math", "cudnn_fp8" or "floor".
    pub baseline: String,
    /// Measured or not.
    pub status: BaselineStatus,
    /// Why there is no number (unavailable), or why one of the two timings is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What ran, e.g. "cuBLAS GemmStridedBatchedEx fp16 + baseline_softmax + ...".
    pub implementation: String,
    /// The problem (SDPA's shape, or a GEMM's M, N, K).
    pub shape: ProblemSpec,
    /// Its floating-point operations (4·B·H·S²·D for SDPA, 2·M·N·K for a GEMM).
    pub flops: f64,
    /// The GPU, when known.
    #[serde(default)]
    pub device: Option<String>,
    /// Kernel-only time (method says how).
    #[serde(default)]
    pub kernel_time: Option<Timing>,
    /// Per-call time (method says how).
    #[serde(default)]
    pub call_time: Option<Timing>,
    /// How L2 was flushed for `kernel_time` and `call_time` (absent in older records, whose
    /// methods say: "L2 flushed ... (memset ...)" or "L2 not flushed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flush: Option<FlushMode>,
    /// Kernel-only time under the warm protocol (L2 not flushed, a graph of 20 back-to-back
    /// launches), taken beside flushed timings (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_kernel_time: Option<Timing>,
    /// flops / kernel-only p50, TFLOP/s.
    #[serde(default)]
    pub kernel_tflops: Option<f64>,
    /// flops / per-call p50, TFLOP/s.
    #[serde(default)]
    pub call_tflops: Option<f64>,
    /// Output check, where the baseline's output was checked.
    #[serde(default)]
    pub validation: Option<Validation>,
    /// SM clock during the measurement, MHz.
    #[serde(default)]
    pub sm_clock_mhz: Option<u32>,
    /// Active throttle reasons during the measurement.
    #[serde(default)]
    pub throttle_reasons: Option<String>,
}

/// TFLOP/s of `flops` done in `us` microseconds.
pub fn tflops(flops: f64, us: f64) -> f64 {
    flops / (us * 1e-6) / 1e12
}

impl BaselineRecord {
    /// A baseline with no number, and why.
    pub fn unavailable(
        baseline: &str,
        implementation: &str,
        shape: impl Into<ProblemSpec>,
        reason: String,
    ) -> Self {
        let shape = shape.into();
        BaselineRecord {
            baseline: baseline.into(),
            status: BaselineStatus::Unavailable,
            reason: Some(reason),
            implementation: implementation.into(),
            shape,
            flops: shape.flops(),
            device: None,
            kernel_time: None,
            call_time: None,
            flush: None,
            warm_kernel_time: None,
            kernel_tflops: None,
            call_tflops: None,
            validation: None,
            sm_clock_mhz: None,
            throttle_reasons: None,
        }
    }

    /// A measured baseline; TFLOP/s follow from the medians.
    pub fn measured(
        baseline: &str,
        implementation: &str,
        shape: impl Into<ProblemSpec>,
        kernel_time: Option<Timing>,
        call_time: Option<Timing>,
    ) -> Self {
        let shape = shape.into();
        let flops = shape.flops();
        BaselineRecord {
            status: BaselineStatus::Ok,
            reason: None,
            kernel_tflops: kernel_time.as_ref().map(|t| tflops(flops, t.p50_us)),
            call_tflops: call_time.as_ref().map(|t| tflops(flops, t.p50_us)),
            kernel_time,
            call_time,
            ..BaselineRecord::unavailable(baseline, implementation, shape, String::new())
        }
    }

    /// The protocol `kernel_time` was taken under: warm when L2 was not flushed (the recorded
    /// flush mode, or for older records their method's "L2 not flushed"), else cold.
    pub fn kernel_protocol(&self) -> TimingProtocol {
        match self.flush {
            Some(mode) => mode.protocol(),
            None if self
                .kernel_time
                .as_ref()
                .is_some_and(|t| t.method.contains("L2 not flushed")) =>
            {
                TimingProtocol::Warm
            }
            None => TimingProtocol::Cold,
        }
    }

    /// The kernel-only time under `protocol`, when the record has one: `kernel_time` when it
    /// was taken that way, else the warm time taken beside it.
    pub fn kernel_time_in(&self, protocol: TimingProtocol) -> Option<&Timing> {
        if self.status != BaselineStatus::Ok {
            return None;
        }
        match (protocol, self.kernel_protocol()) {
            (p, q) if p == q => self.kernel_time.as_ref(),
            (TimingProtocol::Warm, _) => self.warm_kernel_time.as_ref(),
            (TimingProtocol::Cold, _) => None,
        }
    }

    /// TFLOP/s of the operation, or for the floor (which does none of it) the bandwidth it
    /// reached moving the candidates' inputs and output.
    fn rate(&self, p50_us: f64, tflops: f64) -> String {
        let registry = self.shape.registry();
        if registry.has_role(&self.baseline, Role::Floor) {
            let bytes = self.shape.compulsory_bytes(registry.candidates);
            format!("{:.0} GB/s", bytes / (p50_us * 1e-6) / 1e9)
        } else {
            format!("{tflops:.1} TFLOP/s")
        }
    }

    /// One line for the terminal: "math  kernel-only p50 103.9 µs (10.3 TFLOP/s) ..." or the reason.
    pub fn summary_line(&self) -> String {
        match self.status {
            BaselineStatus::Unavailable => format!(
                "{:<6} unavailable: {}",
                self.baseline,
                self.reason.as_deref().unwrap_or("")
            ),
            BaselineStatus::Ok => {
                let part = |label: &str, t: Option<&Timing>, tf: Option<f64>| match (t, tf) {
                    (Some(t), Some(tf)) => format!(
                        "{label} p50 {:.1} µs [95% CI {:.1}, {:.1}] ({})",
                        t.p50_us,
                        t.ci_lo_us,
                        t.ci_hi_us,
                        self.rate(t.p50_us, tf)
                    ),
                    _ => format!("{label} not measured"),
                };
                let check = match &self.validation {
                    Some(v) if v.passed => ", output checked".to_string(),
                    Some(v) => format!(
                        ", OUTPUT FAILED CHECK: {}",
                        v.reason.as_deref().unwrap_or("")
                    ),
                    None => String::new(),
                };
                let warm = self.warm_kernel_time.as_ref().map_or(String::new(), |t| {
                    let tf = tflops(self.flops, t.p50_us);
                    format!("; {}", part("warm kernel-only", Some(t), Some(tf)))
                });
                format!(
                    "{:<6} {}; {}{warm}{check}",
                    self.baseline,
                    part("kernel-only", self.kernel_time.as_ref(), self.kernel_tflops),
                    part("per call", self.call_time.as_ref(), self.call_tflops)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;

    fn timing(us: f64) -> Timing {
        Timing {
            method: "m".into(),
            p50_us: us,
            p10_us: us,
            p90_us: us,
            ci_lo_us: us,
            ci_hi_us: us,
            samples_us: vec![us],
        }
    }

    #[test]
    fn tflops_from_the_median() {
        // 2,8,512,64: 4·16·512²·64 = 1.0737e9 flops; in 9.7 µs that is 110.695 TFLOP/s.
        let shape = Shape::parse("2,8,512,64").unwrap();
        let r = BaselineRecord::measured("cudnn", "x", shape, Some(timing(9.7)), None);
        assert!((r.kernel_tflops.unwrap() - 110.695).abs() < 0.001, "{r:?}");
        assert_eq!(r.call_tflops, None);
        assert_eq!(r.status, BaselineStatus::Ok);
        assert!(
            r.summary_line().contains("kernel-only p50 9.7 µs"),
            "{}",
            r.summary_line()
        );
        assert!(r.summary_line().contains("per call not measured"));
    }

    #[test]
    fn the_floor_reports_bandwidth_not_flops() {
        // 2,8,512,64: 524288 elements × 5 bytes = 2.62 MB in 6.3 µs: 416 GB/s.
        let shape = Shape::parse("2,8,512,64").unwrap();
        let r = BaselineRecord::measured("floor", "x", shape, Some(timing(6.3)), None);
        assert!(
            r.summary_line().contains("(416 GB/s)"),
            "{}",
            r.summary_line()
        );
        assert!(
            !r.summary_line().contains("TFLOP/s"),
            "{}",
            r.summary_line()
        );
    }

    #[test]
    fn unavailable_has_a_reason_and_no_number_in_json() {
        let shape = Shape::parse("1,1,64,64").unwrap();
        let r = BaselineRecord::unavailable("flash", "x", shape, "torch is not importable".into());
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"], "unavailable");
        assert_eq!(json["reason"], "torch is not importable");
        assert!(json["kernel_time"].is_null() && json["kernel_tflops"].is_null());
        assert_eq!(serde_json::from_value::<BaselineRecord>(json).unwrap(), r);
    }
}
