//! evotune's own kernels (the float32 references, the baseline softmax, the bit comparison, the
//! protocol's floor, the read pass of the L2 flush), compiled with NVRTC for the device's arch through the crate's
//! [`Compiler`] and its cache.

use super::device::{Gpu, Kernel};
use crate::compile::Compiler;
use crate::error::{Error, Result};

/// kernel_templates/reference_sdpa_f32.cu: entry points `sdpa_reference_f32` (float in/out) and
/// `sdpa_reference_contract` (the FP8 kernel contract).
pub const REFERENCE_SOURCE: &str = include_str!("../../kernel_templates/reference_sdpa_f32.cu");

/// kernel_templates/reference_gemm_f32.cu: entry point `gemm_reference_f32`.
pub const GEMM_REFERENCE_SOURCE: &str =
    include_str!("../../kernel_templates/reference_gemm_f32.cu");

/// The side of the GEMM reference's square tiles and thread blocks (`REF_TILE` in the source).
pub const GEMM_REFERENCE_TILE: u32 = 16;

/// kernel_templates/baseline_softmax.cu: entry point `baseline_softmax`.
pub const SOFTMAX_SOURCE: &str = include_str!("../../kernel_templates/baseline_softmax.cu");

/// kernel_templates/count_differences_u16.cu: entry point `count_differences_u16`.
pub const COMPARE_SOURCE: &str = include_str!("../../kernel_templates/count_differences_u16.cu");

/// kernel_templates/floor_stream.cu: entry point `floor_stream`.
pub const FLOOR_SOURCE: &str = include_str!("../../kernel_templates/floor_stream.cu");

/// kernel_templates/gemm_floor_stream.cu: entry point `gemm_floor_stream`.
pub const GEMM_FLOOR_SOURCE: &str = include_str!("../../kernel_templates/gemm_floor_stream.cu");

/// kernel_templates/l2_flush_read.cu: entry point `l2_flush_read`.
pub const FLUSH_READ_SOURCE: &str = include_str!("../../kernel_templates/l2_flush_read.cu");

/// Threads per block the flush's read kernel is written for (`FLUSH_THREADS` in the source).
pub const FLUSH_THREADS: u32 = 256;

/// Threads per block the floor kernel requires (`FLOOR_THREADS` in the source).
pub const FLOOR_THREADS: u32 = 256;

/// Threads per block the GEMM floor kernel requires (`GEMM_FLOOR_THREADS` in the source).
pub const GEMM_FLOOR_THREADS: u32 = 256;

/// Threads per block the comparison kernel is written for (`COMPARE_THREADS` in the source).
pub const COMPARE_THREADS: u32 = 256;

/// Threads per block the reference kernels require (`REF_THREADS` in the source).
pub const REFERENCE_THREADS: u32 = 128;

/// Threads per block the softmax kernel requires (`SOFTMAX_THREADS` in the source).
pub const SOFTMAX_THREADS: u32 = 256;

/// Compiles (or takes from the cache) one of evotune's own kernels and loads it.
pub fn load_builtin(gpu: &Gpu, compiler: &Compiler, kernel: &str, source: &str) -> Result<Kernel> {
    let cubin = compile_builtin(compiler, kernel, source)?;
    gpu.load_kernel(cubin, kernel, 0)
}

