//! The machine code of the wgmma family (sdpa_fp8.toml, FAMILY = "wgmma"): FP8 wgmma (QGMMA),
//! TMA loads (UTMALDG), the setmaxnreg register hand-over, the key splits' cluster barrier
//! (UCGABAR) and the key warpgroups' named barriers really are in the cubin, so that a silent
//! fallback to a slower path fails here.
//! Needs NVRTC and nvdisasm, which scripts/test.sh installs; without either these tests fail,
//! naming what is missing.

use evotune::compile::sass::{
    disassemble, innermost_loop_with, loops, nvdisasm_path, opcode_counts,
};
use evotune::compile::{CompileRecord, Compiler};
use evotune::shape::Shape;
use evotune::space::{self, DeviceLimits};
use evotune::template::Template;
use std::collections::BTreeMap;
use std::path::Path;

/// The wgmma family's reference configuration (BENCHMARKS.md times it): two consumer
/// warpgroups of 64 query rows, 128-key tiles, two TMA stages.
const WGMMA_DEFAULT: &str = "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=128,STAGES=2,NUM_WARPS=1,\
NUM_PRODUCER_WARPS=0,Q_IN_REGS=true,SWIZZLE=64,VT_SWIZZLE=128,VT_STAGES=2,OVERLAP=false,\
ARRIVE=thread,PINGPONG=false,\
PRODUCER_REGS=40,KV_SPLITS=1,KEY_WARPGROUPS=1,TRANSPOSE=bytes,WAIT=spin,PERSISTENT=false,RESCALE=always";

/// Renders `config` of the sdpa_fp8 space at `shape` for sm_90a, compiles it (no cache) and
/// returns its compile record and opcode counts.
fn compile(config: &str, shape: &str) -> (CompileRecord, BTreeMap<String, usize>) {
    let (record, sass) = compile_sass(config, shape);
    (record, opcode_counts(&sass))
}

/// The same, returning the machine code itself.
fn compile_sass(config: &str, shape: &str) -> (CompileRecord, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    compile_sass_in(&root.join("search_spaces/sdpa_fp8.toml"), config, shape)
}

/// The same, for a config of the space file at `space_file`.
fn compile_sass_in(space_file: &Path, config: &str, shape: &str) -> (CompileRecord, String) {
    let space = space::load(space_file).unwrap();
    let shape = Shape::parse(shape).unwrap();
    let limits = DeviceLimits::hopper();
    let point = space
        .evaluate(&space.parse_config(config).unwrap(), &shape, &limits)
        .unwrap();
    assert!(point.is_valid(), "{config}: {:?}", point.violated);
    let source = Template::for_space(&space)
        .unwrap()
        .render(&space, &point, &shape, &limits)
        .unwrap();
    let compiler = Compiler::new("sm_90a", None).expect("NVRTC must be loadable for this test");
    let compiled = compiler.compile(&space.kernel, &source).unwrap();
    assert!(compiled.record.ok, "{config}:\n{}", compiled.record.log);
    assert!(
        !compiled.record.log.contains("are serialized"),
        "{config}: ptxas serialized the wgmmas:\n{}",
        compiled.record.log
    );
    let cubin = compiled.cubin.expect("a cubin");
    assert!(
        nvdisasm_path().is_some(),
        "nvdisasm is missing: scripts/test.sh installs nvidia-cuda-nvdisasm into \
         $EVOTUNE_PIP_PREFIX (or set EVOTUNE_NVDISASM)"
    );
    (compiled.record, disassemble(&cubin).unwrap())
}

fn count(ops: &BTreeMap<String, usize>, op: &str) -> usize {
    ops.get(op).copied().unwrap_or(0)
}

