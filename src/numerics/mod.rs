//! Number formats of the kernels' inputs and outputs: FP8 codes, fp16/bf16 bits, per-tensor scales.

pub mod fp8;
pub mod half;
mod minifloat;
pub mod scale;

#[cfg(test)]
mod fp8_tables;
#[cfg(test)]
mod half_tables;

pub use fp8::{decode_e4m3, decode_e5m2, encode_e4m3, encode_e5m2, E4M3_MAX, E5M2_MAX};
pub use half::{bf16_bits_to_f32, f16_bits_to_f32, f32_to_bf16_bits, f32_to_f16_bits};
pub use scale::{dequantize_e4m3, descale_for, quantize_e4m3};
