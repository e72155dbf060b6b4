//! What scripts/cudnn_fp8_bench.py answers (one JSON line): unavailable with the reason, or the
//! versions, the scales it used and the timings; and the record's description built from it.

use super::super::script::{self, TimedOutput};
use serde::Deserialize;

/// What ran, when the script could not say more (it did not start, or answered unavailable).
pub const IMPLEMENTATION: &str = "cuDNN FP8 SDPA forward through nvidia-cudnn-frontend (graph \
sdpa_fp8, e4m3 Q/K/V with evotune's per-tensor descales, e4m3 O)";

/// The script's answer.
#[derive(Debug, Deserialize)]
pub struct ScriptOutput {
    /// Status, reason and timings.
    #[serde(flatten)]
    pub timed: TimedOutput,
    torch: Option<String>,
    cuda: Option<String>,
    cudnn_frontend: Option<String>,
    cudnn_backend: Option<String>,
    /// The GPU, as torch names it.
    pub device: Option<String>,
    scale_s: Option<f64>,
    scale_o: Option<f64>,
    descale_o: Option<f64>,
    /// max |O| as cuDNN reports it (amax_O, before scale_o).
    pub amax_o: Option<f64>,
}

/// The answer in the script's last non-empty line, or why there is none.
pub fn parse(stdout: &str) -> Result<ScriptOutput, String> {
    let line = script::last_line(stdout);
    serde_json::from_str(line)
        .map_err(|e| format!("the script printed no JSON result ({e}): '{line}'"))
}

impl ScriptOutput {
    /// What ran, with the versions and the scales of P and O, for the record.
    pub fn implementation(&self) -> String {
        if self.timed.status != "ok" {
            return IMPLEMENTATION.into();
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        let num = |v: Option<f64>| v.map_or("?".into(), |x| format!("{x}"));
        format!(
            "cuDNN {} FP8 SDPA forward through nvidia-cudnn-frontend {} (graph sdpa_fp8: \
             e4m3 Q/K/V = evotune's codes with their per-tensor descales, the problem's mask, \
             is_inference=True; P × scale_s {} to e4m3; O e4m3 with scale_o {} (descale_o {}), \
             read back dequantized to float32; PyTorch {}, CUDA {})",
            text(&self.cudnn_backend),
            text(&self.cudnn_frontend),
            num(self.scale_s),
            num(self.scale_o),
            num(self.descale_o),
            text(&self.torch),
            text(&self.cuda),
        )
    }

    /// "; cuDNN's amax_O 1.23 (× scale_o = 79 of e4m3's 448)", or nothing when not reported.
    pub fn range_note(&self) -> String {
        match (self.amax_o, self.scale_o) {
            (Some(a), Some(s)) => format!(
                "; cuDNN's amax_O {a:.4} (× scale_o = {:.0} of e4m3's 448)",
                a * s
            ),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::BaselineStatus;
    use crate::shape::Shape;

    fn shape() -> Shape {
        Shape::parse("2,8,512,64").unwrap()
    }

    /// An answer as the script prints it on an H200 (numbers made up).
    fn measured() -> String {
        serde_json::json!({
            "status": "ok", "torch": "2.11.0", "cuda": "13.0", "cudnn_frontend": "1.32.0",
            "cudnn_backend": "9.19.0", "device": "NVIDIA H200", "l2_bytes": 62914560,
            "scale_s": 256.0, "scale_o": 64.0, "descale_o": 0.015625, "amax_o": 1.5,
            "output": "o.npy",
            "kernel": {"method": "kernel-only: k", "samples_us": [12.0, 13.0, 12.5]},
            "call": {"method": "per call: c", "samples_us": [40.0, 41.0, 39.0]}
        })
        .to_string()
    }

    #[test]
    fn a_measured_answer_gives_the_timings_versions_and_scales() {
        let out = parse(&format!("a warning\n{}\n", measured())).unwrap();
        let imp = out.implementation();
        assert!(
            imp.starts_with("cuDNN 9.19.0 FP8 SDPA forward through nvidia-cudnn-frontend 1.32.0"),
            "{imp}"
        );
        assert!(
            imp.contains("scale_o 64 (descale_o 0.015625)") && imp.contains("scale_s 256"),
            "{imp}"
        );
        assert_eq!(
            out.range_note(),
            "; cuDNN's amax_O 1.5000 (× scale_o = 96 of e4m3's 448)"
        );
        let r = out
            .timed
            .record("cudnn_fp8", &imp, shape(), out.device.clone());
        assert_eq!(r.status, BaselineStatus::Ok);
        assert_eq!(r.kernel_time.as_ref().unwrap().p50_us, 12.5);
        assert_eq!(r.call_time.as_ref().unwrap().p50_us, 40.0);
        assert_eq!(r.device.as_deref(), Some("NVIDIA H200"));
        assert!(r.reason.is_none());
    }

    #[test]
    fn an_unavailable_answer_keeps_its_reason_and_no_number() {
        let line = r#"{"status": "unavailable", "reason": "nvidia-cudnn-frontend is not importable: No module named 'cudnn'"}"#;
        let out = parse(line).unwrap();
        assert_eq!(out.implementation(), IMPLEMENTATION);
        let r = out.timed.record("cudnn_fp8", IMPLEMENTATION, shape(), None);
        assert_eq!(r.status, BaselineStatus::Unavailable);
        assert!(r.reason.unwrap().contains("No module named 'cudnn'"));
        assert!(r.kernel_time.is_none() && r.call_time.is_none() && r.kernel_tflops.is_none());
    }

    #[test]
    fn a_traceback_is_no_answer() {
        let err = parse("Traceback (most recent call last):").unwrap_err();
        assert!(
            err.starts_with("the script printed no JSON result"),
            "{err}"
        );
    }
}