#[test]
fn the_default_wgmma_config_runs_fp8_wgmma_and_tma_and_spills_nothing() {
    let (record, ops) = compile(WGMMA_DEFAULT, "2,8,512,64");
    // Q K^T: D/32 = 2 k-steps; P V: BLOCK_N/32 = 4 k-steps (ptxas may unroll further, never fewer).
    assert_wgmma_and_tma(&ops, 6);
    assert_no_spills(&record);
    assert!(
        count(&ops, "USETMAXREG") >= 2,
        "setmaxnreg missing: {ops:?}"
    );
    assert_eq!(count(&ops, "HMMA"), 0, "an FP16 fallback: {ops:?}");
}

/// At least `min_qgmma` FP8 wgmma instructions and a TMA load.
fn assert_wgmma_and_tma(ops: &BTreeMap<String, usize>, min_qgmma: usize) {
    assert!(
        count(ops, "QGMMA") >= min_qgmma,
        "FP8 wgmma missing: {ops:?}"
    );
    assert!(count(ops, "UTMALDG") >= 1, "TMA loads missing: {ops:?}");
}

/// ptxas reports no spill stores or loads.
fn assert_no_spills(record: &CompileRecord) {
    let res = record.resources.as_ref().expect("a ptxas report");
    assert_eq!(
        (res.spill_stores, res.spill_loads),
        (0, 0),
        "{}",
        record.log
    );
}

#[test]
fn a_one_consumer_wgmma_variant_at_d128_runs_fp8_wgmma_and_tma() {
    let config = WGMMA_DEFAULT
        .replace("BLOCK_M=128", "BLOCK_M=64")
        .replace("SWIZZLE=64,VT", "SWIZZLE=128,VT");
    let (_, ops) = compile(&config, "8,16,8192,128");
    assert_wgmma_and_tma(&ops, 8);
}

/// Key splits: the cluster barrier (UCGABAR) that orders the partial states before the merge is
/// in the cubin, next to FP8 wgmma and TMA; the unsplit kernel has none.
#[test]
fn a_key_split_wgmma_variant_merges_through_the_cluster() {
    let config = WGMMA_DEFAULT
        .replace("BLOCK_M=128", "BLOCK_M=64")
        .replace("KV_SPLITS=1", "KV_SPLITS=2");
    let (record, ops) = compile(&config, "2,8,512,64");
    assert_wgmma_and_tma(&ops, 6);
    assert_no_spills(&record);
    assert!(
        count(&ops, "UCGABAR_ARV") >= 2,
        "cluster barrier missing: {ops:?}"
    );
    let (_, unsplit) = compile(
        &WGMMA_DEFAULT.replace("BLOCK_M=128", "BLOCK_M=64"),
        "2,8,512,64",
    );
    assert_eq!(count(&unsplit, "UCGABAR_ARV"), 0, "{unsplit:?}");
}

/// The check tells the families apart: the mma.sync family on sm_90a has no wgmma and no TMA
/// (ptxas turns its e4m3 mma.sync into FP16 HMMA on sm_90).
#[test]
fn the_mma_family_has_neither_qgmma_nor_tma() {
    let config = "FAMILY=mma,BLOCK_M=64,BLOCK_N=64,STAGES=2,NUM_WARPS=4,NUM_PRODUCER_WARPS=0,\
                  Q_IN_REGS=true,SWIZZLE=128,VT_SWIZZLE=128,VT_STAGES=2,OVERLAP=false,\
                  ARRIVE=thread,PINGPONG=false,\
                  PRODUCER_REGS=40,KV_SPLITS=1,KEY_WARPGROUPS=1,TRANSPOSE=bytes,WAIT=spin,\
                  PERSISTENT=false,RESCALE=always";
    let (_, ops) = compile(config, "2,8,512,64");
    assert_eq!(count(&ops, "QGMMA"), 0, "{ops:?}");
    assert_eq!(count(&ops, "UTMALDG"), 0, "{ops:?}");
    assert!(count(&ops, "HMMA") > 0, "{ops:?}");
}

