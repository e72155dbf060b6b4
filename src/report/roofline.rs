//! Where a variant sits against the device's ceilings: achieved TFLOP/s and GB/s, arithmetic
//! intensity, the ridge point, and the floor time of the problem.

use crate::op::{sdpa, Operands, Registry};

/// A device's peak rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ceilings {
    /// The device, as the table names it.
    pub device: &'static str,
    /// Dense FP16/BF16 tensor rate, TFLOP/s.
    pub fp16_tflops: f64,
    /// Dense FP8 tensor rate, TFLOP/s.
    pub fp8_tflops: f64,
    /// DRAM bandwidth, TB/s.
    pub dram_tbps: f64,
    /// Where the numbers come from.
    pub source: &'static str,
}

const H100_SXM: Ceilings = Ceilings {
    device: "H100 SXM5 80GB HBM3",
    fp16_tflops: 989.0,
    fp8_tflops: 1979.0,
    dram_tbps: 3.35,
    source: "NVIDIA H100 Tensor Core GPU datasheet (SXM5; dense, without sparsity); \
             measured on this project's H100: a wgmma e4m3 loop at 1961 TFLOP/s, an HBM copy at 3.0 TB/s",
};

const H100_PCIE: Ceilings = Ceilings {
    device: "H100 PCIe 80GB",
    fp16_tflops: 756.0,
    fp8_tflops: 1513.0,
    dram_tbps: 2.0,
    source: "NVIDIA H100 Tensor Core GPU datasheet (PCIe; dense, without sparsity)",
};

const H200: Ceilings = Ceilings {
    device: "H200 SXM 141GB HBM3e",
    fp16_tflops: 989.0,
    fp8_tflops: 1979.0,
    dram_tbps: 4.8,
    source: "NVIDIA H200 Tensor Core GPU datasheet (SXM; dense, without sparsity)",
};

/// The ceilings of the GPU named `gpu` (as nvidia-smi names it), when known.
pub fn ceilings_for(gpu: &str) -> Option<Ceilings> {
    match gpu {
        g if g.contains("H200") => Some(H200),
        g if g.contains("H100") && g.contains("PCIe") => Some(H100_PCIE),
        g if g.contains("H100") => Some(H100_SXM),
        _ => None,
    }
}

impl Ceilings {
    /// The dense tensor rate at `ops`' input width, TFLOP/s.
    pub fn peak(&self, ops: &Operands) -> f64 {
        if ops.bits == 8 {
            self.fp8_tflops
        } else {
            self.fp16_tflops
        }
    }
}

/// What baseline `name` computes with, as `registry` says (fp16 for a name it lacks).
pub fn operands_of(registry: &Registry, name: &str) -> Operands {
    registry.baseline(name).map_or(sdpa::FP16, |b| b.operands)
}

/// One variant on the roofline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Achieved TFLOP/s.
    pub tflops: f64,
    /// Achieved fraction of the tensor ceiling, %.
    pub tflops_pct: f64,
    /// Achieved GB/s.
    pub gbps: f64,
    /// Achieved fraction of DRAM bandwidth, %.
    pub gbps_pct: f64,
    /// FLOP per DRAM byte.
    pub intensity: f64,
    /// The ceiling's ridge point, FLOP per byte.
    pub ridge: f64,
    /// The floor time, µs: the larger of flops at the tensor ceiling and bytes at DRAM speed.
    pub floor_us: f64,
}

impl Position {
    /// `flops` and `bytes` done in `us` against a tensor ceiling `peak_tflops` and `c`'s bandwidth.
    pub fn of(flops: f64, bytes: f64, us: f64, peak_tflops: f64, c: &Ceilings) -> Self {
        let tflops = flops / (us * 1e-6) / 1e12;
        let gbps = bytes / (us * 1e-6) / 1e9;
        let floor_us = (flops / (peak_tflops * 1e12)).max(bytes / (c.dram_tbps * 1e12)) * 1e6;
        Position {
            tflops,
            tflops_pct: 100.0 * tflops / peak_tflops,
            gbps,
            gbps_pct: 100.0 * gbps / (c.dram_tbps * 1e3),
            intensity: flops / bytes,
            ridge: peak_tflops / c.dram_tbps,
            floor_us,
        }
    }

    /// "compute side" or "memory side" of the ridge.
    pub fn side(&self) -> &'static str {
        if self.intensity >= self.ridge {
            "compute side"
        } else {
            "memory side"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Problem;
    use crate::op::REGISTRY;
    use crate::shape::Shape;

    #[test]
    fn the_h100_ceilings_and_a_position_by_hand() {
        let c = ceilings_for("NVIDIA H100 80GB HBM3").unwrap();
        assert_eq!(c.fp8_tflops, 1979.0);
        assert!(ceilings_for("NVIDIA A100-SXM4-80GB").is_none());
        // 1.0737e9 flops, 2.62e6 bytes in 13.12 µs: 81.8 TFLOP/s, 200 GB/s.
        let shape = Shape::parse("2,8,512,64").unwrap();
        let bytes = shape.compulsory_bytes(sdpa::CANDIDATES);
        assert_eq!(bytes, 2_621_440.0);
        let p = Position::of(shape.flops(), bytes, 13.12, c.fp8_tflops, &c);
        assert!((p.tflops - 81.84).abs() < 0.01, "{p:?}");
        assert!((p.gbps - 199.8).abs() < 0.1, "{p:?}");
        // Floor: max(1.0737e9/1.979e15, 2.62e6/3.35e12) = max(0.543, 0.783) µs.
        assert!((p.floor_us - 0.7825).abs() < 1e-3, "{p:?}");
        assert_eq!(
            p.side(),
            "memory side",
            "409.6 FLOP/byte is under the FP8 ridge of 590.7"
        );
    }

    #[test]
    fn cudnn_fp8_moves_one_byte_per_element_at_the_fp8_rate() {
        let c = ceilings_for("NVIDIA H200").unwrap();
        let fp8 = operands_of(REGISTRY, "cudnn_fp8");
        assert_eq!(
            (c.peak(&fp8), fp8.input_bytes, fp8.output_bytes),
            (1979.0, 1, 1)
        );
        let fp16 = operands_of(REGISTRY, "cudnn");
        assert_eq!(
            (c.peak(&fp16), fp16.input_bytes, fp16.output_bytes),
            (989.0, 2, 2)
        );
        // 2,8,512,64: 524288 elements × 4 bytes.
        let shape = Shape::parse("2,8,512,64").unwrap();
        assert_eq!(shape.compulsory_bytes(fp8), 2_097_152.0);
    }
}