/// Compiles one of evotune's own kernels; a compile error (never expected) carries NVRTC's log.
fn compile_builtin(compiler: &Compiler, kernel: &str, source: &str) -> Result<Vec<u8>> {
    let compiled = compiler.compile(kernel, source)?;
    match compiled.cubin {
        Some(cubin) => Ok(cubin.as_ref().clone()),
        None => Err(Error::Nvrtc(format!(
            "evotune's own kernel {kernel} did not compile for {}:\n{}",
            compiled.record.arch, compiled.record.log
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constants above match the sources' #defines.
    #[test]
    fn thread_counts_match_the_sources() {
        assert!(REFERENCE_SOURCE.contains(&format!("#define REF_THREADS {REFERENCE_THREADS}\n")));
        assert!(
            GEMM_REFERENCE_SOURCE.contains(&format!("#define REF_TILE {GEMM_REFERENCE_TILE}\n"))
        );
        assert!(SOFTMAX_SOURCE.contains(&format!("#define SOFTMAX_THREADS {SOFTMAX_THREADS}\n")));
        assert!(COMPARE_SOURCE.contains(&format!("#define COMPARE_THREADS {COMPARE_THREADS}\n")));
        assert!(FLOOR_SOURCE.contains(&format!("#define FLOOR_THREADS {FLOOR_THREADS}\n")));
        assert!(GEMM_FLOOR_SOURCE.contains(&format!(
            "#define GEMM_FLOOR_THREADS {GEMM_FLOOR_THREADS}\n"
        )));
        assert!(FLUSH_READ_SOURCE.contains(&format!("#define FLUSH_THREADS {FLUSH_THREADS}\n")));
    }

    /// The sources compile for sm_90a with NVRTC (no GPU needed), each entry point present.
    #[test]
    fn builtin_kernels_compile_for_hopper() {
        let compiler = Compiler::new("sm_90a", None).expect("NVRTC must be loadable for this test");
        for (kernel, source) in [
            ("sdpa_reference_f32", REFERENCE_SOURCE),
            ("sdpa_reference_contract", REFERENCE_SOURCE),
            ("gemm_reference_f32", GEMM_REFERENCE_SOURCE),
            ("baseline_softmax", SOFTMAX_SOURCE),
            ("count_differences_u16", COMPARE_SOURCE),
            ("floor_stream", FLOOR_SOURCE),
            ("gemm_floor_stream", GEMM_FLOOR_SOURCE),
            ("l2_flush_read", FLUSH_READ_SOURCE),
        ] {
            let compiled = compiler.compile(kernel, source).unwrap();
            assert!(compiled.record.ok, "{kernel}:\n{}", compiled.record.log);
            let res = compiled.record.resources.expect("a ptxas report");
            assert_eq!(res.spill_stores, 0, "{kernel} spills");
        }
    }

    /// The flush's read kernel keeps its load: one 128-bit global load (LDG.E.128) in its
    /// machine code, and a store only behind the branch (regression guard against a compiler
    /// that sees the sink is never written and drops the read that the flush is for).
    #[test]
    fn the_flush_read_kernel_loads_every_chunk() {
        let compiler = Compiler::new("sm_90a", None).expect("NVRTC must be loadable for this test");
        let compiled = compiler
            .compile("l2_flush_read", FLUSH_READ_SOURCE)
            .unwrap();
        let cubin = compiled.cubin.expect("it compiles");
        let sass = crate::compile::sass::disassemble(&cubin).expect("nvdisasm runs");
        let loads = sass.lines().filter(|l| l.contains("LDG.E.128")).count();
        assert_eq!(loads, 1, "{sass}");
        assert_eq!(
            sass.lines().filter(|l| l.contains("STG.E")).count(),
            1,
            "{sass}"
        );
    }

    /// The GEMM floor moves A, Bᵀ and D 16 bytes at a time: 128-bit loads for A and for Bᵀ,
    /// a 128-bit store for D's whole chunks in its machine code (a floor made of narrower
    /// accesses would be no floor).
    #[test]
    fn the_gemm_floor_kernel_moves_16_bytes_at_a_time() {
        let compiler = Compiler::new("sm_90a", None).expect("NVRTC must be loadable for this test");
        let compiled = compiler
            .compile("gemm_floor_stream", GEMM_FLOOR_SOURCE)
            .unwrap();
        let cubin = compiled.cubin.expect("it compiles");
        let sass = crate::compile::sass::disassemble(&cubin).expect("nvdisasm runs");
        let count = |op: &str| sass.lines().filter(|l| l.contains(op)).count();
        assert!(count("LDG.E.128") >= 2, "{sass}");
        assert!(count("STG.E.128") >= 1, "{sass}");
    }

    /// The reference source has no tera syntax: rendered as a template it is unchanged (the
    /// test space tests/fixtures/reference_contract.toml relies on it).
    #[test]
    fn reference_source_renders_unchanged_through_tera() {
        let path = std::path::Path::new("reference_sdpa_f32.cu");
        let t = crate::template::Template::from_text(path, REFERENCE_SOURCE).unwrap();
        let space = crate::space::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/reference_contract.toml"
        )))
        .unwrap();
        let shape = crate::shape::Shape::parse("1,1,8,8").unwrap();
        let limits = crate::space::DeviceLimits::hopper();
        let point = space.evaluate(&space.default, &shape, &limits).unwrap();
        assert_eq!(
            t.render(&space, &point, &shape, &limits).unwrap(),
            REFERENCE_SOURCE
        );
    }

    /// The broken test kernels (tests/fixtures/broken/*.cu) compile, each defining the contract's
    /// entry point, so that the GPU fault tests fail only for the reason each one plants.
    #[test]
    fn broken_fixtures_compile_for_hopper() {
        let compiler = Compiler::new("sm_90a", None).expect("NVRTC must be loadable for this test");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/broken");
        for name in [
            "oob_write",
            "hang",
            "wrong_result",
            "skip_outputs",
            "drift_when_timed",
        ] {
            let source = std::fs::read_to_string(format!("{dir}/{name}.cu")).unwrap();
            let compiled = compiler.compile("sdpa_fp8_fwd", &source).unwrap();
            assert!(compiled.record.ok, "{name}:\n{}", compiled.record.log);
            assert!(
                compiled.record.resources.is_some(),
                "{name}: no sdpa_fp8_fwd entry point"
            );
        }
    }
}