/// Two key warpgroups: both consumers' FP8 wgmma and TMA are there, nothing spills at 384
/// threads, and the merge adds named barriers (bar.sync / bar.arrive on ids 3 and 4) to the
/// one-warpgroup kernel's.
#[test]
fn a_two_key_warpgroup_variant_merges_through_named_barriers() {
    let one = WGMMA_DEFAULT
        .replace("BLOCK_M=128", "BLOCK_M=64")
        .replace("STAGES=2,NUM", "STAGES=4,NUM");
    let two = one.replace("KEY_WARPGROUPS=1", "KEY_WARPGROUPS=2");
    let (record, ops) = compile(&two, "2,8,512,64");
    assert_wgmma_and_tma(&ops, 6);
    assert_no_spills(&record);
    let (_, single) = compile(&one, "2,8,512,64");
    assert!(
        count(&ops, "BAR") >= count(&single, "BAR") + 2,
        "merge barriers missing: {ops:?} against {single:?}"
    );
}

/// The best long-sequence configuration known before the ldmatrix transpose (8,16,8192,128 on the
/// H100, data/runs/h100-repro-8-16-8192-128), with the three options the instruction-count work
/// added left open.
const LONG_BEST: &str = "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=128,STAGES=4,NUM_WARPS=1,\
NUM_PRODUCER_WARPS=0,Q_IN_REGS=true,SWIZZLE=64,VT_SWIZZLE=32,VT_STAGES=2,OVERLAP=false,\
ARRIVE=thread,PINGPONG=true,TURN=wgmma,PRODUCER_REGS=56,KV_SPLITS=1,KEY_WARPGROUPS=1,RESCALE=always";

/// Instructions in the machine code of a variant's per-key-tile loops: the consumer's (the
/// innermost loop around its QGMMAs) and the producer's (the innermost loop around both its TMA
/// issue and its V transpose stores). Each count is of the loop's whole range, each instruction
/// once: the masked-tile branch and cold paths count, repetitions do not. It moves with the
/// instructions executed per tile, which Nsight Compute measures (BENCHMARKS.md).
fn per_tile_loops(config: &str, shape: &str, transpose_store: &str) -> (usize, usize) {
    let (_, sass) = compile_sass(config, shape);
    let found = loops(&sass);
    let consumer = innermost_loop_with(&found, &["QGMMA"]).expect("a consumer loop");
    let producer =
        innermost_loop_with(&found, &["UTMALDG", transpose_store]).expect("a producer loop");
    (consumer.len(), producer.len())
}

/// The per-tile loops' instruction counts stay at or under the bounds recorded when they were
/// last lowered: lower a bound when the kernel improves; a change that raises one says why beside
/// it (a bound is raised only for a new capability, never to let a slower kernel in).
#[test]
fn the_per_tile_loops_stay_within_their_recorded_instruction_counts() {
    // (options, shape, the transpose's store opcode, consumer bound, producer bound)
    let cases = [
        (
            "TRANSPOSE=bytes,WAIT=spin,PERSISTENT=false",
            "8,16,8192,128",
            "STS",
            625,
            // 539 before the producer's cursor carried a tile count and kv head per item
            // (causal and grouped-query problems): 3 instructions more in this variant only.
            542,
        ),
        (
            "TRANSPOSE=ldsm,WAIT=spin,PERSISTENT=false",
            "8,16,8192,128",
            "STSM",
            625,
            180,
        ),
        (
            "TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item",
            "8,16,8192,128",
            "STSM",
            625,
            // 300 before the consumers ran the first tiles of rows with few keys in a loop of
            // their own: ptxas schedules the producer's loop 3 instructions longer since.
            303,
        ),
        (
            "TRANSPOSE=ldsm,WAIT=spin,PERSISTENT=true,Q_RELEASE=item",
            "8,16,8192,64",
            "STSM",
            580,
            // A persistent producer works out each new item's tile count and kv head (causal
            // and grouped-query problems) inside its tile loop: 307 since; 319 since the
            // consumers' residual P V for rows with few keys (ptxas's schedule of the same code).
            320,
        ),
    ];
    let mut report = Vec::new();
    for (options, shape, store, consumer_max, producer_max) in cases {
        let config = format!("{LONG_BEST},{options}");
        let (consumer, producer) = per_tile_loops(&config, shape, store);
        report.push(format!(
            "{options} at {shape}: consumer {consumer} (bound {consumer_max}), producer {producer} (bound {producer_max})"
        ));
        assert!(
            consumer <= consumer_max && producer <= producer_max,
            "per-tile loops over their bounds:\n{}",
            report.join("\n")
        );
    }
    eprintln!("{}", report.join("\n"));
}

