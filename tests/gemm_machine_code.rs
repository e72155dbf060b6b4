//! The machine code of the FP8 GEMM family (gemm_fp8.toml): a cluster kernel really multicasts
//! its shared operand (UTMALDG.*.MULTICAST), releases stages on its partner's mbarriers (remote
//! SYNCS arrivals) and opens and closes with the cluster barrier (UCGABAR); a split-K kernel
//! really counts its units with a GPU-scope atomic add (ATOMG.E.ADD); and the default kernel has
//! none of them, so that a silent fallback to the single-CTA path fails here.
//! Needs NVRTC and nvdisasm, which scripts/test.sh installs; without either these tests fail,
//! naming what is missing.

use evotune::compile::sass::{disassemble, nvdisasm_path};
use evotune::compile::{CompileRecord, Compiler};
use evotune::op::Gemm;
use evotune::space::{self, DeviceLimits};
use evotune::template::Template;
use std::path::Path;

/// A ragged problem where clusters and splits are valid: 8 × 8 tiles of 128, 8 K slices.
const PROBLEM: &str = "1000,1000,1024";

/// Renders `config` (`default,K=V,...`) of the GEMM space at [`PROBLEM`] for sm_90a, compiles it
/// (no cache) and returns its compile record and machine code.
fn compile_sass(config: &str) -> (CompileRecord, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = space::load(&root.join("search_spaces/gemm_fp8.toml")).unwrap();
    let gemm: Gemm = PROBLEM.parse().unwrap();
    let limits = DeviceLimits::hopper();
    let point = space
        .evaluate(&space.parse_config(config).unwrap(), &gemm, &limits)
        .unwrap();
    assert!(point.is_valid(), "{config}: {:?}", point.violated);
    let source = Template::for_space(&space)
        .unwrap()
        .render(&space, &point, &gemm, &limits)
        .unwrap();
    let compiler = Compiler::new("sm_90a", None).expect("NVRTC must be loadable for this test");
    let compiled = compiler.compile(&space.kernel, &source).unwrap();
    assert!(compiled.record.ok, "{config}:\n{}", compiled.record.log);
    assert!(
        nvdisasm_path().is_some(),
        "nvdisasm is missing: scripts/test.sh installs nvidia-cuda-nvdisasm into \
         $EVOTUNE_PIP_PREFIX (or set EVOTUNE_NVDISASM)"
    );
    let cubin = compiled.cubin.expect("a cubin");
    (compiled.record, disassemble(&cubin).unwrap())
}

/// Instructions whose mnemonic (with its modifiers) starts with `prefix`.
fn count(sass: &str, prefix: &str) -> usize {
    sass.lines()
        .filter_map(|line| line.split_once("*/").map(|(_, code)| code))
        .filter_map(|code| {
            let mut words = code.split_whitespace();
            let word = words.next()?;
            if word.starts_with('@') {
                words.next()
            } else {
                Some(word)
            }
        })
        .filter(|op| op.starts_with(prefix))
        .count()
}

/// FP8 wgmma and TMA loads are there, and nothing spills.
fn assert_wgmma_tma_no_spills(record: &CompileRecord, sass: &str) {
    assert!(count(sass, "QGMMA") >= 4, "FP8 wgmma missing");
    assert!(count(sass, "UTMALDG") >= 2, "TMA loads missing");
    let res = record.resources.as_ref().expect("a ptxas report");
    assert_eq!(
        (res.spill_stores, res.spill_loads),
        (0, 0),
        "{}",
        record.log
    );
}

#[test]
fn the_default_kernel_has_no_multicast_no_cluster_barrier_and_no_atomics() {
    let (record, sass) = compile_sass("default");
    assert_wgmma_tma_no_spills(&record, &sass);
    assert_eq!(count(&sass, "UTMALDG.3D.MULTICAST"), 0);
    assert_eq!(count(&sass, "UCGABAR"), 0);
    assert_eq!(count(&sass, "ATOMG"), 0);
    assert_eq!(
        count(&sass, "SYNCS.ARRIVE.TRANS64.RED"),
        0,
        "remote arrivals"
    );
}

/// Both cluster shapes: the shared operand multicast, the other loaded alone, releases that
/// reach the partner's mbarriers, the cluster barrier at the start and at the end.
#[test]
fn a_cluster_kernel_multicasts_its_shared_operand_and_syncs_the_cluster() {
    for cluster in ["CLUSTER_M=2", "CLUSTER_N=2"] {
        let (record, sass) = compile_sass(&format!("default,{cluster}"));
        assert_wgmma_tma_no_spills(&record, &sass);
        assert!(
            count(&sass, "UTMALDG.3D.MULTICAST") >= 1,
            "{cluster}: no multicast TMA load"
        );
        let plain = count(&sass, "UTMALDG.3D") - count(&sass, "UTMALDG.3D.MULTICAST");
        assert!(
            plain >= 1,
            "{cluster}: the unshared operand's load is missing"
        );
        assert!(
            count(&sass, "UCGABAR_ARV") >= 2 && count(&sass, "UCGABAR_WAIT") >= 2,
            "{cluster}: the cluster barriers at the start and the end are missing"
        );
        assert!(
            count(&sass, "SYNCS.ARRIVE.TRANS64.RED") >= 1,
            "{cluster}: no remote mbarrier arrival"
        );
        assert_eq!(count(&sass, "ATOMG"), 0, "{cluster}: no split, no atomics");
    }
}

/// Split K: the per-tile counter's atomic add at GPU scope, the partials' 16-byte stores and
/// their loads through L2; no cluster machinery.
#[test]
fn a_split_k_kernel_counts_its_units_with_a_gpu_scope_atomic() {
    for split in ["SPLIT_K=2", "SPLIT_K=4,CONSUMERS=1"] {
        let (record, sass) = compile_sass(&format!("default,{split}"));
        assert_wgmma_tma_no_spills(&record, &sass);
        assert!(
            count(&sass, "ATOMG.E.ADD.STRONG.GPU") >= 1,
            "{split}: no GPU-scope atomic add"
        );
        assert!(
            count(&sass, "STG.E.128") >= 1,
            "{split}: no 16-byte partial stores"
        );
        assert!(
            count(&sass, "LDG.E.128.STRONG.GPU") >= 1,
            "{split}: the partials are not read through L2"
        );
        assert_eq!(count(&sass, "UCGABAR"), 0, "{split}: no cluster");
        assert_eq!(
            count(&sass, "UTMALDG.3D.MULTICAST"),
            0,
            "{split}: no multicast"
        );
    }
}

/// Both at once: a 2 × 1 cluster splitting K has the multicast, the cluster barrier and the
/// atomic.
#[test]
fn a_cluster_kernel_with_split_k_has_both() {
    let (record, sass) = compile_sass("default,CLUSTER_M=2,SPLIT_K=2");
    assert_wgmma_tma_no_spills(&record, &sass);
    assert!(count(&sass, "UTMALDG.3D.MULTICAST") >= 1);
    assert!(count(&sass, "UCGABAR_ARV") >= 2);
    assert!(count(&sass, "ATOMG.E.ADD.STRONG.GPU") >= 1);
}