/// The best kernel measured at 8,16,8192,128 on the H200 (BENCHMARKS.md, exponential turns):
/// 128 x 192 tiles, OVERLAP, PINGPONG with TURN = exp, two V^T buffers, persistent; and the same
/// with Q_RELEASE "scores", whose consumer compares each tile's index with the item's last (two
/// instructions). Their per-tile loops stay at or under the counts recorded for them (lower them
/// when the kernel improves).
#[test]
fn the_best_long_kernel_per_tile_loops_stay_within_their_recorded_counts() {
    let config =
        "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=192,STAGES=2,SWIZZLE=128,VT_SWIZZLE=32,\
VT_STAGES=2,OVERLAP=true,PINGPONG=true,TURN=exp,ARRIVE=thread,PRODUCER_REGS=40,\
TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy,P_BUFFERS=1,PACK=after,TAIL_KEYS=0";
    let early = config.replace("Q_RELEASE=item", "Q_RELEASE=scores");
    for (config, consumer_max, producer_max) in [(config, 878, 286), (early.as_str(), 880, 286)] {
        let (consumer, producer) = per_tile_loops(config, "8,16,8192,128", "STSM");
        eprintln!("best long kernel: consumer {consumer}, producer {producer} ({config})");
        assert!(
            consumer <= consumer_max && producer <= producer_max,
            "per-tile loops over their bounds: consumer {consumer} (bound {consumer_max}), \
             producer {producer} (bound {producer_max}) of {config}"
        );
    }
}

/// TAIL_KEYS: the 192-key kernel at D 64 peels an item's last tile off as a 128-key one (its Q K^T
/// an m64n128 wgmma, which no other wgmma of the kernel is) and keeps its per-tile loop as with
/// every tile 192 keys wide (one instruction more: the loop's end); compile_sass rejects
/// serialized wgmmas (as ptxas serializes a causal kernel's, which the space therefore refuses).
#[test]
fn a_narrow_tail_adds_a_narrow_last_tile_and_keeps_the_per_tile_loop() {
    let config =
        "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=192,STAGES=2,SWIZZLE=64,VT_SWIZZLE=32,\
VT_STAGES=2,OVERLAP=true,PINGPONG=true,TURN=exp,ARRIVE=thread,PRODUCER_REGS=40,\
TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy,P_BUFFERS=1,PACK=after";
    let narrow_qk = |sass: &str| sass.matches("QGMMA.64x128x32").count();
    let shape = "4,32,2048,64";
    let full = format!("{config},TAIL_KEYS=0");
    let tail = format!("{config},TAIL_KEYS=128");
    let (_, full_sass) = compile_sass(&full, shape);
    let (_, tail_sass) = compile_sass(&tail, shape);
    assert_eq!(narrow_qk(&full_sass), 0, "{full}");
    assert!(narrow_qk(&tail_sass) >= 2, "no m64n128 Q K^T in {tail}");
    let (full_loop, _) = per_tile_loops(&full, shape, "STSM");
    let (tail_loop, _) = per_tile_loops(&tail, shape, "STSM");
    assert!(
        tail_loop <= full_loop + 1,
        "the per-tile loop grew from {full_loop} to {tail_loop} with {tail}"
    );
    // 1000 = 5 x 192 + 40: a 64-key last tile (at D 64 its Q K^T is an m64n64, as P V is).
    let (_, narrow_sass) = compile_sass(&format!("{config},TAIL_KEYS=64"), "2,8,1000,64");
    let n64 = |sass: &str| sass.matches("QGMMA.64x64x32").count();
    assert!(
        n64(&narrow_sass) > n64(&full_sass),
        "no m64n64 Q K^T with TAIL_KEYS=64"
    );
}

/// OVERLAP runs its wgmmas pipelined: Q K^T of the next tile and P V of this one are issued back
/// to back with one wait between them (wait_group 1) and, between that wait and the wait for P V
/// (wait_group 0), the next tile's softmax: at least one exponential per score of the thread.
/// Pins a kernel whose OVERLAP ptxas had serialized (a wait after every wgmma: its warnings
/// C7513/C7514, which compile_sass also rejects), then one whose softmax ptxas scheduled after
/// both waits, and the wide key tiles FA3 uses at D 128, which ptxas serialized for want of
/// registers (C7512) while the block boundary before the wait was a trap.
#[test]
fn overlapped_variants_run_the_softmax_between_their_waits() {
    let open = "BLOCK_M=128,NUM_WARPS=1,NUM_PRODUCER_WARPS=0,Q_IN_REGS=true,SWIZZLE=64,\
VT_SWIZZLE=32,VT_STAGES=2,OVERLAP=true,ARRIVE=thread,PRODUCER_REGS=24,KV_SPLITS=1,\
KEY_WARPGROUPS=1,TRANSPOSE=ldsm,WAIT=spin,PERSISTENT=true,Q_RELEASE=item,FAMILY=wgmma,ROWSUM=inline,RESCALE=always,\
P_BUFFERS=1,TAIL_KEYS=0";
    let cases = [
        ("BLOCK_N=96,STAGES=3,PINGPONG=false", "8,16,8192,128", 48),
        ("BLOCK_N=160,STAGES=2,PINGPONG=false", "8,16,8192,64", 80),
        (
            "BLOCK_N=96,STAGES=3,PINGPONG=true,TURN=wgmma",
            "4,32,2048,128",
            48,
        ),
        ("BLOCK_N=224,STAGES=2,PINGPONG=false", "8,16,8192,128", 112),
        (
            "BLOCK_N=192,STAGES=2,PINGPONG=true,TURN=wgmma",
            "8,16,8192,128",
            96,
        ),
        (
            "BLOCK_N=192,STAGES=2,PINGPONG=true,TURN=exp,PACK=after",
            "8,16,8192,128",
            96,
        ),
    ];
    for (options, shape, scores) in cases {
        let config = format!("{open},{options}");
        let (_, sass) = compile_sass(&config, shape);
        let between = between_waits(&sass).unwrap_or_else(|| panic!("{options}: no wait_group 1"));
        let exps = between.iter().filter(|l| l.contains("MUFU.EX2")).count();
        assert!(
            exps >= scores,
            "{options} at {shape}: {exps} exponentials between the waits, expected at least {scores}"
        );
    }
}

/// P_BUFFERS = 2: the next tile's P is packed into the second buffer as its exponentials come
/// (e4m3 conversions among the MUFU.EX2 of the loop's last step), where one buffer packs it only
/// after the wait for P V, behind every exponential. compile_sass rejects the kernel if ptxas
/// serialized its wgmmas.
#[test]
fn two_p_buffers_pack_the_next_tile_among_its_exponentials() {
    let open =
        "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=160,STAGES=2,SWIZZLE=128,VT_SWIZZLE=32,\
VT_STAGES=2,OVERLAP=true,PINGPONG=true,TURN=exp,ARRIVE=thread,PRODUCER_REGS=40,\
TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy";
    let early_packs = |buffers: u32| {
        let pack = if buffers == 1 {
            ",PACK=after,TAIL_KEYS=0"
        } else {
            ""
        };
        let config = format!("{open},P_BUFFERS={buffers}{pack}");
        let (_, sass) = compile_sass(&config, "8,16,8192,128");
        let step = from_last_wait_for_scores(&sass, &config);
        let step = &step[..step
            .iter()
            .position(|l| l.contains("QGMMA"))
            .unwrap_or(step.len())];
        let last_exp = step
            .iter()
            .rposition(|l| l.contains("MUFU.EX2"))
            .unwrap_or_else(|| panic!("{config}: no exponential after the last wait_group 1"));
        step[..last_exp]
            .iter()
            .filter(|l| l.contains("F2FP.SATFINITE.E4M3.F32"))
            .count()
    };
    let (one, two) = (early_packs(1), early_packs(2));
    assert!(
        one == 0 && two >= 8,
        "e4m3 packs before the step's last exponential: {one} with one P buffer (expected 0), \
         {two} with two (expected at least 8)"
    );
}

/// The machine code from the last `wait_group 1` (the overlapped loop's last step, after its
/// wait for the next tile's scores) to the end.
fn from_last_wait_for_scores<'a>(sass: &'a str, config: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = sass.lines().collect();
    let wait = lines
        .iter()
        .rposition(|l| l.contains("DEPBAR.LE gsb0, 0x1"))
        .unwrap_or_else(|| panic!("{config}: no wait_group 1"));
    lines[wait..].to_vec()
}

/// The machine code between the last `wait_group 1` and the `wait_group 0` after it: the
/// overlapped loop over the tiles of rows with many keys, which follows the loop over the first
/// tiles of rows with few keys (where the residual's P V comes after the packing, and ptxas may
/// wait earlier: those are one or two tiles of a problem).
fn between_waits(sass: &str) -> Option<Vec<&str>> {
    let lines: Vec<&str> = sass.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.contains("DEPBAR.LE gsb0, 0x1"))?;
    let end = lines[start..]
        .iter()
        .position(|l| l.contains("DEPBAR.LE gsb0, 0x0"))?;
    Some(lines[start..start + end].to_vec())
}

/// TURN = "exp": in the overlapped loop the consumer waits for its turn (BAR.SYNC) before the
/// tile's exponentials and hands the turn over (BAR.ARV) after them, so that the MUFU unit runs
/// one consumer's exponentials at a time while the other does the rest of its tile; with wgmma
/// turns no named barrier sits between the waits.
#[test]
fn exp_turns_bracket_the_tile_exponentials() {
    let open =
        "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=192,STAGES=2,SWIZZLE=128,VT_SWIZZLE=32,VT_STAGES=2,\
OVERLAP=true,PINGPONG=true,ARRIVE=thread,PRODUCER_REGS=40,TRANSPOSE=ldsm,WAIT=suspend,\
PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy,P_BUFFERS=1,TAIL_KEYS=0";
    for turn in ["exp", "wgmma"] {
        let pack = if turn == "exp" { ",PACK=after" } else { "" };
        let config = format!("{open},TURN={turn}{pack}");
        let (_, sass) = compile_sass(&config, "8,16,8192,128");
        let between = between_waits(&sass).unwrap_or_else(|| panic!("{config}: no wait_group 1"));
        let sync = between.iter().position(|l| l.contains("BAR.SYNC"));
        let arrive = between.iter().position(|l| l.contains("BAR.ARV"));
        if turn == "wgmma" {
            assert_eq!(
                (sync, arrive),
                (None, None),
                "TURN=wgmma: a named barrier between the waits"
            );
            continue;
        }
        let (sync, arrive) = (
            sync.expect("TURN=exp: no BAR.SYNC"),
            arrive.expect("no BAR.ARV"),
        );
        let exps = between[sync..arrive.max(sync)]
            .iter()
            .filter(|l| l.contains("MUFU.EX2"))
            .count();
        assert!(
            exps >= 96,
            "TURN=exp: {exps} exponentials inside the turn, expected 96"
        );
    }
}

/// ROWSUM = "late": the row sums are added after P is packed, so the overlapped loop's
/// exponentials issue back to back; with ROWSUM = "inline" ptxas puts one FADD of the row sum
/// after each exponential (waiting on the MUFU unit's latency for the one before).
#[test]
fn late_row_sums_leave_the_exponentials_back_to_back() {
    let open = "FAMILY=wgmma,BLOCK_M=128,BLOCK_N=192,STAGES=2,SWIZZLE=128,VT_SWIZZLE=32,\
VT_STAGES=2,OVERLAP=true,PINGPONG=true,TURN=exp,ARRIVE=thread,PRODUCER_REGS=40,\
TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy,P_BUFFERS=1,PACK=after,TAIL_KEYS=0";
    let fadds_among_exps = |rowsum: &str| {
        let config = format!("{open},ROWSUM={rowsum}");
        let (_, sass) = compile_sass(&config, "8,16,8192,128");
        let between = between_waits(&sass).unwrap_or_else(|| panic!("{config}: no wait_group 1"));
        let exps: Vec<usize> = (0..between.len())
            .filter(|&i| between[i].contains("MUFU.EX2"))
            .collect();
        assert!(exps.len() >= 96, "{config}: {} exponentials", exps.len());
        let (first, last) = (exps[0], exps[exps.len() - 1]);
        between[first..last]
            .iter()
            .filter(|l| l.contains(" FADD "))
            .count()
    };
    let (inline, late) = (fadds_among_exps("inline"), fadds_among_exps("late"));
    assert!(
        inline >= 90 && late <= 4,
        "FADDs among the exponentials: {inline} inline (expected at least 90), {late} late \
         (expected at most 4)"
    );
}

/// PACK = "turn": the next tile's P is packed inside the exponential turn, its e4m3 conversions
/// among the MUFU.EX2 (after the turn's BAR.SYNC, before the last exponential of the step);
/// with "after" every conversion of the step comes after its last exponential.
#[test]
fn packing_in_the_turn_puts_the_conversions_among_the_exponentials() {
    let open =
        "FAMILY=wgmma,ROWSUM=inline,BLOCK_M=128,BLOCK_N=160,STAGES=2,SWIZZLE=128,VT_SWIZZLE=32,\
VT_STAGES=2,OVERLAP=true,PINGPONG=true,TURN=exp,ARRIVE=thread,PRODUCER_REGS=40,\
TRANSPOSE=ldsm,WAIT=suspend,PERSISTENT=true,Q_RELEASE=item,RESCALE=lazy,P_BUFFERS=1,TAIL_KEYS=0";
    let packs_in_turn = |pack: &str| {
        let config = format!("{open},PACK={pack}");
        let (_, sass) = compile_sass(&config, "8,16,8192,128");
        let step = from_last_wait_for_scores(&sass, &config);
        let sync = step
            .iter()
            .position(|l| l.contains("BAR.SYNC"))
            .unwrap_or_else(|| panic!("{config}: no turn after the last wait_group 1"));
        let last_exp = step
            .iter()
            .rposition(|l| l.contains("MUFU.EX2"))
            .unwrap_or_else(|| panic!("{config}: no exponential after the last wait_group 1"));
        step[sync..last_exp.max(sync)]
            .iter()
            .filter(|l| l.contains("F2FP.SATFINITE.E4M3.F32"))
            .count()
    };
    let (after, turn) = (packs_in_turn("after"), packs_in_turn("turn"));
    assert!(
        after == 0 && turn >= 20,
        "e4m3 packs between the turn's start and its last exponential: {after} with PACK=after \
         (expected 0), {turn} with PACK=turn (expected at least 20 of 40)"
    );
}
